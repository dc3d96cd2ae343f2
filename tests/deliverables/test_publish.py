"""write_all: every deliverable of a campaign, atomic, reporting every path it wrote, and rewriting only
what changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import docx
import openpyxl
import pytest

from kepu.deliverables.publish import write_all, write_deliverables
from kepu.warehouse.queries import read_marts
from tests.builders import make_city
from tests.deliverables.city import PublishedCity, published_city

TOP = {"全市汇总.xlsx", "内部核查.xlsx", "情况说明.md", "情况说明.docx", "报告.html"}


@pytest.fixture(scope="module")
def city(tmp_path_factory, prefect_harness) -> PublishedCity:
    return published_city(tmp_path_factory)


def stamps(folder) -> dict:
    return {p.relative_to(folder): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_the_run_reports_every_file_it_wrote(city):
    on_disk = {p for p in city.out.rglob("*") if p.is_file()}

    assert set(city.outputs) == on_disk
    assert {p.name for p in on_disk if p.parent == city.out} == TOP
    assert not [p for p in on_disk if p.name.startswith(".")]


def test_receipts_of_units_that_no_longer_get_one_are_removed(city, tmp_path):
    settings = replace(city.settings, out=tmp_path)
    stale = settings.campaign_out / "回执" / "已撤销的单位.xlsx"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")

    written = write_all(settings)

    assert not stale.exists()
    assert stale not in written


def test_narrative_is_a_markdown_paragraph_from_the_marts(city):
    totals = city.query("select * from marts.city_totals").iloc[0]
    text = (city.out / "情况说明.md").read_text(encoding="utf-8")

    title, paragraph = text.rstrip("\n").split("\n\n")
    assert title == "# 2023年全国科普日活动情况说明"
    assert paragraph.startswith("据不完全统计，")
    assert f"全市共开展科普活动{totals['activities']}场次，参与群众{totals['participants']}人次" in paragraph
    assert f"科普志愿者参与服务{totals['volunteers']}人次" in paragraph
    assert "报送率" not in paragraph and "另有只报送汇总数" not in paragraph
    assert "多" not in paragraph and "余" not in paragraph


def test_the_word_file_is_laid_out_as_an_official_document(city):
    document = docx.Document(str(city.out / "情况说明.docx"))
    title, body, *rest = [p for p in document.paragraphs if p.text]
    md = (city.out / "情况说明.md").read_text(encoding="utf-8")

    assert title.text == "2023年全国科普日活动情况说明" and title.alignment == 1
    assert title.runs[0].font.size.pt == 22
    assert title.runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "方正小标宋简体"
    assert body.text == md.split("\n\n", 1)[1].strip()
    assert body.runs[0].font.size.pt == 16
    assert body.runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    assert body.paragraph_format.first_line_indent.pt == 32
    assert body.paragraph_format.line_spacing.pt == 28
    signer, day = rest
    assert signer.text == "江源市科学技术协会" and signer.alignment == 2
    assert day.text.endswith("日") and day.alignment == 2
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28


def test_an_empty_inbox_still_gives_every_deliverable(tmp_path, prefect_harness):
    from kepu.flows.nightly import run

    city = make_city(tmp_path / "city")

    outputs = run(city.config).outputs

    out = city.root / "out" / "2023-science-day"
    assert {(out / name).is_file() for name in TOP} == {True}
    assert not (out / "回执").exists() or not list((out / "回执").iterdir())
    assert "全市尚无计入汇总的科普活动" in (out / "情况说明.md").read_text(encoding="utf-8")
    assert len(outputs) == len(TOP) + 2 * 9


def test_writing_again_elsewhere_gives_the_same_files(city, tmp_path):
    written = write_all(replace(city.settings, out=tmp_path))
    assert sorted(p.relative_to(tmp_path) for p in written) == sorted(p.relative_to(city.out.parent)
                                                                       for p in city.outputs)


def test_writing_what_is_already_there_rewrites_nothing(city, tmp_path):
    settings = replace(city.settings, out=tmp_path)
    marts = read_marts(settings.warehouse, settings.campaign.campaign_id)
    write_deliverables(marts, settings, now=datetime(2023, 9, 30, 8, 0))
    before = stamps(tmp_path)

    write_deliverables(marts, settings, now=datetime(2023, 10, 1, 8, 0))

    assert stamps(tmp_path) == before


def test_a_change_rewrites_only_what_it_changes(city, tmp_path):
    settings = replace(city.settings, out=tmp_path)
    marts = read_marts(settings.warehouse, settings.campaign.campaign_id)
    write_deliverables(marts, settings, now=datetime(2023, 9, 30, 8, 0))
    before = stamps(tmp_path)
    code, name = city.planted_unit
    issues = marts.issues.copy()
    row = issues.index[(issues["unit_code"] == code) & (issues["severity"] == "info")][0]
    issues.loc[row, "message"] = "改过的提示"

    write_deliverables(replace(marts, issues=issues), settings, now=datetime(2023, 10, 1, 8, 0))

    after = stamps(tmp_path)
    changed = {str(p) for p in after if after[p] != before[p]}
    must = {f"2023-science-day/回执/{name}.xlsx", "2023-science-day/内部核查.xlsx",
            "2023-science-day/csv/issues.csv", "2023-science-day/parquet/issues.parquet"}
    assert must <= changed <= must | {"2023-science-day/报告.html"}  # the page quotes one message per code
    upward = openpyxl.load_workbook(tmp_path / "2023-science-day" / "全市汇总.xlsx")["全市汇总"]
    assert "填报日期：2023年9月30日" in [c.value for row in upward.iter_rows() for c in row]


def test_the_statement_s_rounded_style_is_a_setting_exact_by_default(city, tmp_path):
    """[statement] figures = "rounded": 情况说明 in the office's style (30.7万人次); the internal paragraph stays
    exact (#23)."""
    settings = replace(city.settings, out=tmp_path, statement_style="rounded")
    marts = read_marts(settings.warehouse, settings.campaign.campaign_id)
    marts = replace(marts, city=marts.city.assign(participants=307383, materials=490065))
    write_deliverables(marts, settings, now=datetime(2023, 9, 30, 8, 0))
    rounded = (settings.campaign_out / "情况说明.md").read_text(encoding="utf-8")
    assert "参与群众30.7万人次" in rounded and "发放科普资料49万余份" in rounded
    assert "307383" not in rounded
    exact = tmp_path / "exact"
    write_deliverables(marts, replace(settings, out=exact, statement_style="exact"), now=datetime(2023, 9, 30, 8, 0))
    text = (exact / settings.campaign.campaign_id / "情况说明.md").read_text(encoding="utf-8")
    assert "参与群众307383人次" in text and "发放科普资料490065份" in text
