"""The reader's recognizers (transforms.recognizers), each on small inline grids: what each habit reads as, and
the look-alikes that must not trigger it. The fixtures of tests/fixtures/messy_workbooks.py (issue #20 section)
read the same habits end to end from real workbooks."""

from __future__ import annotations

import pytest

from kepu.transforms.detail import best_header, classify_lines, read_rows, recognize
from kepu.transforms.grid import Sheet
from kepu.transforms.recognizers import is_ditto, section_label, sub_column


def sheet(*rows, merged=()) -> Sheet:
    return Sheet(name="活动明细", rows=tuple(tuple(r) for r in rows),
                 merged=tuple(merged))


@pytest.mark.parametrize("text, ditto", [
    ("同上", True), ("〃", True), ("″", True), ("同前", True), (" 同 上 ", True), ("〃〃", True),
    ("同上级要求", False), ("同上年", False), ("同上一年度", False), ("如上", False), ("", False), (None, False),
])
def test_a_ditto_mark_is_a_whole_cell(text, ditto):
    assert is_ditto(text) is ditto


@pytest.mark.parametrize("upper, lower, meaning", [
    ("参与人数（人次）", "合计", "total"), ("参与人数", "其中：学生", "part"), ("发放资料", "总数", "total"),
    ("参与人数", "其中", "part"), ("参与人数", "（人次）", None), ("活动名称", "合计", None),
    ("参与人数", "", None), ("活动时间", "开始", None),
])
def test_a_sub_column_under_a_figure_is_its_total_or_a_part(upper, lower, meaning):
    assert sub_column(upper, lower) == meaning


HEADER = ("活动名称", "开始日期", "参与人数")


@pytest.mark.parametrize("label, merged, form", [
    ("一、科普讲座", (), "讲座报告"), ("（二）展览类", (), "展览展示"), ("(三)培训", (), "培训"),
    ("第四类 竞赛", (), "竞赛"), ("讲座类", ((1, 0, 1, 2),), "讲座报告"),
])
def test_a_section_row_names_a_form(label, merged, form):
    grid = sheet(HEADER, (label,), ("走进社区", "9月18日", 100), merged=merged)
    header = best_header(grid)
    lines = recognize(header)
    assert [line.kind for line in lines] == ["section", "activity"]
    assert lines[1].section_type == form
    assert section_label(header, lines[0].row)[1] == form


@pytest.mark.parametrize("label, merged", [
    ("讲座类", ()),                        # not merged, no enumerator: an activity row with only a name
    ("以下为线上活动", ((1, 0, 1, 2),)),    # merged, but names no form: a note
    ("注：一、讲座为线上", ()),             # a note label
    ("一、2023年9月讲座", ()),              # digits: not a heading
])
def test_look_alikes_of_a_section_row_are_not_sections(label, merged):
    grid = sheet(HEADER, (label,), ("走进社区", "9月18日", 100), merged=merged)
    assert [line.kind for line in recognize(best_header(grid))][0] != "section"


def test_a_section_row_is_never_an_activity_nor_an_error():
    grid = sheet(HEADER, ("一、科普讲座",), ("走进社区", "9月18日", 100), ("（二）展览类",), ("成果展", "9月19日", 50))
    rows = read_rows(best_header(grid), 2023)
    assert [(r["activity_name"], r["activity_type"]) for r in rows.activities] == [
        ("走进社区", "讲座报告"), ("成果展", "展览展示")]
    assert rows.issues == []


def test_dittos_chain_through_the_rows_above():
    grid = sheet(("活动名称", "开始日期", "活动地点", "参与人数"),
                 ("科普讲座", "9月18日", "东升社区", 100), ("科普展览", "〃", "同上", 50),
                 ("合计", None, None, 150), ("科普游园", "同上", "同前", 70))
    rows = read_rows(best_header(grid), 2023)
    assert [(r["start_date"].day, r["venue"]) for r in rows.activities] == [(18, "东升社区")] * 3
    assert rows.issues == []


def test_a_ditto_is_not_read_before_the_row_kinds():
    """The row kinds come first: a row of dittos is an activity row (it names nothing of a total or footer)."""
    grid = sheet(HEADER, ("科普讲座", "9月18日", 100), ("同上", "同上", 100))
    assert [line.kind for line in classify_lines(best_header(grid))] == ["activity", "activity"]
    assert [r["activity_name"] for r in read_rows(best_header(grid), 2023).activities] == ["科普讲座", "科普讲座"]
