"""The checks over the whole campaign (warehouse/sql/core/checks), each on inline raw rows: it gives its issue
exactly when it should, cited where it should, worded as the catalogue says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kepu.schemas.issues import make_issue
from kepu.schemas.rules import OUTLIER_MIN_ROWS
from kepu.warehouse.schema import issue_sql
from tests.rules import Raw, codes, sha


def issues_of(core, code: str):
    return [issue for _, issue in core.issues if issue.code == code]


@pytest.mark.parametrize("day, inside", [(16, False), (17, True), (23, True), (24, False)])
def test_the_window_includes_its_first_and_last_day(day, inside):
    raw = Raw()
    raw.file(1, "T01", rows=[{"start_date": date(2023, 9, day), "start_date_cell": "D4"}])
    core = raw.build()
    assert core.activities["in_window"].tolist() == [inside]
    assert core.activities["counted"].tolist() == [inside]
    flagged = issues_of(core, "outside_window")
    assert len(flagged) == (0 if inside else 1)
    if flagged:
        assert (flagged[0].cell, flagged[0].row_number) == ("D4", 4)
        assert "2023年9月17日至9月23日" in flagged[0].message


def test_a_rejected_row_outside_the_window_is_not_warned_twice():
    raw = Raw()
    raw.file(1, "T01", rows=[{}, {"start_date": date(2023, 10, 1), "row_status": "rejected",
                                  "reject_code": "missing_participants"}])
    assert "outside_window" not in codes(raw.build())


@pytest.mark.parametrize("fields, flagged", [
    ({"volunteers": 101}, True), ({"volunteers": 100}, False), ({"volunteers": None}, False),
    ({"volunteers": 101, "start_date": date(2023, 10, 1)}, False),
])
def test_volunteers_more_than_participants(fields, flagged):
    raw = Raw()
    raw.file(1, "T01", rows=[{"participants": 100, "volunteers_cell": "J4", **fields}])
    found = issues_of(raw.build(), "volunteers_exceed_participants")
    assert len(found) == flagged
    if flagged:
        assert found[0].cell == "J4" and "（101）" in found[0].message


def test_a_summary_is_checked_against_the_rows_that_passed():
    rows = [{"participants": 100}, {"participants": 50},
            {"participants": 999, "row_status": "rejected", "reject_code": "negative_value"}]
    summary = {"cells": {"participants": "C4"}, "activities": 2, "participants": 160}
    raw = Raw()
    raw.file(1, "T01", rows=rows, summary=summary)
    (issue,) = issues_of(raw.build(), "summary_mismatch")
    assert (issue.sheet, issue.cell, issue.raw_value) == ("汇总表", "C4", "160")
    assert "160" in issue.message and "150" in issue.message
    raw = Raw()
    raw.file(1, "T01", rows=rows, summary={**summary, "participants": 150})
    assert issues_of(raw.build(), "summary_mismatch") == []


def test_a_summary_of_money_is_compared_to_the_cent():
    raw = Raw()
    raw.file(1, "T01", rows=[{"funding_wan": Decimal("0.50")}, {"funding_wan": Decimal("1.25")}],
             summary={"funding_wan": Decimal("1.80")})
    (issue,) = issues_of(raw.build(), "summary_mismatch")
    assert "1.80" in issue.message and "1.75" in issue.message


def outlier_rows(n: int, odd: int) -> list[dict]:
    values = [100 + i for i in range(n - 1)] + [odd]
    return [{"participants": v, "participants_cell": f"I{4 + i}"} for i, v in enumerate(values)]


def test_outliers_need_enough_rows_of_the_form():
    raw = Raw()
    raw.file(1, "T01", rows=outlier_rows(OUTLIER_MIN_ROWS, 3000))
    (issue,) = issues_of(raw.build(), "outlier_value")
    assert (issue.raw_value, issue.cell) == ("3000", f"I{3 + OUTLIER_MIN_ROWS}")
    assert "远高于" in issue.message and "讲座报告" in issue.message
    raw = Raw()
    raw.file(1, "T01", rows=outlier_rows(OUTLIER_MIN_ROWS - 1, 3000))
    assert issues_of(raw.build(), "outlier_value") == []


def test_no_spread_means_no_outlier():
    raw = Raw()
    raw.file(1, "T01", rows=[{"participants": 5}] * 9 + [{"participants": 5000}])
    assert issues_of(raw.build(), "outlier_value") == []


def test_outliers_look_at_current_versions_only():
    raw = Raw()
    raw.file(1, "T01", reported=date(2023, 9, 20), rows=outlier_rows(OUTLIER_MIN_ROWS, 3000))
    raw.file(2, "T01", reported=date(2023, 9, 25), rows=outlier_rows(OUTLIER_MIN_ROWS, 150))
    assert issues_of(raw.build(), "outlier_value") == []


def test_an_issue_written_in_sql_reads_as_make_issue_writes_it():
    """The catalogue's template rendered as SQL fills the same placeholders the same way."""
    import duckdb

    select = issue_sql("volunteers_exceed_participants", sheet="'活动明细'", cell="'J5'", row="5", raw="101",
                       volunteers="101", participants="100")
    row = duckdb.connect().execute(f"select {select}").fetchone()
    issue = make_issue("volunteers_exceed_participants", sheet="活动明细", cell="J5", row=5, raw=101,
                       volunteers=101, participants=100)
    assert row == (issue.severity, issue.code, issue.message, "活动明细", "J5", "101", 5)


def test_every_issue_the_checks_raise_is_catalogued():
    with pytest.raises(KeyError):
        issue_sql("volunteers_exceed_participants", nonsense="1")


def test_superseded_versions_are_told_which_version_replaced_them():
    raw = Raw()
    raw.file(1, "T01", reported=date(2023, 9, 20), path="旧.xlsx", rows=[{}])
    raw.file(2, "T01", reported=date(2023, 9, 25), path="新.xlsx", rows=[{}])
    core = raw.build()
    ((file, issue),) = [(f, i) for f, i in core.issues if i.code == "submission_superseded"]
    assert file == sha(1) and "新.xlsx，第2版" in issue.message
    current = dict(zip(core.audit_issues["file_sha256"], core.audit_issues["is_current_version"]))
    assert current[sha(1)] is False
