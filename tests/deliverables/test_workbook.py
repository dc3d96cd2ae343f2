"""全市汇总.xlsx and 内部核查.xlsx from a published demo city: what goes upward and what stays in the office,
totals equal to the marts, the signed header block, 市直单位, charts, frozen headers, print setup legible
on A4, and submitted text that stays text."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart

from kepu.deliverables.sheets import LEGIBLE_SCALE, print_scale, write_workbook
from kepu.deliverables.tables import INT, Column, Table
from kepu.deliverables.workbook import CHARTS_TITLE, district_charts
from kepu.schemas.vocabulary import place_name
from tests.deliverables.city import FORMULA_NAMES, PublishedCity, published_city

UPWARD = ["全市汇总", "分区县", "分类型", "单位明细", "活动清单"]
INTERNAL = ["报送情况", "分区县报送情况", "数据问题", "收到文件", "活动来源"]
MEASURES = {"activities": "活动场次", "participants": "参与人次", "volunteers": "志愿者（人次）",
            "materials": "发放资料（份）", "boards": "展板（块）", "media_reports": "媒体报道（篇）",
            "funding_wan": "经费（万元）"}
OFFICE = {"name": "江源市科学技术协会", "preparer": "王丽", "reviewer": "李强", "phone": "0833-1234567"}


@pytest.fixture(scope="module")
def city(tmp_path_factory, prefect_harness) -> PublishedCity:
    return published_city(tmp_path_factory)


@pytest.fixture(scope="module")
def workbook(city) -> openpyxl.Workbook:
    return openpyxl.load_workbook(city.out / "全市汇总.xlsx")


@pytest.fixture(scope="module")
def internal(city) -> openpyxl.Workbook:
    return openpyxl.load_workbook(city.out / "内部核查.xlsx")


@pytest.fixture(scope="module")
def city_totals(city) -> dict:
    return city.query("select * from marts.city_totals").iloc[0].to_dict()


def header_row(ws) -> int:
    return next(r for r in range(1, 12) if ws.cell(r, 1).value == "序号")


def records(ws) -> tuple[list[dict], dict | None]:
    """Data rows under the 序号 header (headers without their line breaks), and the 合计 row if any."""
    top = header_row(ws)
    header = [(c.value or "").replace("\n", "") for c in ws[top]]
    rows = []
    for row in ws.iter_rows(min_row=top + 1, values_only=True):
        if row[0] is None or (not isinstance(row[0], int) and row[0] != "合计"):
            break
        rows.append(dict(zip(header, row)))
    if rows and rows[-1]["序号"] == "合计":
        return rows[:-1], rows[-1]
    return rows, None


def texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def same(value, expected) -> bool:
    return Decimal(str(value)).quantize(Decimal("0.01")) == Decimal(str(expected)).quantize(Decimal("0.01"))


def test_what_goes_upward_and_what_stays_in_the_office(workbook, internal):
    assert workbook.sheetnames == UPWARD
    assert internal.sheetnames == INTERNAL
    upward = " ".join(t for ws in workbook.worksheets for t in texts(ws))
    assert "催报" not in upward and "问题说明" not in upward
    assert "来源文件" not in upward and "单元格" not in upward


@pytest.mark.parametrize("sheet", UPWARD)
def test_every_upward_sheet_carries_the_block_an_office_signs(workbook, sheet):
    lines = texts(workbook[sheet])

    assert f"填报单位（盖章）：{OFFICE['name']}" in lines
    assert any(t.startswith("填报日期：") and t.endswith("日") for t in lines)
    assert any(t.startswith("数据截至：2023年") for t in lines)
    assert f"填表人：{OFFICE['preparer']}" in lines and f"审核人：{OFFICE['reviewer']}" in lines
    assert f"联系电话：{OFFICE['phone']}" in lines


def test_city_sheet_lists_each_measure_with_its_unit(workbook, city_totals):
    rows, _ = records(workbook["全市汇总"])
    shown = {r["指标"]: (r["计量单位"], r["数值"]) for r in rows}

    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["指标"] for r in rows[:3]] == ["应报单位数", "已报单位数", "报送率"]
    assert shown["应报单位数"] == ("个", city_totals["units_expected"])
    assert shown["已报单位数"] == ("个", city_totals["units_reported"])
    assert shown["报送率"] == ("%", round(100 * city_totals["units_reported"] / city_totals["units_expected"], 1))
    assert shown["活动场次"] == ("场次", city_totals["activities"])
    assert shown["参与人次"] == ("人次", city_totals["participants"])
    assert shown["志愿者"] == ("人次", city_totals["volunteers"])
    assert shown["发放资料"][0] == "份" and shown["展板"][0] == "块" and shown["媒体报道"][0] == "篇"
    assert shown["经费"][0] == "万元" and same(shown["经费"][1], city_totals["funding_wan"])


def test_city_sheet_carries_the_upward_paragraph(workbook, city, city_totals):
    paragraph = next(t for t in texts(workbook["全市汇总"]) if "2023年全国科普日期间" in t)

    assert paragraph.startswith("据不完全统计，")
    assert f"全市共开展科普活动{city_totals['activities']}场次，参与群众{city_totals['participants']}人次" in paragraph
    assert "报送率" not in paragraph
    assert paragraph == (city.out / "情况说明.md").read_text(encoding="utf-8").split("\n\n", 1)[1].strip()


@pytest.mark.parametrize(("sheet", "mart", "key", "column"), [
    ("分区县", "district_totals", "区县", "district_name"),
    ("分类型", "type_totals", "活动形式", "activity_type"),
    ("单位明细", "unit_totals", "单位名称", "unit_name"),
])
def test_breakdowns_match_their_mart_and_add_up_to_the_city(workbook, city, city_totals, sheet, mart, key, column):
    rows, total = records(workbook[sheet])
    frame = city.query(f"select * from marts.{mart}")
    if column == "district_name":
        frame["district_name"] = frame["district_name"].map(place_name).where(frame["district_code"] != "C000",
                                                                              "市直单位")
    by_key = frame.groupby(column).sum(numeric_only=True)

    assert sorted(r[key] for r in rows) == sorted(frame[column])
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        for measure, header in MEASURES.items():
            if row[header] is None:  # 单位明细: a unit that has not reported, with nothing counted
                assert row["报送情况"] != "已报送" and by_key.loc[row[key], measure] == 0, (row[key], header)
                continue
            assert same(row[header], by_key.loc[row[key], measure]), (row[key], header)
    for measure, header in MEASURES.items():
        assert same(total[header], city_totals[measure]), header


def test_city_level_units_are_listed_as_shi_zhi_dan_wei_after_the_districts(workbook, city):
    rows, _ = records(workbook["分区县"])
    units, _ = records(workbook["单位明细"])

    assert rows[-1]["区县"] == "市直单位"
    assert "江源市科协" not in [r["区县"] for r in rows]
    assert [r["区县"] for r in rows] == ["双流区", "龙泉区", "清溪县", "白沙县", "市直单位"], "places, not 「双流区科协」"
    assert {r["所属区县"] for r in units} == {"双流区", "龙泉区", "清溪县", "白沙县", "市直单位"}
    assert [r["报送率"] for r in rows[:1]] == [pytest.approx(rows[0]["已报单位数"] / rows[0]["应报单位数"])]
    assert rows[-1]["已报单位数"] == city.query(
        "select units_reported from marts.district_totals where district_code = 'C000'").iloc[0, 0]
    city_units = set(city.query("select unit_name from marts.unit_totals where district_code = 'C000'")["unit_name"])
    assert {r["所属区县"] for r in units if r["单位名称"] in city_units} == {"市直单位"}
    assert [r["所属区县"] == "市直单位" for r in units] == sorted(r["所属区县"] == "市直单位" for r in units)


def test_unit_rows_say_whether_each_unit_reported_and_why_a_held_one_is_held(workbook, city):
    rows, total = records(workbook["单位明细"])
    rows = [{**r, "报送情况": r["报送情况"].replace("\n", "")} for r in rows]  # printed: 待核实⏎（why）
    by_name = {r["单位名称"]: r for r in rows}
    completeness = city.query("select unit_name, status from marts.completeness")
    expected = dict(zip(completeness["unit_name"], completeness["status"]))

    for name, status in expected.items():
        shown = by_name[name]["报送情况"]
        assert shown == {"on_time": "已报送", "late": "已报送", "missing": "未报送"}.get(status, shown), name
        assert shown.startswith("待核实（") or status != "held", name
    held = {n: by_name[n]["报送情况"] for n, s in expected.items() if s == "held"}
    assert held and all(len(text) > len("待核实（）") for text in held.values())
    assert "待核实（文件无法读取）" in held.values() and "待核实（单位信息矛盾）" in held.values()
    missing = [by_name[n] for n, s in expected.items() if s == "missing"]
    assert missing and all(r[header] is None for r in missing for header in MEASURES.values()), \
        "not reported is not reported nothing: no row of zeros"
    assert {r["报送情况"] for r in rows if r["单位名称"] not in expected} <= {"已报送", "非应报单位"}


def test_activity_list_is_every_counted_activity(workbook, city, city_totals):
    rows, total = records(workbook["活动清单"])
    activities = city.query("select * from marts.activities")

    assert len(rows) == len(activities)
    assert same(total["场次"], city_totals["activities"])
    assert same(total["参与人次"], city_totals["participants"])
    assert {r["活动名称"] for r in rows} >= set(FORMULA_NAMES)
    assert all(r["活动日期"] and r["活动日期"].startswith("9月") for r in rows if r["活动名称"] in FORMULA_NAMES)


def test_activity_sources_stay_in_the_office(internal, city):
    rows, _ = records(internal["活动来源"])
    planted = [r for r in rows if r["来源文件"] == "双流区/公式试探.xlsx"]

    assert len(rows) == len(city.query("select * from marts.activities"))
    assert {r["活动名称"] for r in planted} >= set(FORMULA_NAMES)
    assert all(r["来源单元格"].startswith("活动明细!") for r in planted)


def test_completeness_sheet_lists_expected_units_chase_list_first(internal, city):
    rows, total = records(internal["报送情况"])
    completeness = city.query("select * from marts.completeness")
    chase = city.query("select * from marts.chase_list")

    assert total is None
    assert len(rows) == len(completeness)
    assert {r["单位代码"] for r in rows[:len(chase)]} == set(chase["unit_code"])
    assert all(r["催报"] == "是" for r in rows[:len(chase)]) and all(r["催报"] == "否" for r in rows[len(chase):])
    assert {r["报送情况"] for r in rows} <= {"按时报送", "逾期报送", "待核实", "未报送"}
    ws = internal["报送情况"]
    assert ws.cell(header_row(ws) + 1, 2).fill.fgColor.rgb.endswith("FCE4D6")


def test_district_completeness_and_the_internal_paragraph(internal, city):
    rows, total = records(internal["分区县报送情况"])
    paragraph = next(t for t in texts(internal["分区县报送情况"]) if "全市应报送单位" in t)

    assert total["应报"] == len(city.query("select * from marts.completeness"))
    assert rows[-1]["区县"] == "市直单位"
    assert "报送率" in paragraph


def test_issue_sheet_lists_current_versions_first_in_chinese(internal, city):
    rows, _ = records(internal["数据问题"])
    issues = city.query("select * from audit.issues")

    assert len(rows) == len(issues)
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))
    assert {r["严重程度"] for r in rows} <= {"错误", "警告", "提示"}
    versions = [r["文件版本"] for r in rows]
    assert versions == sorted(versions, key=["现行", "已被替代"].index)
    current = [r for r in rows if r["文件版本"] == "现行"]
    assert [r["严重程度"] for r in current] == sorted((r["严重程度"] for r in current), key=["错误", "警告", "提示"].index)
    planted = {r["原始值"]: r for r in rows if r["文件"] == "双流区/公式试探.xlsx"}
    assert planted["=1+2"]["单元格"].startswith("活动明细!I")
    assert planted["=1+2"]["问题类型"] == "参与人数无法识别"
    assert not any(r.get("问题代码") for r in rows)
    title = internal["数据问题"].cell(1, 1).value
    assert "现行版本共" in title


def test_files_sheet_lists_every_received_file(internal, city):
    rows, _ = records(internal["收到文件"])
    files = city.query("select * from core.submissions")

    assert sorted(r["文件"] for r in rows) == sorted(files["file_path"])
    held = next(r for r in rows if r["处理结果"] == "单位信息矛盾")
    assert held["单位"].startswith("待核实：") and held["计入汇总"] == "否"


def test_district_sheet_has_bar_charts_of_participants_and_activities(workbook):
    charts = workbook["分区县"]._charts

    assert len(charts) == 2
    assert all(isinstance(c, BarChart) for c in charts)
    titles = ["".join(r.t for p in c.title.tx.rich.p for r in (p.r or [])) for c in charts]
    assert titles == ["各区县参与人次", "各区县活动场次"]


def test_district_charts_print_on_the_tables_page(workbook):
    ws = workbook["分区县"]
    footer = next(r for r in range(1, 40) if str(ws.cell(r, 1).value or "").startswith("填表人"))

    assert not ws.row_breaks.brk, "five districts and their charts share one page"
    assert all(c.anchor._from.row >= footer for c in ws._charts), "the charts sit under the signed table"


def district_sheet(folder, districts: int) -> openpyxl.worksheet.worksheet.Worksheet:
    """A 分区县 sheet of `districts` districts with its charts, written and read back."""
    frame = pd.DataFrame({"district_name": [f"第{i}区" for i in range(districts)], "participants": range(districts),
                          "activities": range(districts)})
    table = Table("district_totals", "分区县", "分区县汇总表", (
        Column("district_name", "区县"), Column("participants", "参与人次", INT, total=True),
        Column("activities", "活动场次", INT, total=True)), frame)
    path = folder / f"{districts}.xlsx"

    def build(book):
        sheet = book.sheet("分区县")
        sheet.layout(sheet.table_widths(table))
        sheet.title(table.title, len(sheet.widths))
        placed = sheet.table(table, title=False)
        sheet.skip()
        sheet.line([(0, len(sheet.widths), "填表人：王丽")])
        sheet.finish(repeat=district_charts(book, sheet, table, placed))
        return "t"

    write_workbook(path, build)
    return openpyxl.load_workbook(path)["分区县"]


def test_charts_that_do_not_fit_under_their_table_get_a_titled_page_without_an_empty_header(tmp_path):
    few, some, many = (district_sheet(tmp_path, n) for n in (5, 22, 60))

    assert not few.row_breaks.brk and few.print_title_rows == "$1:$2"
    (brk,) = some.row_breaks.brk
    assert some.cell(brk.id + 1, 1).value == CHARTS_TITLE, "the charts' page opens with its own title"
    assert some.print_title_rows is None, "a one-page table repeats no header above the charts"
    assert all(c.anchor._from.row > brk.id for c in some._charts)
    assert many.print_title_rows == "$1:$2", "a table of several pages keeps its header on each"
    assert many.cell(many.row_breaks.brk[0].id + 1, 1).value == CHARTS_TITLE


@pytest.mark.parametrize(("book", "sheet"), [("workbook", s) for s in UPWARD] + [("internal", s) for s in INTERNAL])
def test_frozen_header_and_print_setup_legible_on_a4(request, book, sheet):
    ws = request.getfixturevalue(book)[sheet]
    top = header_row(ws)
    widths = [d.width for d in ws.column_dimensions.values() if d.width]

    assert ws.freeze_panes == f"A{top + 1}"
    assert ws.print_title_rows == f"$1:${top}"
    assert ws.page_setup.orientation == ("portrait" if sheet == "全市汇总" else "landscape")
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # 1 is the default
    assert ws.page_setup.fitToHeight == 0
    assert ws.cell(1, 1).font.b and ws.cell(top, 1).font.b
    assert widths and all(4 <= w <= 42 for w in widths)
    assert print_scale(widths, portrait=ws.page_setup.orientation == "portrait") >= LEGIBLE_SCALE


def test_no_header_breaks_inside_a_bracket(workbook, internal):
    for ws in [*workbook.worksheets, *internal.worksheets]:
        for cell in ws[header_row(ws)]:
            for line in (cell.value or "").split("\n"):
                assert line.count("（") == line.count("）"), (ws.title, cell.value)


def test_counts_have_thousands_separators(workbook):
    ws = workbook["分区县"]
    top = header_row(ws)
    header = [(c.value or "").replace("\n", "") for c in ws[top]]

    assert ws.cell(top + 1, header.index("参与人次") + 1).number_format == "#,##0"
    assert ws.cell(top + 1, header.index("经费（万元）") + 1).number_format == "#,##0.00"


def test_no_cell_is_a_formula_and_submitted_formulas_are_quoted_text(workbook, internal):
    formulas = [(ws.title, c.coordinate) for wb in (workbook, internal) for ws in wb.worksheets
                for row in ws.iter_rows() for c in row if c.data_type == "f"]
    planted = [c for row in workbook["活动清单"].iter_rows() for c in row if c.value in FORMULA_NAMES]

    assert formulas == []
    assert {c.value for c in planted} == set(FORMULA_NAMES)
    assert all(c.data_type == "s" and c.quotePrefix for c in planted)
