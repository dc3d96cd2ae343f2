"""合计 rows are checked against the rows above them, in the column's own unit, before rounding to 万元."""

from __future__ import annotations

import pytest

from kepu.transforms.detail import locate_table, read_rows
from kepu.transforms.grid import Book, Sheet


def total_issues(money_header: str, amounts: list, total) -> list[str]:
    rows = [("序号", "活动名称", "开始日期", "参与人数", money_header)]
    rows += [(i + 1, f"活动{i + 1}", "2023年9月18日", 100, a) for i, a in enumerate(amounts)]
    rows.append(("合计", None, None, 100 * len(amounts), total))
    header = locate_table(Book((Sheet("活动明细", tuple(rows)),)))
    return [i.cell for i in read_rows(header, 2023).issues if i.code == "total_row_mismatch"]


@pytest.mark.parametrize("header, amounts, total, flagged", [
    ("经费（元）", [3850, 3850], 7700, []),            # 0.39 + 0.39 ≠ 0.77 only through rounding
    ("经费（元）", [3850, 3850], 7800, ["E4"]),        # 0.78 = 0.39 + 0.39, yet 100元 short
    ("经费（万元）", [0.125, 0.125], 0.25, []),
    ("经费（万元）", [1.5, 2.5], 4.5, ["E4"]),
])
def test_money_totals_compare_unrounded_amounts(header, amounts, total, flagged):
    assert total_issues(header, amounts, total) == flagged
