"""全市汇总.xlsx from a published demo city: every sheet, totals equal to the marts, charts, frozen
headers, print setup, and submitted text that stays text."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from openpyxl.chart import BarChart

from tests.deliverables.city import FORMULA_NAMES, PublishedCity, published_city

SHEETS = ["全市汇总", "分区县", "分类型", "单位明细", "活动清单", "报送情况", "数据问题"]
MEASURES = {"activities": "活动场次", "participants": "参与人次", "volunteers": "志愿者人数",
            "materials": "发放资料（份）", "boards": "展板（块）", "media_reports": "媒体报道（篇）",
            "funding_wan": "经费（万元）"}


@pytest.fixture(scope="module")
def city(tmp_path_factory, prefect_harness) -> PublishedCity:
    return published_city(tmp_path_factory)


@pytest.fixture(scope="module")
def workbook(city) -> openpyxl.Workbook:
    return openpyxl.load_workbook(city.out / "全市汇总.xlsx")


@pytest.fixture(scope="module")
def city_totals(city) -> dict:
    return city.query("select * from marts.city_totals").iloc[0].to_dict()


def records(ws) -> tuple[list[dict], dict | None]:
    """Data rows under the header on row 2, and the 合计 row if there is one."""
    header = [c.value for c in ws[2]]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=3)]
    rows = [r for r in rows if any(v is not None for v in r.values())]
    if rows and next(iter(rows[-1].values())) == "合计":
        return rows[:-1], rows[-1]
    return rows, None


def same(value, expected) -> bool:
    return Decimal(str(value)).quantize(Decimal("0.01")) == Decimal(str(expected)).quantize(Decimal("0.01"))


def test_every_sheet_is_present_in_order(workbook):
    assert workbook.sheetnames == SHEETS


def test_city_sheet_equals_city_totals(workbook, city_totals):
    rows, _ = records(workbook["全市汇总"])
    shown = {r["指标"]: r["数值"] for r in rows if r["指标"]}

    for key, header in MEASURES.items():
        assert same(shown[header], city_totals[key]), header
    assert shown["应报单位数"] == city_totals["units_expected"]
    assert shown["已报单位数"] == city_totals["units_reported"]
    assert shown["按时报送单位数"] == city_totals["units_on_time"]
    assert shown["报送率"] == pytest.approx(city_totals["units_reported"] / city_totals["units_expected"])


def test_city_sheet_carries_the_paragraph(workbook, city, city_totals):
    texts = [c.value for row in workbook["全市汇总"].iter_rows() for c in row if isinstance(c.value, str)]

    paragraph = next(t for t in texts if t.startswith("2023年全国科普日期间"))
    assert f"全市共开展科普活动{city_totals['activities']}场次，参与群众{city_totals['participants']}人次" in paragraph
    assert paragraph == (city.out / "情况说明.md").read_text(encoding="utf-8").split("\n\n", 1)[1].strip()


@pytest.mark.parametrize(("sheet", "mart", "key"), [
    ("分区县", "district_totals", "区县代码"),
    ("分类型", "type_totals", "活动形式"),
    ("单位明细", "unit_totals", "单位代码"),
])
def test_breakdowns_match_their_mart_and_add_up_to_the_city(workbook, city, city_totals, sheet, mart, key):
    rows, total = records(workbook[sheet])
    frame = city.query(f"select * from marts.{mart}")
    column = {"分区县": "district_code", "分类型": "activity_type", "单位明细": "unit_code"}[sheet]
    by_key = frame.set_index(column)

    assert sorted(r[key] for r in rows) == sorted(frame[column])
    for row in rows:
        for measure, header in MEASURES.items():
            assert same(row[header], by_key.loc[row[key], measure]), (row[key], header)
    for measure, header in MEASURES.items():
        assert same(total[header], city_totals[measure]), header


def test_district_sheet_counts_units_like_the_city(workbook, city_totals):
    _, total = records(workbook["分区县"])

    assert (total["应报单位数"], total["已报单位数"], total["按时报送单位数"]) == (
        city_totals["units_expected"], city_totals["units_reported"], city_totals["units_on_time"])


def test_activity_list_is_every_counted_activity_with_its_source(workbook, city, city_totals):
    rows, total = records(workbook["活动清单"])
    activities = city.query("select * from marts.activities")

    assert len(rows) == len(activities)
    assert same(total["活动场次"], city_totals["activities"])
    assert same(total["参与人次"], city_totals["participants"])
    planted = [r for r in rows if r["来源文件"] == "双流区/公式试探.xlsx"]
    assert {r["活动名称"] for r in planted} >= set(FORMULA_NAMES)
    assert all(r["工作表"] == "活动明细" and r["行号"] and r["单元格"] for r in planted)


def test_completeness_sheet_lists_expected_units_chase_list_first(workbook, city):
    rows, total = records(workbook["报送情况"])
    completeness = city.query("select * from marts.completeness")
    chase = city.query("select * from marts.chase_list")

    assert total is None
    assert len(rows) == len(completeness)
    assert {r["单位代码"] for r in rows[:len(chase)]} == set(chase["unit_code"])
    assert all(r["催报"] == "是" for r in rows[:len(chase)]) and all(r["催报"] == "否" for r in rows[len(chase):])
    assert {r["报送情况"] for r in rows} <= {"按时报送", "逾期报送", "待核实", "未报送"}
    ws = workbook["报送情况"]
    assert ws.cell(3, 1).fill.fgColor.rgb.endswith("FCE4D6")


def test_issue_sheet_is_audit_issues_in_chinese(workbook, city):
    rows, _ = records(workbook["数据问题"])
    issues = city.query("select * from audit.issues")

    assert len(rows) == len(issues)
    assert {r["严重程度"] for r in rows} <= {"错误", "警告", "提示"}
    assert [r["严重程度"] for r in rows] == sorted((r["严重程度"] for r in rows), key=["错误", "警告", "提示"].index)
    planted = {r["原始值"]: r for r in rows if r["文件"] == "双流区/公式试探.xlsx"}
    assert planted["=1+2"]["单元格"].startswith("活动明细!I")
    assert planted["=1+2"]["问题类型"] == "参与人数无法识别"


def test_district_sheet_has_bar_charts_of_participants_and_activities(workbook):
    charts = workbook["分区县"]._charts

    assert len(charts) == 2
    assert all(isinstance(c, BarChart) for c in charts)
    titles = ["".join(r.t for p in c.title.tx.rich.p for r in (p.r or [])) for c in charts]
    assert titles == ["各区县参与人次", "各区县活动场次"]


@pytest.mark.parametrize("sheet", SHEETS)
def test_frozen_header_print_setup_and_widths(workbook, sheet):
    ws = workbook[sheet]

    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.cell(1, 1).font.bold and ws.cell(2, 1).font.bold
    widths = [d.width for d in ws.column_dimensions.values()]
    assert widths and all(8 <= w <= 52 for w in widths)


def test_counts_have_thousands_separators(workbook):
    ws = workbook["分区县"]
    header = [c.value for c in ws[2]]

    assert ws.cell(3, header.index("参与人次") + 1).number_format == "#,##0"
    assert ws.cell(3, header.index("经费（万元）") + 1).number_format == "#,##0.00"
    assert ws.cell(3, header.index("报送率") + 1).number_format == "0.0%"


def test_activity_names_get_room(workbook):
    ws = workbook["活动清单"]
    column = [c.value for c in ws[2]].index("活动名称") + 1

    assert ws.column_dimensions[openpyxl.utils.get_column_letter(column)].width >= 20


def test_no_cell_is_a_formula_and_submitted_formulas_are_quoted_text(workbook):
    formulas = [(ws.title, c.coordinate) for ws in workbook.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    planted = [c for row in workbook["活动清单"].iter_rows() for c in row if c.value in FORMULA_NAMES]

    assert formulas == []
    assert {c.value for c in planted} == set(FORMULA_NAMES)
    assert all(c.data_type == "s" and c.quotePrefix for c in planted)
