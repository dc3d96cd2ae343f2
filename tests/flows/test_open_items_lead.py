"""Flagged figures go upward noticed (issue #23, item 2): the run summary, `kepu status` and the office's morning
summary open with the open items and the biggest figures under question; queries.open_items_with_effect gives
each open item its weight in the totals (what `kepu sign` reads)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

from rich.console import Console

from kepu.deliverables.wording import open_items_lead
from kepu.flows.nightly import run
from kepu.schemas.decisions import VALUE_CODES
from kepu.settings import load_settings
from kepu.terminal import print_open_items, print_summary
from kepu.warehouse import queries
from tests.builders import activity, make_city


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
