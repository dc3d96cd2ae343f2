"""Core rules on inline raw frames: identity, versions, statuses, the window, summary-only units,
joint activities and the checks beyond the row."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from kepu.schemas.vocabulary import Campaign
from kepu.transforms.core import build_core
from kepu.transforms.units import build_units

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
        self.files, self.declarations, self.rows, self.summaries = [], [], [], []

    def file(self, n: int, code: str | None, *, name: str | None = None, path: str | None = None,
             reported: date | None = date(2023, 9, 25), received: datetime = datetime(2023, 9, 26, 9),
             rows: list[dict] = (), summary: dict | None = None, status: str = "read") -> str:
        digest = sha(n)
        self.files.append({"sha256": digest, "path": path or f"{n}.xlsx", "received_at": received,
                           "status": status})
        self.declarations.append({"sha256": digest, "declared_code": code, "declared_name": name,
                                  "declared_code_sheet": "活动明细", "declared_code_cell": "F2",
                                  "declared_name_sheet": "封面",
                                  "declared_name_cell": "B2", "reported_at": reported,
                                  "detail_sheet": "活动明细" if rows else None})
        for i, row in enumerate(rows):
            self.rows.append({"sha256": digest, "source_sheet": "活动明细", "source_row": 4 + i,
                              "activity_type": "讲座报告", "row_status": "ok", "partners": [],
                              "activity_name_cell": f"B{4 + i}", "start_date": date(2023, 9, 18),
                              "participants": 100, **row})
        if summary:
            self.summaries.append({"sha256": digest, "sheet": "汇总表", "cells": {}, **summary})
        return digest

    def build(self, previous: pd.DataFrame | None = None):
        return build_core(CAMPAIGN, UNITS, pd.DataFrame(self.files), pd.DataFrame(self.declarations),
                          pd.DataFrame(self.rows), pd.DataFrame(self.summaries), previous)


def codes(core) -> list[str]:
    return sorted(issue.code for _, issue in core.issues)


def test_newest_by_reported_date_wins_then_received_at():
    raw = Raw()
    old = raw.file(1, "T01", reported=date(2023, 9, 26), received=datetime(2023, 9, 27, 9), rows=[{}])
    new = raw.file(2, "T01", reported=date(2023, 9, 27), received=datetime(2023, 9, 26, 9), rows=[{}])
    same_day_later = raw.file(3, "T02", reported=date(2023, 9, 25), received=datetime(2023, 9, 26, 18), rows=[{}])
    same_day_earlier = raw.file(4, "T02", reported=date(2023, 9, 25), received=datetime(2023, 9, 26, 8), rows=[{}])

    subs = raw.build().submissions.set_index("file_sha256")

    assert subs.loc[new, "is_current"] and not subs.loc[old, "is_current"]
    assert (subs.loc[old, "version"], subs.loc[new, "version"]) == (1, 2)
    assert subs.loc[old, "superseded_by"] == new
    assert subs.loc[same_day_later, "is_current"] and not subs.loc[same_day_earlier, "is_current"]


def test_statuses():
    raw = Raw()
    accepted = raw.file(1, "T01", rows=[{}])
    partial = raw.file(2, "T02", rows=[{}, {"row_status": "rejected", "reject_code": "missing_activity_name",
                                            "activity_name": None}])
    unidentified = raw.file(3, None, name="不存在的单位", rows=[{}])
    conflict = raw.file(4, "T01", name="九江街道", rows=[{}])
    empty = raw.file(5, "D01", rows=[{"start_date": date(2023, 10, 5)}])
    core = raw.build()
    status = dict(zip(core.submissions["file_sha256"], core.submissions["status"]))
    assert status == {accepted: "accepted", partial: "partial", unidentified: "unidentified",
                      conflict: "conflict", empty: "rejected"}
    conflict_row = core.submissions.set_index("file_sha256").loc[conflict]
    assert conflict_row["claimed_unit_codes"] == ["T01", "T02"]
    assert {"unit_unidentified", "unit_conflict", "submission_empty", "outside_window"} <= set(codes(core))
    cited = {i.code: (i.sheet, i.cell) for _, i in core.issues}
    assert cited["unit_conflict"] == ("活动明细", "F2")
    assert cited["unit_unidentified"] == ("封面", "B2")


def test_identity_falls_back_to_file_name_then_folder():
    raw = Raw()
    by_file = raw.file(1, None, path="报表/东升街道办事处-科普日(终).xlsx", rows=[{}])
    by_folder = raw.file(2, None, path="九江街道/汇总.xlsx", rows=[{}])
    subs = raw.build().submissions.set_index("file_sha256")
    assert (subs.loc[by_file, "unit_code"], subs.loc[by_file, "identified_by"]) == ("T01", "file_name")
    assert (subs.loc[by_folder, "unit_code"], subs.loc[by_folder, "identified_by"]) == ("T02", "folder")


def test_rows_outside_the_window_are_kept_but_not_counted():
    raw = Raw()
    raw.file(1, "T01", rows=[{}, {"start_date": date(2023, 9, 1)}])
    acts = raw.build().activities
    assert list(acts["counted"]) == [True, False]
    assert list(acts["in_window"]) == [True, False]


def test_summary_only_unit_contributes_one_unitemized_record():
    raw = Raw()
    raw.file(1, "T01", summary={"activities": 6, "participants": 4000, "boards": 300,
                                "funding_wan": Decimal("1.5")})
    core = raw.build()
    (record,) = core.activities.to_dict("records")
    assert (record["activity_type"], record["activity_count"], record["participants"], record["boards"],
            record["funding_wan"], record["counted"]) == ("未分项", 6, 4000, 300, Decimal("1.50"), True)
    assert core.submissions["status"].tolist() == ["accepted"]
    assert codes(core) == ["summary_only"]


@pytest.mark.parametrize("summary, flagged", [
    ({"activities": 2, "participants": 200}, ["summary_mismatch"]),
    ({"activities": 3, "participants": 150}, ["summary_mismatch"]),
    ({"activities": 2, "participants": 150, "funding_wan": Decimal("0")}, []),
])
def test_summary_beside_details_is_only_checked(summary, flagged):
    raw = Raw()
    raw.file(1, "T01", rows=[{"participants": 100}, {"participants": 50}], summary=summary)
    core = raw.build()
    assert core.activities["activity_count"].sum() == 2
    assert codes(core) == flagged


@pytest.mark.parametrize("volunteers, flagged", [(101, True), (100, False), (None, False)])
def test_volunteers_more_than_participants(volunteers, flagged):
    raw = Raw()
    raw.file(1, "T01", rows=[{"volunteers": volunteers, "volunteers_cell": "J4"}])
    core = raw.build()
    assert ("volunteers_exceed_participants" in codes(core)) is flagged


def joint(name: str, **extra) -> dict:
    return {"activity_name": name, "venue": "双流万达广场", "start_date": date(2023, 9, 18), **extra}


def test_joint_activity_counted_once_keeping_the_organizers_copy():
    raw = Raw()
    raw.file(1, "T01", received=datetime(2023, 9, 20), rows=[joint("全国科普日双流区主场宣传活动")])
    raw.file(2, "D01", received=datetime(2023, 9, 22), rows=[joint("2023年全国科普日双流区主场活动",
                                                                   organizer="双流区科协")])
    core = raw.build()
    acts = core.activities.set_index("file_sha256")
    assert acts.loc[sha(1), "duplicate_of"] == acts.loc[sha(2), "activity_id"]
    assert acts.loc[sha(2), "duplicate_of"] is None
    ((file, issue),) = [(f, i) for f, i in core.issues if i.code == "joint_activity_duplicate"]
    assert file == sha(1) and "双流区科协" in issue.message and issue.cell == "B4"


def test_joint_activity_without_organizer_keeps_the_earliest_received():
    raw = Raw()
    raw.file(1, "T01", received=datetime(2023, 9, 25), rows=[joint("科普大篷车进社区")])
    raw.file(2, "T02", received=datetime(2023, 9, 21), rows=[joint("科普大篷车进社区")])
    acts = raw.build().activities.set_index("file_sha256")
    assert acts.loc[sha(2), "duplicate_of"] is None
    assert acts.loc[sha(1), "duplicate_of"] == acts.loc[sha(2), "activity_id"]


@pytest.mark.parametrize("second", [
    joint("科普讲座：防溺水"),                                   # same venue and day, another event
    joint("全国科普日双流区主场宣传活动", venue="东升街道文化站"),      # same name, other venue
    joint("全国科普日双流区主场宣传活动", start_date=date(2023, 9, 19)),  # same name, other day
])
def test_near_misses_do_not_merge(second):
    raw = Raw()
    raw.file(1, "T01", rows=[joint("全国科普日双流区主场宣传活动") if second["activity_name"] != "科普讲座：防溺水"
                             else joint("科普讲座：垃圾分类")])
    raw.file(2, "T02", rows=[second])
    assert raw.build().activities["duplicate_of"].isna().all()


def test_same_unit_rows_are_not_joint_duplicates():
    raw = Raw()
    raw.file(1, "T01", rows=[joint("科普大篷车进社区"), joint("科普大篷车进社区")])
    assert raw.build().activities["duplicate_of"].isna().all()


def test_outlier_flagged_only_when_far_from_its_type():
    typical = [{"participants": p, "participants_cell": f"I{4 + i}"}
               for i, p in enumerate([120, 150, 90, 200, 180, 130, 160, 110, 140])]
    raw = Raw()
    raw.file(1, "T01", rows=typical)
    assert "outlier_value" not in codes(raw.build())
    raw = Raw()
    raw.file(1, "T01", rows=[*typical, {"participants": 150000, "participants_cell": "I13"}])
    flagged = [i for _, i in raw.build().issues if i.code == "outlier_value"]
    assert [(i.cell, i.raw_value) for i in flagged] == [("I13", "150000")]


@pytest.mark.parametrize("previous, flagged", [(10, True), (100, False), (1001, True), (None, False)])
def test_tenfold_change_against_the_previous_campaign(previous, flagged):
    raw = Raw()
    raw.file(1, "T01", rows=[{"participants": 100}])
    before = None if previous is None else pd.DataFrame(
        {"unit_code": ["T01"], "activities": [1], "participants": [previous]})
    core = raw.build(before)
    assert ("year_over_year_jump" in codes(core)) is flagged


def test_submission_changes_record_what_a_new_version_moved():
    raw = Raw()
    raw.file(1, "T01", reported=date(2023, 9, 24), rows=[{"participants": 100}, {"participants": 50}])
    raw.file(2, "T01", reported=date(2023, 9, 26), rows=[{"participants": 120}, {"participants": 50}])
    changes = raw.build().changes
    assert changes[["measure", "previous_value", "current_value", "change"]].to_dict("records") == [
        {"measure": "participants", "previous_value": Decimal(150), "current_value": Decimal(170),
         "change": Decimal(20)}]
    assert (changes["version"].tolist(), changes["previous_version"].tolist()) == ([2], [1])
