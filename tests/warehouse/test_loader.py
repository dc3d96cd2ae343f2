"""The one writer: rows go in with the table's own types, a campaign's rows are swapped whole, a file parsed
again replaces its old rows, and a sighting seen again is updated, not doubled."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from kepu.schemas.files import ReceivedFile
from kepu.warehouse import loader


def received(sha: str, path: str = "东升街道.xlsx", status: str = "read", version: str = "3") -> ReceivedFile:
    return ReceivedFile(path=path, size=100, mtime=1695693600.5, received_at=datetime(2023, 9, 26, 10),
                        location=Path(path), sha256=sha, stored_as=f"files/{sha[:2]}/{sha}.xlsx", status=status,
                        parser_version=version)


def test_values_keep_their_types(con):
    loader.insert(con, "raw.summary_figures", [{
        "campaign_id": "c", "sha256": "s1", "sheet": "汇总表", "activities": 3.0, "participants": 1200,
        "funding_wan": 1.5, "cells": {"participants": "C4", "boards": None}}])
    loader.insert(con, "raw.activity_rows", [{
        "campaign_id": "c", "sha256": "s1", "source_sheet": "活动明细", "source_row": 4, "activity_type": "讲座报告",
        "start_date": "2023-09-18", "partners": ["区卫健局", "东升卫生院"],
        "funding_wan": Decimal("0.35"), "row_status": "ok"}])

    figures = con.execute("select activities, funding_wan, cells from raw.summary_figures").fetchone()
    activity = con.execute("select start_date, partners, funding_wan, volunteers from raw.activity_rows").fetchone()

    assert figures == (3, Decimal("1.50"), {"participants": "C4"})
    assert activity == (date(2023, 9, 18), ["区卫健局", "东升卫生院"], Decimal("0.35"), None)


def test_a_campaign_is_replaced_whole_and_others_are_left_alone(con):
    units = [{"campaign_id": cid, "unit_code": code, "unit_name": code, "unit_type": "town", "expected": True,
              "district_code": "D01", "district_name": "双流区"} for cid in ("2022", "2023") for code in ("A", "B")]
    loader.insert(con, "core.units", units)

    loader.replace_campaign(con, "core.units", "2023", [{**units[2], "unit_code": "C"}])

    assert con.execute("select campaign_id, unit_code from core.units order by all").fetchall() == [
        ("2022", "A"), ("2022", "B"), ("2023", "C")]


def test_a_file_parsed_again_replaces_its_rows(con):
    old = {"declarations": [{"sha256": "s1", "declared_code": "OLD"}], "activity_rows": [], "summary_figures": [],
           "parse_issues": []}
    loader.load_parsed(con, "c", [received("s1", version="2"), received("s2")], old, run_id="r1")
    new = {"declarations": [{"sha256": "s1", "declared_code": "NEW"}], "activity_rows": [], "summary_figures": [],
           "parse_issues": []}
    loader.load_parsed(con, "c", [received("s1")], new, run_id="r2")

    files = con.execute("select sha256, parser_version, first_run_id, stored_as from raw.files order by 1").fetchall()
    assert files == [("s1", "3", "r2", "files/s1/s1.xlsx"), ("s2", "3", "r1", "files/s2/s2.xlsx")]
    assert con.execute("select declared_code from raw.declarations").fetchall() == [("NEW",)]


def test_a_sighting_seen_again_is_updated_not_doubled(con):
    loader.record_sightings(con, "c", [received("s1"), received("s1", path="副本/东升街道.xlsx")], run_id="r1")
    loader.record_sightings(con, "c", [received("s1")], run_id="r2")

    assert con.execute("select path, first_run_id, last_run_id from raw.file_sightings order by path").fetchall() == [
        ("东升街道.xlsx", "r1", "r2"), ("副本/东升街道.xlsx", "r1", "r1")]
