"""情况说明: the paragraph the city writes, from tiny inline marts frames."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from kepu.transforms.narrative import (
    FORM_PHRASES,
    count_text,
    form_clauses,
    money_text,
    reporting_sentence,
    situation_paragraph,
)

NAME = "2023年全国科普日"
CITY = {"campaign_id": "c", "units_expected": 78, "units_reported": 69, "units_on_time": 61, "activities": 31,
        "participants": 14000, "volunteers": 320, "materials": 10000, "boards": 300, "media_reports": 12,
        "funding_wan": 18.5}


def types(*rows: tuple[str, int, int]) -> pd.DataFrame:
    return pd.DataFrame([{"campaign_id": "c", "activity_type": t, "activities": a, "participants": p}
                         for t, a, p in rows])


SEEDS_LIKE = types(("讲座报告", 6, 4000), ("培训", 13, 3000), ("展览展示", 10, 1000), ("科技下乡", 15, 6000))


def test_paragraph_reads_like_the_seeds_with_exact_numbers():
    text = situation_paragraph(NAME, CITY, SEEDS_LIKE)

    assert text.startswith("据不完全统计，2023年全国科普日期间，全市共开展科普活动31场次，参与群众14000人次。其中，")
    assert ("举办科普讲座、报告6场次，听众4000人次；举办各类培训班13期，参训3000人次；"
            "举办科普展览10场次，观众1000人次；全市共展出科普展板300块、发放科普资料10000份；"
            "送科技下乡15场次，参与群众6000人次。") in text
    assert text.endswith("活动中，科普志愿者参与服务320人次，媒体报道12篇，投入经费18.50万元。")
    assert "报送率" not in text and "应报送" not in text
    assert not any(word in text for word in ("多", "余", "约"))


def test_the_internal_version_adds_how_many_units_reported():
    upward = situation_paragraph(NAME, CITY, SEEDS_LIKE)
    internal = situation_paragraph(NAME, CITY, SEEDS_LIKE, internal=True)

    assert internal == upward + ("全市应报送单位78个，已报送69个，报送率88.5%，其中按时报送61个、逾期报送8个；"
                                 "尚有9个单位未报送或报送材料待核实。")


@pytest.mark.parametrize(("reported", "opening"), [(78, ""), (77, "据不完全统计，"), (80, "")])
def test_not_every_expected_unit_reported_means_incomplete_statistics(reported, opening):
    text = situation_paragraph(NAME, {**CITY, "units_reported": reported}, SEEDS_LIKE)

    assert text.startswith(opening + "2023年全国科普日期间，全市共开展")


def test_summary_only_figures_are_in_the_totals_and_named_in_no_clause():
    frame = types(("讲座报告", 2, 100), ("未分项", 4, 1200))

    text = situation_paragraph(NAME, {**CITY, "activities": 6, "participants": 1300}, frame)

    assert "全市共开展科普活动6场次，参与群众1300人次" in text
    assert "汇总" not in text and "另有" not in text and "未分项" not in text


def test_visits_are_worded_as_receptions():
    clauses = form_clauses(types(("参观开放", 3, 900)), boards=0, materials=0)

    assert clauses == ["科普场馆、基地开放3场次，接待参观900人次"]


@pytest.mark.parametrize("zero", ["讲座报告", "培训", "展览展示", "科技下乡"])
def test_a_form_with_no_activities_is_left_out(zero):
    frame = SEEDS_LIKE.assign(activities=lambda d: d["activities"].where(d["activity_type"] != zero, 0),
                              participants=lambda d: d["participants"].where(d["activity_type"] != zero, 0))
    phrase = next(p for p in FORM_PHRASES if p.activity_type == zero)

    text = situation_paragraph(NAME, CITY, frame)

    assert phrase.action not in text
    assert all(p.action in text for p in FORM_PHRASES if p.activity_type in set(frame["activity_type"]) - {zero})


@pytest.mark.parametrize(("rows", "expected"), [
    ([("培训", 2, 40)], ["举办各类培训班2期，参训40人次", "全市共展出科普展板5块、发放科普资料7份"]),
    ([("展览展示", 1, 0)], ["举办科普展览1场次", "全市共展出科普展板5块、发放科普资料7份"]),
    ([("竞赛", 3, 90), ("讲座报告", 1, 50)],
     ["举办科普讲座、报告1场次，听众50人次", "举办科普竞赛3场次，参赛90人次",
      "全市共展出科普展板5块、发放科普资料7份"]),
    ([("未分项", 4, 1200), ("其他", 1, 10)],
     ["开展其他形式的科普活动1场次，参与群众10人次", "全市共展出科普展板5块、发放科普资料7份"]),
    ([("新形式", 2, 30)], ["开展新形式活动2场次，参与群众30人次", "全市共展出科普展板5块、发放科普资料7份"]),
])
def test_clauses_follow_the_office_order(rows, expected):
    assert form_clauses(types(*rows), boards=5, materials=7) == expected


@pytest.mark.parametrize(("boards", "materials", "clause"), [
    (0, 7, "全市共发放科普资料7份"), (5, 0, "全市共展出科普展板5块"), (0, 0, None)])
def test_boards_and_materials_clause_omits_zeros(boards, materials, clause):
    clauses = form_clauses(types(("讲座报告", 1, 10)), boards=boards, materials=materials)

    assert clauses[1:] == ([clause] if clause else [])


@pytest.mark.parametrize(("city", "sentence"), [
    ({"units_expected": 10, "units_reported": 10, "units_on_time": 10},
     "全市应报送单位10个，已报送10个，报送率100.0%，其中按时报送10个，应报单位全部报送。"),
    ({"units_expected": 3, "units_reported": 0, "units_on_time": 0},
     "全市应报送单位3个，已报送0个，报送率0.0%；尚有3个单位未报送或报送材料待核实。"),
    ({"units_expected": 3, "units_reported": 2, "units_on_time": 2},
     "全市应报送单位3个，已报送2个，报送率66.7%，其中按时报送2个；尚有1个单位未报送或报送材料待核实。"),
    ({"units_expected": 0, "units_reported": 0, "units_on_time": 0}, ""),
])
def test_reporting_sentence(city, sentence):
    assert reporting_sentence(city) == sentence


def test_support_sentence_omits_zero_measures_and_keeps_cents():
    city = {**CITY, "volunteers": 0, "media_reports": 0, "funding_wan": Decimal("0.05")}

    text = situation_paragraph(NAME, city, SEEDS_LIKE)

    assert "活动中，投入经费0.05万元。" in text
    assert "志愿者" not in text and "媒体报道" not in text


def test_nothing_counted_yet():
    city = {**CITY, "activities": 0, "participants": 0}

    assert situation_paragraph(NAME, city, types()) == "2023年全国科普日期间，全市尚无计入汇总的科普活动。"
    assert situation_paragraph(NAME, city, types(), internal=True).startswith(
        "2023年全国科普日期间，全市尚无计入汇总的科普活动。全市应报送单位78个")


def test_missing_values_count_as_zero():
    city = {"units_expected": None, "activities": 2, "participants": None, "funding_wan": float("nan")}

    text = situation_paragraph(NAME, city, types(("培训", 2, None)))

    assert text == "2023年全国科普日期间，全市共开展科普活动2场次，参与群众0人次。其中，举办各类培训班2期。"


def test_every_activity_form_has_its_phrase():
    from kepu.schemas.vocabulary import ACTIVITY_TYPES, UNITEMIZED_TYPE

    assert {p.activity_type for p in FORM_PHRASES} == set(ACTIVITY_TYPES)
    assert UNITEMIZED_TYPE not in {p.activity_type for p in FORM_PHRASES}


@pytest.mark.parametrize(("n", "expected"), [
    (307383, "30.7万人次"), (490065, "49万余人次"), (20000, "2万人次"), (10001, "1万余人次"), (19999, "1.9万人次"),
    (9999, "9999人次"), (362, "362人次"), (0, "0人次"),
])
def test_the_office_s_rounded_style(n, expected):
    """Cut, never raised: the paragraph never claims more than was counted (#23)."""
    assert count_text(n, "人次", rounded=True) == expected
    assert count_text(n, "人次") == f"{n}人次"


def test_the_paragraph_is_exact_by_default_and_rounded_when_set():
    city = {**CITY, "activities": 362, "participants": 307383, "volunteers": 7383, "materials": 490065,
            "boards": 5087, "funding_wan": Decimal("3409.86")}
    exact = situation_paragraph(NAME, city, SEEDS_LIKE)
    rounded = situation_paragraph(NAME, city, SEEDS_LIKE, rounded=True)
    assert "参与群众307383人次" in exact and "发放科普资料490065份" in exact and "投入经费3409.86万元" in exact
    assert "全市共开展科普活动362场次，参与群众30.7万人次。" in rounded
    assert "展出科普展板5087块、发放科普资料49万余份" in rounded and "投入经费3409万余元" in rounded
    assert "科普志愿者参与服务7383人次" in rounded
    assert money_text(Decimal("18.50"), rounded=True) == "18万余元" and money_text(Decimal("0.50"), rounded=True) == "0.50万元"
