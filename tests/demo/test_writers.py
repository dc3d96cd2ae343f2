"""The one grid-to-file writer the demo and the tests share: what a spec says is what calamine reads back,
in .xlsx, .xls and CSV alike, and the same spec always gives the same bytes."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from kepu.demo.writers import BookSpec, SheetSpec, book_bytes, xlsx_bytes

SHEETS = (
    SheetSpec("旧表", [["草稿"]], hidden=True),
    SheetSpec("活动明细", [["填报单位：", "东升街道"], [], ["活动名称", "开始日期", "经费"],
                          ["科普讲座", date(2023, 9, 18), Decimal("0.35")]],
              origin="B2", merged=["C2:D2"]),
)


@pytest.mark.parametrize("file_format", ["xlsx", "xls"])
def test_workbooks_read_back_as_specified(file_format):
    book = CalamineWorkbook.from_filelike(io.BytesIO(book_bytes(BookSpec(file_format, SHEETS))))

    assert [m.visible == SheetVisibleEnum.Visible for m in book.sheets_metadata] == [False, True]
    sheet = book.get_sheet_by_name("活动明细")
    rows = sheet.to_python(skip_empty_area=True)
    assert sheet.start == (1, 1)
    assert rows[3][:2] == ["科普讲座", date(2023, 9, 18)] and rows[3][2] == pytest.approx(0.35)
    assert ((1, 2), (1, 3)) in sheet.merged_cell_ranges


def test_csv_holds_the_visible_sheet_as_excel_exports_it():
    data = book_bytes(BookSpec("csv", (SheetSpec("表", [["科普讲座", date(2023, 9, 18), None, 120]]),), "utf-8-sig"))
    assert data == "\ufeff科普讲座,2023/9/18,,120\r\n".encode("utf-8")


def test_the_same_spec_gives_the_same_bytes_and_cached_formula_results_are_kept():
    spec = [SheetSpec("表", [[1, 2, "=A1+B1"]], cached={"C1": 3})]
    data = xlsx_bytes(spec)
    assert data == xlsx_bytes(spec)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("表").to_python()
    assert rows == [[1, 2, 3]]
