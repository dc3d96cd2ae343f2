"""回执/<unit>.xlsx: one per unit that sent something, leading with what the unit must still act on,
citing each problem by sheet and cell, in Chinese only, dated, ready to send back."""

from __future__ import annotations

import multiprocessing
import re
from datetime import date
from pathlib import PurePosixPath

import openpyxl
import pandas as pd
import pytest

from kepu.deliverables.city_tables import ACTIVITY_COLUMNS, UNIT
from kepu.deliverables.files import safe_filename
from kepu.schemas.vocabulary import office_now
from kepu.deliverables.receipts import Issuer, build_receipts, issuer_of, receipt_names, sent_name, write_receipts
from kepu.settings import Office
from kepu.deliverables.tables import Table
from kepu.schemas.vocabulary import Campaign
from kepu.warehouse.queries import Marts
from tests.deliverables.city import (
    FORMULA_NAMES,
    FORMULA_PARTICIPANTS,
    PLANTED_FILE,
    PublishedCity,
    published_city,
)

CAMPAIGN = Campaign("2023-science-day", "2023年全国科普日", date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))
TODAY = date(2023, 9, 30)
ENGLISH = re.compile(r"[A-Za-z]{4,}")
"""A word of English (file names aside: `.xlsx` has four letters, so check texts without paths)."""


@pytest.fixture(scope="module")
def city(tmp_path_factory, prefect_harness) -> PublishedCity:
    return published_city(tmp_path_factory)


def sheet_values(path, sheet="回执") -> list[list]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [[v for v in row] for row in ws.iter_rows(values_only=True)]


def fields(rows: list[list]) -> dict:
    return {r[0]: r[2] for r in rows[1:18] if r[0] and r[2] is not None}


def issue_rows(rows: list[list]) -> list[dict]:
    start = next((i for i, r in enumerate(rows) if r[0] == "序号"), None)
    if start is None:
        return []
    header = rows[start]
    out = []
    for r in rows[start + 1:]:
        if not isinstance(r[0], int):
            break
        out.append(dict(zip(header, r)))
    return out


def lines(rows: list[list]) -> list[str]:
    return [v for r in rows for v in r if isinstance(v, str)]


def test_every_unit_that_sent_something_gets_a_receipt(city):
    senders = city.query("""
        select distinct u.unit_name from core.submissions s
        join core.units u on u.campaign_id = s.campaign_id
            and (s.unit_code = u.unit_code or list_contains(s.claimed_unit_codes, u.unit_code))""")

    names = sorted(p.stem for p in (city.out / "回执").glob("*.xlsx"))

    assert names == sorted(safe_filename(n, "") for n in senders["unit_name"])
    assert all(p in city.outputs for p in (city.out / "回执").glob("*.xlsx"))


def test_receipt_header_says_which_file_when_what_became_of_it_and_when_written(city):
    code, name = city.planted_unit
    rows = sheet_values(city.out / "回执" / f"{name}.xlsx")
    header = fields(rows)

    assert rows[0][0] == "2023年全国科普日活动报表回执"
    assert header["报送单位"] == f"{name}（{code}）"
    assert header["报送文件"] == "公式试探.xlsx", "the name the unit gave its file, not the office's folder"
    assert header["所属区县"] == "双流区"
    assert header["出具单位"] == "江源市科学技术协会"
    assert header["联系方式"] == "电话 0833-1234567；电子邮箱 kpb@jiangyuan-kx.example.org"
    assert header["收到时间"].strftime("%Y-%m-%d %H:%M") == "2023-09-25 09:30"
    assert header["处理结果"] == "部分接收：活动明细 7 行，计入 5 行，未计入 2 行"
    assert header["报送情况"].startswith("按时报送")
    assert header["回执日期"].date() == office_now().date()  # the office's day (Asia/Shanghai), not the machine's


def test_receipt_shows_what_was_counted(city):
    code, name = city.planted_unit
    rows = sheet_values(city.out / "回执" / f"{name}.xlsx")
    totals = city.query("select * from marts.unit_totals where unit_code = ?", code).iloc[0]

    counted = fields(rows)["计入汇总"]
    assert f"活动场次 {totals['activities']} 场次" in counted
    assert f"参与人次 {totals['participants']:,} 人次" in counted
    activities = sheet_values(city.out / "回执" / f"{name}.xlsx", "计入活动")
    assert {r[1] for r in activities[2:-1]} == {*FORMULA_NAMES, "约数活动"}


def test_receipt_cites_every_issue_by_sheet_and_cell_without_codes(city):
    code, name = city.planted_unit
    issues = city.query("""select * from audit.issues where file_sha256 in (
        select file_sha256 from core.submissions where unit_code = ?)""", code)

    rows = sheet_values(city.out / "回执" / f"{name}.xlsx")
    cited = issue_rows(rows)

    assert len(cited) == len(issues)
    assert list(cited[0]) == ["序号", "严重程度", "问题类型", "问题说明", "文件", "单元格", "原始值"]
    assert {(r["单元格"], r["原始值"]) for r in cited} == {
        (f"{i.sheet}!{i.cell}", i.raw_value) for i in issues.itertuples()}
    formula = next(r for r in cited if r["原始值"] == FORMULA_PARTICIPANTS)
    assert formula["严重程度"] == "错误"
    assert formula["单元格"].startswith("活动明细!I")
    assert formula["问题说明"].endswith("该行不计入。")
    assert not set(issues["code"]) & set(lines(rows))


def test_a_csv_is_cited_by_the_sheet_excel_names_after_it_never_by_a_hash(city):
    """Excel opens 黄水镇.csv as one sheet named 黄水镇: its cells are cited as 黄水镇!J4, never by the name of
    the copy kepu stored (its sha256)."""
    csv_files = city.query("""select distinct s.unit_code, u.unit_name from core.submissions s
                              join core.units u using (campaign_id, unit_code)
                              where s.file_path like '%.csv' and s.is_current""")
    assert len(csv_files)
    issues = city.query("select file_path, sheet, cell from audit.issues where file_path like '%.csv'")
    assert len(issues)
    assert all(sheet == PurePosixPath(path).stem for path, sheet in zip(issues["file_path"], issues["sheet"]))
    for name in csv_files["unit_name"]:
        for row in issue_rows(sheet_values(city.out / "回执" / f"{safe_filename(name, '')}.xlsx")):
            assert re.fullmatch(r"[^!]{1,60}![A-Z]+[0-9]+", row["单元格"] or "表!A1"), row
    marts = city.query("select source_sheet, source_cell from marts.activities where source_file like '%.csv'")
    assert not any(len(s or "") == 64 for s in marts["source_sheet"])


def test_receipt_of_a_held_unit_explains_its_unreadable_file_in_chinese(city):
    held = city.query("select * from marts.completeness where status = 'held' and held_reason = 'rejected'")
    assert len(held), "the demo city holds a unit whose only file cannot be read"
    name = held.iloc[0]["unit_name"]

    rows = sheet_values(city.out / "回执" / f"{safe_filename(name, '')}.xlsx")

    assert fields(rows)["版本"].endswith("（未计入汇总）")
    assert fields(rows)["处理结果"].startswith("未能计入全市汇总")
    assert fields(rows)["报送情况"].startswith("待核实")
    (issue,) = issue_rows(rows)
    assert issue["严重程度"] == "错误"
    assert not ENGLISH.search(issue["原始值"] or ""), issue


def test_no_receipt_speaks_english_or_holds_a_formula(city):
    for path in (city.out / "回执").glob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"], path
        for row in issue_rows(sheet_values(path)):
            if row["文件"] == sent_name(PLANTED_FILE):
                continue  # quotes what the unit typed: <script>, HYPERLINK
            assert not ENGLISH.search(f"{row['问题类型']}{row['问题说明'].replace('.xlsx', '')}"), (path, row)


# ------------------------------------------------------------------------ tiny inline marts


def tiny_marts(submissions: list[dict], issues: list[dict]) -> Marts:
    """Just what build_receipts reads, as inline frames: two units, their files and issues."""
    units = pd.DataFrame([
        {"unit_code": code, "unit_name": name, "district_code": "D01", "district_name": "双流区科协",
         "unit_type": "town", "activities": n, "participants": 10 * n, "volunteers": 0, "materials": 0, "boards": 0,
         "media_reports": 0, "funding_wan": 0.0}
        for code, name, n in (("A", "甲街道", 2), ("B", "乙镇", 0))])
    submission_defaults = {"district_code": "D01", "district_name": "双流区科协", "reported_at": pd.NaT,
                           "activity_rows": 2, "counted_rows": 2, "rejected_rows": 0, "on_time": True,
                           "declared_code": None, "declared_name": None}
    issue_defaults = {"severity": "error", "message": "问题", "sheet": "活动明细", "cell": "I5", "raw_value": "x",
                      "unit_code": None, "unit_name": None, "row_number": 5, "code": "invalid_participants"}
    paths = {s["file_sha256"]: s["file_path"] for s in submissions}
    versions = {(s["unit_code"], s["file_sha256"]): s["version"] for s in submissions}
    current = {s["unit_code"]: s["version"] for s in submissions if s["is_current"]}

    def superseded(issue):
        owner = next((u for (u, sha) in versions if sha == issue["file_sha256"]), None)
        version = versions.get((owner, issue["file_sha256"]))
        return version is not None and owner in current and version < current[owner]

    empty = pd.DataFrame()
    return Marts(
        city=empty, districts=empty, types=empty, units=units,
        activities=pd.DataFrame(columns=["unit_code", *(c.key for c in ACTIVITY_COLUMNS)]),
        completeness=pd.DataFrame([{"unit_code": "A", "status": "late", "days_late": 2},
                                   {"unit_code": "B", "status": "held", "days_late": pd.NA}]),
        completeness_by_district=empty, chase_list=empty, year_over_year=empty,
        issues=pd.DataFrame([{**issue_defaults, "issue_no": n, "file_path": paths[i["file_sha256"]],
                              "superseded": superseded(i), **i} for n, i in enumerate(issues, start=1)]),
        submissions=pd.DataFrame([{**submission_defaults, **s} for s in submissions]),
        files=empty, runs=empty,
    )


def no_activities() -> Table:
    frame = pd.DataFrame(columns=[*(c.key for c in UNIT), *(c.key for c in ACTIVITY_COLUMNS)])
    return Table("activities", "活动清单", "", (*UNIT, *ACTIVITY_COLUMNS), frame)


RESUBMITTED = [
    {"unit_code": "A", "unit_name": "甲街道", "file_sha256": "v2", "file_path": "甲（更正）.xlsx",
     "received_at": pd.Timestamp("2023-09-30 10:00"), "status": "accepted", "version": 2, "is_current": True},
    {"unit_code": "A", "unit_name": "甲街道", "file_sha256": "v1", "file_path": "甲.xlsx",
     "received_at": pd.Timestamp("2023-09-20 10:00"), "status": "partial", "version": 1, "is_current": False},
    {"unit_code": "A", "unit_name": "甲街道", "file_sha256": "x", "file_path": "矛盾.xlsx",
     "received_at": pd.Timestamp("2023-09-21 10:00"), "status": "conflict", "version": None,
     "is_current": False, "activity_rows": 3, "counted_rows": 3, "declared_code": "A", "declared_name": "乙镇科协"},
    {"unit_code": "B", "unit_name": "乙镇", "file_sha256": "x", "file_path": "矛盾.xlsx",
     "received_at": pd.Timestamp("2023-09-21 10:00"), "status": "conflict", "version": None,
     "is_current": False, "activity_rows": 3, "counted_rows": 3, "declared_code": "A", "declared_name": "乙镇科协"},
]
RESUBMITTED_ISSUES = [
    {"file_sha256": "v1", "severity": "info", "code": "submission_superseded", "sheet": None, "cell": None,
     "raw_value": None},
    {"file_sha256": "v1", "code": "negative_value", "cell": "I9", "raw_value": "-3"},
    {"file_sha256": "x", "code": "unit_conflict", "sheet": "活动明细", "cell": "F2", "raw_value": "A"},
    {"file_sha256": "x", "code": "missing_start_date", "cell": "D6", "raw_value": None},
    {"file_sha256": "v2", "severity": "warning", "code": "outlier_value", "cell": "I7"},
    {"file_sha256": "v2", "code": "invalid_participants", "cell": "I5"},
]


def test_after_a_corrected_resubmission_the_current_version_leads_and_the_old_one_is_history():
    a, b = build_receipts(tiny_marts(RESUBMITTED, RESUBMITTED_ISSUES), CAMPAIGN, no_activities())

    assert (a.unit_name, dict(a.fields)["报送文件"]) == ("甲街道", "甲（更正）.xlsx")
    assert [(r[0], r[3], r[4]) for r in a.issues] == [
        ("error", "甲（更正）.xlsx", "活动明细!I5"), ("error", "矛盾.xlsx", "活动明细!F2"),
        ("warning", "甲（更正）.xlsx", "活动明细!I7")]
    assert "I9" not in repr(a.issues)
    assert a.issues_title == "数据问题（共 3 条：错误 2 条，警告 1 条）"
    (history,) = a.history
    assert history.startswith("第 1 版 甲.xlsx（2023年9月20日收到）已由第 2 版替代，不再计入")
    assert "错误 1 条" in history and "无需再处理" in history
    assert dict(a.fields)["处理结果"] == "已接收：活动明细 2 行，计入 2 行"
    assert dict(a.fields)["报送情况"].startswith("逾期报送（逾期 2 天）")
    assert dict(a.fields)["版本"] == "第 2 版（计入汇总的版本）；共收到与本单位有关的文件 3 个"


def test_a_conflicting_file_is_worded_for_each_unit_it_names():
    a, b = build_receipts(tiny_marts(RESUBMITTED, RESUBMITTED_ISSUES), CAMPAIGN, no_activities())

    by_code = next(r for r in a.issues if r[4] == "活动明细!F2")
    by_name = next(r for r in b.issues if r[4] == "活动明细!F2")
    assert "单位代码“A”是本单位的代码" in by_code[2] and "“乙镇”" in by_code[2]
    assert "请将填报单位改为本单位名称后重新报送" in by_code[2]
    assert "填报单位“乙镇科协”是本单位" in by_name[2] and "“甲街道”的代码" in by_name[2]
    assert "请将单位代码改为本单位的代码后重新报送" in by_name[2]
    assert all("如不是，本单位无需处理" in r[2] for r in (by_code, by_name))
    assert "D6" not in repr(b.issues), "the conflict file's own row problems are not the other unit's business"
    header = dict(b.fields)
    assert header["处理结果"] == "单位信息矛盾，暂未计入全市汇总（活动明细 3 行）"
    assert "计入 3 行" not in header["处理结果"]
    assert header["版本"] == "—（未计入汇总）"
    assert header["报送情况"].startswith("待核实；")
    assert b.counted.startswith("活动场次 0 场次，参与人次 0 人次")


def test_a_library_message_reaches_no_receipt():
    submissions = [{"unit_code": "B", "unit_name": "乙镇", "file_sha256": "bad", "file_path": "乙镇.xlsx",
                    "received_at": pd.Timestamp("2023-09-20 10:00"), "status": "rejected", "version": 1,
                    "is_current": False, "activity_rows": 0, "counted_rows": 0}]
    issues = [{"file_sha256": "bad", "code": "file_unreadable", "sheet": None, "cell": None,
               "message": "文件无法读取（格式无法识别或文件已损坏），请检查后重新报送。",
               "raw_value": "Cannot detect file format"}]

    (b,) = build_receipts(tiny_marts(submissions, issues), CAMPAIGN, no_activities())

    (issue,) = b.issues
    assert issue[5] == "无法识别文件格式"
    assert dict(b.fields)["处理结果"] == "未能计入全市汇总"


def test_unchanged_receipts_are_not_rewritten(tmp_path):
    submissions = RESUBMITTED[:2]
    note = {"file_sha256": "v2", "severity": "info", "code": "approximate_value", "cell": "I6"}
    first = write_receipts(build_receipts(tiny_marts(submissions, [note]), CAMPAIGN, no_activities()), tmp_path, TODAY)
    (path,) = first
    stamp = path.stat().st_mtime_ns
    (tmp_path / "已撤销单位.xlsx").write_bytes(b"old receipt")

    again = write_receipts(build_receipts(tiny_marts(submissions, [note]), CAMPAIGN, no_activities()), tmp_path,
                           date(2023, 10, 2))
    assert again == first and path.stat().st_mtime_ns == stamp
    assert not (tmp_path / "已撤销单位.xlsx").exists()
    assert fields(sheet_values(path))["回执日期"].date() == TODAY, "an unchanged receipt keeps the day it was made"

    changed = write_receipts(build_receipts(tiny_marts(submissions, [
        note, {"file_sha256": "v2", "code": "invalid_participants", "cell": "I5"}]), CAMPAIGN, no_activities()),
        tmp_path, date(2023, 10, 2))
    assert changed == first and path.stat().st_mtime_ns != stamp
    assert any("活动明细!I5" in row for row in sheet_values(path))
    assert fields(sheet_values(path))["回执日期"].date() == date(2023, 10, 2)


def test_many_receipts_are_written_by_a_pool_that_leaves_no_process(tmp_path):
    receipts = build_receipts(tiny_marts(RESUBMITTED, RESUBMITTED_ISSUES), CAMPAIGN, no_activities())
    many = [r.__class__(**{**r.__dict__, "unit_code": f"U{i:04d}", "unit_name": f"单位{i:04d}"})
            for i in range(220) for r in receipts[:1]]

    pooled = write_receipts(many, tmp_path / "pool", TODAY, workers=2)
    single = write_receipts(many, tmp_path / "one", TODAY, workers=1)

    assert [p.name for p in pooled] == [p.name for p in single]
    assert all(sheet_values(p) == sheet_values(q) for p, q in zip(pooled[:5], single[:5]))
    assert multiprocessing.active_children() == []


def test_receipt_names_add_the_code_when_names_clash():
    class R:
        def __init__(self, name, code):
            self.unit_name, self.unit_code = name, code

    names = receipt_names([R("东升/街道", "D01T01"), R("东升街道", "D01T02"), R("九江街道", "D01T03")])

    assert names == ["东升街道_D01T01.xlsx", "东升街道_D01T02.xlsx", "九江街道.xlsx"]


@pytest.mark.parametrize(("path", "sent"), [
    ("双流区/东升街道.xlsx", "东升街道.xlsx"),
    ("东升街道.xlsx", "东升街道.xlsx"),
    ("报送邮箱/1734/东升街道报表.xls", "东升街道报表.xls"),
    ("双流区/各镇报表.zip/东升街道/活动表.xlsx", "各镇报表.zip 中的 活动表.xlsx"),
])
def test_a_file_is_named_as_its_unit_sent_it(path, sent):
    assert sent_name(path) == sent


def test_every_file_a_receipt_names_is_named_as_the_unit_sent_it():
    submissions = [{**r, "file_path": f"双流区/{r['file_path']}"} for r in RESUBMITTED]
    issues = [{**i} for i in RESUBMITTED_ISSUES]

    a, _ = build_receipts(tiny_marts(submissions, issues), CAMPAIGN, no_activities())

    assert dict(a.fields)["报送文件"] == "甲（更正）.xlsx"
    assert dict(a.fields)["所属区县"] == "双流区"
    assert {r[3] for r in a.issues} == {"甲（更正）.xlsx", "矛盾.xlsx"}
    assert a.history[0].startswith("第 1 版 甲.xlsx（")
    assert "双流区/" not in repr((a.fields, a.issues, a.history))


def test_a_receipt_names_the_office_it_comes_from_and_how_to_reach_it(tmp_path):
    units = pd.DataFrame({"unit_code": ["C000"], "unit_name": ["江源市科协"], "unit_type": ["city"]})
    full = issuer_of(Office(name="江源市科学技术协会", phone="0833-1234567", email="kpb@example.org"), units)
    bare = issuer_of(Office(), units)

    assert full.fields == (("出具单位", "江源市科学技术协会"), ("联系方式", "电话 0833-1234567；电子邮箱 kpb@example.org"))
    assert bare.fields == (("出具单位", "江源市科协"), ("联系方式", "如有疑问，请通过报送本表的渠道与江源市科协联系"))
    assert Issuer("市科协", email="kpb@example.org").fields[1] == ("联系方式", "电子邮箱 kpb@example.org")

    receipts = build_receipts(tiny_marts(RESUBMITTED, RESUBMITTED_ISSUES), CAMPAIGN, no_activities(), full)
    (path, other) = write_receipts(receipts, tmp_path, TODAY)
    assert openpyxl.load_workbook(other).sheetnames == ["回执"], "nothing counted: no empty 计入活动 page to print"
    header = fields(sheet_values(path))
    assert header["出具单位"] == "江源市科学技术协会" and header["联系方式"].startswith("电话 0833-1234567")
    assert build_receipts(tiny_marts(RESUBMITTED, RESUBMITTED_ISSUES), CAMPAIGN, no_activities(), bare)[0].digest \
        != receipts[0].digest, "who issues it is part of what a receipt says"
