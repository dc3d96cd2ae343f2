"""Shaping the marts for people, with tiny inline frames: districts by their place's name, why a held unit is held,
and 单位明细's 报送情况 — a unit that has not reported shows blanks, not a row of zeros."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from kepu.deliverables.city_tables import (
    MEASURE_COLUMNS,
    UNIT_COUNTS,
    city_summary_rows,
    held_reasons,
    label_city_units,
    with_reporting,
)
from kepu.deliverables.tables import Table
from kepu.schemas.vocabulary import MEASURES


def test_districts_are_named_by_their_place_and_city_units_by_the_label():
    frame = pd.DataFrame({"district_code": ["C000", "D01", "D02", None],
                          "district_name": ["江源市科协", "双流区科协", "清溪县科学技术协会", None]})

    shown = label_city_units(frame, {"C000"}, "市直单位")

    assert shown["district_name"].fillna("—").tolist() == ["双流区", "清溪县", "—", "市直单位"]
    assert shown["district_code"].fillna("—").tolist() == ["D01", "D02", "—", "C000"], "codes are kept"


SUBMISSIONS = pd.DataFrame([
    {"unit_code": "PDF", "file_sha256": "p", "status": "rejected", "received_at": pd.Timestamp("2023-09-20")},
    {"unit_code": "LOCK", "file_sha256": "l", "status": "rejected", "received_at": pd.Timestamp("2023-09-21")},
    {"unit_code": "TWO", "file_sha256": "x", "status": "conflict", "received_at": pd.Timestamp("2023-09-22")},
    {"unit_code": "ONE", "file_sha256": "x", "status": "conflict", "received_at": pd.Timestamp("2023-09-22")},
    {"unit_code": "BARE", "file_sha256": "b", "status": "rejected", "received_at": pd.Timestamp("2023-09-23")},
    {"unit_code": "OK", "file_sha256": "o", "status": "accepted", "received_at": pd.Timestamp("2023-09-23")},
])
ISSUES = pd.DataFrame([
    {"file_sha256": "p", "severity": "error", "code": "file_not_spreadsheet", "raw_value": "PDF 文档",
     "row_number": None, "message": "该文件实为PDF 文档，不是电子表格，请提交 xlsx、xls、ods、et 或 csv 格式的报表。"},
    {"file_sha256": "l", "severity": "error", "code": "file_encrypted", "raw_value": "设有打开密码",
     "row_number": None, "message": "文件设有打开密码（设有打开密码），无法读取，请去除密码后重新报送。"},
    {"file_sha256": "x", "severity": "error", "code": "unit_conflict", "raw_value": "ONE", "row_number": None,
     "message": "单位代码“ONE”对应“一镇”，填报单位“二镇”对应“二镇”，二者不一致，数据暂不计入。"},
    {"file_sha256": "x", "severity": "error", "code": "missing_start_date", "raw_value": None, "row_number": 6,
     "message": "第6行缺少开始日期，该行不计入。"},
    {"file_sha256": "o", "severity": "error", "code": "missing_start_date", "raw_value": None, "row_number": 7,
     "message": "第7行缺少开始日期，该行不计入。"},
])


def test_a_held_unit_is_held_for_what_was_found_in_its_file():
    reasons = held_reasons(SUBMISSIONS, ISSUES)

    assert set(reasons) == {"PDF", "LOCK", "TWO", "ONE", "BARE"}, "a counted file holds nobody"
    assert reasons["PDF"].short == "不是表格文件：PDF 文档"
    assert "PDF 文档，不是电子表格" in reasons["PDF"].message
    assert reasons["LOCK"].short == "文件加密" and "去除密码" in reasons["LOCK"].message
    assert reasons["ONE"].short == reasons["TWO"].short == "单位信息矛盾"
    assert "第6行" not in reasons["ONE"].message, "the file-level error is the reason, not a row's"
    assert reasons["BARE"].short == "文件无法读取或没有有效记录", "no error on record: the file's status"


UNITS = pd.DataFrame([
    {"unit_code": code, "submission_status": status, "activities": n, "participants": 10 * n, "volunteers": 0,
     "materials": 0, "boards": 0, "media_reports": 0, "funding_wan": Decimal("0.00")}
    for code, status, n in (("ON", "accepted", 2), ("NIL", "accepted", 0), ("MISS", None, 0), ("PDF", "rejected", 0),
                            ("FWD", None, 3), ("GONE", None, 0), ("EXTRA", "accepted", 1), ("SPARE", None, 0))])
COMPLETENESS = pd.DataFrame({"unit_code": ["ON", "NIL", "MISS", "PDF", "FWD", "GONE"],
                             "status": ["on_time", "late", "missing", "held", "missing", "source_unavailable"]})


def test_unit_rows_say_whether_the_unit_reported_and_leave_the_figures_of_one_that_did_not_blank():
    rows = with_reporting(UNITS, COMPLETENESS, held_reasons(SUBMISSIONS, ISSUES)).set_index("unit_code")

    assert rows["reporting"].to_dict() == {
        "ON": "已报送", "NIL": "已报送", "MISS": "未报送", "PDF": "待核实（不是表格文件：PDF 文档）", "FWD": "未报送",
        "GONE": "待核实（报送渠道暂时无法访问）", "EXTRA": "已报送", "SPARE": "非应报单位"}
    assert rows.loc["NIL", "participants"] == 0, "reported nothing: zeros"
    assert all(rows.loc[code, m.key] is None for code in ("MISS", "PDF", "GONE", "SPARE") for m in MEASURES)
    assert rows.loc["FWD", "activities"] == 3, "a counted figure is never blanked (a forwarder's rows for it)"
    table = Table("unit_totals", "单位明细", "", (*MEASURE_COLUMNS,), rows.reset_index())
    assert table.totals["activities"] == 6 and table.totals["funding_wan"] == Decimal("0.00")


def test_the_city_sheet_states_expected_reported_and_the_rate_first():
    frame = pd.DataFrame([{"units_expected": 78, "units_reported": 68, "units_on_time": 60, "units_late": 8,
                           "reporting_rate": 68 / 78, **{m.key: 1 for m in MEASURES}}])

    rows = city_summary_rows(Table("city_totals", "全市汇总", "", (*UNIT_COUNTS, *MEASURE_COLUMNS), frame))

    assert [r[:3] for r in rows[:3]] == [("应报单位数", "个", 78), ("已报单位数", "个", 68), ("报送率", "%", 87.2)]
    assert [r[0] for r in rows[3:]] == [m.indicator for m in MEASURES]
