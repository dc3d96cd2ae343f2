"""The README's promises: its SQL examples run against a real warehouse, its two commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_at_least_six_queries():
    assert len(sql_blocks()) >= 6


@pytest.mark.parametrize("sql", sql_blocks(), ids=lambda s: s.split("from", 1)[1].split()[0])
def test_readme_query_runs_and_returns_rows(demo_city, sql):
    con = duckdb.connect(str(demo_city.root / "warehouse" / "kepu.duckdb"), read_only=True)
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    assert rows


def test_quick_start_is_exactly_make_demo_and_make_test():
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("##", 1)[0]
    assert re.findall(r"^make \w+", quick, re.M) == ["make demo", "make test"]
    makefile = (README.parent / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (README.parent / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_sources_configuration_is_a_valid_one(tmp_path):
    """The README's [[sources]] example, as it stands, loads: one source of each kind, no credential in it."""
    from kepu.settings import load_settings
    from tests.builders import config_text, make_city

    block = next(b for b in re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
                 if "[[sources]]" in b)
    city = make_city(tmp_path / "city")
    city.config.write_text(config_text() + block, encoding="utf-8")

    settings = load_settings(city.config)

    assert sorted({s.scheme for s in settings.sources}) == ["file", "imaps", "s3", "sftp", "webdavs"]
    assert all(s.kind in ("folder", "store", "mailbox") for s in settings.sources)
    assert (settings.source_retries, settings.source_retry_delay_s) == (2, 10.0)
    assert "password =" not in block and "secret" not in block.lower().replace("secret_access_key", "")


def clerks_day_commands() -> list[str]:
    """The `kepu …` lines of the README's *The clerk's day*, as typed (comments after `#` dropped)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## The clerk's day", 1)[1].split("\n## ", 1)[0]
    lines = [line.split("  #")[0].strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)
             for line in block.splitlines()]
    return [line for line in lines if line.startswith("kepu ")]


def test_the_clerk_s_day_runs_as_written_from_the_demo_folder(demo_city, kepu_children, tmp_path):
    """Every command of the clerk's day, from where the README says to stand (`cd demo`), exits 0."""
    import shlex
    import shutil

    from tests.kepu_process import kepu

    commands = clerks_day_commands()
    assert {c.split()[1] for c in commands} >= {"console", "run", "status", "decide", "sql"}
    assert commands[0].startswith("kepu console")  # the console first; it serves until stopped (tests/console)
    commands = [c for c in commands if not c.startswith("kepu console")]
    folder = tmp_path / "demo"
    shutil.copytree(demo_city.root, folder)
    for command in commands:
        result = kepu(*shlex.split(command)[1:], cwd=folder, timeout=900)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stderr
