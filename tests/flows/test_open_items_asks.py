"""Every warning that asks the office something is an open item (issue #23): a same-name same-day activity with other
figures on two sheets of a file, a forwarded row whose figures differ from the unit's own, a 总结 against its sheet,
a 总结's parts above its total and a tenfold change since last year each wait in `kepu status` with a `kepu decide`
command naming real cells; that command, run as printed, settles it at the next run and changes no total but the
one it means to. A look-alike item of another row or unit stays open."""

from __future__ import annotations

import shlex
from datetime import date, datetime
from io import StringIO

import pytest
from rich.console import Console
from starlette.testclient import TestClient
from typer.testing import CliRunner

from kepu.cli import app
from kepu.decisions import DecisionRefused, decide
from kepu.console.app import Console as OfficeConsole
from kepu.flows.nightly import run
from kepu.schemas.decisions import VALUE_CODES
from kepu.settings import load_settings
from kepu.terminal import open_item_lines, print_open_items
from kepu.warehouse import queries
from tests.builders import CAMPAIGN_ID, activity, make_city, query, set_received, write_sheets
from tests.fixtures.narratives import write_docx

pytestmark = pytest.mark.usefixtures("prefect_harness")

HEADER = ["活动名称", "开始日期", "参与人数"]


def items(config, campaign_id: str = CAMPAIGN_ID) -> list[dict]:
    settings = load_settings(config)
    return queries.open_items(settings.warehouse, campaign_id, VALUE_CODES)


def of(found: list[dict], detail: str) -> list[dict]:
    return [i for i in found if i["detail"] == detail]


def decide_as_printed(config, item: dict, alternative: bool = False) -> str:
    """The `kepu decide` command `kepu status` prints for `item` (or the one it offers in brackets), run as a user
    would type it; returns what was appended to decisions.csv."""
    (_, command), = open_item_lines([item])
    if alternative:
        command = command.split("kepu decide", 2)[2].rstrip("）")
        command = "kepu decide" + command
    else:
        command = command.split("（", 1)[0]
    words = shlex.split(command)
    assert words[:2] == ["kepu", "decide"] and "…" not in command and "<" not in command, command
    result = CliRunner().invoke(app, [*words[1:], "--config", str(config)])
    assert result.exit_code == 0, result.output
    return (config.parent / "decisions.csv").read_text(encoding="utf-8-sig").splitlines()[-1]


def totals(warehouse, campaign_id: str = CAMPAIGN_ID) -> tuple:
    return query(warehouse, "select activities, participants, materials from marts.city_totals where campaign_id = ?",
                 [campaign_id])[0]


def status_text(config) -> str:
    sink = StringIO()
    print_open_items(Console(file=sink, width=400), load_settings(config))
    return sink.getvalue()


def items_page(config) -> str:
    """待决定事项 as the console serves it."""
    page = TestClient(OfficeConsole(load_settings(config, check_inputs=False)).application()).get("/items")
    assert page.status_code == 200
    return page.text


def test_a_repeat_across_two_sheets_with_other_figures_waits_for_same_event_or_different_events(tmp_path):
    city = make_city(tmp_path / "city")
    # two look-alike pairs: 科普展览 of the 19th and 科普讲座 of the 18th on both sheets, each with other figures
    write_sheets(city.inbox / "双流区" / "九江街道.xlsx", {
        "活动明细": [["填报单位：九江街道"], HEADER, ["科普展览", "9月19日", 200], ["科普讲座", "9月18日", 100]],
        "活动明细 (2)": [HEADER, ["科普展览", "9月19日", 250], ["科普讲座", "9月18日", 120]],
    })
    assert run(city.config).outcome == "published"
    assert totals(city.warehouse)[:2] == (4, 670)

    found = of(items(city.config), "sheet_repeat_differs")
    assert [(i["item"], i["sheet"], i["cell"], i["other_sheet"], i["other_cell"]) for i in found] == [
        ("repeat", "活动明细 (2)", "A2", "活动明细", "A3"), ("repeat", "活动明细 (2)", "A3", "活动明细", "A4")]
    printed = status_text(city.config)
    assert "kepu decide same_event" in printed and "'活动明细 (2)!A2'" in printed and "different_events" in printed
    page = items_page(city.config)
    assert page.count('data-kind="same_event"') == 2 and page.count('data-kind="different_events"') == 2
    assert 'name="cell" value="活动明细!A3"' in page and 'name="other_cell" value="活动明细 (2)!A2"' in page

    line = decide_as_printed(city.config, found[0])
    assert line.startswith("same_event,") and ",活动明细!A3," in line and "活动明细 (2)!A2" in line
    assert run(city.config).outcome == "published"
    left = of(items(city.config), "sheet_repeat_differs")
    assert [(i["sheet"], i["cell"]) for i in left] == [("活动明细 (2)", "A3")]  # the 科普讲座 pair still asks
    assert totals(city.warehouse)[:2] == (3, 420)  # 科普展览 counts once, the first sheet's 200
    assert query(city.warehouse, "select outcome from audit.decisions") == [("applied",)]

    # two lectures of one day after all: different_events, nothing changes and nothing is left
    (_, command), = open_item_lines(left)
    different = command.split("（", 1)[0].replace("same_event", "different_events")
    result = CliRunner().invoke(app, [*shlex.split(different)[1:], "--config", str(city.config)])
    assert result.exit_code == 0, result.output
    assert run(city.config).outcome == "published"
    assert not of(items(city.config), "sheet_repeat_differs")
    assert totals(city.warehouse)[:2] == (3, 420)


def test_a_forwarded_row_with_other_figures_waits_until_the_own_row_is_confirmed_or_corrected(tmp_path):
    city = make_city(tmp_path / "city")
    write_sheets(city.inbox / "双流区" / "双流区汇总.xlsx", {"活动明细": [
        ["双流区2023年全国科普日活动汇总表"], ["填报单位：双流区科协", None, None, "填报日期：2023年9月25日"],
        ["序号", "镇街", "活动名称", "开始日期", "参与人数（人次）"],
        [1, "东升街道", "科普讲座进社区", "2023-09-18", 300],
        [2, "九江街道", "科技下乡", "2023-09-19", 200],
        [3, "双流区科协", "启动仪式", "2023-09-17", 800]]})
    city.submit("双流区/东升街道.xlsx", "D01T01", [activity("科普讲座进社区", 18, 320)])
    city.submit("双流区/九江街道.xlsx", "D01T02", [activity("科技下乡", 19, 210, "科技下乡")])
    assert run(city.config).outcome == "published"
    assert totals(city.warehouse)[:2] == (3, 1330)  # each own row counts, its forwarded copy once with it

    found = sorted(of(items(city.config), "forwarded_repeat_differs"), key=lambda i: i["unit_name"])
    assert [(i["item"], i["unit_name"], i["file_path"], i["figure_value"]) for i in found] == [
        ("forwarded", "东升街道", "双流区/东升街道.xlsx", "300"), ("forwarded", "九江街道", "双流区/九江街道.xlsx", "200")]
    own = {r[0]: r[1:] for r in query(city.warehouse, "select r.activity_name, r.activity_name_cell, "
                                                      "r.participants_cell from raw.activity_rows as r "
                                                      "join raw.files as f on f.sha256 = r.sha256 "
                                                      "where f.path <> '双流区/双流区汇总.xlsx'")}
    assert [(i["cell"], i["figure_cell"]) for i in found] == [own["科普讲座进社区"], own["科技下乡"]]
    assert "kepu decide confirm" in status_text(city.config)
    page = items_page(city.config)
    assert page.count('data-kind="confirm"') == 2 and page.count('data-kind="correct_value"') == 2
    assert f'name="cell" value="{found[1]["sheet"]}!{found[1]["figure_cell"]}"' in page and 'value="200"' in page

    # 东升街道: its own 320 stands
    line = decide_as_printed(city.config, found[0])
    assert line.startswith("confirm,") and f",{found[0]['sheet']}!{found[0]['cell']}," in line
    assert run(city.config).outcome == "published"
    left = of(items(city.config), "forwarded_repeat_differs")
    assert [i["unit_name"] for i in left] == ["九江街道"]
    assert totals(city.warehouse)[:2] == (3, 1330)
    assert query(city.warehouse, "select outcome, effect from audit.decisions") == [
        ("recorded", "已记录：第4行“科普讲座进社区”经核实无误，数字不变")]

    # 九江街道: the district's 200 was right — the correction the item offers
    line = decide_as_printed(city.config, left[0], alternative=True)
    assert line.startswith("correct_value,") and ",200," in line
    assert run(city.config).outcome == "published"
    assert not of(items(city.config), "forwarded_repeat_differs")
    assert totals(city.warehouse)[:2] == (3, 1320)


LUODAI = ["洛带镇2023年全国科普日活动总结", "今年科普日，我镇围绕主题开展了形式多样的科普活动。",
          "据不完全统计，全镇共开展科普活动5场次，参与群众约1000人次。其中举办科普讲座4场次，听众600余人；"
          "送科技下乡2场次，参与群众500人。", "洛带镇人民政府", "2023年9月22日"]


def test_a_summary_against_its_sheet_or_its_total_waits_for_a_confirm_that_changes_nothing(tmp_path):
    city = make_city(tmp_path / "city")
    write_docx(city.inbox / "龙泉区" / "科普日工作总结.docx", LUODAI)
    city.submit("双流区/东升街道.xlsx", "D01T01", [activity("科普讲座进社区", 18, 300)])
    write_docx(city.inbox / "双流区" / "东升街道总结.docx",
               ["东升街道2023年全国科普日活动总结", "全街道共开展科普讲座3场次，听众500人。", "东升街道", "2023年9月27日"])
    city.submit("双流区/九江街道.xlsx", "D01T02", [activity("科普展览", 19, 80, "展览展示")])
    write_docx(city.inbox / "双流区" / "九江街道总结.docx",
               ["九江街道2023年全国科普日活动总结", "街道举办科普展览2场，参观群众900人。", "九江街道", "2023年9月27日"])
    for path in city.inbox.rglob("*.docx"):
        set_received(path, datetime(2023, 9, 26, 10))
    assert run(city.config).outcome == "published"
    before = totals(city.warehouse)

    found = items(city.config)
    differs = of(found, "text_differs_from_sheet")
    assert {(i["item"], i["unit_name"], i["file_path"], i["cell"]) for i in differs} == {
        ("check", "东升街道", "双流区/东升街道.xlsx", None), ("check", "九江街道", "双流区/九江街道.xlsx", None)}
    exceeds = of(found, "text_parts_exceed_total")
    assert exceeds and {(i["item"], i["file_path"], i["cell"]) for i in exceeds} == {
        ("check", "龙泉区/科普日工作总结.docx", "第3段")}
    printed = status_text(city.config)
    assert "kepu decide confirm" in printed and "--cell 第3段" in printed
    page = items_page(city.config)
    assert page.count('data-kind="confirm"') == len(differs) + len(exceeds) and 'name="cell" value="第3段"' in page

    # a confirm names a paragraph that states figures, or a row that exists
    settings = load_settings(city.config)
    with pytest.raises(DecisionRefused, match="第2段没有读出的数字（读出数字的段落：第3段）"):
        decide(settings, "confirm", file="龙泉区/科普日工作总结.docx", cell="第2段", reason="电话核实")
    with pytest.raises(DecisionRefused, match="不是读出数字的文字总结"):
        decide(settings, "confirm", file="双流区/东升街道.xlsx", cell="第3段", reason="电话核实")
    with pytest.raises(DecisionRefused, match="第99行没有活动记录"):
        decide(settings, "confirm", file="双流区/东升街道.xlsx", cell="C99", reason="电话核实")
    assert not settings.decisions.exists()

    # 东升街道's sheet stands against its 总结; 洛带镇's parts stand against its total
    east = next(i for i in differs if i["unit_name"] == "东升街道")
    assert decide_as_printed(city.config, east).startswith("confirm,")
    assert decide_as_printed(city.config, exceeds[0]).startswith("confirm,")
    assert run(city.config).outcome == "published"
    found = items(city.config)
    assert {i["unit_name"] for i in of(found, "text_differs_from_sheet")} == {"九江街道"}  # its own question stays
    assert not of(found, "text_parts_exceed_total")
    assert totals(city.warehouse) == before
    assert {o for (o,) in query(city.warehouse, "select outcome from audit.decisions")} == {"recorded"}


def test_a_tenfold_change_since_last_year_waits_for_a_confirm_of_the_units_file(tmp_path):
    shared = tmp_path / "shared.duckdb"
    last_year = make_city(tmp_path / "2022", campaign_id="2022-science-day", name="2022年全国科普日",
                          start="2022-09-15", end="2022-09-21", deadline="2022-09-26")
    this_year = make_city(tmp_path / "2023")
    for city in (last_year, this_year):
        city.config.write_text(city.config.read_text(encoding="utf-8").replace(
            '"warehouse/kepu.duckdb"', f'"{shared}"'), encoding="utf-8")
    for code, name, people in (("D01T01", "东升街道.xlsx", 100), ("D01T02", "九江街道.xlsx", 50)):
        last_year.submit(name, code, [{"activity_name": "科普讲座", "activity_type": "讲座报告",
                                       "start_date": date(2022, 9, 16), "participants": people}],
                         reported_on=date(2022, 9, 20), received=datetime(2022, 9, 21, 9))
    this_year.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 1500), activity("科普展", 18, 300)])
    this_year.submit("九江街道.xlsx", "D01T02", [activity("科普讲座", 17, 600)])
    run(last_year.config)
    assert run(this_year.config).outcome == "published"
    before = totals(shared)

    jumps = of(items(this_year.config), "year_over_year_jump")
    assert {(i["item"], i["unit_name"], i["cell"]) for i in jumps} == {("check", "东升街道", None),
                                                                     ("check", "九江街道", None)}
    east = next(i for i in jumps if i["unit_name"] == "东升街道")
    line = decide_as_printed(this_year.config, east)
    assert line.startswith(f"confirm,{east['file_sha256']},,")
    assert run(this_year.config).outcome == "published"
    assert {i["unit_name"] for i in of(items(this_year.config), "year_over_year_jump")} == {"九江街道"}
    assert totals(shared) == before
    assert not of(items(last_year.config, "2022-science-day"), "year_over_year_jump")
