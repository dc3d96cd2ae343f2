"""Hypothesis over random grids written in every format kepu reads: whatever the cells, the file is read (never
a traceback, never the parser's last-resort guard) and every non-empty row under a found table ends as exactly
one row kind. The damaged-file side of the fuzzing (truncated, flipped, parts dropped or swapped) is the
mutant corpus of tests/sources/test_corpus.py."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kepu.demo.writers import SheetSpec, csv_bytes, xls_bytes, xlsx_bytes
from kepu.schemas.synonyms import SYNONYMS
from kepu.sources.books import ReadError, read_book
from kepu.transforms.submission import parse_book
from tests.corpus import unaccounted_rows
from tests.fixtures.other_formats import html_xls_bytes, ods_bytes, xlsb_bytes, xml2003_bytes

LABELS = sorted({label for f in SYNONYMS.detail_fields for label in (f.header, *f.synonyms)}
                | {*SYNONYMS.total_labels, *SYNONYMS.footer_labels, *SYNONYMS.unit_column_labels, "指标", "数量"})
WRITTEN = ("约500", "300+", "4000多", "不少于200", "≥150人", "三百", "1.2万", "—", "无", "9月16日", "9.16-9.18",
           "2023.9.16", "填报单位：东升街道", "白沙镇科协2023年全国科普日活动统计表", "注：含线上", "合计", "日期")
cells = st.one_of(
    st.none(), st.sampled_from(LABELS), st.sampled_from(WRITTEN),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.integers(min_value=-10**6, max_value=10**6),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
)
HEADER = ["活动名称", "开始日期", "参与人数"]
WRITERS = {
    "xlsx": lambda specs: xlsx_bytes(specs), "xls": lambda specs: xls_bytes(specs),
    "ods": lambda specs: ods_bytes(specs), "xlsb": lambda specs: xlsb_bytes(specs),
    "xml": lambda specs: xml2003_bytes(specs), "html.xls": lambda specs: html_xls_bytes(specs[0], "utf-8"),
    "csv": lambda specs: csv_bytes([["" if v is None else str(v) for v in row] for row in specs[0].rows], "utf-8"),
}


@st.composite
def grids(draw) -> SheetSpec:
    width = draw(st.integers(min_value=1, max_value=6))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width), max_size=12))
    if draw(st.booleans()):
        header = [*HEADER, *draw(st.lists(st.sampled_from(LABELS), max_size=4))]
        rows.insert(draw(st.integers(min_value=0, max_value=min(3, len(rows)))), draw(st.permutations(header)))
    height = max(len(rows), 1)
    merged = []
    if draw(st.booleans()) and height > 1:
        first = draw(st.integers(min_value=1, max_value=height))
        merged.append(f"A{first}:B{min(first + draw(st.integers(0, 2)), height)}")
    return SheetSpec(draw(st.sampled_from(["活动明细", "Sheet1", "汇总表"])), rows, merged=merged)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(grids(), st.sampled_from(sorted(WRITERS)))
def test_random_grids_in_every_format_are_read_and_every_row_accounted_for(spec, fmt):
    try:
        data = WRITERS[fmt]([spec])
    except Exception:  # noqa: BLE001 — a writer refusing a value (xlwt: long text) is no reader's concern
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"东升街道.{fmt}"
        path.write_bytes(data)
        try:
            book = read_book(path, path.name)
        except ReadError as refused:
            assert refused.code in ("file_not_spreadsheet", "file_empty"), refused.detail
            return
    parsed = parse_book(book, 2023)
    assert "parse_failed" not in [i.code for i in parsed.issues]
    assert unaccounted_rows(book, parsed) == []
