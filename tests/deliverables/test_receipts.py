"""回执/<unit>.xlsx from a published demo city: one per unit that sent something, citing each problem
by sheet and cell, ready to send back."""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest

from kepu.deliverables.city_tables import ACTIVITY_COLUMNS
from kepu.deliverables.files import safe_filename
from kepu.deliverables.receipts import build_receipts, header_fields, receipt_names
from kepu.schemas.vocabulary import Campaign
from kepu.warehouse.queries import Marts
from tests.deliverables.city import FORMULA_NAMES, FORMULA_PARTICIPANTS, PublishedCity, published_city

CAMPAIGN = Campaign("2023-science-day", "2023年全国科普日", date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))


@pytest.fixture(scope="module")
def city(tmp_path_factory, prefect_harness) -> PublishedCity:
    return published_city(tmp_path_factory)


def sheet_values(path, sheet="回执") -> list[list]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [[v for v in row] for row in ws.iter_rows(values_only=True)]


def fields(rows: list[list]) -> dict:
    return {r[0]: r[1] for r in rows[1:10] if r[0] and r[1] is not None}


def issue_rows(rows: list[list]) -> list[dict]:
    start = next(i for i, r in enumerate(rows) if r[0] == "序号")
    header = rows[start]
    out = []
    for r in rows[start + 1:]:
        if r[0] is None:
            break
        out.append(dict(zip(header, r)))
    return out


def test_every_unit_that_sent_something_gets_a_receipt(city):
    senders = city.query("""
        select distinct u.unit_name from core.submissions s
        join core.units u on u.campaign_id = s.campaign_id
            and (s.unit_code = u.unit_code or list_contains(s.claimed_unit_codes, u.unit_code))""")

    names = sorted(p.stem for p in (city.out / "回执").glob("*.xlsx"))

    assert names == sorted(safe_filename(n, "") for n in senders["unit_name"])
    assert all(p in city.outputs for p in (city.out / "回执").glob("*.xlsx"))


def test_receipt_header_says_which_file_when_and_what_became_of_it(city):
    code, name = city.planted_unit
    rows = sheet_values(city.out / "回执" / f"{name}.xlsx")
    header = fields(rows)

    assert rows[0][0] == "2023年全国科普日活动报表回执"
    assert header["报送单位"] == f"{name}（{code}）"
    assert header["报送文件"] == "双流区/公式试探.xlsx"
    assert header["收到时间"].strftime("%Y-%m-%d %H:%M") == "2023-09-25 09:30"
    assert header["处理结果"].startswith("部分接收：活动明细 7 行，计入 5 行，未计入 2 行")
    assert header["报送情况"].startswith("按时报送")


def test_receipt_shows_what_was_counted(city):
    code, name = city.planted_unit
    rows = sheet_values(city.out / "回执" / f"{name}.xlsx")
    totals = city.query("select * from marts.unit_totals where unit_code = ?", code).iloc[0]

    start = next(i for i, r in enumerate(rows) if r[0] == "活动场次")
    shown = dict(zip(rows[start], rows[start + 1]))
    assert shown["活动场次"] == totals["activities"]
    assert shown["参与人次"] == totals["participants"]
    counted = sheet_values(city.out / "回执" / f"{name}.xlsx", "计入活动")
    assert {r[0] for r in counted[2:-1]} == {*FORMULA_NAMES, "约数活动"}


def test_receipt_cites_every_issue_by_sheet_and_cell(city):
    code, name = city.planted_unit
    issues = city.query("""select * from audit.issues where file_sha256 in (
        select file_sha256 from core.submissions where unit_code = ?)""", code)

    cited = issue_rows(sheet_values(city.out / "回执" / f"{name}.xlsx"))

    assert len(cited) == len(issues)
    assert {(r["工作表"], r["单元格"], r["原始值"]) for r in cited} == {
        (i.sheet, f"{i.sheet}!{i.cell}", i.raw_value) for i in issues.itertuples()}
    formula = next(r for r in cited if r["原始值"] == FORMULA_PARTICIPANTS)
    assert formula["严重程度"] == "错误"
    assert formula["单元格"].startswith("活动明细!I")
    assert formula["问题说明"].endswith("该行不计入。")


def test_receipt_of_a_held_unit_explains_its_unreadable_file(city):
    held = city.query("select * from marts.completeness where status = 'held'")
    assert len(held), "the demo city holds a unit whose only file cannot be read"
    name = held.iloc[0]["unit_name"]

    rows = sheet_values(city.out / "回执" / f"{safe_filename(name, '')}.xlsx")

    assert fields(rows)["版本"].endswith("（未计入汇总）")
    assert fields(rows)["报送情况"].startswith("待核实")
    assert [r["严重程度"] for r in issue_rows(rows)] == ["错误"]


def test_receipts_hold_no_formulas(city):
    for path in (city.out / "回执").glob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"], path


def tiny_marts(submissions: list[dict], issues: list[dict]) -> Marts:
    """Just what build_receipts reads, as inline frames: two units, their files and issues."""
    units = pd.DataFrame([
        {"unit_code": code, "unit_name": name, "district_name": "双流区科协", "activities": n, "participants": 10 * n,
         "volunteers": 0, "materials": 0, "boards": 0, "media_reports": 0, "funding_wan": 0.0}
        for code, name, n in (("A", "甲街道", 2), ("B", "乙镇", 0))])
    submission_defaults = {"district_code": "D01", "district_name": "双流区科协", "reported_at": pd.NaT,
                           "activity_rows": 2, "counted_rows": 2, "rejected_rows": 0, "on_time": True}
    issue_defaults = {"severity": "error", "message": "问题", "sheet": "活动明细", "cell": "I5", "raw_value": "x",
                      "unit_code": None, "unit_name": None, "row_number": 5}
    paths = {s["file_sha256"]: s["file_path"] for s in submissions}
    empty = pd.DataFrame()
    return Marts(
        city=empty, districts=empty, types=empty, units=units,
        activities=pd.DataFrame(columns=["unit_code", *(c.key for c in ACTIVITY_COLUMNS)]),
        completeness=pd.DataFrame([{"unit_code": "A", "status": "late", "days_late": 2},
                                   {"unit_code": "B", "status": "held", "days_late": pd.NA}]),
        completeness_by_district=empty,
        chase_list=empty, year_over_year=empty,
        issues=pd.DataFrame([{**issue_defaults, "issue_no": n, "file_path": paths[i["file_sha256"]], **i}
                             for n, i in enumerate(issues, start=1)]),
        submissions=pd.DataFrame([{**submission_defaults, **s} for s in submissions]),
        runs=empty,
    )


def test_a_conflicting_file_goes_back_to_both_units_and_the_current_version_leads():
    marts = tiny_marts(
        submissions=[
            {"unit_code": "A", "unit_name": "甲街道", "file_sha256": "v2", "file_path": "甲（更正）.xlsx",
             "received_at": pd.Timestamp("2023-09-30 10:00"), "status": "accepted", "version": 2, "is_current": True},
            {"unit_code": "A", "unit_name": "甲街道", "file_sha256": "v1", "file_path": "甲.xlsx",
             "received_at": pd.Timestamp("2023-09-20 10:00"), "status": "accepted", "version": 1, "is_current": False},
            {"unit_code": "A", "unit_name": "甲街道", "file_sha256": "x", "file_path": "矛盾.xlsx",
             "received_at": pd.Timestamp("2023-09-21 10:00"), "status": "conflict", "version": None,
             "is_current": False, "activity_rows": 1, "counted_rows": 0},
            {"unit_code": "B", "unit_name": "乙镇", "file_sha256": "x", "file_path": "矛盾.xlsx",
             "received_at": pd.Timestamp("2023-09-21 10:00"), "status": "conflict", "version": None,
             "is_current": False, "activity_rows": 1, "counted_rows": 0},
        ],
        issues=[
            {"file_sha256": "v1", "severity": "info", "code": "submission_superseded", "sheet": None, "cell": None},
            {"file_sha256": "x", "code": "unit_conflict", "sheet": "活动明细", "cell": "F2", "raw_value": "B"},
            {"file_sha256": "v2", "severity": "warning", "code": "outlier_value", "cell": "I7"},
            {"file_sha256": "v2", "code": "invalid_participants", "cell": "I5"},
        ])

    a, b = build_receipts(marts, CAMPAIGN)

    assert (a.unit_name, a.submission["file_sha256"], a.files_received) == ("甲街道", "v2", 3)
    assert [(r[1], r[4], r[6]) for r in a.issues.rows] == [
        ("error", "甲（更正）.xlsx", "活动明细!I5"), ("error", "矛盾.xlsx", "活动明细!F2"),
        ("warning", "甲（更正）.xlsx", "活动明细!I7"), ("info", "甲.xlsx", None)]
    assert [r[0] for r in a.issues.rows] == [1, 2, 3, 4]
    assert a.totals.rows[0][:2] == (2, 20)
    assert (b.unit_name, b.submission["status"], [r[6] for r in b.issues.rows]) == ("乙镇", "conflict", ["活动明细!F2"])
    header = dict(header_fields(b, CAMPAIGN))
    assert header["处理结果"] == "单位信息矛盾：活动明细 1 行，计入 0 行，未计入 1 行"
    assert header["版本"] == "—（未计入汇总）"
    assert header["报送情况"].startswith("待核实；")
    assert dict(header_fields(a, CAMPAIGN))["报送情况"].startswith("逾期报送（逾期 2 天）")


def test_unchanged_receipts_are_not_rewritten(tmp_path):
    from kepu.deliverables.receipts import write_receipts

    submissions = [{"unit_code": "A", "unit_name": "甲街道", "file_sha256": "v1", "file_path": "甲.xlsx",
                    "received_at": pd.Timestamp("2023-09-20 10:00"), "status": "accepted", "version": 1,
                    "is_current": True}]
    note = {"file_sha256": "v1", "severity": "info", "code": "approximate_value", "cell": "I6"}
    first = write_receipts(build_receipts(tiny_marts(submissions, [note]), CAMPAIGN), CAMPAIGN, tmp_path)
    (path,) = first
    stamp = path.stat().st_mtime_ns
    (tmp_path / "已撤销单位.xlsx").write_bytes(b"old receipt")

    again = write_receipts(build_receipts(tiny_marts(submissions, [note]), CAMPAIGN), CAMPAIGN, tmp_path)
    assert again == first and path.stat().st_mtime_ns == stamp
    assert not (tmp_path / "已撤销单位.xlsx").exists()

    changed = write_receipts(build_receipts(tiny_marts(submissions, [
        note, {"file_sha256": "v1", "code": "invalid_participants", "cell": "I5"}]), CAMPAIGN), CAMPAIGN, tmp_path)
    assert changed == first and path.stat().st_mtime_ns != stamp
    assert any("活动明细!I5" in row for row in sheet_values(path))


def test_receipt_names_add_the_code_when_names_clash():
    class R:
        def __init__(self, name, code):
            self.unit_name, self.unit_code = name, code

    names = receipt_names([R("东升/街道", "D01T01"), R("东升街道", "D01T02"), R("九江街道", "D01T03")])

    assert names == ["东升街道_D01T01.xlsx", "东升街道_D01T02.xlsx", "九江街道.xlsx"]
