"""The named queries: what a run learns before it starts, what the terminal and the deliverables read."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kepu.schemas.vocabulary import COMPLETENESS_LABELS
from kepu.transforms.submission import PARSER_VERSION
from kepu.warehouse import queries
from kepu.warehouse.publisher import read_only

SQL = Path(__file__).resolve().parents[2] / "warehouse" / "sql"


@pytest.fixture(scope="module")
def warehouse(demo_city) -> Path:
    return demo_city.root / "warehouse" / "kepu.duckdb"


CAMPAIGN = "2023-science-day"


def test_a_warehouse_not_yet_written_knows_no_files(tmp_path):
    assert queries.known_files(tmp_path / "kepu.duckdb", CAMPAIGN) == queries.KnownFiles()


def test_known_files_remember_every_path_and_its_parse(demo_city, warehouse):
    known = queries.known_files(warehouse, CAMPAIGN)
    inbox = demo_city.root / "inbox"
    paths = {p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file()}

    assert set(known.paths) == paths
    assert {path for path, _, _ in known.seen_at("inbox")} == paths
    assert set(known.seen) == {"inbox"}
    assert set(known.parsed.values()) == {PARSER_VERSION}
    assert set(known.stored) == set(known.parsed) == set(known.recorded)
    assert all(f.location.is_file() and f.location == warehouse.parent / f.stored_as for f in known.stored.values())


def test_completeness_by_district_counts_each_unit_once(warehouse):
    con = read_only(warehouse)
    try:
        units = con.execute("select district_code, status from marts.completeness where campaign_id = ?",
                            [CAMPAIGN]).fetchall()
    finally:
        con.close()
    rows = queries.completeness_by_district(warehouse, CAMPAIGN)

    counted = Counter(units)
    assert [r["district_code"] for r in rows] == sorted({d for d, _ in units})
    for row in rows:
        expected = sum(n for (district, _), n in counted.items() if district == row["district_code"])
        assert row["expected"] == expected
        assert all(row[status] == counted[row["district_code"], status] for status in COMPLETENESS_LABELS)
        assert row["reporting_rate"] == pytest.approx((row["on_time"] + row["late"]) / expected)


def test_the_deliverables_snapshot_reads_the_same_queries(warehouse):
    marts = queries.read_marts(warehouse, CAMPAIGN)

    assert marts.completeness_by_district.to_dict("records") == queries.completeness_by_district(warehouse, CAMPAIGN)
    assert marts.city_row["participants"] == queries.published_summary(warehouse, CAMPAIGN).city_totals["participants"]
    assert len(marts.chase_list) == len(queries.chase_list(warehouse, CAMPAIGN))
    assert marts.runs["run_id"].tolist() == [queries.recent_runs(warehouse, CAMPAIGN, limit=1)[0]["run_id"]]


def test_the_first_campaign_has_no_previous_one(warehouse):
    con = read_only(warehouse)
    try:
        assert queries.previous_campaign(con, CAMPAIGN) is None
        assert queries.previous_unit_totals(con, CAMPAIGN) is None
        raw = queries.raw_inputs(con, CAMPAIGN)
    finally:
        con.close()
    assert set(raw) == {"files", "declarations", "activity_rows", "summary_figures", "parse_issues"}
    assert all(isinstance(cells, dict) for cells in raw["summary_figures"]["cells"])


def test_the_on_time_rule_is_written_in_one_place():
    """Received on or before the deadline day: audit.submissions says it; the marts read it from there."""
    written = [p.relative_to(SQL).as_posix() for p in SQL.rglob("*.sql") if "<= k.deadline" in p.read_text()]
    assert written == ["audit/submissions.sql"]
