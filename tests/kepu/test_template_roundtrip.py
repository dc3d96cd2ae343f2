"""A form filled from `kepu template` reads back through the parser exactly as written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kepu.demo.forms import fill_form
from kepu.form.template import write_template
from kepu.sources.books import read_book
from kepu.transforms.submission import parse_book


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
