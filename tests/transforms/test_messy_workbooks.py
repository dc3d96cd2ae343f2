"""The messy-submission corpus read end to end: bytes written to a temp inbox → `read_book` → `parse_book`,
checked against what each fixture states (tests/fixtures/messy_workbooks.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from kepu.sources.books import ReadError, read_book
from kepu.schemas.issues import CATALOGUE
from tests.fixtures.messy_workbooks import CAMPAIGN_YEAR, FIXTURES, UNREADABLE, Fixture, registry_rows
from kepu.transforms.grid import Book, is_blank
from kepu.transforms.identity import UnitIndex
from kepu.transforms.submission import ParsedSubmission, parse_book
from kepu.transforms.units import build_units

ROW_KINDS = {"activity", "rejected", "total", "footer", "note"}
MISSING = "<not in record>"


@pytest.fixture(scope="module")
def unit_index() -> UnitIndex:
    return UnitIndex(build_units(registry_rows()))


@pytest.fixture(scope="module", params=sorted(FIXTURES))
def case(request, tmp_path_factory) -> tuple[Fixture, Book, ParsedSubmission]:
    """One fixture written into its own temp inbox, read and parsed once for all the checks below."""
    fx = FIXTURES[request.param]()
    book = read_book(fx.write(tmp_path_factory.mktemp(request.param)))
    return fx, book, parse_book(book, CAMPAIGN_YEAR)


def cited(issue) -> tuple[str, str | None, str | None]:
    where = f"{issue.sheet}!{issue.cell}" if issue.cell else issue.sheet
    return (issue.code, where, issue.raw_value)


def test_corpus_is_large_enough() -> None:
    assert len(FIXTURES) >= 25
    assert all(FIXTURES[name]().name == name for name in FIXTURES)


def test_table_found_where_stated(case) -> None:
    fx, _, parsed = case
    assert (parsed.detail_sheet, parsed.header_rows) == (fx.detail_sheet, fx.header_rows)


def test_activity_rows_exactly(case) -> None:
    fx, _, parsed = case
    actual = [{key: row.get(key, MISSING) for key in expected} for row, expected in zip(parsed.activities, fx.rows)]
    assert actual == list(fx.rows)
    assert len(parsed.activities) == len(fx.rows)


def test_issues_exactly(case) -> None:
    fx, _, parsed = case
    assert Counter(cited(i) for i in parsed.issues) == Counter(fx.issues)


def test_issue_messages_are_filled_chinese(case) -> None:
    _, _, parsed = case
    for issue in parsed.issues:
        assert issue.severity == CATALOGUE[issue.code].severity
        assert issue.message and "{" not in issue.message and issue.message.isascii() is False
        assert issue.cell is None or issue.sheet is not None


def test_summary_figures(case) -> None:
    fx, _, parsed = case
    figures = None if parsed.summary is None else {k: v for k, v in parsed.summary.values.items() if v is not None}
    assert (figures or None) == fx.summary


def test_declared_identity(case, unit_index) -> None:
    fx, _, parsed = case
    ident = parsed.identity
    declared = (ident.unit_code.value if ident.unit_code else None,
                ident.unit_name.value if ident.unit_name else None, ident.reported_on)
    assert declared == fx.declared
    if fx.identity is not None:
        resolution = unit_index.resolve(declared[0], declared[1], fx.relpath)
        assert (resolution.status, resolution.unit_code, resolution.identified_by) == fx.identity


def test_row_kinds_as_stated(case) -> None:
    fx, _, parsed = case
    kinds = dict(parsed.row_kinds)
    for row in fx.rows:
        assert kinds[row["source_row"]] == ("activity" if row["row_status"] == "ok" else "rejected")
    if fx.row_kinds is not None:
        assert tuple(parsed.row_kinds) == fx.row_kinds


def test_every_nonempty_row_ends_as_exactly_one_kind(case) -> None:
    """Counted from the grid itself: each row under the header with content inside the table's columns
    (a bare printed 序号 in the first column is not content) appears once in row_kinds."""
    fx, book, parsed = case
    if fx.detail_sheet is None:
        assert parsed.row_kinds == []
        return
    sheet = book.sheet(fx.detail_sheet)
    first_header, last_header = (n - sheet.first_row - 1 for n in fx.header_rows)
    header_columns = [c for r in (first_header, last_header) for c in range(sheet.width)
                      if not is_blank(sheet.value(r, c))]
    span = range(min(header_columns), max(header_columns) + 1)

    def has_content(r: int) -> bool:
        cells = [(c, sheet.value(r, c)) for c in span if not is_blank(sheet.value(r, c))]
        bare_number = len(cells) == 1 and cells[0][0] == span.start and isinstance(cells[0][1], (int, float))
        return bool(cells) and not bare_number

    nonempty = [sheet.row_number(r) for r in range(last_header + 1, sheet.height) if has_content(r)]
    assert [row for row, _ in parsed.row_kinds] == nonempty
    assert {kind for _, kind in parsed.row_kinds} <= ROW_KINDS
    assert sum(kind in ("activity", "rejected") for _, kind in parsed.row_kinds) == len(parsed.activities)


@pytest.mark.parametrize("unreadable", UNREADABLE, ids=lambda u: u.name)
def test_unreadable_files_are_refused_with_a_reason(unreadable, tmp_path) -> None:
    with pytest.raises(ReadError) as refused:
        read_book(unreadable.write(tmp_path))
    assert refused.value.code == unreadable.code
    assert refused.value.code in CATALOGUE
