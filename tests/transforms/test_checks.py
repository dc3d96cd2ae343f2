"""The check made while reading a table: a 合计 row against the exact amounts above it. (The checks over the
whole campaign run as SQL: tests/warehouse/test_checks.py.)"""

from __future__ import annotations

from decimal import Decimal

from kepu.transforms.checks import StatedTotal, total_row_mismatches


def test_a_total_row_is_compared_with_the_exact_amounts_above_it():
    """3850元 twice is 0.39 + 0.39 万元 once rounded, but its 合计 of 7700元 is right."""
    stated = {"funding_wan": StatedTotal(Decimal("0.77"), "N9", "7700"),
              "participants": StatedTotal(Decimal(300), "I9", "300")}
    rows = [{"funding_wan": Decimal("0.385"), "participants": Decimal(100)},
            {"funding_wan": Decimal("0.385"), "participants": Decimal(150)}]

    (issue,) = total_row_mismatches("活动明细", 9, stated, rows)

    assert (issue.code, issue.cell, issue.raw_value) == ("total_row_mismatch", "I9", "300")
    assert "250" in issue.message
