"""Tiny inline tables for the deliverables' unit tests, and texts Excel would run as formulas."""

from __future__ import annotations

import pandas as pd

from kepu.deliverables.tables import INT, MONEY, Column, Table

FORMULA_LIKE = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "\t3", "\r4", "=1+1"]


def small_table(**frame) -> Table:
    columns = (Column("name", "名称"), Column("n", "人次", INT, total=True),
               Column("money", "经费（万元）", MONEY, total=True),
               Column("status", "情况", labels={"late": "逾期报送", "held": "待核实"}))
    data = {"name": ["甲", "乙"], "n": [1200, 3], "money": [0.1, 0.2], "status": ["late", "held"], **frame}
    return Table("small", "小表", "小表标题", columns, pd.DataFrame(data))
