"""Flagged figures go upward noticed (issue #23, item 2): the run summary, `kepu status` and the office's morning
summary open with the open items and the biggest figures under question; queries.open_items_with_effect gives
each open item its weight in the totals (what `kepu sign` reads)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

from rich.console import Console

import pytest

from kepu.deliverables.wording import open_items_lead, weighty_items, weighty_text
from kepu.flows.editions import sign
from kepu.schemas.errors import KepuError
from kepu.terminal import edition_headline
from kepu.flows.nightly import run
from kepu.schemas.decisions import VALUE_CODES
from kepu.settings import load_settings
from kepu.terminal import print_open_items, print_summary
from kepu.warehouse import queries
from tests.builders import activity, make_city, query


def test_the_run_summary_leads_with_the_open_items_and_the_biggest_figure(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120, funding_wan=Decimal("3000")),
                                         activity("科普展览", 18, 80, "展览展示", funding_wan=Decimal("2.5"))])
    city.submit("九江街道.xlsx", "D01T02", [activity("科普知识讲座", 19, 200, funding_wan=Decimal("1"))])

    summary = run(city.config)

    items = queries.open_items_with_effect(city.warehouse, summary.campaign_id, VALUE_CODES)
    slip = [i for i in items if i["detail"] == "unit_slip_funding"]
    assert len(slip) == 1 and slip[0]["measure"] == "funding_wan" and slip[0]["amount"] == Decimal("3000.00")
    assert 0.99 < slip[0]["share"] < 1
    assert items[0] is not None and items[0]["detail"] == "unit_slip_funding"  # the biggest share first

    lead = open_items_lead(items)
    assert lead.startswith(f"待决定 {len(items)} 项，其中经费疑似按元填写 1 项（3,000万元）")

    sink = StringIO()
    print_summary(Console(file=sink, width=300), summary)
    first = sink.getvalue().splitlines()[1]
    assert "经费疑似按元填写 1 项（3,000万元）" in first

    sink = StringIO()
    print_open_items(Console(file=sink, width=300), load_settings(city.config))
    assert "经费疑似按元填写 1 项（3,000万元）" in sink.getvalue()

    import openpyxl

    first = openpyxl.load_workbook(city.root / "out" / summary.campaign_id / "内部核查.xlsx").worksheets[0]
    top = [c.value for row in first.iter_rows(max_row=4) for c in row if c.value]
    assert any(str(v).startswith(lead) for v in top), top

    # kepu sign refuses over the 3,000万元 (far above [sign] open_share, 1%), naming it; --force needs a reason,
    # and the reason and the item are recorded in the edition and shown where the edition is described
    settings = load_settings(city.config)
    with pytest.raises(KepuError) as refused:
        sign(settings, "王丽")
    assert "经费疑似按元填写：东升街道 东升街道.xlsx 活动明细!" in str(refused.value)
    assert "3,000万元（占全市经费的" in str(refused.value) and "--force --reason" in str(refused.value)
    assert "\n" not in str(refused.value)
    with pytest.raises(KepuError, match="--reason"):
        sign(settings, "王丽", force=True)
    assert query(city.warehouse, "select count(*) from audit.editions") == [(0,)]
    signed = sign(settings, "王丽", force=True, reason="省科协催报，经费待核后补正")
    assert "经费疑似按元填写" in signed.forced_over
    (forced, why, pending), = query(city.warehouse, "select forced, force_reason, open_items from audit.editions")
    assert forced and why == "省科协催报，经费待核后补正" and "3,000万元" in pending
    line = edition_headline(settings)
    assert line.startswith("与第1版相同") and "第1版为强制签发（理由：省科协催报，经费待核后补正；签发时尚未决定：经费疑似按元填写" in line


def test_sign_takes_a_setting_for_the_share_it_tolerates(tmp_path):
    from kepu.settings import ConfigError

    config = tmp_path / "kepu.toml"
    base = ('[campaign]\nid = "c"\nname = "n"\nstart = 2023-09-17\nend = 2023-09-23\ndeadline = 2023-09-28\n')
    config.write_text(base, encoding="utf-8")
    assert load_settings(config, check_inputs=False).sign_open_share == 0.01
    config.write_text(base + "[sign]\nopen_share = 0.05\n", encoding="utf-8")
    assert load_settings(config, check_inputs=False).sign_open_share == 0.05
    config.write_text(base + "[sign]\nopen_share = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="open_share"):
        load_settings(config, check_inputs=False)
    items = [{"item": "value", "detail": "outlier_value", "measure": "participants", "amount": 50, "share": 0.004,
              "unit_name": "东升街道", "file_path": "东升街道.xlsx", "sheet": "活动明细", "cell": "I6"},
             {"item": "late", "detail": "3", "measure": None, "amount": None, "share": None}]
    assert weighty_items(items, 0.01) == [] and weighty_items(items, 0.001) == items[:1]
    assert weighty_text(items[:1]) == "数值异常：东升街道 东升街道.xlsx 活动明细!I6 50人次（占全市参与人数的0.4%）"


def test_a_lead_names_nothing_that_weighs_little_and_is_none_without_items():
    assert open_items_lead([]) is None
    items = [{"item": "late", "detail": "3", "measure": None, "amount": None, "share": None},
             {"item": "value", "detail": "bound_exceeded", "measure": "participants", "amount": 30000, "share": 0.4},
             {"item": "value", "detail": "outlier_value", "measure": "participants", "amount": 50, "share": 0.001}]
    assert open_items_lead(items) == "待决定 3 项，其中超出合理上限 1 项（30,000人次）。"


def test_the_morning_summary_opens_with_the_lead_and_the_run_s_notes():
    from kepu.schemas.vocabulary import Campaign
    from kepu.transforms.notice_text import Signature, SummaryFacts, summary_notice

    campaign = Campaign("2023-science-day", "2023年全国科普日", date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))
    facts = SummaryFacts(day=date(2023, 9, 29), received=[], rejected=[], chase=[], completeness="应报 5 个",
                         totals=[], paragraph="……", no_address=[], failures=[], drafted=0, attachment="汇总.xlsx",
                         lead="待决定 18 项，其中经费疑似按元填写 1 项（3,000万元）。",
                         notes=["数据仓库 kepu.duckdb 正被进程 42（/usr/bin/dbeaver）以读写方式打开；本次照常发布"])
    _, body = summary_notice(campaign, facts, Signature("江源市科学技术协会", "0833-1234567"))
    head = body.split("【新收文件】")[0]
    assert "待决定 18 项，其中经费疑似按元填写 1 项（3,000万元）" in head and "进程 42" in head


def test_a_scheduled_run_writes_its_start_outcome_and_summary_to_the_journal(tmp_path, monkeypatch, capsys):
    """Under `kepu serve` the flow's standard output is the service journal."""
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    monkeypatch.setenv("PREFECT__RUNTIME__DEPLOYMENT__ID", "3f2a9c1e-0000-0000-0000-000000000000")

    summary = run(city.config)

    lines = [line for line in capsys.readouterr().out.splitlines() if "定时运行" in line]
    assert len(lines) == 2 and "定时运行开始：2023年全国科普日" in lines[0]
    assert f"定时运行结束：运行 {summary.run_id}：已发布" in lines[1] and "参与 120 人次" in lines[1]


def test_a_run_by_hand_writes_no_journal_lines(tmp_path, capsys):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    run(city.config)
    assert "定时运行" not in capsys.readouterr().out
