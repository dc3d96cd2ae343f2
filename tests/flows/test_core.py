"""Core rules on inline raw rows, run as the nightly run runs them (flows.core.rebuild_core on a throwaway
DuckDB): identity, versions, statuses, the window, summary-only units, joint activities and the checks beyond
the row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from tests.rules import Raw, codes, sha


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


def test_outlier_flagged_only_when_far_from_its_type():
    typical = [{"participants": p, "participants_cell": f"I{4 + i}"}
               for i, p in enumerate([120, 150, 90, 200, 180, 130, 160, 110, 140])]
    raw = Raw()
    raw.file(1, "T01", rows=typical)
    assert "outlier_value" not in codes(raw.build())
    raw = Raw()
    raw.file(1, "T01", rows=[*typical, {"participants": 4000, "participants_cell": "I13"}])
    flagged = [i for _, i in raw.build().issues if i.code == "outlier_value"]
    assert [(i.cell, i.raw_value) for i in flagged] == [("I13", "4000")]


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
