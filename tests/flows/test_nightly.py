"""The nightly flow end to end: a temporary inbox of filled forms, a temporary DuckDB, exact totals;
completeness, several campaigns in one warehouse, and failed runs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from kepu.flows.nightly import run
from kepu.schemas.errors import ConfigError
from tests.builders import activity, make_city, query, set_received

pytestmark = pytest.mark.usefixtures("prefect_harness")


def city_totals(city) -> dict:
    con = duckdb.connect(str(city.warehouse), read_only=True)
    try:
        cur = con.execute("select * from marts.city_totals")
        return dict(zip([d[0] for d in cur.description], cur.fetchone()))
    finally:
        con.close()


@pytest.fixture
def small_city(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("双流区/东升街道.xlsx", "D01T01", [
        activity("科普讲座进社区", 17, 300, volunteers=12, materials=500, boards=10, funding_wan=Decimal("0.50")),
        activity("老科协专家义诊", 18, 150, "义诊咨询", volunteers=8, materials=200),
    ], with_total_row=True)
    city.submit("双流区/九江街道.xlsx", "D01T02", [
        activity("实用农业技术培训班", 19, 80, "培训", volunteers=5, media_reports=1, funding_wan=Decimal("1.25")),
    ], received=datetime(2023, 9, 30, 9, 0))
    city.submit("市直单位/市一中.xlsx", "S001", [
        activity("青少年科技创新竞赛", 20, 600, "竞赛", volunteers=30, boards=20, media_reports=2),
    ])
    city.submit("市直单位/医学会.xlsx", "X01", [
        activity("健康科普义诊", 21, 200, "义诊咨询", volunteers=10),
    ])
    return city


def test_run_on_template_forms_gives_exact_totals(small_city):
    summary = run(small_city.config)

    assert summary.outcome == "published"
    assert city_totals(small_city) == {
        "campaign_id": "2023-science-day",
        "units_expected": 6, "units_reported": 3, "units_on_time": 2,
        "activities": 5, "participants": 1330, "volunteers": 65, "materials": 700, "boards": 30,
        "media_reports": 3, "funding_wan": Decimal("1.75"),
    }
    statuses = dict(query(small_city.warehouse, "select unit_code, status from marts.completeness"))
    assert statuses == {"D01": "missing", "D01T01": "on_time", "D01T02": "late", "D02": "missing",
                        "D02T01": "missing", "S001": "on_time"}
    districts = {r[0]: r[1:] for r in query(
        small_city.warehouse, "select district_code, activities, participants from marts.district_totals")}
    assert districts == {"D01": (3, 530), "D02": (0, 0), "C000": (2, 800)}
    assert (small_city.root / "out" / "2023-science-day" / "全市汇总.xlsx").is_file()


def modified_times(city) -> dict[str, int]:
    """Every file of the warehouse folder and the outputs, with its modification time (ns)."""
    folders = (city.warehouse.parent, city.root / "out")
    return {str(p): p.stat().st_mtime_ns for folder in folders for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock") and p.parent.name != "kepu.duckdb.runs"}


def test_rerun_without_changes_rewrites_nothing(small_city):
    first = run(small_city.config)
    before = modified_times(small_city)
    second = run(small_city.config)

    assert first.files_parsed == 4
    assert second.outcome == "unchanged"
    assert (second.files_seen, second.files_new, second.files_changed, second.files_parsed) == (4, 0, 0, 0)
    assert second.city_totals["participants"] == 1330
    assert modified_times(small_city) == before
    assert any(p.endswith("kepu.duckdb") for p in before) and any("回执" in p for p in before)
    runs = query(small_city.warehouse, "select files_new, files_parsed, outcome from audit.runs order by started_at, run_id")
    assert sorted(runs) == sorted([(4, 4, "published"), (0, 0, "unchanged")])


def test_an_unchanged_run_is_recorded_while_an_analyst_holds_the_warehouse_open(small_city):
    run(small_city.config)
    reader = duckdb.connect(str(small_city.warehouse), read_only=True)
    try:
        assert run(small_city.config).outcome == "unchanged"
        assert reader.execute("select count(*) from audit.runs").fetchone()[0] == 2
    finally:
        reader.close()


def test_unchanged_runs_are_folded_into_the_warehouse_at_the_next_publish(small_city):
    run(small_city.config)
    unchanged = run(small_city.config)
    small_city.submit("双流区/洛带镇.xlsx", "D02T01", [activity("科普大篷车进社区", 20, 100)])

    assert run(small_city.config).outcome == "published"
    logged = query(small_city.warehouse, "select run_id, outcome from audit.run_log order by started_at, run_id")
    assert (unchanged.run_id, "unchanged") in logged and len(logged) == 3
    assert query(small_city.warehouse, "select count(*) from audit.runs") == [(3,)]
    assert not (small_city.warehouse.parent / "kepu.duckdb.runs").exists()


@pytest.mark.parametrize("change", ["registry", "settings", "code", "outputs removed"])
def test_a_change_beside_the_files_makes_a_run_rebuild(small_city, change, monkeypatch):
    run(small_city.config)
    if change == "registry":
        with open(small_city.root / "units.csv", "a", encoding="utf-8") as fh:
            fh.write("D02T02,十陵街道,street,D02,,true\n")
    elif change == "settings":
        small_city.config.write_text(small_city.config.read_text(encoding="utf-8").replace(
            "2023-09-28", "2023-09-29"), encoding="utf-8")
    elif change == "code":
        monkeypatch.setattr("kepu.flows.nightly.code_version", lambda: "another release")
    else:
        import shutil

        shutil.rmtree(small_city.root / "out")
    assert run(small_city.config).outcome == "published"


def test_resubmission_supersedes_and_history_is_kept(small_city):
    run(small_city.config)
    small_city.submit("双流区/东升街道（更正）.xlsx", "D01T01", [
        activity("科普讲座进社区", 17, 350, volunteers=12),
    ], reported_on=date(2023, 9, 27), received=datetime(2023, 9, 27, 16, 0))

    summary = run(small_city.config)

    assert (summary.files_new, summary.files_parsed) == (1, 1)
    assert city_totals(small_city)["participants"] == 1330 - 450 + 350
    versions = query(small_city.warehouse, """select file_path, version, is_current, status from core.submissions
                                    where unit_code = 'D01T01' order by version""")
    assert versions == [("双流区/东升街道.xlsx", 1, False, "accepted"),
                        ("双流区/东升街道（更正）.xlsx", 2, True, "accepted")]
    superseded = query(small_city.warehouse, "select count(*) from audit.issues where code = 'submission_superseded'")
    assert superseded == [(1,)]


def test_changed_file_at_same_path_is_detected(small_city):
    run(small_city.config)
    path = small_city.submit("双流区/九江街道.xlsx", "D01T02", [
        activity("实用农业技术培训班", 19, 90, "培训"),
    ], reported_on=date(2023, 9, 29), received=datetime(2023, 9, 30, 12, 0))
    set_received(path, datetime(2023, 9, 30, 12, 0))

    summary = run(small_city.config)

    assert (summary.files_new, summary.files_changed, summary.files_parsed) == (0, 1, 1)
    assert city_totals(small_city)["participants"] == 1330 - 80 + 90


def test_bad_files_are_recorded_not_fatal(small_city):
    (small_city.inbox / "损坏.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (small_city.inbox / "照片说明.docx").write_bytes(b"anything")

    summary = run(small_city.config)

    assert summary.outcome == "published"
    assert summary.files_rejected == 2
    assert city_totals(small_city)["participants"] == 1330
    reasons = dict(query(small_city.warehouse, "select path, status from raw.files where status = 'rejected'"))
    assert reasons == {"损坏.xlsx": "rejected", "照片说明.docx": "rejected"}
    codes = sorted(r[0] for r in query(small_city.warehouse, "select code from audit.issues where severity = 'error'"))
    assert codes == ["file_not_spreadsheet", "file_unreadable"]


def test_open_read_only_connection_does_not_block_the_run(small_city):
    run(small_city.config)
    reader = duckdb.connect(str(small_city.warehouse), read_only=True)
    try:
        before = reader.execute("select participants from marts.city_totals").fetchone()[0]
        small_city.submit("双流区/龙泉洛带.xlsx", "D02T01", [activity("科普大篷车进乡村", 22, 1000, "互动体验")])

        summary = run(small_city.config)

        assert summary.outcome == "published"
        assert reader.execute("select participants from marts.city_totals").fetchone()[0] == before
    finally:
        reader.close()
    assert city_totals(small_city)["participants"] == before + 1000


def test_config_errors_stop_before_anything_is_written(tmp_path):
    city = make_city(tmp_path / "city", deadline="2023-09-01")
    with pytest.raises(ConfigError, match="deadline"):
        run(city.config)
    assert not city.warehouse.exists()


def test_demo_city_totals_equal_the_generators_intent(tmp_path):
    from kepu.demo.city import build_demo_city

    demo = build_demo_city(tmp_path / "demo", seed=7, scale=0.5)
    run(demo.config_path)

    con = duckdb.connect(str(demo.root / "warehouse" / "kepu.duckdb"), read_only=True)
    try:
        cur = con.execute("select * from marts.city_totals")
        totals = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    finally:
        con.close()
    assert totals == demo.expected


def test_a_new_parser_version_parses_every_kept_file_again(small_city, monkeypatch):
    import kepu.flows.nightly
    import kepu.flows.parsing

    run(small_city.config)
    (small_city.inbox / "市直单位" / "医学会.xlsx").unlink()
    monkeypatch.setattr(kepu.flows.nightly, "PARSER_VERSION", "test-next")
    monkeypatch.setattr(kepu.flows.parsing, "PARSER_VERSION", "test-next")

    again = run(small_city.config)
    settled = run(small_city.config)

    assert (again.files_seen, again.files_parsed) == (3, 4)
    assert settled.files_parsed == 0
    assert city_totals(small_city)["participants"] == 1330
    assert query(small_city.warehouse, "select distinct parser_version from raw.files") == [("test-next",)]


def test_process_pool_runner_gives_the_same_totals(small_city):
    summary = run(small_city.config, task_runner="process", workers=2)
    assert summary.files_parsed == 4
    assert city_totals(small_city)["participants"] == 1330


def test_auto_parses_a_large_inbox_in_a_pool_of_processes(small_city, monkeypatch):
    from kepu.flows import nightly

    with small_city.config.open("a", encoding="utf-8") as config:
        config.write("\n[run]\nworkers = 2\nprocesses_from = 3\n")
    pools = []
    real = nightly._process_pool
    monkeypatch.setattr(nightly, "_process_pool", lambda settings: pools.append(real(settings)) or pools[-1])
    monkeypatch.setattr(nightly.os, "cpu_count", lambda: 2)

    summary = run(small_city.config)

    assert len(pools) == 1 and summary.files_parsed == 4
    assert city_totals(small_city)["participants"] == 1330


def test_auto_parses_a_small_inbox_or_on_one_core_in_threads(tmp_path, monkeypatch):
    from kepu.flows import nightly
    from kepu.settings import load_settings

    city = make_city(tmp_path / "city")
    settings = load_settings(city.config, workers=2)
    assert settings.task_runner == "auto" and settings.processes_from == 1000
    assert nightly.parses_in_processes(settings, 1000) == ((nightly.os.cpu_count() or 1) > 1)
    assert not nightly.parses_in_processes(settings, 999)
    monkeypatch.setattr(nightly.os, "cpu_count", lambda: 1)
    assert not nightly.parses_in_processes(settings, 5000)
    assert not nightly.parses_in_processes(load_settings(city.config, workers=1), 5000)
    assert not nightly.parses_in_processes(load_settings(city.config, workers=2, task_runner="thread"), 5000)


def test_a_large_city_s_outputs_are_written_in_a_process_of_their_own(small_city, tmp_path, monkeypatch):
    from kepu.flows import nightly

    run(small_city.config)
    here = sorted(p.relative_to(small_city.root / "out") for p in (small_city.root / "out").rglob("*.xlsx"))
    monkeypatch.setattr(nightly, "OUTPUTS_APART_FROM", 1)
    apart = []
    real = nightly.processes.call_apart
    monkeypatch.setattr(nightly.processes, "call_apart", lambda *a: apart.append(a[0]) or real(*a))
    (small_city.root / "out").rename(tmp_path / "first-out")

    summary = run(small_city.config)

    assert len(apart) == 1 and summary.outcome == "published"
    assert sorted(p.relative_to(small_city.root / "out") for p in (small_city.root / "out").rglob("*.xlsx")) == here
    assert len(summary.outputs) == len(run_outputs := summary.outputs) and all(Path(p).exists() for p in run_outputs)


def test_dask_runner_gives_the_same_totals(small_city):
    pytest.importorskip("prefect_dask")
    summary = run(small_city.config, task_runner="dask", workers=2)
    assert summary.files_parsed == 4
    assert city_totals(small_city)["participants"] == 1330


def test_completeness_on_time_late_missing_and_held(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 100)],
                received=datetime(2023, 9, 28, 23, 59))
    city.submit("洛带镇.xlsx", "D02T01", [activity("科普展", 18, 200, "展览展示")],
                received=datetime(2023, 10, 2, 8, 0))
    (city.inbox / "九江街道.xlsx").write_bytes(b"this file was damaged in transit")
    city.submit("冲突.xlsx", "S001", [activity("讲座", 19, 50)], unit_name="双流区科协")

    run(city.config)

    rows = query(city.warehouse, """select unit_code, status, days_late, held_reason from marts.completeness
                                    order by unit_code""")
    assert rows == [
        ("D01", "held", None, "conflict"),
        ("D01T01", "on_time", 0, None),
        ("D01T02", "held", None, "rejected"),
        ("D02", "missing", None, None),
        ("D02T01", "late", 4, None),
        ("S001", "held", None, "conflict"),
    ]
    chase = query(city.warehouse, "select district_name, unit_name, status from marts.chase_list")
    assert sorted(chase) == sorted([
        ("双流区科协", "双流区科协", "held"), ("双流区科协", "九江街道", "held"),
        ("龙泉区科协", "龙泉区科协", "missing"), ("江源市科协", "江源市第一中学", "held")])
    assert query(city.warehouse, "select units_reported, units_on_time from marts.city_totals") == [(2, 1)]


def test_two_campaigns_in_one_warehouse_and_year_over_year(tmp_path):
    last_year = make_city(tmp_path / "2022", campaign_id="2022-science-day", name="2022年全国科普日",
                          start="2022-09-15", end="2022-09-21", deadline="2022-09-26")
    last_year.submit("东升街道.xlsx", "D01T01", [
        {"activity_name": "科普讲座", "activity_type": "讲座报告", "start_date": date(2022, 9, 16), "participants": 100},
    ], reported_on=date(2022, 9, 20), received=datetime(2022, 9, 21, 9))
    this_year = make_city(tmp_path / "2023")
    this_year.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 1500), activity("科普展", 18, 300)])
    shared = tmp_path / "shared.duckdb"

    run(last_year.config, warehouse=shared)
    run(this_year.config, warehouse=shared)

    assert query(shared, "select campaign_id, participants from marts.city_totals order by 1") == [
        ("2022-science-day", 100), ("2023-science-day", 1800)]
    yoy = query(shared, """select previous_campaign_id, current_value, previous_value, change_ratio
                           from marts.year_over_year where campaign_id = '2023-science-day'
                           and measure = 'participants'""")
    assert [tuple(float(v) if not isinstance(v, str) else v for v in row) for row in yoy] == [
        ("2022-science-day", 1800.0, 100.0, 17.0)]
    jumps = query(shared, "select unit_code, message from audit.issues where code = 'year_over_year_jump'")
    assert [u for u, _ in jumps] == ["D01T01"] and "1800" in jumps[0][1] and "100" in jumps[0][1]


def test_a_failing_run_publishes_nothing_but_records_itself(tmp_path, monkeypatch):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 100)])
    run(city.config)
    city.submit("九江街道.xlsx", "D01T02", [activity("科普展", 18, 200)])

    import kepu.flows.nightly as nightly

    def broken(*args, **kwargs):
        raise RuntimeError("core rules crashed")

    monkeypatch.setattr(nightly, "rebuild_core", broken)
    with pytest.raises(RuntimeError):
        run(city.config)

    assert query(city.warehouse, "select participants from marts.city_totals") == [(100,)]
    assert query(city.warehouse, "select count(*) from raw.files") == [(1,)]
    outcomes = query(city.warehouse, "select outcome, message from audit.runs order by started_at, outcome")
    assert sorted(o for o, _ in outcomes) == ["failed", "published"]
    assert any("core rules crashed" in (m or "") for _, m in outcomes)


def test_files_are_judged_by_content_and_rejections_counted_apart_on_every_run(small_city):
    """A PDF named .xlsx is «not a spreadsheet»; a zip bomb, an entity bomb and an empty file are «unreadable»
    (the 0-byte .xlsx and .ods are two entries, each rejected: an empty file has no content to be a copy of
    another's); an .ods report and a web
    export saved as .xls are read and counted. A rerun parses nothing and still says how many stay rejected."""
    from tests.fixtures.hostile_files import HOSTILE, MISNAMED
    from tests.fixtures.other_formats import html_xls_bytes, ods_bytes
    from tests.fixtures.messy_workbooks import official_sheet, form_row, D

    cases = {c.name: c for c in (*HOSTILE, *MISNAMED)}
    for name, relpath in (("pdf_named_xlsx", "龙泉区/洛带镇.xlsx"), ("zip_bomb_xlsx", "双流区/炸弹.xlsx"),
                          ("xml_entity_bomb_in_sheet", "双流区/实体.xlsx"), ("zero_byte_xlsx", "空.xlsx"),
                          ("zero_byte_ods", "空.ods")):
        (small_city.inbox / relpath).parent.mkdir(parents=True, exist_ok=True)
        (small_city.inbox / relpath).write_bytes(cases[name].data)
    (small_city.inbox / "龙泉区/洛带镇.ods").write_bytes(ods_bytes([official_sheet(
        [form_row(1, "科普讲座", "讲座", D(9, 18), 70)], unit_name="洛带镇", unit_code="D02T01")]))
    (small_city.inbox / "龙泉区/龙泉区导出.xls").write_bytes(html_xls_bytes(official_sheet(
        [form_row(1, "科普展览", "展览", D(9, 19), 30)], unit_name="龙泉区科协")))

    first = run(small_city.config)
    again = run(small_city.config)

    assert first.rejected_files == again.rejected_files == {"unsupported": 1, "unreadable": 4}
    assert again.files_parsed == 0
    assert city_totals(small_city)["participants"] == 1330 + 70 + 30
    reasons = dict(query(small_city.warehouse, "select path, reason from raw.files where status = 'rejected'"))
    assert reasons["龙泉区/洛带镇.xlsx"].startswith("该文件实为PDF 文档")
    assert "解压后大小超过" in reasons["双流区/炸弹.xlsx"]
    assert "XML 实体声明" in reasons["双流区/实体.xlsx"]
    assert reasons["空.xlsx"] == reasons["空.ods"] == "文件为空（0 字节）"


def test_the_summary_line_names_both_kinds_of_rejection(small_city):
    from rich.console import Console

    from kepu.terminal import print_summary

    (small_city.inbox / "照片.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    (small_city.inbox / "损坏.xlsx").write_bytes(b"PK\x03\x04 cut short")
    run(small_city.config)
    console = Console(record=True, width=200)
    print_summary(console, run(small_city.config))
    assert "本次解析 0 个；不是表格文件 1 个，无法读取 1 个" in console.export_text()


def count_calls(monkeypatch, function) -> list:
    """Every call of `function` from now on, wherever kepu's modules refer to it (each module that imported it by
    name holds the same object): a call added in any module is counted too."""
    import functools
    import sys

    calls: list = []

    @functools.wraps(function)
    def counted(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name == "kepu" or name.startswith("kepu."):
            for attribute, value in list(vars(module).items()):
                if value is function:
                    monkeypatch.setattr(module, attribute, counted)
    return calls


def test_one_run_does_each_thing_once(small_city, monkeypatch):
    """`kepu run` (the command line's path into the flow) loads the settings and the registry once, checks the
    sources once, takes the warehouse's lock once and stages the warehouse once; a rerun that finds nothing new
    stages it not at all (issue #24: a second pass that sneaks in shows here)."""
    import kepu.cli as cli
    import kepu.flows.nightly  # noqa: F401 — imported before counting, as the run imports it
    import kepu.mail.dispatch  # noqa: F401
    from kepu import settings
    from kepu.flows import lifecycle
    from kepu.warehouse import publisher, schema

    counted = {name: count_calls(monkeypatch, function) for name, function in (
        ("settings", settings.load_settings), ("registry", settings.read_registry),
        ("sources", settings.check_sources), ("lock", lifecycle._acquire), ("staged", publisher.staged),
        ("views", schema.create_views))}

    def once(expected_staged: int, outcome: str) -> None:
        for calls in counted.values():
            calls.clear()
        assert cli._run(small_city.config).outcome == outcome
        assert {name: len(calls) for name, calls in counted.items()} == {
            "settings": 1, "registry": 1, "sources": 1, "lock": 1, "staged": expected_staged,
            "views": expected_staged}

    once(1, "published")
    once(0, "unchanged")
