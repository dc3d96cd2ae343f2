"""marts.changes_since_signed stays set-based when many units change at once (SPEC §3.12): 300 units each send a
补报 after the edition is signed; every unit, its district and the city have their rows and causes, computed by
one query in well under the time a row-by-row explanation would take."""

from __future__ import annotations

import time
from datetime import date, datetime

import duckdb

from kepu.flows.core import rebuild_core
from kepu.transforms.units import build_units
from kepu.warehouse import loader
from kepu.warehouse.editions import edition_state, record_edition
from kepu.warehouse.schema import create_tables
from tests.rules import CAMPAIGN, Raw, _campaign

UNITS = 300


def registry():
    rows = [{"unit_code": "C000", "unit_name": "江源市科协", "unit_type": "city", "parent_code": "", "aliases": "",
             "expected": "false"},
            {"unit_code": "D01", "unit_name": "双流区科协", "unit_type": "district", "parent_code": "C000",
             "aliases": "", "expected": "true"}]
    rows += [{"unit_code": f"T{n:03d}", "unit_name": f"第{n}街道", "unit_type": "street", "parent_code": "D01",
              "aliases": "", "expected": "true"} for n in range(UNITS)]
    return build_units(rows)


def load(con, raw: Raw, units) -> None:
    cid = CAMPAIGN.campaign_id
    con.execute("delete from raw.files; delete from raw.declarations; delete from raw.activity_rows")
    loader.insert(con, "raw.files", [{"size": 1, "stored_as": "files/x", "first_run_id": "r", **f,
                                      "campaign_id": cid} for f in raw.files])
    loader.insert(con, "raw.declarations", [{**r, "campaign_id": cid} for r in raw.declarations])
    loader.insert(con, "raw.activity_rows", [{**r, "campaign_id": cid} for r in raw.rows])
    rebuild_core(con, CAMPAIGN, units, None)


def test_three_hundred_supplements_after_signing():
    units = registry()
    raw = Raw()
    for n in range(UNITS):
        raw.file(n, f"T{n:03d}", path=f"第{n}街道.xlsx", received=datetime(2023, 9, 25, 9),
                 rows=[{"activity_name": "科普讲座", "participants": 100},
                       {"activity_name": "科普展", "start_date": date(2023, 9, 19), "participants": 50}])
    con = duckdb.connect()
    try:
        create_tables(con)
        _campaign(con, CAMPAIGN, units)
        load(con, raw, units)
        record_edition(con, CAMPAIGN.campaign_id, 1, datetime(2023, 9, 30, 17), "王丽", None, "r", "已报送/第1版")
        assert edition_state(con, CAMPAIGN.campaign_id).same_as_signed
        for n in range(UNITS):
            raw.file(1000 + n, f"T{n:03d}", path=f"第{n}街道（补报）.xlsx", received=datetime(2023, 10, 2, 9),
                     reported=date(2023, 10, 2),
                     rows=[{"activity_name": "科普讲座", "participants": 100},
                           {"activity_name": "应急演练", "start_date": date(2023, 9, 20), "participants": 30}])
        load(con, raw, units)

        started = time.perf_counter()
        rows = con.execute("""select level, code, measure, delta, causes from marts.changes_since_signed
                              where campaign_id = ?""", [CAMPAIGN.campaign_id]).fetchall()
        elapsed = time.perf_counter() - started
    finally:
        con.close()
    by_level: dict[str, list] = {}
    for level, code, measure, delta, causes in rows:
        by_level.setdefault(level, []).append((code, measure, delta, causes))
    assert sorted((c, m, d) for c, m, d, _ in by_level["city"]) == [
        ("2023", "activities", UNITS), ("2023", "participants", 30 * UNITS)]
    assert len(by_level["unit"]) == 2 * UNITS
    assert all(causes.startswith("补报：") for *_, causes in by_level["unit"])
    unit_causes = {c: causes for c, m, d, causes in by_level["unit"] if m == "participants"}
    assert unit_causes["T007"] == "补报：第7街道“第7街道（补报）.xlsx”新增1行、重复1行（只计一次），10月2日收到（报送后）"
    assert by_level["city"][0][3].count("补报：") == UNITS
    assert elapsed < 20, f"changes_since_signed took {elapsed:.1f}s for {UNITS} supplements"


def test_a_warehouse_from_before_editions_gets_their_tables_and_views():
    con = duckdb.connect()
    try:
        create_tables(con)
        for view in ("marts.signed_edition", "marts.changes_since_signed", "audit.edition_causes",
                     "marts.published_figures"):
            con.execute(f"drop view {view}")
        for table in ("audit.editions", "audit.edition_figures", "audit.edition_files", "audit.edition_decisions"):
            con.execute(f"drop table {table}")
        create_tables(con)  # what the next publish does to an older file
        found = {r[0] for r in con.execute("""select schema_name || '.' || table_name from duckdb_tables()
                                              union all select schema_name || '.' || view_name from duckdb_views()
                                              where not internal""").fetchall()}
        assert {"audit.editions", "audit.edition_figures", "audit.edition_files", "audit.edition_decisions",
                "marts.changes_since_signed", "marts.signed_edition"} <= found
        assert con.execute("select count(*) from marts.changes_since_signed").fetchone() == (0,)
    finally:
        con.close()
