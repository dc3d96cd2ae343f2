"""The table machinery behind every output, with tiny inline frames: values, text, cell references,
formula-safe writing and safe file names."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from kepu.deliverables.exports import arrow_table, csv_field, csv_safe, write_csv
from kepu.deliverables.files import safe_filename, write_atomically
from kepu.deliverables.receipts import receipt_names
from kepu.deliverables.sheets import SheetWriter, Styles, put
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

FORMULA_LIKE = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "\t3", "\r4", "=1+1"]


def small_table(**frame) -> Table:
    columns = (Column("name", "名称"), Column("n", "人次", INT, total=True),
               Column("money", "经费（万元）", MONEY, total=True),
               Column("status", "情况", labels={"late": "逾期报送", "held": "待核实"}))
    data = {"name": ["甲", "乙"], "n": [1200, 3], "money": [0.1, 0.2], "status": ["late", "held"], **frame}
    return Table("small", "小表", "小表标题", columns, pd.DataFrame(data))


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


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_csv_safe_neutralises_formula_triggers(text):
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["科普讲座", "1+1", "a=b", " =1", "", "（=）"])
def test_csv_safe_leaves_other_text_alone(text):
    assert csv_safe(text) == text


def test_csv_fields_neutralise_text_but_keep_numbers():
    assert csv_field(Column("n", "", INT), -2) == "-2"
    assert csv_field(Column("m", "", MONEY), Decimal("-0.50")) == "-0.50"
    assert csv_field(Column("s", ""), "-2") == "'-2"
    assert csv_field(Column("l", "", LIST), ["=A1", "乙"]) == "'=A1、乙"


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_put_writes_text_as_text(text, tmp_path):
    wb = openpyxl.Workbook()
    put(wb.active["A1"], text)
    wb.save(tmp_path / "t.xlsx")

    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A1"]
    assert cell.data_type == "s"
    assert cell.value == text.replace("\r", "\n")  # XML reads a stored CR back as LF


def test_put_drops_characters_xlsx_cannot_hold_and_keeps_numbers():
    ws = openpyxl.Workbook().active
    put(ws["A1"], "科普\x07讲座\x1b")
    put(ws["A2"], -2)
    put(ws["A3"], Decimal("1.50"))

    assert ws["A1"].value == "科普讲座"
    assert (ws["A2"].value, ws["A2"].data_type) == (-2, "n")
    assert ws["A3"].data_type == "n"


def test_formula_like_text_gets_a_quote_prefix_in_a_table(tmp_path):
    wb = openpyxl.Workbook()
    writer = SheetWriter(wb.active, Styles())
    writer.table(small_table(name=["=1+2", "乙"]))
    writer.finish()
    wb.save(tmp_path / "t.xlsx")

    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert (ws["A3"].value, ws["A3"].data_type, ws["A3"].quotePrefix) == ("=1+2", "s", True)
    assert not ws["A4"].quotePrefix
    assert [c.value for c in ws[5]] == ["合计", 1203, 0.3, None]
    assert ws["B3"].number_format == "#,##0" and ws["C3"].number_format == "#,##0.00"
    assert ws["D3"].value == "逾期报送"
    assert ws.freeze_panes == "A3" and ws.print_title_rows == "$1:$2"


def test_csv_has_bom_chinese_headers_labels_and_no_totals_row(tmp_path):
    path = write_csv(small_table(name=["=1+2", "乙"]), tmp_path / "small.csv")

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines() == [
        "名称,人次,经费（万元）,情况", "'=1+2,1200,0.10,逾期报送", "乙,3,0.20,待核实"]


def test_parquet_keeps_codes_raw_text_and_types():
    table = arrow_table(small_table(name=["=1+2", "乙"]), "2023-science-day")

    assert table.column_names == ["campaign_id", "name", "n", "money", "status"]
    assert table.schema.field("money").type == pa.decimal128(18, 2)
    assert table.schema.field("n").metadata == {b"header": "人次".encode()}
    assert table.to_pylist()[0] == {"campaign_id": "2023-science-day", "name": "=1+2", "n": 1200,
                                    "money": Decimal("0.10"), "status": "late"}


def test_write_atomically_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out" / "a.xlsx"
    target.parent.mkdir()
    target.write_text("old")

    def broken(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["a.xlsx"]


@pytest.mark.parametrize(("name", "safe"), [
    ("东升街道", "东升街道"),
    ("双流区/东升街道", "双流区东升街道"),
    ('a\\b:c*d?e"f<g>h|i', "abcdefghi"),
    ("科协\x00\x1f\x7f", "科协"),
    ("  ..江源市科协.. ", "江源市科协"),
    ("CON", "D01"),
    ("///", "D01"),
    ("长" * 200, "长" * 80),
])
def test_safe_filename(name, safe):
    assert safe_filename(name, "D01") == safe


def test_receipt_names_add_the_code_when_names_clash():
    class R:
        def __init__(self, name, code):
            self.unit_name, self.unit_code = name, code

    names = receipt_names([R("东升/街道", "D01T01"), R("东升街道", "D01T02"), R("九江街道", "D01T03")])

    assert names == ["东升街道_D01T01.xlsx", "东升街道_D01T02.xlsx", "九江街道.xlsx"]
