"""The official form: the layout of the blank template, and a form filled from it that reads back through
the parser exactly as written."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl

from kepu.demo.forms import fill_form
import pandas as pd

from kepu.deliverables.sheets import LINE_POINTS, lines_needed, text_width
from kepu.form.per_unit import form_paths
from kepu.form.template import (
    BLANK_TEMPLATE_ROWS,
    DETAIL_SHEET,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    SUMMARY_SHEET,
    Schedule,
    UnitIdentity,
    build_template,
    write_template,
)
from kepu.schemas.synonyms import DETAIL_FIELDS, SUMMARY_INDICATORS
from kepu.schemas.vocabulary import ACTIVITY_TYPES, COUNT_METRICS, MEASURE
from kepu.sources.books import read_book
from kepu.transforms.submission import parse_book

CAMPAIGN = "2023年全国科普日"
REPO = Path(__file__).resolve().parents[2]
COLUMN = {f.field: i for i, f in enumerate(DETAIL_FIELDS)}


def test_blank_template_has_the_three_sheets_in_order():
    wb = build_template(CAMPAIGN)

    assert wb.sheetnames == [DETAIL_SHEET, SUMMARY_SHEET, INSTRUCTIONS_SHEET]
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets)


def test_blank_template_detail_layout():
    ws = build_template(CAMPAIGN)[DETAIL_SHEET]

    assert ws["A1"].value == f"{CAMPAIGN}活动情况统计表"
    assert [ws["A2"].value, ws["E2"].value, ws["H2"].value] == ["填报单位：", "单位代码：", "填报日期："]
    assert {"A1:O1", "B2:D2", "F2:G2"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [c.value.replace("\n", "") for c in ws[3]] == [f.header for f in DETAIL_FIELDS]
    assert all(c.font.bold and c.border.left.style for c in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_blank_template_formats_its_empty_rows_and_puts_the_footer_below():
    ws = build_template(CAMPAIGN)[DETAIL_SHEET]
    last_row = FIRST_DATA_ROW + BLANK_TEMPLATE_ROWS - 1

    for row in (FIRST_DATA_ROW, last_row):
        assert ws.cell(row, COLUMN["start_date"] + 1).number_format == "yyyy-mm-dd"
        assert ws.cell(row, COLUMN["participants"] + 1).number_format == "#,##0"
        assert ws.cell(row, COLUMN["funding_wan"] + 1).number_format == "0.00"
        assert all(c.value is None for c in ws[row])
    footer = [c.value for c in ws[last_row + 2] if c.value]
    assert footer == ["填表人：", "联系电话：", "审核人："]


def test_activity_type_drop_down_lists_the_eleven_forms_and_counts_warn(tmp_path):
    path = write_template(tmp_path / "form.xlsx", CAMPAIGN)
    validations = openpyxl.load_workbook(path)[DETAIL_SHEET].data_validations.dataValidation

    (forms,) = [v for v in validations if v.type == "list"]
    assert forms.formula1.strip('"').split(",") == list(ACTIVITY_TYPES)
    assert len(ACTIVITY_TYPES) == 11
    assert not forms.showErrorMessage
    assert str(forms.sqref).startswith("C4:")

    (counts,) = [v for v in validations if v.type == "whole"]
    assert counts.errorStyle == "warning" and counts.operator == "greaterThanOrEqual"
    assert len(str(counts.sqref).split()) == len(COUNT_METRICS)


def test_summary_sheet_lists_every_indicator_with_an_empty_amount():
    ws = build_template(CAMPAIGN)[SUMMARY_SHEET]

    assert [c.value for c in ws[2]] == ["指标名称", "计量单位", "数量"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert rows == [[i.name, MEASURE[i.key].unit, None] for i in SUMMARY_INDICATORS]


def test_instructions_explain_every_column():
    ws = build_template(CAMPAIGN)[INSTRUCTIONS_SHEET]
    labels = {ws.cell(row, 1).value: ws.cell(row, 2).value for row in range(1, ws.max_row + 1)}

    for field in DETAIL_FIELDS:
        assert labels.get(field.header), field.header
    assert "万元" in labels["经费（万元）"]


def test_template_bytes_do_not_depend_on_the_process(tmp_path):
    script = (
        "import sys; from pathlib import Path; from kepu.form.template import write_template; "
        "write_template(Path(sys.argv[1]), '2023年全国科普日')"
    )
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-c", script, str(tmp_path / f"{hash_seed}.xlsx")],
                       check=True, cwd=REPO, env=env)

    assert (tmp_path / "1.xlsx").read_bytes() == (tmp_path / "2.xlsx").read_bytes()


def test_blank_template_has_a_header_and_no_activities(tmp_path):
    path = write_template(tmp_path / "模板.xlsx", "2023年全国科普日")
    parsed = parse_book(read_book(path), 2023)
    assert parsed.detail_sheet == "活动明细"
    assert parsed.activities == []
    assert parsed.summary is not None and not parsed.summary.has_figures


def test_filled_form_round_trip(tmp_path):
    activities = [
        {"activity_name": "“节约能源资源 保护生态环境”科普讲座", "activity_type": "讲座报告",
         "start_date": date(2023, 9, 17), "venue": "社区广场", "organizer": "东升街道科协",
         "partners": "区老科协、区卫健局", "participants": 320, "volunteers": 15, "materials": 800,
         "boards": 12, "media_reports": 2, "funding_wan": Decimal("0.85"), "note": "含线上直播"},
        {"activity_name": "科普大篷车进社区", "activity_type": "互动体验", "start_date": date(2023, 9, 18),
         "end_date": date(2023, 9, 19), "participants": 1500},
    ]
    path = fill_form(tmp_path / "东升街道.xlsx", campaign_name="2023年全国科普日", unit_name="东升街道科协",
                     unit_code="D01T01", reported_on=date(2023, 9, 25), activities=activities,
                     with_total_row=True)

    parsed = parse_book(read_book(path), 2023)

    assert parsed.identity.unit_code.value == "D01T01"
    assert parsed.identity.unit_name.value == "东升街道科协"
    assert parsed.identity.reported_on == date(2023, 9, 25)
    assert [i.code for i in parsed.issues] == []
    first, second = parsed.activities
    assert first["partners"] == ["区老科协", "区卫健局"]
    assert (first["participants"], first["funding_wan"], first["start_date"], first["end_date"]) == (
        320, Decimal("0.85"), date(2023, 9, 17), date(2023, 9, 17))
    assert (second["activity_type"], second["end_date"], second["volunteers"]) == ("互动体验", date(2023, 9, 19), None)
    assert [kind for _, kind in parsed.row_kinds] == ["activity", "activity", "total", "footer"]


SCHEDULE = Schedule(date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))


def test_headers_never_break_inside_a_bracket():
    ws = build_template(CAMPAIGN)[DETAIL_SHEET]

    for cell in ws[3]:
        width = ws.column_dimensions[cell.column_letter].width
        for line in cell.value.split("\n"):
            assert line.count("（") == line.count("）"), cell.value
            assert text_width(line) <= width, (cell.value, width)
    assert ws.row_dimensions[3].height >= 2 * LINE_POINTS


def test_instruction_rows_are_as_tall_as_their_text():
    ws = build_template(CAMPAIGN, SCHEDULE)[INSTRUCTIONS_SHEET]
    widths = {letter: ws.column_dimensions[letter].width for letter in "AB"}

    for row in range(2, ws.max_row + 1):
        texts = [(ws.cell(row, c).value, widths["AB"[c - 1]]) for c in (1, 2)]
        needed = max((lines_needed(str(t), w) for t, w in texts if t), default=0)
        if needed:
            assert ws.row_dimensions[row].height >= needed * LINE_POINTS, (row, texts)


def test_the_form_states_the_activity_window_and_the_deadline():
    wb = build_template(CAMPAIGN, SCHEDULE)
    ws = wb[DETAIL_SHEET]
    notes = [c.value for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if isinstance(c.value, str)]

    assert ws["N2"].value == "统计时段：2023年9月17日至9月23日\n报送截止：2023年9月28日"
    assert any("2023年9月17日至9月23日" in n for n in notes)
    assert any("2023年9月28日前报送" in n for n in notes)
    assert build_template(CAMPAIGN)[DETAIL_SHEET]["N2"].value is None


def test_a_blank_dated_form_reads_as_no_activities_and_no_reported_date(tmp_path):
    path = write_template(tmp_path / "模板.xlsx", CAMPAIGN, SCHEDULE)
    parsed = parse_book(read_book(path), 2023)

    assert parsed.activities == [] and parsed.identity.reported_on is None
    assert [i.code for i in parsed.issues] == []


def test_a_form_made_out_to_a_unit_names_it_and_locks_only_that(tmp_path):
    path = write_template(tmp_path / "东升街道.xlsx", CAMPAIGN, SCHEDULE, UnitIdentity("东升街道", "D01T01"))
    ws = openpyxl.load_workbook(path)[DETAIL_SHEET]

    assert (ws["B2"].value, ws["F2"].value) == ("东升街道", "D01T01")
    assert ws.protection.sheet and not ws.protection.insertRows and not ws.protection.formatCells
    assert ws["B2"].protection.locked and ws["F2"].protection.locked
    assert not ws["I2"].protection.locked
    last = FIRST_DATA_ROW + BLANK_TEMPLATE_ROWS - 1
    assert not any(ws.cell(row, col).protection.locked for row in (FIRST_DATA_ROW, last) for col in range(1, 16))
    identity = parse_book(read_book(path), 2023).identity
    assert (identity.unit_code.value, identity.unit_name.value, identity.unit_code.cell) == ("D01T01", "东升街道", "F2")


def test_per_unit_forms_go_into_district_folders_named_after_their_unit():
    units = pd.DataFrame([
        {"unit_code": "C000", "unit_name": "江源市科协", "unit_type": "city", "expected": False,
         "district_code": "C000", "district_name": "江源市科协"},
        {"unit_code": "S01", "unit_name": "江源市/气象学会", "unit_type": "society", "expected": True,
         "district_code": "C000", "district_name": "江源市科协"},
        {"unit_code": "D01T01", "unit_name": "东升街道", "unit_type": "street", "expected": True,
         "district_code": "D01", "district_name": "双流区科协"},
        {"unit_code": "D02T01", "unit_name": "东升街道", "unit_type": "street", "expected": True,
         "district_code": "D01", "district_name": "双流区科协"},
        {"unit_code": "D01T02", "unit_name": "九江街道", "unit_type": "street", "expected": False,
         "district_code": "D01", "district_name": "双流区科协"},
    ])

    planned = {str(path): unit.code for path, unit in form_paths(units, CAMPAIGN, "市直单位")}

    assert planned == {
        "市直单位/江源市气象学会_2023年全国科普日活动情况统计表.xlsx": "S01",
        "双流区科协/东升街道_D01T01_2023年全国科普日活动情况统计表.xlsx": "D01T01",
        "双流区科协/东升街道_D02T01_2023年全国科普日活动情况统计表.xlsx": "D02T01",
    }
