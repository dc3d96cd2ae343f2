"""The activity table in inline grids: finding its header, mapping its columns to fields, and checking
its 合计 rows against the rows above them."""

from __future__ import annotations

import pytest

from kepu.transforms.detail import locate_table, read_rows
from kepu.transforms.grid import Book, Sheet


def book(*sheets: Sheet) -> Book:
    return Book(tuple(sheets))


def test_canonical_header_maps_every_field():
    header = locate_table(book(Sheet("活动明细", (
        ("2023年全国科普日活动情况统计表",),
        ("填报单位：", "东升街道"),
        ("序号", "活动名称", "活动形式", "开始日期", "结束日期", "活动地点", "主办单位", "合作单位",
         "参与人数（人次）", "志愿者人数", "发放资料（份）", "展板（块）", "媒体报道（篇）", "经费（万元）", "备注"),
    ))))
    assert header is not None and header.first_row == header.last_row == 2
    assert list(header.columns) == ["seq", "activity_name", "activity_type", "start_date", "end_date", "venue",
                                    "organizer", "partners", "participants", "volunteers", "materials", "boards",
                                    "media_reports", "funding_wan", "note"]


def test_renamed_reordered_columns_with_an_extra_one():
    header = locate_table(book(Sheet("Sheet1", (
        (None, None, None),
        ("参加人数", "联系人", "活动名称", "活动日期", "展版"),
        (100, "张三", "讲座", "9月17日", 3),
    ))))
    assert header.columns == {"participants": 0, "activity_name": 2, "start_date": 3, "boards": 4}


def test_header_split_over_two_rows():
    sheet = Sheet("科普日活动", (
        ("序号", "活动名称", "活动时间", None, "发放资料", "参与群众"),
        (None, None, "开始", "结束", "（份）", "（人次）"),
        (1, "科普展", "9月17日", "9月18日", 200, 500),
    ), merged=((0, 2, 0, 3), (0, 0, 1, 0), (0, 1, 1, 1)))
    header = locate_table(book(sheet))
    assert (header.first_row, header.last_row) == (0, 1)
    assert header.columns == {"seq": 0, "activity_name": 1, "start_date": 2, "end_date": 3, "materials": 4,
                              "participants": 5}
    rows = read_rows(header, 2023)
    assert [(r["start_date"].day, r["end_date"].day, r["materials"]) for r in rows.activities] == [(17, 18, 200)]


def test_best_sheet_wins_and_hidden_sheets_are_ignored():
    hidden = Sheet("旧表", (("活动名称", "开始日期", "参与人数", "展板", "志愿者人数"),), hidden=True)
    notes = Sheet("说明", (("请按要求填写",),))
    detail = Sheet("Sheet3", (("活动名称", "开始日期", "参与人数"), ("讲座", "9.17", 10)))
    header = locate_table(book(hidden, notes, detail))
    assert header.sheet.name == "Sheet3"


def test_no_table_when_nothing_looks_like_a_header():
    assert locate_table(book(Sheet("Sheet1", (("工作总结",), ("今年我们开展了很多活动",))))) is None


def total_issues(money_header: str, amounts: list, total) -> list[str]:
    rows = [("序号", "活动名称", "开始日期", "参与人数", money_header)]
    rows += [(i + 1, f"活动{i + 1}", "2023年9月18日", 100, a) for i, a in enumerate(amounts)]
    rows.append(("合计", None, None, 100 * len(amounts), total))
    header = locate_table(Book((Sheet("活动明细", tuple(rows)),)))
    return [i.cell for i in read_rows(header, 2023).issues if i.code == "total_row_mismatch"]


@pytest.mark.parametrize("header, amounts, total, flagged", [
    ("经费（元）", [3850, 3850], 7700, []),            # 0.39 + 0.39 ≠ 0.77 only through rounding
    ("经费（元）", [3850, 3850], 7800, ["E4"]),        # 0.78 = 0.39 + 0.39, yet 100元 short
    ("经费（万元）", [0.125, 0.125], 0.25, []),
    ("经费（万元）", [1.5, 2.5], 4.5, ["E4"]),
])
def test_money_totals_compare_unrounded_amounts(header, amounts, total, flagged):
    assert total_issues(header, amounts, total) == flagged
