"""What a file declares about itself (填报单位/单位代码/填报日期) and its 汇总表 figures, on inline grids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kepu.transforms.declared import read_identity, read_summary
from kepu.transforms.detail import locate_table
from kepu.transforms.grid import Book, Sheet

HEADER = ("序号", "活动名称", "开始日期", "参与人数")


def declared(*rows, first_row: int = 0, first_col: int = 0) -> tuple:
    sheet = Sheet("活动明细", (*rows, HEADER, (1, "科普讲座", "9月17日", 100)), first_row, first_col)
    book = Book((sheet,))
    ident = read_identity(book, locate_table(book), 2023)
    return tuple((d.value, d.cell) if d else None for d in (ident.unit_code, ident.unit_name)) + (ident.reported_on,)


@pytest.mark.parametrize(("rows", "expected"), [
    ([("填报单位：东升街道办事处（盖章）   单位代码：T0101   填报日期：2023年9月25日",)],
     (("T0101", "A1"), ("东升街道办事处", "A1"), date(2023, 9, 25))),
    ([("填报单位", None, "东升街道", "单位代码：", 1023.0, "填报日期", 45194.0)],
     (("1023", "E1"), ("东升街道", "C1"), date(2023, 9, 25))),
    ([("填报单位（公章）：", "东升街道科协")], (None, ("东升街道科协", "B1"), None)),
    ([("填报单位东升街道",)], (None, ("东升街道", "A1"), None)),
    ([("填报单位 东升街道", "联系人：张三")], (None, ("东升街道", "A1"), None)),
    ([("填报单位：东升街道  联系人：张三",)], (None, ("东升街道", "A1"), None)),
    ([("填报单位：", "单位代码：", "T0101")], (("T0101", "C1"), None, None)),
    ([("填报单位：        （盖章）",)], None),
    ([("日期请按2023-09-17的格式填写",)], None),
    ([("本表由东升街道填报",)], None),
])
def test_identity_from_the_lines_above_the_table(rows, expected) -> None:
    assert declared(*rows) == (expected or (None, None, None))


def test_identity_cells_are_cited_as_excel_shows_them() -> None:
    assert declared(("填报单位：", "东升街道"), first_row=4, first_col=2)[1] == ("东升街道", "D5")


def test_identity_from_the_footer_and_other_sheets() -> None:
    table = Sheet("明细", (HEADER, (1, "科普讲座", "9月17日", 100), (), ("填报日期：", "2023.9.26")))
    cover = Sheet("封面", (("报送单位：江源市医学会",),))
    hidden = Sheet("旧", (("单位代码：S99",),), hidden=True)
    book = Book((hidden, table, cover))
    ident = read_identity(book, locate_table(book), 2023)
    assert ident.unit_code is None
    assert (ident.unit_name.value, ident.unit_name.sheet, ident.unit_name.cell) == ("江源市医学会", "封面", "A1")
    assert ident.reported_on == date(2023, 9, 26) and ident.reported_on_raw.cell == "B4"


def summary_of(*rows) -> dict | None:
    summary = read_summary(Book((Sheet("汇总表", rows),)))
    return None if summary is None else {k: v for k, v in summary.values.items() if v is not None}


def test_summary_vertical_with_units_and_quantity_column() -> None:
    assert summary_of(("指标名称", "计量单位", "数量"), ("活动场次", "场次", 5), ("参与人次", "人次", "约1200"),
                      ("经费投入（万元）", "万元", "1.5")) == {
        "activities": 5, "participants": 1200, "funding_wan": Decimal("1.50")}


@pytest.mark.parametrize(("unit", "value", "wan"), [
    ("元", 15000, Decimal("1.50")), ("万元", 1.5, Decimal("1.50")), (None, "15000元", Decimal("1.50")),
    ("元", "1.5万元", Decimal("1.50")),
])
def test_summary_money_in_yuan_is_converted(unit, value, wan) -> None:
    assert summary_of(("指标名称", "计量单位", "数量"), ("活动场次", "场", 2), ("经费投入", unit, value))[
        "funding_wan"] == wan


def test_sheets_that_only_name_indicators_are_not_a_summary() -> None:
    instructions = (("栏目", "填写要求"), ("志愿者人数", "填整数"), ("展板（块）", "填整数"), ("经费（万元）", "保留两位小数"))
    assert summary_of(*instructions) is None
    header_copy = (("活动名称", "志愿者人数", "展板（块）", "媒体报道（篇）"),)
    assert summary_of(*header_copy) is None
