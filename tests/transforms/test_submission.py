"""`parse_book`, the one entry from a grid of cells to typed records.

The messy-submission corpus read end to end: bytes written to a temp inbox → `read_book` → `parse_book`,
checked against what each fixture states (tests/fixtures/messy_workbooks.py). And random small grids:
whatever the cells hold, it returns a well-formed parse and never falls back to its last-resort
`parse_failed` guard (which would mean a bug met on real input)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kepu.schemas.issues import CATALOGUE
from kepu.schemas.synonyms import SYNONYMS
from kepu.sources.books import ReadError, read_book
from kepu.transforms.grid import Book, Sheet, is_blank
from kepu.transforms.identity import UnitIndex
from kepu.transforms.submission import ParsedSubmission, parse_book
from kepu.transforms.units import build_units
from tests.corpus import unaccounted_rows
from tests.fixtures.messy_workbooks import CAMPAIGN_YEAR, FIXTURES, UNREADABLE, Fixture, registry_rows

LABELS = sorted({
    *(label for f in SYNONYMS.detail_fields for label in (f.header, *f.synonyms)),
    *SYNONYMS.total_labels, *SYNONYMS.footer_labels, *SYNONYMS.note_labels, *SYNONYMS.unit_name_labels,
    *SYNONYMS.unit_code_labels, *SYNONYMS.reported_on_labels,
    *(name for i in SYNONYMS.summary_indicators for name in (i.name, *i.synonyms)),
    "活动时间", "开始", "结束", "（人次）", "（份）", "经费（元）", "指标名称", "计量单位", "数量",
})
WRITTEN = ("约500", "4000多", "三百", "1.2万", "—", "/", "无", "9月16日", "9.16-9.18", "2023.9.16", "300人",
           "-5", "1.5万元", "3000元", "填报单位：东升街道（盖章） 单位代码：T0101", "注：含线上", "22日", "很多")

cells = st.one_of(
    st.none(),
    st.sampled_from(LABELS),
    st.sampled_from(WRITTEN),
    st.text(max_size=12),
    st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
    st.times(),
    st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)),
)
merged_ranges = st.tuples(*(st.integers(min_value=0, max_value=12) for _ in range(4)))


HEADERS = [f.header for f in SYNONYMS.detail_fields]


@st.composite
def sheets(draw, name: str) -> Sheet:
    """A random grid; often its first or second row is a shuffled header, so rows get read as a table."""
    width = draw(st.integers(min_value=0, max_value=7))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width), max_size=9))
    if draw(st.booleans()):
        header = ["活动名称", "开始日期", "参与人数", *draw(st.lists(st.sampled_from(HEADERS), max_size=5))]
        rows.insert(draw(st.integers(min_value=0, max_value=min(1, len(rows)))), draw(st.permutations(header)))
    return Sheet(
        name=name,
        rows=tuple(tuple(row) for row in rows),
        first_row=draw(st.integers(min_value=0, max_value=4)),
        first_col=draw(st.integers(min_value=0, max_value=4)),
        merged=tuple(draw(st.lists(merged_ranges, max_size=4))),
        hidden=draw(st.booleans()),
    )


@st.composite
def books(draw) -> Book:
    names = draw(st.lists(st.sampled_from(["活动明细", "汇总表", "Sheet1", ""]), min_size=1, max_size=2, unique=True))
    formulas = draw(st.lists(st.tuples(st.sampled_from([*names, "别的表"]), st.sampled_from(["A1", "I5", "ZZ99"]),
                                       st.sampled_from(["", "SUM(I4:I5)"])), max_size=2))
    return Book(tuple(draw(sheets(name)) for name in names), tuple(formulas))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books(), st.integers(min_value=1990, max_value=2100))
def test_parse_book_never_raises_on_random_grids(book: Book, year: int) -> None:
    parsed = parse_book(book, year)
    codes = [issue.code for issue in parsed.issues]
    assert "parse_failed" not in codes, parsed.issues
    assert all(code in CATALOGUE for code in codes)
    rows = [row for row, _ in parsed.row_kinds]
    assert rows == sorted(set(rows))
    first = [a for a in parsed.activities if a["source_sheet"] == parsed.detail_sheet]  # row_kinds: the first table's
    assert len(first) == sum(kind in ("activity", "rejected") for _, kind in parsed.row_kinds)
    assert all(a["row_status"] in ("ok", "rejected") for a in parsed.activities)


def test_parse_failed_guard_turns_a_crash_into_an_issue() -> None:
    class Exploding(Sheet):
        @property
        def height(self) -> int:
            raise RuntimeError("boom")

    book = Book((Exploding(name="活动明细", rows=((None,),)),))
    parsed = parse_book(book, 2023)
    assert [i.code for i in parsed.issues] == ["parse_failed"]
    assert "boom" in parsed.issues[0].raw_value
    assert parsed.activities == [] and not parsed.readable


ROW_KINDS = {"activity", "rejected", "total", "footer", "note", "section"}


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
    where = (f"{issue.sheet}!{issue.cell}" if issue.sheet else issue.cell) if issue.cell else issue.sheet
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
    fx, _, parsed = case
    for issue in parsed.issues:
        assert issue.severity == CATALOGUE[issue.code].severity
        assert issue.message and "{" not in issue.message and issue.message.isascii() is False
        assert issue.cell is None or issue.sheet is not None or fx.relpath.endswith(".csv")


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
    title = ident.title
    if fx.title is not None:
        assert f"{title.sheet}!{title.cell}: {title.value}" == fx.title
    if fx.identity is not None:
        resolution = unit_index.resolve(declared[0], declared[1], fx.relpath, title=title.value if title else None)
        assert (resolution.status, resolution.unit_code, resolution.identified_by) == fx.identity


def test_row_kinds_as_stated(case) -> None:
    fx, _, parsed = case
    kinds = dict(parsed.row_kinds)
    for row in fx.rows:
        if row.get("source_sheet", fx.detail_sheet) != fx.detail_sheet:
            continue  # row_kinds are the detail sheet's
        assert kinds[row["source_row"]] == ("activity" if row["row_status"] == "ok" else "rejected")
    if fx.row_kinds is not None:
        assert tuple(parsed.row_kinds) == fx.row_kinds


def test_every_nonempty_row_ends_as_exactly_one_kind(case) -> None:
    """Counted from the grid itself: each row under the header with content inside the table's columns
    (a bare printed 序号 is not content) appears once in row_kinds (tests.corpus.unaccounted_rows)."""
    fx, book, parsed = case
    if fx.detail_sheet is None:
        assert parsed.row_kinds == []
        return
    assert unaccounted_rows(book, parsed) == []
    assert {kind for _, kind in parsed.row_kinds} <= ROW_KINDS
    # row_kinds are the detail sheet's; a workbook with a sheet per unit has activities on others too
    assert sum(kind in ("activity", "rejected") for _, kind in parsed.row_kinds) == len(
        [a for a in parsed.activities if a["source_sheet"] == parsed.detail_sheet])


@pytest.mark.parametrize("unreadable", UNREADABLE, ids=lambda u: u.name)
def test_unreadable_files_are_refused_with_a_reason(unreadable, tmp_path) -> None:
    with pytest.raises(ReadError) as refused:
        read_book(unreadable.write(tmp_path))
    assert refused.value.code == unreadable.code
    assert refused.value.code in CATALOGUE
