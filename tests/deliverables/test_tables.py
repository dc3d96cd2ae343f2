"""The table declaration behind every output, with tiny inline frames: values, text, totals, cell
references and orderings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from kepu.deliverables.tables import (
    DATE,
    DATETIME,
    FLAG,
    INT,
    LIST,
    MONEY,
    ORDINAL,
    PERCENT,
    TEXT,
    Column,
    Table,
    cell_ref,
    normalise,
    ordered,
)
from tests.deliverables.inline import small_table


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (pd.NA, INT, None), (float("nan"), MONEY, None), (pd.NaT, DATETIME, None), (None, TEXT, None),
    (np.int64(7), INT, 7), (3.0, ORDINAL, 3),
    (318.46, MONEY, Decimal("318.46")), (0.1 + 0.2, MONEY, Decimal("0.30")),
    (pd.Timestamp("2023-09-18"), DATE, date(2023, 9, 18)),
    (pd.Timestamp("2023-09-25 13:14:00.5"), DATETIME, datetime(2023, 9, 25, 13, 14)),
    (np.bool_(True), FLAG, True),
    (np.array(["区卫健局", "区教育局"], dtype=object), LIST, ["区卫健局", "区教育局"]),
    (None, LIST, None), (float("nan"), LIST, None),
    (12, TEXT, "12"),
])
def test_normalise(value, kind, expected):
    result = normalise(value, kind)

    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(("column", "value", "plain", "grouped"), [
    (Column("n", "", INT), 1234567, "1234567", "1,234,567"),
    (Column("m", "", MONEY), Decimal("1234.5"), "1234.50", "1,234.50"),
    (Column("r", "", PERCENT), 0.8846, "88.5%", "88.5%"),
    (Column("d", "", DATE), date(2023, 9, 1), "2023-09-01", "2023-09-01"),
    (Column("t", "", DATETIME), datetime(2023, 9, 1, 8, 5), "2023-09-01 08:05", "2023-09-01 08:05"),
    (Column("f", "", FLAG), False, "否", "否"),
    (Column("l", "", LIST), ["甲", "乙"], "甲、乙", "甲、乙"),
    (Column("o", "", ORDINAL), 1234, "1234", "1234"),
    (Column("s", "", labels={"rejected": "未计入", "conflict": "矛盾"}), "rejected、conflict",
     "未计入、矛盾", "未计入、矛盾"),
    (Column("s", ""), None, "", ""),
])
def test_column_text(column, value, plain, grouped):
    assert column.text(value) == plain
    assert column.text(value, grouped=True) == grouped


def test_totals_are_exact():
    table = small_table()

    assert table.totals == {"n": 1203, "money": Decimal("0.30")}
    assert small_table(name=[], n=[], money=[], status=[]).totals is None


def test_a_rate_is_totalled_as_the_quotient_of_its_totals_not_a_sum_of_rates():
    columns = (Column("district", "区县"), Column("expected", "应报", INT, total=True),
               Column("reported", "已报", INT, total=True),
               Column("rate", "报送率", PERCENT, ratio=("reported", "expected")))
    frame = pd.DataFrame({"district": ["甲", "乙"], "expected": [4, 16], "reported": [1, 16], "rate": [0.25, 1.0]})

    assert Table("t", "表", "表", columns, frame).totals == {"expected": 20, "reported": 17, "rate": 0.85}
    nobody = pd.DataFrame({"district": ["甲"], "expected": [0], "reported": [0], "rate": [None]})
    assert Table("t", "表", "表", columns, nobody).totals["rate"] is None


def test_a_column_missing_from_the_frame_is_an_error():
    table = Table("t", "t", "t", (Column("status", "情况"),), pd.DataFrame({"x": [1]}))

    with pytest.raises(KeyError, match="status"):
        _ = table.rows


@pytest.mark.parametrize(("sheet", "cell", "ref"), [
    ("活动明细", "I12", "活动明细!I12"),
    ("Sheet1", "B3", "Sheet1!B3"),
    ("Sheet 1", "B3", "'Sheet 1'!B3"),
    ("2023", "A1", "'2023'!A1"),
    ("科普日(终)", "C4", "'科普日(终)'!C4"),
    ("Tom's", "A1", "'Tom''s'!A1"),
    (None, "A1", "A1"),
    ("汇总表", None, None),
    (float("nan"), None, None),
])
def test_cell_ref_is_written_as_excel_writes_it(sheet, cell, ref):
    assert cell_ref(sheet, cell) == ref


def test_ordered_keeps_unlisted_values_last_in_their_order():
    frame = pd.DataFrame({"k": ["x", "b", "y", "a"]})

    assert ordered(frame, "k", ["a", "b"])["k"].tolist() == ["a", "b", "x", "y"]


