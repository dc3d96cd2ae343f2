"""The checks beyond one cell, on inline rows: each gives its issue exactly when it should."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from kepu.schemas.vocabulary import Campaign
from kepu.transforms.checks import (
    OUTLIER_MIN_ROWS,
    StatedTotal,
    in_window,
    outliers,
    outside_window,
    robust_z,
    summary_mismatches,
    total_row_mismatches,
    volunteers_exceed_participants,
)

CAMPAIGN = Campaign("2023", "2023年全国科普日", date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))


def row(**fields) -> dict:
    base = {"source_sheet": "活动明细", "source_row": 5, "row_status": "ok", "counted": True, "is_unitemized": False,
            "start_date": date(2023, 9, 18), "in_window": True, "participants": 100, "volunteers": 10,
            "materials": None, "boards": None, "media_reports": None, "funding_wan": None,
            "start_date_cell": "D5", "volunteers_cell": "J5"}
    return {**base, **fields}


@pytest.mark.parametrize("day, inside", [(16, False), (17, True), (23, True), (24, False)])
def test_the_window_includes_its_first_and_last_day(day, inside):
    assert in_window(date(2023, 9, day), CAMPAIGN) is inside
    assert in_window(None, CAMPAIGN) is False


def test_a_row_outside_the_window_is_cited_at_its_date_cell():
    issue = outside_window(row(start_date=date(2023, 9, 10), in_window=False), CAMPAIGN)
    assert (issue.code, issue.cell, issue.row_number) == ("outside_window", "D5", 5)
    assert "2023年9月17日至9月23日" in issue.message
    assert outside_window(row(), CAMPAIGN) is None
    assert outside_window(row(in_window=False, row_status="rejected"), CAMPAIGN) is None


@pytest.mark.parametrize("fields, flagged", [
    ({"volunteers": 101}, True), ({"volunteers": 100}, False), ({"volunteers": None}, False),
    ({"volunteers": 101, "counted": False}, False), ({"volunteers": 101, "is_unitemized": True}, False),
])
def test_volunteers_more_than_participants(fields, flagged):
    issue = volunteers_exceed_participants(row(**fields))
    assert (issue is not None) is flagged
    if flagged:
        assert issue.cell == "J5"


def test_a_total_row_is_compared_with_the_exact_amounts_above_it():
    """3850元 twice is 0.39 + 0.39 万元 once rounded, but its 合计 of 7700元 is right."""
    stated = {"funding_wan": StatedTotal(Decimal("0.77"), "N9", "7700"),
              "participants": StatedTotal(Decimal(300), "I9", "300")}
    rows = [{"funding_wan": Decimal("0.385"), "participants": Decimal(100)},
            {"funding_wan": Decimal("0.385"), "participants": Decimal(150)}]

    (issue,) = total_row_mismatches("活动明细", 9, stated, rows)

    assert (issue.code, issue.cell, issue.raw_value) == ("total_row_mismatch", "I9", "300")
    assert "250" in issue.message


def test_a_summary_is_checked_against_the_rows_that_passed():
    rows = [row(participants=100), row(participants=50), row(row_status="rejected", participants=999)]
    summary = {"sheet": "汇总表", "cells": {"participants": "C4"}, "activities": 2, "participants": 160,
               "funding_wan": None}

    (issue,) = summary_mismatches(summary, rows)

    assert (issue.code, issue.sheet, issue.cell) == ("summary_mismatch", "汇总表", "C4")
    assert summary_mismatches({**summary, "participants": 150}, rows) == []


def test_robust_z_is_undefined_without_spread():
    assert robust_z(pd.Series([5, 5, 5])).isna().all()


def test_outliers_need_enough_rows_of_the_type():
    def frame(n: int, odd: int) -> pd.DataFrame:
        values = [100 + i for i in range(n - 1)] + [odd]
        return pd.DataFrame({
            "counted": True, "is_unitemized": False, "is_current": True, "activity_type": "讲座报告",
            "participants": values, "volunteers": None, "materials": None, "boards": None,
            "file_sha256": "f", "source_sheet": "活动明细", "source_row": range(4, 4 + n), "participants_cell": None})

    flagged = outliers(frame(OUTLIER_MIN_ROWS, 50000))
    assert [issue.raw_value for _, issue in flagged] == ["50000"]
    assert outliers(frame(OUTLIER_MIN_ROWS - 1, 50000)) == []
