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
