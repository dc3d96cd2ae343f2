"""Completeness on a small city, several campaigns in one warehouse, and failed runs."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from kepu.flows.nightly import run
from tests.builders import activity, make_city

pytestmark = pytest.mark.usefixtures("prefect_harness")


def query(path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


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

    monkeypatch.setattr(nightly, "build_core", broken)
    with pytest.raises(RuntimeError):
        run(city.config)

    assert query(city.warehouse, "select participants from marts.city_totals") == [(100,)]
    assert query(city.warehouse, "select count(*) from raw.files") == [(1,)]
    outcomes = query(city.warehouse, "select outcome, message from audit.runs order by started_at, outcome")
    assert sorted(o for o, _ in outcomes) == ["failed", "published"]
    assert any("core rules crashed" in (m or "") for _, m in outcomes)
