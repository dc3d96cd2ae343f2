"""Versions and supplements (SPEC §3.2, issue #15), on inline raw rows through the core rules as the nightly run
builds them: a 补报 adds to its unit's version, a repeated activity counts once, a revision or a full version
replaces, a disjoint unmarked file replaces and warns; and look-alikes that must not be taken as supplements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from kepu.transforms.units import build_units
from tests.rules import Raw

DAY1, DAY2 = datetime(2023, 9, 24, 9), datetime(2023, 9, 26, 9)


def row(name: str, day: int = 18, participants: int = 100, **fields) -> dict:
    return {"activity_name": name, "start_date": date(2023, 9, day), "participants": participants, **fields}


def counted(core) -> list[tuple[str, str, int]]:
    """(unit, activity, participants) that reach the totals: counted rows of current files, no copies."""
    current = set(core.submissions.loc[core.submissions["is_current"], "file_sha256"])
    a = core.activities
    kept = a[a["file_sha256"].isin(current) & a["counted"] & a["duplicate_of"].isna()]
    return sorted(zip(kept["unit_code"], kept["activity_name"], kept["participants"]))


def issues_of(core, code: str) -> list:
    return [(sha, issue) for sha, issue in core.issues if issue.code == code]


def test_a_bu_bao_adds_its_rows_to_the_version():
    raw = Raw()
    form = raw.file(1, "T01", path="东升街道.xlsx", reported=date(2023, 9, 24), received=DAY1,
                    rows=[row("科普讲座"), row("科普展", 19)])
    extra = raw.file(2, "T01", path="东升街道（补报）.xlsx", reported=date(2023, 9, 26), received=DAY2,
                     rows=[row("应急演练", 20, 300)])
    core = raw.build()

    subs = core.submissions.set_index("file_sha256")
    assert subs.loc[form, ["role", "is_current", "version"]].tolist() == ["version", True, 1]
    assert subs.loc[extra, ["role", "supplements", "is_current", "version"]].tolist() == [
        "supplement", form, True, 2]
    assert subs.loc[extra, "supplement_evidence"] == "文件名“东升街道（补报）.xlsx”"
    assert pd.isna(subs.loc[form, "superseded_by"]) and pd.isna(subs.loc[extra, "superseded_by"])
    assert counted(core) == sorted([("T01", "应急演练", 300), ("T01", "科普展", 100), ("T01", "科普讲座", 100)])
    assert not issues_of(core, "submission_superseded") and not issues_of(core, "version_disjoint")
    changes = core.changes
    assert changes[["role", "measure", "previous_value", "current_value"]].to_dict("records") == [
        {"role": "supplement", "measure": "activities", "previous_value": Decimal(2), "current_value": Decimal(3)},
        {"role": "supplement", "measure": "participants", "previous_value": Decimal(200),
         "current_value": Decimal(500)}]
    assert set(changes["previous_sha256"]) == {form} and set(changes["file_sha256"]) == {extra}


def test_a_bu_chong_repeating_one_activity_counts_it_once_and_says_where():
    raw = Raw()
    form = raw.file(1, "T01", received=DAY1, rows=[row("科普讲座", activity_name_cell="B4"), row("科普展", 19)])
    extra = raw.file(2, "T01", received=DAY2, title="东升街道2023年全国科普日活动统计表（补充）",
                     rows=[row("2023年 “科普讲座”", participants=120), row("科技下乡", 21, 80)])
    core = raw.build()

    assert core.submissions.set_index("file_sha256").loc[extra, "role"] == "supplement"
    assert counted(core) == sorted([("T01", "科技下乡", 80), ("T01", "科普展", 100), ("T01", "科普讲座", 100)])
    repeat = core.activities.set_index("activity_id")
    copy = repeat[(repeat["file_sha256"] == extra) & repeat["duplicate_of"].notna()]
    assert len(copy) == 1 and repeat.loc[copy["duplicate_of"].iloc[0], "file_sha256"] == form
    ((sha, issue),) = issues_of(core, "supplement_repeat")
    assert (sha, issue.severity, issue.sheet, issue.cell, issue.raw_value) == (
        extra, "info", "活动明细", "B4", "2023年 “科普讲座”")
    assert "1.xlsx 活动明细!B4" in issue.message  # the counted copy's file and cell
    assert not issues_of(core, "joint_activity_duplicate")


def test_a_revision_replaces_the_version():
    raw = Raw()
    form = raw.file(1, "T01", path="东升街道.xlsx", reported=date(2023, 9, 24), received=DAY1,
                    rows=[row("科普讲座"), row("科普展", 19)])
    revised = raw.file(2, "T01", path="东升街道（修改版）.xlsx", reported=date(2023, 9, 26), received=DAY2,
                       rows=[row("科普讲座", participants=150), row("科普展", 19)])
    core = raw.build()

    subs = core.submissions.set_index("file_sha256")
    assert subs.loc[revised, ["role", "is_current"]].tolist() == ["version", True]
    assert subs.loc[form, ["is_current", "superseded_by"]].tolist() == [False, revised]
    assert counted(core) == sorted([("T01", "科普展", 100), ("T01", "科普讲座", 150)])
    assert not issues_of(core, "version_disjoint")


def test_a_full_version_after_a_bu_bao_replaces_both():
    raw = Raw()
    form = raw.file(1, "T01", reported=date(2023, 9, 22), rows=[row("科普讲座"), row("科普展", 19)])
    extra = raw.file(2, "T01", path="补报-东升街道.xlsx", reported=date(2023, 9, 24), rows=[row("应急演练", 20)])
    full = raw.file(3, "T01", reported=date(2023, 9, 26),
                    rows=[row("科普讲座"), row("科普展", 19), row("应急演练", 20), row("科技周", 22, 50)])
    later = raw.file(4, "T01", note="注：现补报我单位一项活动", reported=date(2023, 9, 27), rows=[row("观星", 23, 40)])
    core = raw.build()

    subs = core.submissions.set_index("file_sha256")
    assert subs.loc[[form, extra], "is_current"].tolist() == [False, False]
    assert subs.loc[[form, extra], "superseded_by"].tolist() == [full, full]
    assert subs.loc[[full, later], "is_current"].tolist() == [True, True]
    assert subs.loc[later, ["role", "supplements"]].tolist() == ["supplement", full]
    assert subs.loc[later, "supplement_evidence"] == "说明行（活动明细!A20）“注：现补报我单位一项活动”"
    assert counted(core) == sorted([("T01", "应急演练", 100), ("T01", "科技周", 50), ("T01", "科普展", 100),
                                    ("T01", "科普讲座", 100), ("T01", "观星", 40)])
    superseded = {sha for sha, _ in issues_of(core, "submission_superseded")}
    assert superseded == {form, extra}
    # every change of what the unit counts: +补报, the full version (from 3 rows to 4), +补报
    participants = core.changes[core.changes["measure"] == "participants"].sort_values("version")
    assert participants[["file_sha256", "role", "previous_sha256", "previous_value", "current_value"]].values.tolist() \
        == [[extra, "supplement", form, Decimal(200), Decimal(300)],
            [full, "version", form, Decimal(300), Decimal(350)],
            [later, "supplement", full, Decimal(350), Decimal(390)]]


def test_an_unmarked_disjoint_file_replaces_and_warns_naming_both():
    raw = Raw()
    raw.file(1, "T01", path="东升街道.xlsx", reported=date(2023, 9, 24), rows=[row("科普讲座"), row("科普展", 19)])
    new = raw.file(2, "T01", path="东升街道活动.xlsx", reported=date(2023, 9, 26), rows=[row("应急演练", 20)])
    core = raw.build()

    assert counted(core) == [("T01", "应急演练", 100)]
    ((sha, issue),) = issues_of(core, "version_disjoint")
    assert sha == new and issue.severity == "warning"
    assert "东升街道活动.xlsx，第2版" in issue.message and "东升街道.xlsx，第1版" in issue.message


def test_the_office_decides_an_unmarked_file_is_a_supplement():
    raw = Raw()
    form = raw.file(1, "T01", reported=date(2023, 9, 24), rows=[row("科普讲座")])
    new = raw.file(2, "T01", reported=date(2023, 9, 26), rows=[row("应急演练", 20)])
    raw.decisions.append({"kind": "supplement", "file": "2.xlsx", "file_sha256": new, "reason": "电话核实为补报"})
    core = raw.build()

    subs = core.submissions.set_index("file_sha256")
    assert subs.loc[new, ["role", "supplements", "supplement_evidence"]].tolist() == [
        "supplement", form, "市科协决定（decisions.csv 第2行）"]
    assert counted(core) == sorted([("T01", "应急演练", 100), ("T01", "科普讲座", 100)])
    assert not issues_of(core, "version_disjoint")


def test_a_bu_bao_with_nothing_before_it_is_the_units_version():
    raw = Raw()
    only = raw.file(1, "T01", path="东升街道补报.xlsx", rows=[row("科普讲座")])
    core = raw.build()
    assert core.submissions.set_index("file_sha256").loc[only, ["role", "is_current"]].tolist() == ["version", True]
    assert counted(core) == [("T01", "科普讲座", 100)]


def test_a_supplement_repeats_one_to_one_and_never_across_units():
    """The version holds 「科普讲座」 once that day; the 补报 twice: one repeat, one new. Another unit's 补报
    repeating T01's row is T02's own activity. The same name on another day is another activity."""
    raw = Raw()
    raw.file(1, "T01", rows=[row("科普讲座")])
    raw.file(2, "T01", path="东升街道补报.xlsx", received=DAY2,
             rows=[row("科普讲座"), row("科普讲座", participants=60), row("科普讲座", 19, 70)])
    raw.file(3, "T02", rows=[row("科普展")])
    raw.file(4, "T02", path="九江街道补报.xlsx", received=DAY2, rows=[row("科普讲座")])
    core = raw.build()

    assert counted(core) == sorted([("T01", "科普讲座", 60), ("T01", "科普讲座", 70), ("T01", "科普讲座", 100),
                                    ("T02", "科普展", 100), ("T02", "科普讲座", 100)])
    assert len(issues_of(core, "supplement_repeat")) == 1


def test_many_units_each_with_a_bu_bao_at_once():
    towns = [{"unit_code": f"T{n:03d}", "unit_name": f"第{n}镇", "unit_type": "town", "parent_code": "D01",
              "aliases": "", "expected": "true"} for n in range(300)]
    units = build_units([{"unit_code": "C000", "unit_name": "江源市科协", "unit_type": "city", "parent_code": "",
                          "aliases": "", "expected": "false"},
                         {"unit_code": "D01", "unit_name": "双流区科协", "unit_type": "district",
                          "parent_code": "C000", "aliases": "", "expected": "true"}, *towns])
    raw = Raw()
    for n in range(300):
        code = f"T{n:03d}"
        raw.file(2 * n, code, received=DAY1, rows=[row("科普讲座"), row("科普展", 19)])
        raw.file(2 * n + 1, code, path=f"第{n}镇（补报）.xlsx", received=DAY2,
                 rows=[row("科普讲座"), row(f"第{n}镇应急演练", 20, n)])
    core = raw.build(units=units)

    subs = core.submissions
    assert subs["is_current"].all() and (subs["role"] == "supplement").sum() == 300
    assert len(counted(core)) == 900
    assert len(issues_of(core, "supplement_repeat")) == 300
    assert not issues_of(core, "version_disjoint") and not issues_of(core, "joint_activity_duplicate")


LOOK_ALIKE_UNITS = build_units([
    {"unit_code": "C000", "unit_name": "江源市科协", "unit_type": "city", "parent_code": "", "aliases": "",
     "expected": "false"},
    {"unit_code": "D01", "unit_name": "双流区科协", "unit_type": "district", "parent_code": "C000", "aliases": "",
     "expected": "true"},
    {"unit_code": "T01", "unit_name": "补充村", "unit_type": "other", "parent_code": "D01", "aliases": "增报社区",
     "expected": "true"},
])


@pytest.mark.parametrize("second", [
    {"path": "补充村.xlsx"},                                      # the unit's own name holds 补充
    {"path": "增报社区科普日.xlsx"},                               # so does its alias
    {"title": "补充村科协2023年全国科普日活动统计表"},
    {"path": "补充营养讲座等活动.xlsx"},                           # 补充 as an ordinary word
    {"title": "2023年全国科普日活动统计表（含补充说明）"},
    {"note": "注：如有遗漏，请于9月30日前补报"},                   # an instruction printed on a form
    {"note": "说明：补充营养讲座由社区卫生院协办"},
])
def test_look_alikes_are_versions_not_supplements(second):
    raw = Raw()
    raw.file(1, "T01", path="v1.xlsx", reported=date(2023, 9, 24), rows=[row("科普讲座"), row("科普展", 19)])
    new = raw.file(2, "T01", **{"path": "v2.xlsx", **second}, reported=date(2023, 9, 26),
                   rows=[row("补充营养讲座", note="补报"), row("科普展", 19)])
    core = raw.build(units=LOOK_ALIKE_UNITS)

    subs = core.submissions.set_index("file_sha256")
    assert subs.loc[new, ["role", "is_current"]].tolist() == ["version", True]
    assert pd.isna(subs.loc[new, "supplement_evidence"])
    assert counted(core) == sorted([("T01", "科普展", 100), ("T01", "补充营养讲座", 100)])


# ------------------------------------------------------------------ through a nightly run, real workbooks


@pytest.mark.usefixtures("prefect_harness")
def test_a_bu_bao_through_a_run_counts_and_its_receipt_lists_both_files(tmp_path):
    import openpyxl

    from kepu.flows.nightly import run
    from tests.builders import activity, make_city, query

    city = make_city(tmp_path / "city")
    city.submit("双流区/东升街道.xlsx", "D01T01", [activity("科普讲座进社区", 17, 300),
                                                 activity("老科协专家义诊", 18, 150, "义诊咨询")],
                reported_on=date(2023, 9, 24), received=datetime(2023, 9, 24, 10))
    assert run(city.config).outcome == "published"
    city.submit("双流区/东升街道（补报）.xlsx", "D01T01", [activity("科普讲座进社区", 17, 300),
                                                     activity("应急救护培训", 20, 60, "培训")],
                reported_on=date(2023, 9, 26), received=datetime(2023, 9, 26, 10))
    assert run(city.config).outcome == "published"

    assert query(city.warehouse, "select activities, participants from marts.unit_totals "
                                 "where unit_code = 'D01T01'") == [(3, 510)]
    assert sorted(query(city.warehouse, "select file_path, role, is_current from core.submissions")) == [
        ("双流区/东升街道.xlsx", "version", True), ("双流区/东升街道（补报）.xlsx", "supplement", True)]
    assert query(city.warehouse, "select status from marts.completeness where unit_code = 'D01T01'") == [
        ("on_time",)]
    ((cell, message, file_path),) = query(city.warehouse, "select cell, message, file_path from audit.issues "
                                                         "where code = 'supplement_repeat'")
    assert (cell, file_path) == ("B4", "双流区/东升街道（补报）.xlsx") and "双流区/东升街道.xlsx 活动明细!B4" in message
    receipt = openpyxl.load_workbook(city.root / "out" / "2023-science-day" / "回执" / "东升街道.xlsx")["回执"]
    fields = {r[0]: r[2] for r in receipt.iter_rows(values_only=True) if r[0]}
    assert fields["报送文件"] == "东升街道.xlsx"  # the 回执 names the file as the unit sent it
    assert fields["计入汇总的文件"] == "第 1 版 东升街道.xlsx；第 2 版 东升街道（补报）.xlsx（补报）"


def test_a_warehouse_made_before_supplements_reads_its_files_as_versions():
    """core.submissions of an older warehouse gains role = 'version' on every row, so the campaigns no run
    rebuilds still show their current version in unit_totals and completeness."""
    import duckdb

    from kepu.warehouse.schema import create_tables

    con = duckdb.connect()
    try:
        create_tables(con)
        for column in ("role", "supplements", "supplement_evidence"):
            con.execute(f"alter table core.submissions drop column {column}")
        con.execute("""insert into core.submissions (campaign_id, file_sha256, file_path, received_at, status,
                       activity_rows, counted_rows, rejected_rows, is_current)
                       values ('2022', 'a', 'a.xlsx', now(), 'accepted', 1, 1, 0, true)""")
        create_tables(con)
        assert con.execute("select role, supplements from core.submissions").fetchall() == [("version", None)]
    finally:
        con.close()
