"""Writing tables into worksheets: submitted text never a live formula, headers never broken inside a
bracket, rows as tall as their text, columns sized to print legibly on A4."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from kepu.deliverables.sheets import (
    LEGIBLE_SCALE,
    LINE_POINTS,
    header_label,
    header_min_width,
    lines_needed,
    print_scale,
    text_width,
    write_workbook,
    written_digest,
)
from kepu.deliverables.tables import INT, TEXT, Column, Table
from tests.deliverables.inline import FORMULA_LIKE, small_table

import pandas as pd


def write(tmp_path, fill, **options):
    path = tmp_path / "t.xlsx"

    def build(book):
        sheet = book.sheet("表")
        fill(sheet)
        sheet.finish()
        return "标题"

    write_workbook(path, build, **options)
    return openpyxl.load_workbook(path)["表"]


@pytest.mark.parametrize("streaming", [False, True])
def test_formula_like_text_is_quoted_text_in_a_table(tmp_path, streaming):
    table = small_table(name=["=1+2", "乙"])

    def fill(sheet):
        sheet.layout(sheet.table_widths(table))
        sheet.table(table)

    ws = write(tmp_path, fill, streaming=streaming)
    assert [c.value.replace("\n", "") for c in ws[2]] == ["序号", "名称", "人次", "经费（万元）", "情况"]
    assert (ws["B3"].value, ws["B3"].data_type, ws["B3"].quotePrefix) == ("=1+2", "s", True)
    assert not ws["B4"].quotePrefix
    assert [c.value for c in ws[3]][0] == 1 and ws["A4"].value == 2
    assert [c.value for c in ws[5]] == ["合计", None, 1203, 0.3, None]
    assert ws["C3"].number_format == "#,##0" and ws["D3"].number_format == "#,##0.00"
    assert ws["E3"].value == "逾期报送"
    assert ws.freeze_panes == "A3" and ws.print_title_rows == "$1:$2"


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_every_formula_like_text_stays_text(tmp_path, text):
    table = small_table(name=[text, "乙"], status=[text, "held"])

    def fill(sheet):
        sheet.layout(sheet.table_widths(table))
        sheet.table(table)
        sheet.fields([("说明", text)])
        sheet.paragraph(text, 3)

    ws = write(tmp_path, fill)
    stored = {text, text.replace("\r", "\n"), text.replace("\r", "_x000D_")}  # XML's escape for a CR
    cells = [c for row in ws.iter_rows() for c in row if c.value in stored]
    assert len(cells) >= 3
    assert all(c.data_type == "s" for c in cells)
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_characters_xlsx_cannot_hold_are_dropped_and_numbers_stay_numbers(tmp_path):
    table = small_table(name=["科普\x07讲座\x1b", "乙"], n=[-2, 3], money=[Decimal("1.50"), None])

    def fill(sheet):
        sheet.layout(sheet.table_widths(table))
        sheet.table(table)

    ws = write(tmp_path, fill)
    assert ws["B3"].value == "科普讲座"
    assert (ws["C3"].value, ws["C3"].data_type) == (-2, "n")
    assert ws["D3"].data_type == "n" and ws["D4"].value is None


@pytest.mark.parametrize(("label", "width", "expected"), [
    ("参与人数（人次）", 9, "参与人数\n（人次）"),
    ("参与人数（人次）", 30, "参与人数（人次）"),
    ("发放资料（份）", 8, "发放资料\n（份）"),
    ("活动名称", 4, "活动名称"),
    ("（备注）", 3, "（备注）"),
])
def test_headers_break_before_the_bracket_never_inside(label, width, expected):
    assert header_label(label, width) == expected


def test_a_column_is_never_narrower_than_its_bracketed_header_part():
    for label in ("参与人数（人次）", "志愿者（人次）", "经费（万元）", "媒体报道（篇）"):
        bracket = "（" + label.split("（")[1]
        assert header_min_width(label) >= text_width(bracket) + 1


def test_rows_are_as_tall_as_their_wrapped_text(tmp_path):
    long = "文件“白沙县/双河镇科普日活动统计表.xlsx”的单位代码“D04T09”是本单位的代码，但填报单位写的是“双河镇科协”。" * 2
    table = Table("t", "表", "标题", (Column("message", "问题说明", TEXT, width=20), Column("n", "人次", INT)),
                  pd.DataFrame({"message": [long, "短"], "n": [1, 2]}), total_label=None)

    def fill(sheet):
        sheet.layout(sheet.table_widths(table))
        sheet.table(table)

    ws = write(tmp_path, fill)
    assert 18 <= ws.column_dimensions["B"].width <= 21  # XlsxWriter stores 20 as 20.71 (Excel's padding)
    width = 20
    tall = ws.row_dimensions[3].height
    assert tall >= lines_needed(long, width) * LINE_POINTS
    assert lines_needed(long, width) >= 6
    assert ws.row_dimensions[4].height in (None, 15, 15.0)
    assert ws["B3"].alignment.wrap_text


def test_text_width_counts_chinese_double():
    assert text_width("abc") == 3
    assert 4 <= text_width("科普") <= 4.4
    assert text_width("第一行\n长一些的第二行") == text_width("长一些的第二行")
    assert text_width(1234567) == len("1,234,567")
    assert text_width(date(2023, 9, 1)) == 10


def test_print_scale_of_a_wide_and_a_narrow_sheet():
    assert print_scale([10] * 10) == 1.0
    assert print_scale([20] * 20) < LEGIBLE_SCALE
    assert print_scale([40, 40], portrait=True) == 1.0
    assert print_scale([50, 50, 50], portrait=True) < print_scale([50, 50, 50])


def test_content_digest_is_kept_in_the_workbook(tmp_path):
    path = tmp_path / "d.xlsx"
    write_workbook(path, lambda book: (book.sheet("表").finish(), "标题")[1], digest="ab" * 32)

    assert written_digest(path) == "ab" * 32
    assert written_digest(tmp_path / "missing.xlsx") is None
    (tmp_path / "other.xlsx").write_bytes(b"not a zip")
    assert written_digest(tmp_path / "other.xlsx") is None
