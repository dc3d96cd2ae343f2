"""The official form filled in as a unit would (demo.forms): read back with calamine, totals as numbers,
a summary-only form, codes as text, the same bytes for the same inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kepu.demo.forms import column_sums, fill_form
from kepu.form.template import DETAIL_SHEET, FIRST_DATA_ROW, SUMMARY_SHEET, write_template
from kepu.schemas.synonyms import DETAIL_FIELDS, SUMMARY_INDICATORS

CAMPAIGN = "2023年全国科普日"
COLUMN = {f.field: i for i, f in enumerate(DETAIL_FIELDS)}

LECTURE = {
    "activity_name": "“节约能源资源 保护生态环境”科普讲座",
    "activity_type": "讲座报告",
    "start_date": date(2023, 9, 18),
    "end_date": date(2023, 9, 18),
    "venue": "东升街道文化站",
    "organizer": "东升街道科协",
    "partners": "区卫健局、东升卫生院",
    "participants": 180,
    "volunteers": 12,
    "materials": 400,
    "boards": 6,
    "media_reports": 1,
    "funding_wan": Decimal("0.35"),
}


HANDWRITTEN = {
    "activity_name": "科普大篷车进社区",
    "activity_type": "科普大篷车",
    "start_date": "2023.9.19",
    "participants": "约500",
    "volunteers": 20,
    "funding_wan": 1.2,
    "note": "数据为估计",
}


def fill(path: Path, **overrides) -> Path:
    arguments = dict(
        campaign_name=CAMPAIGN,
        unit_name="东升街道科协",
        unit_code="D01T01",
        reported_on=date(2023, 9, 25),
        activities=[LECTURE, HANDWRITTEN],
    )
    arguments.update(overrides)
    return fill_form(path, **arguments)


def detail_rows(path: Path) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(DETAIL_SHEET).to_python()


def test_filled_form_reads_back_with_calamine(tmp_path):
    rows = detail_rows(fill(tmp_path / "东升街道.xlsx", with_total_row=True))

    assert rows[1][1] == "东升街道科协"
    assert rows[1][5] == "D01T01"
    assert rows[1][8] == date(2023, 9, 25)
    assert [h.replace("\n", "") for h in rows[2]] == [f.header for f in DETAIL_FIELDS]

    lecture, handwritten, total, blank, footer = rows[3:8]
    assert lecture[COLUMN["seq"]] == 1
    assert lecture[COLUMN["start_date"]] == date(2023, 9, 18)
    assert lecture[COLUMN["participants"]] == 180
    assert lecture[COLUMN["funding_wan"]] == pytest.approx(0.35)
    assert handwritten[COLUMN["seq"]] == 2
    assert handwritten[COLUMN["start_date"]] == "2023.9.19"
    assert handwritten[COLUMN["participants"]] == "约500"
    assert handwritten[COLUMN["end_date"]] == ""

    assert total[COLUMN["seq"]] == total[COLUMN["activity_name"]] == "合计"
    assert total[COLUMN["participants"]] == 180
    assert total[COLUMN["volunteers"]] == 32
    assert isinstance(total[COLUMN["volunteers"]], (int, float))
    assert total[COLUMN["funding_wan"]] == pytest.approx(1.55)
    assert all(v == "" for v in blank)
    assert [v for v in footer if v] == ["填表人：", "联系电话：", "审核人："]


def test_total_row_holds_numbers_not_formulas(tmp_path):
    path = fill(tmp_path / "form.xlsx", with_total_row=True)
    ws = openpyxl.load_workbook(path)[DETAIL_SHEET]

    total_row = [c.value for c in ws[FIRST_DATA_ROW + 2]]
    assert total_row[0] == "合计"
    assert not any(isinstance(v, str) and v.startswith("=") for v in total_row)


def test_summary_only_form_has_no_activity_rows(tmp_path):
    summary = {"activities": 4, "participants": 1200, "volunteers": 35, "materials": 2000,
               "boards": 20, "media_reports": 2, "funding_wan": Decimal("1.80")}
    path = fill(tmp_path / "form.xlsx", with_detail=False, summary=summary)
    book = CalamineWorkbook.from_path(str(path))

    rows = book.get_sheet_by_name(DETAIL_SHEET).to_python()
    assert all(v == "" for v in rows[3])
    assert [v for v in rows[4] if v] == ["填表人：", "联系电话：", "审核人："]
    amounts = {row[0]: row[2] for row in book.get_sheet_by_name(SUMMARY_SHEET).to_python()[2:]}
    assert amounts == {i.name: pytest.approx(float(summary[i.key])) for i in SUMMARY_INDICATORS}


def test_unit_code_is_written_as_text(tmp_path):
    rows = detail_rows(fill(tmp_path / "form.xlsx", unit_code="0012"))

    assert rows[1][5] == "0012"


def test_unknown_activity_field_is_refused(tmp_path):
    with pytest.raises(ValueError, match="participant"):
        fill(tmp_path / "form.xlsx", activities=[{"activity_name": "讲座", "participant": 10}])


@pytest.mark.parametrize(
    ("activities", "participants", "funding"),
    [
        ([], 0, Decimal("0.00")),
        ([{"participants": 10, "funding_wan": 0.1}, {"participants": 20, "funding_wan": 0.2}], 30, Decimal("0.3")),
        ([{"participants": "约500", "funding_wan": "无"}, {"participants": 7}], 7, Decimal("0.00")),
    ],
)
def test_column_sums_add_numbers_and_skip_text(activities, participants, funding):
    sums = column_sums(activities)

    assert sums["participants"] == participants
    assert sums["funding_wan"] == funding


def test_same_inputs_give_the_same_bytes(tmp_path):
    first = fill(tmp_path / "a.xlsx", with_total_row=True).read_bytes()
    second = fill(tmp_path / "b.xlsx", with_total_row=True).read_bytes()
    blank_a = write_template(tmp_path / "blank_a.xlsx", CAMPAIGN).read_bytes()
    blank_b = write_template(tmp_path / "blank_b.xlsx", CAMPAIGN).read_bytes()

    assert first == second
    assert blank_a == blank_b
    assert first != blank_a
