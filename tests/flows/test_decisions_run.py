"""Decisions through the nightly run (SPEC §3.9): `kepu decide` checks and appends a line, a changed
decisions.csv makes the next run rebuild (not `unchanged`), the correction reaches the totals and the unit's 回执,
survives `kepu rebuild`, becomes a decision_stale warning once the unit sends a new version, and `kepu status`
lists what is left to decide with the command that decides it."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO

import openpyxl
import pytest
from rich.console import Console

from kepu.decisions import DecisionRefused, decide
from kepu.flows.maintenance import rebuild
from kepu.flows.nightly import run
from kepu.settings import load_settings
from kepu.terminal import print_open_items
from tests.builders import activity, make_city, query

pytestmark = pytest.mark.usefixtures("prefect_harness")


def participants(warehouse) -> int:
    return query(warehouse, "select participants from marts.city_totals")[0][0]


def receipt_text(city, unit_name: str) -> str:
    book = openpyxl.load_workbook(city.root / "out" / "2023-science-day" / "回执" / f"{unit_name}.xlsx", read_only=True)
    return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def test_a_correction_from_decide_to_the_receipt_and_through_a_rebuild(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 18, 100), activity("科普展览", 19, 40000)])
    city.submit("九江街道.xlsx", "D01T02", [activity("科普讲座", 18, 200)])
    run(city.config)
    assert participants(city.warehouse) == 40300
    assert run(city.config).outcome == "unchanged"
    (cell,) = query(city.warehouse, "select participants_cell from raw.activity_rows where participants = 40000")[0]
    settings = load_settings(city.config)

    with pytest.raises(DecisionRefused, match="须填写理由"):
        decide(settings, "correct_value", file="东升街道.xlsx", cell=cell, value="4000")
    with pytest.raises(DecisionRefused, match="不是有效的参与人数"):
        decide(settings, "correct_value", file="东升街道.xlsx", cell=cell, value="四千", reason="电话核实")
    with pytest.raises(DecisionRefused, match="不在数据仓库中"):
        decide(settings, "exclude_file", file="西城街道.xlsx", reason="误报")
    recorded = decide(settings, "correct_value", file="东升街道.xlsx", cell=cell, value="4000",
                      reason="电话核实：应为4000", decided_by="王丽")
    assert recorded.line == 2 and settings.decisions == city.root / "decisions.csv"
    assert "将由40000改为4000" in recorded.preview
    data = settings.decisions.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1 and b"\r\n" in data
    sha = query(city.warehouse, "select sha256 from raw.files where path = '东升街道.xlsx'")[0][0]
    assert data.decode("utf-8-sig").splitlines()[1].startswith(f"correct_value,{sha},{cell},,4000,")

    summary = run(city.config)  # only decisions.csv changed: not `unchanged`
    assert summary.outcome == "published"
    assert participants(city.warehouse) == 4300
    assert query(city.warehouse, "select outcome, effect from audit.decisions") == [
        ("applied", f"已将第{cell[1:]}行参与人数由40000改为4000")]
    text = receipt_text(city, "东升街道")
    assert "市科协决定：已将第" in text and "由40000改为4000（理由：电话核实：应为4000）" in text
    assert run(city.config).outcome == "unchanged"

    rebuild(str(city.config))
    assert participants(city.warehouse) == 4300
    assert query(city.warehouse, "select corrected_fields, original_values from core.activities "
                                 "where corrected_fields is not null") == [(["participants"], ["40000"])]

    # the unit sends a new version: the decision's target is gone
    city.submit("东升街道-修改.xlsx", "D01T01", [activity("科普讲座", 18, 100), activity("科普展览", 19, 4500)],
                reported_on=date(2023, 9, 27), received=datetime(2023, 9, 27, 10))
    run(city.config)
    assert participants(city.warehouse) == 4800
    assert query(city.warehouse, "select outcome, effect from audit.decisions") == [
        ("stale", "目标已不存在（该单位已报送新版本），未执行")]
    assert query(city.warehouse, "select severity from audit.issues where code = 'decision_stale'") == [("warning",)]


def test_status_lists_open_items_with_their_commands(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普知识讲座", 18, 200, venue="双流区图书馆")])
    city.submit("九江街道.xlsx", "D01T02", [activity("科普知识讲座", 18, 200, venue="双流区图书馆")],
                received=datetime(2023, 9, 30, 10))
    city.submit("未知/报表.xlsx", "ZZ99", [activity("科普讲座", 18, 50)], unit_name="不存在的单位")
    run(city.config)
    settings = load_settings(city.config)
    sink = StringIO()
    print_open_items(Console(file=sink, width=200), settings)
    out = sink.getvalue()
    assert "待决定事项（3 项）" in out
    assert "kepu decide assign_unit" in out and "kepu decide same_event" in out and "kepu decide accept_on_time" in out

    for line in out.splitlines():  # each printed command, run as written, is accepted
        line = line.strip()
        if line.startswith("kepu decide same_event"):
            words = line.split("（")[0].split()
            decide(settings, "same_event", file=words[3], cell=words[5], other_file=words[7], other_cell=words[9],
                   reason="主办方确认")
        elif line.startswith("kepu decide accept_on_time"):
            decide(settings, "accept_on_time", file=line.split()[3], reason="系统故障")
    run(city.config)
    assert query(city.warehouse, "select participants, units_on_time from marts.city_totals") == [(200, 2)]
    sink = StringIO()
    print_open_items(Console(file=sink, width=200), settings)
    assert "待决定事项（1 项）" in sink.getvalue()


def test_a_rebuild_keeps_another_campaigns_decisions(tmp_path):
    """Two campaigns share a warehouse, each with its own folder and decisions.csv: rebuilding from this year's
    kepu.toml replays last year's decisions as last published."""
    last_year = make_city(tmp_path / "2022", campaign_id="2022-science-day", name="2022年全国科普日",
                          start="2022-09-15", end="2022-09-21", deadline="2022-09-26")
    last_year.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 100, start_date=date(2022, 9, 17)),
                                                 activity("测试行", 18, 9, start_date=date(2022, 9, 18))],
                     reported_on=date(2022, 9, 20), received=datetime(2022, 9, 20, 10))
    this_year = make_city(tmp_path / "2023")
    this_year.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 18, 1500)])
    shared = tmp_path / "shared" / "kepu.duckdb"
    run(last_year.config, warehouse=shared)
    (cell,) = query(shared, "select activity_name_cell from raw.activity_rows where activity_name = '测试行'")[0]
    decide(load_settings(last_year.config, warehouse=shared), "exclude_row", file="东升街道.xlsx", cell=cell,
           reason="测试数据")
    run(last_year.config, warehouse=shared)
    run(this_year.config, warehouse=shared)
    totals = "select campaign_id, participants from marts.city_totals order by 1"
    assert query(shared, totals) == [("2022-science-day", 100), ("2023-science-day", 1500)]

    rebuild(str(this_year.config), warehouse=str(shared))

    assert query(shared, totals) == [("2022-science-day", 100), ("2023-science-day", 1500)]
    assert query(shared, "select campaign_id, outcome from audit.decisions") == [("2022-science-day", "applied")]
