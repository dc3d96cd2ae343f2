"""csv/*.csv and parquet/*.parquet: formula-safe CSV fields on tiny tables, and from a published demo city
one pair per mart, the activity list and the issues; CSVs open in Excel (BOM, no live formulas), Parquet
keeps types and raw text."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kepu.deliverables.exports import arrow_table, csv_field, csv_safe, write_csv
from kepu.deliverables.tables import INT, LIST, MONEY, Column
from tests.deliverables.city import FORMULA_NAMES, FORMULA_PARTICIPANTS, PublishedCity, published_city
from tests.deliverables.inline import FORMULA_LIKE, small_table

SOURCES = {
    "city_totals": "marts.city_totals",
    "district_totals": "marts.district_totals",
    "type_totals": "marts.type_totals",
    "unit_totals": "marts.unit_totals",
    "activities": "marts.activities",
    "completeness": "marts.completeness",
    "chase_list": "marts.chase_list",
    "year_over_year": "marts.year_over_year",
    "issues": "audit.issues",
}


@pytest.fixture(scope="module")
def city(tmp_path_factory, prefect_harness) -> PublishedCity:
    return published_city(tmp_path_factory)


def read_csv(city: PublishedCity, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((city.out / "csv" / f"{name}.csv").read_text(encoding="utf-8-sig"))))


def test_one_csv_and_one_parquet_per_table(city):
    assert sorted(p.stem for p in (city.out / "csv").glob("*.csv")) == sorted(SOURCES)
    assert sorted(p.stem for p in (city.out / "parquet").glob("*.parquet")) == sorted(SOURCES)


@pytest.mark.parametrize("name", SOURCES)
def test_csv_starts_with_a_bom_and_has_a_row_per_mart_row(city, name):
    raw = (city.out / "csv" / f"{name}.csv").read_bytes()
    count = len(city.query(f"select * from {SOURCES[name]}"))

    assert raw.startswith(b"\xef\xbb\xbf")
    assert len(read_csv(city, name)) == count


@pytest.mark.parametrize("name", SOURCES)
def test_parquet_has_a_row_per_mart_row(city, name):
    table = pq.read_table(city.out / "parquet" / f"{name}.parquet")

    assert table.num_rows == len(city.query(f"select * from {SOURCES[name]}"))
    assert set(table.column("campaign_id").to_pylist()) <= {"2023-science-day"}


def test_csv_neutralises_submitted_formulas(city):
    activities = {r["活动名称"]: r for r in read_csv(city, "activities") if r["来源文件"] == "双流区/公式试探.xlsx"}
    issues = [r for r in read_csv(city, "issues") if r["文件"] == "双流区/公式试探.xlsx"]

    assert {"'" + name for name in FORMULA_NAMES} <= set(activities)
    assert not any(name in activities for name in FORMULA_NAMES)
    assert activities["'" + FORMULA_NAMES[0]]["备注"] == "'-3 备注"
    assert "'" + FORMULA_PARTICIPANTS in {r["原始值"] for r in issues}


def test_csv_numbers_stay_plain_numbers(city):
    totals = city.query("select * from marts.city_totals").iloc[0]
    (row,) = read_csv(city, "city_totals")

    assert row["参与人次"] == str(totals["participants"])
    assert row["经费（万元）"] == f"{Decimal(str(totals['funding_wan'])):.2f}"
    assert all(not v.startswith("'") for r in read_csv(city, "activities") for k, v in r.items()
               if k in ("参与人次", "活动场次", "经费（万元）", "开始日期", "行号"))


def test_csv_labels_codes_in_chinese(city):
    statuses = {r["报送情况"] for r in read_csv(city, "completeness")}

    assert statuses <= {"按时报送", "逾期报送", "待核实", "未报送"}
    assert {r["严重程度"] for r in read_csv(city, "issues")} <= {"错误", "警告", "提示"}


def test_parquet_keeps_raw_text_codes_and_exact_sums(city):
    activities = pq.read_table(city.out / "parquet" / "activities.parquet").to_pylist()
    totals = city.query("select * from marts.city_totals").iloc[0]
    completeness = pq.read_table(city.out / "parquet" / "completeness.parquet")

    assert set(FORMULA_NAMES) <= {a["activity_name"] for a in activities}
    assert sum(a["participants"] or 0 for a in activities) == totals["participants"]
    assert sum(a["funding_wan"] or Decimal(0) for a in activities) == Decimal(str(totals["funding_wan"]))
    assert set(completeness.column("status").to_pylist()) <= {"on_time", "late", "held", "missing"}


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


def test_ratios_are_numbers_in_csv_and_parquet(city):
    totals = city.query("select * from marts.city_totals").iloc[0]
    rate = totals["units_reported"] / totals["units_expected"]
    (row,) = read_csv(city, "city_totals")
    parquet = pq.read_table(city.out / "parquet" / "city_totals.parquet")

    assert "报送率" not in row and float(row["报送率（%）"]) == pytest.approx(100 * rate, abs=0.005)
    assert parquet.schema.field("reporting_rate").type == pa.float64()
    assert parquet.column("reporting_rate").to_pylist()[0] == pytest.approx(rate)
    for record in read_csv(city, "district_totals"):
        float(record["报送率（%）"])


def test_city_level_units_are_labelled_in_the_exports_under_the_citys_code(city):
    rows = read_csv(city, "district_totals")
    parquet = pq.read_table(city.out / "parquet" / "district_totals.parquet").to_pylist()

    assert rows[-1]["区县"] == "市直单位" and rows[-1]["区县代码"] == "C000"
    assert parquet[-1]["district_name"] == "市直单位" and parquet[-1]["district_code"] == "C000"


def test_unchanged_exports_are_not_rewritten(city, tmp_path):
    from kepu.deliverables.exports import write_exports
    from kepu.deliverables.city_tables import city_tables
    from kepu.warehouse.queries import read_marts

    tables = city_tables(read_marts(city.settings.warehouse, "2023-science-day"), city.settings.campaign, "市直单位")
    paths = write_exports(tables.exports, "2023-science-day", tmp_path)
    before = [p.stat().st_mtime_ns for p in paths]

    again = write_exports(tables.exports, "2023-science-day", tmp_path)

    assert again == paths and [p.stat().st_mtime_ns for p in again] == before
