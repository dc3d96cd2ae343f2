"""The reader against everything that is not a tidy report: hostile files (zip and entity bombs, sheets that
claim billions of cells), misnamed ones, small test files of public spreadsheet projects and workbooks damaged
by the mutant generator. All of it is read in one child process whose address space is capped, so a reader
that tried to allocate a bomb would die there, naming the file, instead of taking the test run with it.

Outcomes only: time and memory per file are measured by `make corpus` (tests/corpus.py), never here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kepu.schemas.issues import CATALOGUE, REJECTED_FILE_CODES
from tests.corpus import collect, limit_memory

MEMORY_CAP_MB = 2048
"""Far above the per-file bound (300 MB), far below what an unchecked bomb asks for (GBs to TBs)."""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, tuple]:
    folder = tmp_path_factory.mktemp("corpus")
    entries = collect(folder, {"hostile", "misnamed", "public", "mutant"}, per_seed=12)
    listing = "".join(f"{e.family}\t{e.name}\t{e.relpath}\t{e.path}\n" for e in entries)
    child = subprocess.run([sys.executable, "-m", "tests.corpus", "--batch", str(folder)], input=listing,
                           capture_output=True, text=True, timeout=900, cwd=Path(__file__).parents[2],
                           preexec_fn=lambda: limit_memory(MEMORY_CAP_MB))
    lines = [json.loads(line) for line in child.stdout.splitlines() if line.startswith("{")]
    started = [line["start"] for line in lines if "start" in line]
    done = {line["name"]: line for line in lines if "name" in line}
    assert child.returncode == 0 and len(done) == len(entries), (
        f"the reader died on {started[-1] if started else '?'}: exit {child.returncode}\n{child.stderr[-2000:]}")
    return {f"{e.family}/{e.name}": (e, done[f"{e.family}/{e.name}"]) for e in entries}


def test_nothing_raises_and_every_file_ends_read_or_refused(outcomes):
    crashes = {name: (o["code"], o["reason"]) for name, (_, o) in outcomes.items() if o["kind"] == "crash"}
    assert crashes == {}


def test_hostile_and_misnamed_files_get_exactly_their_refusal(outcomes):
    wrong = {name: o["code"] for name, (e, o) in outcomes.items() if e.expected and o["code"] != e.expected}
    assert wrong == {}


def test_every_refusal_is_a_catalogued_reason_in_chinese(outcomes):
    for name, (_, o) in outcomes.items():
        if o["kind"] == "refused":
            assert o["code"] in REJECTED_FILE_CODES and o["code"] in CATALOGUE, name
            assert o["reason"] and not o["reason"].isascii() and "{" not in o["reason"], name


def test_every_non_empty_row_of_a_read_table_is_accounted_for(outcomes):
    unaccounted = {name: o["unaccounted"] for name, (_, o) in outcomes.items() if o["kind"] == "read" and o["unaccounted"]}
    assert unaccounted == {}


def test_mutants_are_both_read_and_refused(outcomes):
    """The generator does damage the files (some are refused) without destroying all of them (some still read)."""
    kinds = {o["kind"] for name, (e, o) in outcomes.items() if e.family == "mutant"}
    assert kinds == {"read", "refused"}


def test_public_files_are_read_or_refused_for_what_they_are(outcomes):
    public = {e.name: (o["kind"], o["code"]) for e, o in outcomes.values() if e.family == "public"}
    assert public == {
        "apachepoi_14460.xls": ("read", None), "bom_first_line": ("read", None),
        "logfmt": ("refused", "file_not_spreadsheet"), "sub_char": ("read", None),
        "valid_markup": ("read", None), "whitespace_table": ("read", None),
    }
