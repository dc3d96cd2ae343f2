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
from kepu.form.template import (
    BLANK_TEMPLATE_ROWS,
    DETAIL_SHEET,
    FIRST_DATA_ROW,
    INSTRUCTIONS_SHEET,
    SUMMARY_SHEET,
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
    assert [c.value for c in ws[3]] == [f.header for f in DETAIL_FIELDS]
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
