"""Raw rows in, core out: a throwaway DuckDB filled with inline raw rows of one campaign, the core rebuilt as
the nightly run rebuilds it (flows.core.rebuild_core), and its tables read back. The rules' tests
(tests/flows/test_core.py, test_joint.py, tests/warehouse/test_checks.py) build on it."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from kepu.flows.core import rebuild_core
from kepu.schemas.decisions import COLUMNS as DECISION_COLUMNS
from kepu.schemas.issues import Issue
from kepu.schemas.vocabulary import METRICS, Campaign
from kepu.transforms.decisions import parse_decisions
from kepu.transforms.units import build_units
from kepu.warehouse import loader
from kepu.warehouse.schema import create_tables

CAMPAIGN = Campaign("2023", "2023年全国科普日", date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))

UNITS = build_units([
    {"unit_code": "C000", "unit_name": "江源市科协", "unit_type": "city", "parent_code": "", "aliases": "",
     "expected": "false"},
    {"unit_code": "D01", "unit_name": "双流区科协", "unit_type": "district", "parent_code": "C000",
     "aliases": "双流区", "expected": "true"},
    {"unit_code": "T01", "unit_name": "东升街道", "unit_type": "street", "parent_code": "D01",
     "aliases": "东升街道办事处", "expected": "true"},
    {"unit_code": "T02", "unit_name": "九江街道", "unit_type": "street", "parent_code": "D01", "aliases": "",
     "expected": "true"},
])


def sha(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


class Raw:
    """Raw tables of one campaign, filled file by file."""

    def __init__(self) -> None:
        self.files, self.declarations, self.rows, self.summaries, self.texts = [], [], [], [], []
        self.decisions: list[dict] = []
        self.parse_issues: list[dict] = []

    def file(self, n: int, code: str | None, *, name: str | None = None, path: str | None = None,
             reported: date | None = date(2023, 9, 25), received: datetime = datetime(2023, 9, 26, 9),
             rows: list[dict] = (), summary: dict | None = None, status: str = "read", title: str | None = None,
             note: str | None = None, source: str | None = None, text: list[dict] = ()) -> str:
        digest = sha(n)
        self.files.append({"sha256": digest, "path": path or f"{n}.xlsx", "received_at": received,
                           "status": status, "source": source})
        self.declarations.append({"sha256": digest, "declared_code": code, "declared_name": name,
                                  "declared_code_sheet": "活动明细", "declared_code_cell": "F2",
                                  "declared_name_sheet": "封面",
                                  "declared_name_cell": "B2", "reported_at": reported,
                                  "detail_sheet": "活动明细" if rows else None,
                                  "declared_title": title, "declared_title_sheet": "活动明细" if title else None,
                                  "declared_title_cell": "A1" if title else None, "supplement_note": note,
                                  "supplement_note_sheet": "活动明细" if note else None,
                                  "supplement_note_cell": "A20" if note else None})
        for i, row in enumerate(rows):
            self.rows.append({"sha256": digest, "source_sheet": "活动明细", "source_row": 4 + i,
                              "activity_type": "讲座报告", "row_status": "ok", "partners": [],
                              "activity_name_cell": f"B{4 + i}", "start_date": date(2023, 9, 18),
                              "participants": 100, **row})
        if summary:
            self.summaries.append({"sha256": digest, "sheet": "汇总表", "cells": {}, **summary})
        for record in text:
            self.texts.append({"sha256": digest, "paragraph": 3, "sentence": "全镇共开展……", "cells": {}, **record})
        return digest

    def build(self, previous: pd.DataFrame | None = None, units: pd.DataFrame = None,
              decisions: bytes | str | None = None, sources: dict[str, str] | None = None) -> Core:
        """The core of these raw rows. `previous` (unit_code, activities, participants) are the unit totals of
        a campaign before this one in the same warehouse; `decisions` the bytes of a decisions.csv (a str is
        written as UTF-8 with a BOM); `sources` a source's name → its district."""
        units = UNITS if units is None else units
        con = duckdb.connect()
        try:
            create_tables(con)
            if previous is not None:
                _previous_campaign(con, previous, units)
            _campaign(con, CAMPAIGN, units)
            cid = CAMPAIGN.campaign_id
            loader.insert(con, "raw.files", [{"size": 1, "stored_as": "files/x", "first_run_id": "r", **f,
                                              "campaign_id": cid} for f in self.files])
            for table, rows in (("raw.declarations", self.declarations), ("raw.activity_rows", self.rows),
                                ("raw.summary_figures", self.summaries), ("raw.text_figures", self.texts),
                                ("raw.parse_issues", self.parse_issues)):
                loader.insert(con, table, [{**r, "campaign_id": cid} for r in rows])
            if decisions is None and self.decisions:
                decisions = decisions_csv(self.decisions)
            if isinstance(decisions, str):
                decisions = decisions.encode("utf-8-sig")
            rebuild_core(con, CAMPAIGN, units, sources,
                         decisions=None if decisions is None else parse_decisions(decisions))
            return Core(*(_frame(con, f"select * from {t} where campaign_id = ?", cid) for t in (
                "core.submissions", "core.activities", "audit.issues", "audit.submission_changes",
                "audit.decisions", "marts.city_totals", "marts.completeness")))
        finally:
            con.close()


def decisions_csv(lines: list[dict]) -> str:
    """decisions.csv's text for `lines` (each a dict of its columns; others ignored)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DECISION_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({"decided_by": "测试", "decided_at": "2023-09-30", **line} for line in lines)
    return out.getvalue()


def _frame(con, sql: str, cid: str) -> pd.DataFrame:
    table = con.sql(sql, params=[cid]).to_arrow_table()
    return pd.DataFrame(table.to_pylist(), columns=table.column_names)


def _campaign(con, campaign: Campaign, units: pd.DataFrame) -> None:
    loader.insert(con, "core.campaigns", [{"campaign_id": campaign.campaign_id, "name": campaign.name,
                                           "start_date": campaign.start, "end_date": campaign.end,
                                           "deadline": campaign.deadline}])
    loader.insert(con, "core.units", units.assign(campaign_id=campaign.campaign_id))


def _previous_campaign(con, totals: pd.DataFrame, units: pd.DataFrame) -> None:
    """A campaign a year earlier whose units' current versions counted `totals`."""
    before = Campaign("2022", "2022年全国科普日", date(2022, 9, 17), date(2022, 9, 23), date(2022, 9, 28))
    _campaign(con, before, units)
    for n, (unit, activities, participants) in enumerate(
            zip(totals["unit_code"], totals["activities"], totals["participants"])):
        digest = sha(1000 + n)
        loader.insert(con, "core.submissions", [{
            "campaign_id": "2022", "file_sha256": digest, "file_path": f"{unit}.xlsx", "unit_code": unit,
            "received_at": datetime(2022, 9, 20), "status": "accepted", "activity_rows": 1, "counted_rows": 1,
            "rejected_rows": 0, "version": 1, "is_current": True}])
        loader.insert(con, "core.activities", [{
            "activity_id": f"{digest[:16]}:s:1", "campaign_id": "2022", "file_sha256": digest, "unit_code": unit,
            "source_file": f"{unit}.xlsx", "source_sheet": "活动明细", "activity_name": "去年的活动",
            "activity_type": "讲座报告", "participants": participants, "activity_count": activities,
            "is_unitemized": False, "row_status": "ok", "in_window": True, "counted": True,
            **{f"{m}_approx": False for m in METRICS}}])


@dataclass
class Core:
    submissions: pd.DataFrame
    activities: pd.DataFrame
    audit_issues: pd.DataFrame
    changes: pd.DataFrame
    decisions: pd.DataFrame | None = None
    """audit.decisions"""
    city: pd.DataFrame | None = None
    """marts.city_totals"""
    completeness: pd.DataFrame | None = None

    def total(self, measure: str = "participants"):
        return self.city[measure].iloc[0]

    @property
    def issues(self) -> list[tuple[str, Issue]]:
        """audit.issues as (file sha256, issue), in issue_no order."""
        rows = self.audit_issues.sort_values("issue_no")
        return [(r["file_sha256"], Issue(r["code"], r["severity"], r["message"], r["sheet"], r["cell"],
                                         r["raw_value"], r["row_number"])) for r in rows.to_dict("records")]


def codes(core) -> list[str]:
    return sorted(issue.code for _, issue in core.issues)
