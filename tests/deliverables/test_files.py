"""Putting output files in place: atomically, under names every file system accepts."""

from __future__ import annotations

import pytest

from kepu.deliverables.files import safe_filename, write_atomically


def test_write_atomically_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out" / "a.xlsx"
    target.parent.mkdir()
    target.write_text("old")

    def broken(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["a.xlsx"]


@pytest.mark.parametrize(("name", "safe"), [
    ("东升街道", "东升街道"),
    ("双流区/东升街道", "双流区东升街道"),
    ('a\\b:c*d?e"f<g>h|i', "abcdefghi"),
    ("科协\x00\x1f\x7f", "科协"),
    ("  ..江源市科协.. ", "江源市科协"),
    ("CON", "D01"),
    ("///", "D01"),
    ("长" * 200, "长" * 80),
])
def test_safe_filename(name, safe):
    assert safe_filename(name, "D01") == safe
