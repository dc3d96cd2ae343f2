"""The words the office reads about its signed edition (SPEC §3.12), from plain rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from kepu.transforms.edition_text import edition_label, figure_changes, headline, signed_number

SIGNED = {"edition_no": 1, "signed_at": datetime(2023, 9, 30, 17, 5), "same_as_signed": False}


@pytest.mark.parametrize("value, money, text", [
    (Decimal("1"), False, "+1"), (Decimal("-5070"), False, "−5,070"), (Decimal("0.5"), True, "+0.50"),
    (Decimal("-12345.6"), True, "−12,345.60"),
])
def test_a_change_has_its_sign_and_thousands(value, money, text):
    assert signed_number(value, money) == text


def test_the_headline_names_the_edition_the_changes_and_their_causes():
    rows = [{"measure": "activities", "delta": Decimal(1)}, {"measure": "participants", "delta": Decimal(-5070)}]
    assert figure_changes(rows) == "活动场次+1、参与人次−5,070"
    assert headline(SIGNED, rows, ["补报：东升街道“东升街道（补报）.xlsx”新增1行"]) == (
        "自第1版（9月30日）报送以来：活动场次+1、参与人次−5,070；原因：补报：东升街道“东升街道（补报）.xlsx”新增1行。")


def test_the_same_state_and_no_edition():
    assert headline({**SIGNED, "same_as_signed": True}, [], []) == "与第1版相同（9月30日报送）。"
    assert headline(None, [], []) == ""
    assert headline(SIGNED, [], ["新版本：…"]) == "自第1版（9月30日）报送以来：各项数字未变；原因：新版本：…。"


def test_many_causes_are_cut_short():
    text = headline(SIGNED, [{"measure": "activities", "delta": Decimal(300)}], [f"补报{n}" for n in range(300)])
    assert text.endswith("补报7等300项。")


@pytest.mark.parametrize("edition_no, same, label", [(0, False, ""), (1, True, "第1版"), (2, False, "第2版后更新（未报送）")])
def test_the_upward_header_names_its_edition(edition_no, same, label):
    assert edition_label(edition_no, same) == label


def test_the_morning_summary_leads_with_the_edition():
    from datetime import date

    from kepu.schemas.vocabulary import Campaign
    from kepu.transforms.notice_text import Signature, SummaryFacts, summary_notice

    campaign = Campaign("2023", "2023年全国科普日", date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))
    facts = SummaryFacts(day=date(2023, 10, 3), received=[], rejected=[], chase=[], completeness="应报 3 个",
                         totals=[], paragraph="……", no_address=[], failures=[], drafted=0, attachment="全市汇总.xlsx",
                         edition="自第1版（9月30日）报送以来：活动场次+1；原因：补报：…。")
    _, body = summary_notice(campaign, facts, Signature("江源市科协"))
    assert body.startswith("自第1版（9月30日）报送以来：活动场次+1")
    _, before = summary_notice(campaign, SummaryFacts(**{**facts.__dict__, "edition": ""}), Signature("江源市科协"))
    assert before.startswith("2023年全国科普日报表汇总")
