"""Finding the activity table's header in inline grids, and mapping its columns to fields."""

from __future__ import annotations

import pytest

from kepu.transforms.detail import locate_table, read_rows
from kepu.transforms.grid import Book, Sheet, a1, column_letter


def book(*sheets: Sheet) -> Book:
    return Book(tuple(sheets))


@pytest.mark.parametrize("col, letters", [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters(col, letters):
    assert column_letter(col) == letters


def test_addresses_keep_the_original_offset():
    sheet = Sheet("活动明细", (("序号", "活动名称"),), first_row=6, first_col=2)
    assert sheet.address(0, 0) == "C7"
    assert sheet.address(0, 1) == a1(6, 3) == "D7"


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
