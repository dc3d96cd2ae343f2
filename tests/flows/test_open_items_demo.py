"""Decisions that can be made (issue #23, items 3 and 4), read from the session's demo city: every warning that
asks the office something is an open item whose suggested decision names the cell holding the value in question,
`kepu decide correct_value` takes that cell whatever column it is in, and a held unit says why wherever it is
listed."""

from __future__ import annotations

from dataclasses import replace
from io import StringIO
from types import SimpleNamespace

import pytest
from rich.console import Console

from kepu.decisions import DecisionRefused, decide
from kepu.schemas.decisions import CORRECTABLE, VALUE_CODES
from kepu.settings import load_settings
from kepu.terminal import open_item_lines, print_summary
from kepu.warehouse import queries

CAMPAIGN = "2023-science-day"


@pytest.fixture
def settings(demo_city, tmp_path):
    """The demo's settings, its decisions written to a file of the test's own (the demo city is only read)."""
    return replace(load_settings(demo_city.config_path), decisions_path=tmp_path / "decisions.csv")


@pytest.fixture
def items(settings):
    return queries.open_items(settings.warehouse, CAMPAIGN, VALUE_CODES)


def test_the_three_checks_that_ask_are_open_items_with_a_decision(items):
    found = {i["detail"]: i for i in items if i["item"] == "value"}
    for code in ("impossible_boards", "impossible_shifted_column", "impossible_same_column"):
        assert code in found, sorted(found)
        assert found[code]["cell"] and found[code]["row_number"], found[code]
    lines = dict(open_item_lines([found[c] for c in ("impossible_boards", "impossible_shifted_column",
                                                      "impossible_same_column")]))
    for what, command in lines.items():
        assert command.startswith("kepu decide correct_value ") and "--cell " in command, command
    boards = found["impossible_boards"]
    assert boards["field"] == "boards"
    (_, command), = open_item_lines([boards])
    assert f"--cell {boards['cell']} --value <正确的{CORRECTABLE['boards']}>" in command


def test_an_activity_too_long_suggests_correcting_its_end_date_cell(items, settings):
    (long,) = [i for i in items if i["detail"] == "impossible_duration"]
    assert long["cell"].startswith("E") and long["field"] == "end_date"  # D holds the start, E the end
    (_, command), = open_item_lines([long])
    assert f"kepu decide correct_value {long['file_sha256'][:12]} --cell {long['cell']} --value <正确结束日期>" in command

    recorded = decide(settings, "correct_value", file=long["file_path"], cell=long["cell"], value="2023年9月25日",
                      reason="电话核实：应为9月25日")
    assert "结束日期将由2023-10-23改为2023-09-25" in recorded.preview
    line = settings.decisions.read_text(encoding="utf-8-sig").splitlines()[-1]
    assert f",{long['cell']},,2023-09-25," in line


def test_every_column_of_the_form_can_be_corrected(settings, items):
    (long,) = [i for i in items if i["detail"] == "impossible_duration"]
    file, row = long["file_path"], long["row_number"]
    # the official form: C 活动形式, F 活动地点, G 主办单位, H 合作单位
    said = {cell: decide(settings, "correct_value", file=file, cell=f"{cell}{row}", value=value, reason="电话核实").preview
            for cell, value in (("C", "讲座"), ("F", "黄甲街道文化站"), ("G", "黄甲街道科协"), ("H", "区科协，区图书馆"))}
    assert "活动形式将由" in said["C"] and "改为讲座报告" in said["C"]  # the form as the rules name it
    assert "活动地点将由" in said["F"] and "主办单位将由" in said["G"]
    assert said["H"].endswith("改为区科协、区图书馆（原值保留在 core.activities.original_values，回执中告知该单位）。")
    with pytest.raises(DecisionRefused, match="不是规定的活动形式"):
        decide(settings, "correct_value", file=file, cell=f"C{row}", value="跳广场舞", reason="电话核实")
    with pytest.raises(DecisionRefused, match="不是有效的日期"):
        decide(settings, "correct_value", file=file, cell=long["cell"], value="下周", reason="电话核实")


def test_a_held_unit_says_why_in_the_run_summary_and_the_chase_list(settings):
    chase = {r["unit_name"]: r for r in queries.chase_list(settings.warehouse, CAMPAIGN)}
    school = chase["白沙县双河初级中学"]
    assert school["status"] == "held" and school["held_detail"].startswith("文件已损坏，无法读取")
    published = queries.published_summary(settings.warehouse, CAMPAIGN)
    summary = SimpleNamespace(run_id="r", campaign_id=CAMPAIGN, outcome="published", city_totals=published.city_totals,
                              completeness=published.completeness, issues=published.issues,
                              warehouse=str(settings.warehouse), outputs=[], files_seen=0, files_new=0,
                              files_changed=0, files_parsed=0, rejected_files={})
    sink = StringIO()
    print_summary(Console(file=sink, width=300), summary)
    shown = sink.getvalue()
    assert "待核实：白沙县双河初级中学：白沙县/白沙县双河初级中学.xlsx，文件已损坏，无法读取" in shown, shown
    assert "待核实：双河镇：白沙县/双河镇科普日活动统计表.xlsx，单位代码“D04T09”对应“三合镇”" in shown, shown
