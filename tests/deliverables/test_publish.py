"""write_all: every deliverable of a campaign, fast, atomic, and reporting every path it wrote."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kepu.deliverables.publish import write_all
from tests.builders import make_city
from tests.deliverables.city import PublishedCity, published_city


@pytest.fixture(scope="module")
def city(tmp_path_factory, prefect_harness) -> PublishedCity:
    return published_city(tmp_path_factory)


def test_the_run_reports_every_file_it_wrote(city):
    on_disk = {p for p in city.out.rglob("*") if p.is_file()}

    assert set(city.outputs) == on_disk
    assert {p.name for p in on_disk if p.parent == city.out} == {"全市汇总.xlsx", "情况说明.md", "报告.html"}
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
    assert f"全市共开展科普活动{totals['activities']}场次，参与群众{totals['participants']}人次" in paragraph
    assert f"全市应报送单位{totals['units_expected']}个，已报送{totals['units_reported']}个" in paragraph
    assert "多" not in paragraph and "余" not in paragraph


def test_an_empty_inbox_still_gives_every_deliverable(tmp_path, prefect_harness):
    from kepu.flows.nightly import run

    city = make_city(tmp_path / "city")

    outputs = run(city.config).outputs

    out = city.root / "out" / "2023-science-day"
    assert {(out / name).is_file() for name in ("全市汇总.xlsx", "情况说明.md", "报告.html")} == {True}
    assert not (out / "回执").exists() or not list((out / "回执").iterdir())
    assert "全市尚无计入汇总的科普活动" in (out / "情况说明.md").read_text(encoding="utf-8")
    assert len(outputs) == 3 + 2 * 9


def test_writing_again_elsewhere_gives_the_same_files(city, tmp_path):
    written = write_all(replace(city.settings, out=tmp_path))
    assert sorted(p.relative_to(tmp_path) for p in written) == sorted(p.relative_to(city.out.parent)
                                                                       for p in city.outputs)
