"""Writing tables into worksheets: every value through `put`, submitted text never a live formula."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from kepu.deliverables.sheets import SheetWriter, Styles, put
from tests.deliverables.inline import FORMULA_LIKE, small_table


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_put_writes_text_as_text(text, tmp_path):
    wb = openpyxl.Workbook()
    put(wb.active["A1"], text)
    wb.save(tmp_path / "t.xlsx")

    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A1"]
    assert cell.data_type == "s"
    assert cell.value in (text, text.replace("\r", "\n"))  # a CR comes back as CR (lxml writes &#13;) or LF


def test_put_drops_characters_xlsx_cannot_hold_and_keeps_numbers():
    ws = openpyxl.Workbook().active
    put(ws["A1"], "科普\x07讲座\x1b")
    put(ws["A2"], -2)
    put(ws["A3"], Decimal("1.50"))

    assert ws["A1"].value == "科普讲座"
    assert (ws["A2"].value, ws["A2"].data_type) == (-2, "n")
    assert ws["A3"].data_type == "n"


def test_formula_like_text_gets_a_quote_prefix_in_a_table(tmp_path):
    wb = openpyxl.Workbook()
    writer = SheetWriter(wb.active, Styles())
    writer.table(small_table(name=["=1+2", "乙"]))
    writer.finish()
    wb.save(tmp_path / "t.xlsx")

    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert (ws["A3"].value, ws["A3"].data_type, ws["A3"].quotePrefix) == ("=1+2", "s", True)
    assert not ws["A4"].quotePrefix
    assert [c.value for c in ws[5]] == ["合计", 1203, 0.3, None]
    assert ws["B3"].number_format == "#,##0" and ws["C3"].number_format == "#,##0.00"
    assert ws["D3"].value == "逾期报送"
    assert ws.freeze_panes == "A3" and ws.print_title_rows == "$1:$2"
