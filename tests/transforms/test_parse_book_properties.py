"""`parse_book` on random small grids: whatever the cells hold, it returns a well-formed parse and never
falls back to its last-resort `parse_failed` guard (which would mean a bug met on real input)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kepu.schemas.issues import CATALOGUE
from kepu.schemas.synonyms import SYNONYMS
from kepu.transforms.grid import Book, Sheet
from kepu.transforms.submission import parse_book

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
    assert len(parsed.activities) == sum(kind in ("activity", "rejected") for _, kind in parsed.row_kinds)
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
