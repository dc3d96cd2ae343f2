"""Forwarded tables (SPEC §3.10, issue #10): a district's table with a column naming each row's unit credits each
row to the unit it names; rows forwarded for a unit add to its own current version, never remove it
(§3.2). On inline raw rows through the core rules as the nightly run builds them, and through a nightly run with
real workbooks and a 回执. Rows naming the forwarder, blanks, unknown names and look-alikes stay with the forwarder."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from kepu.transforms.units import build_units
from tests.rules import Raw

EARLY, DISTRICT_DAY, LATE = datetime(2023, 9, 22, 9), datetime(2023, 9, 25, 9), datetime(2023, 9, 29, 9)


def _unit(code, name, kind, parent, aliases="", expected="true"):
    return {"unit_code": code, "unit_name": name, "unit_type": kind, "parent_code": parent, "aliases": aliases,
            "expected": expected}


UNIT_RECORDS = [
    _unit("C000", "江源市科协", "city", "", expected="false"),
    _unit("D01", "双流区科协", "district", "C000", "双流区"),
    _unit("T01", "东升街道", "street", "D01", "东升街道办事处"),
    _unit("T02", "九江街道", "street", "D01"),
    _unit("T03", "彭镇", "town", "D01"),
    _unit("D02", "温江区科协", "district", "C000", "温江区"),
    _unit("W01", "东升", "town", "D02"),  # a look-alike of 东升街道, in another district
    _unit("W02", "万春镇", "town", "D02"),
]
UNITS = build_units(UNIT_RECORDS)


def row(name: str, unit: str | None, cell_row: int, day: int = 18, participants: int = 100) -> dict:
    return {"activity_name": name, "start_date": date(2023, 9, day), "participants": participants,
            "source_row": cell_row, "activity_name_cell": f"C{cell_row}",
            "reporting_unit": unit, "reporting_unit_cell": f"B{cell_row}" if unit is not None else None}


def district_table(raw: Raw, n: int = 1, *, reported=date(2023, 9, 25), received=DISTRICT_DAY, extra=(),
                   source=None) -> str:
    """双流区's table forwarding 东升街道 (2 rows), 九江街道 and 彭镇, with two rows of its own (its name and
    its alias) and a blank."""
    rows = [row("东升科普讲座", "东升街道", 4, participants=120), row("东升科普展", "东升街道办事处", 5, 19, 80),
            row("九江科技下乡", "九江街道", 6, 20, 300), row("彭镇义诊", "彭镇", 7, 21, 60),
            row("双流启动仪式", "双流区科协", 8, 17, 500), row("双流科普大篷车", "双流区", 9, 17, 200),
            row("双流科普游园", None, 10, 22, 40), *extra]
    return raw.file(n, None, name="双流区科协", path="双流区/双流区汇总.xlsx", reported=reported, received=received,
                    rows=[{**r, "source_row": r["source_row"]} for r in rows], source=source)


def counted(core) -> list[tuple[str, str, int]]:
    """(unit, activity, participants) reaching the totals: counted rows of their unit's current part."""
    s = core.submissions[core.submissions["is_current"]]
    current = set(zip(s["file_sha256"], s["unit_code"]))
    a = core.activities
    in_current = pd.Series([(f, u) in current for f, u in zip(a["file_sha256"], a["unit_code"])], index=a.index,
                           dtype=bool)
    kept = a[in_current & a["counted"] & a["duplicate_of"].isna()]
    return sorted(zip(kept["unit_code"], kept["activity_name"], kept["participants"]))


def part(core, sha: str, unit: str) -> dict:
    s = core.submissions
    (record,) = s[(s["file_sha256"] == sha) & (s["unit_code"] == unit)].to_dict("records")
    return record


def issues_of(core, code: str) -> list[dict]:
    i = core.audit_issues
    return i[i["code"] == code].sort_values("issue_no").to_dict("records")


def status(core) -> dict[str, str]:
    return dict(zip(core.completeness["unit_code"], core.completeness["status"]))


def test_a_district_table_credits_each_row_to_the_unit_it_names():
    raw = Raw()
    table = district_table(raw)
    core = raw.build(units=UNITS)

    assert counted(core) == sorted([
        ("T01", "东升科普讲座", 120), ("T01", "东升科普展", 80), ("T02", "九江科技下乡", 300), ("T03", "彭镇义诊", 60),
        ("D01", "双流启动仪式", 500), ("D01", "双流科普大篷车", 200), ("D01", "双流科普游园", 40)])
    own = part(core, table, "D01")
    assert pd.isna(own["forwarded_by"])
    assert (own["status"], own["is_current"], own["counted_rows"]) == ("accepted", True, 3)
    for unit, rows in (("T01", 2), ("T02", 1), ("T03", 1)):
        forwarded = part(core, table, unit)
        assert (forwarded["forwarded_by"], forwarded["status"], forwarded["is_current"], forwarded["version"],
                forwarded["counted_rows"], forwarded["role"]) == ("D01", "accepted", True, 1, rows, "version")
        assert forwarded["claimed_unit_codes"] == []
    assert len(core.submissions) == 4
    # the towns are reported, on time, and the district is not inflated: totals are the rows, once each
    assert {u: status(core)[u] for u in ("D01", "T01", "T02", "T03")} == dict.fromkeys(
        ("D01", "T01", "T02", "T03"), "on_time")
    assert status(core)["W01"] == "missing"
    assert core.total() == 120 + 80 + 300 + 60 + 500 + 200 + 40
    assert core.total("activities") == 7
    assert not issues_of(core, "forwarded_unit_unknown")


def test_a_towns_own_newer_file_and_the_rows_forwarded_for_it_both_count():
    """Forwarding adds, never removes (SPEC §3.10): 东升街道's own file is its version; the district's two rows for
    it add to it — 东升科普讲座 is not in its own file (its own is 「（修订）」), so both forwarded rows count, with one
    warning naming both files."""
    raw = Raw()
    table = district_table(raw)
    own = raw.file(2, "T01", path="东升街道.xlsx", reported=date(2023, 9, 29), received=LATE,
                   rows=[{"activity_name": "东升科普讲座（修订）", "participants": 150, "source_row": 4}])
    core = raw.build(units=UNITS)

    assert part(core, own, "T01")["is_current"] and part(core, own, "T01")["role"] == "version"
    forwarded = part(core, table, "T01")
    assert (forwarded["is_current"], forwarded["role"], forwarded["supplements"], forwarded["superseded_by"]) == (
        True, "forwarded", own, None)
    for unit in ("D01", "T02", "T03"):
        assert part(core, table, unit)["is_current"]
    assert [r for r in counted(core) if r[0] == "T01"] == [
        ("T01", "东升科普展", 80), ("T01", "东升科普讲座", 120), ("T01", "东升科普讲座（修订）", 150)]
    assert core.total() == 150 + 120 + 80 + 300 + 60 + 500 + 200 + 40
    assert not issues_of(core, "submission_superseded") and not issues_of(core, "version_disjoint")
    (differs,) = issues_of(core, "forwarded_differs")
    assert (differs["severity"], differs["file_sha256"], differs["unit_code"], differs["is_current_version"]) == (
        "warning", table, "T01", True)
    assert "东升街道.xlsx" in differs["message"] and "双流区/双流区汇总.xlsx" in differs["message"]
    assert "2项活动" in differs["message"] and "双流区科协" in differs["message"]
    # its own file is the one that says when it reported
    assert status(core)["T01"] == "late" and status(core)["D01"] == "on_time"


def test_a_towns_own_older_file_is_not_removed_by_the_rows_forwarded_later():
    raw = Raw()
    old = raw.file(2, "T02", path="九江街道.xlsx", reported=date(2023, 9, 20), received=EARLY,
                   rows=[{"activity_name": "九江旧表活动", "participants": 999, "source_row": 4}])
    table = district_table(raw)
    core = raw.build(units=UNITS)

    assert part(core, old, "T02")["is_current"] and part(core, old, "T02")["role"] == "version"
    assert (part(core, table, "T02")["role"], part(core, table, "T02")["supplements"]) == ("forwarded", old)
    assert [r for r in counted(core) if r[0] == "T02"] == [("T02", "九江旧表活动", 999), ("T02", "九江科技下乡", 300)]
    assert not issues_of(core, "submission_superseded") and not issues_of(core, "version_disjoint")
    (differs,) = issues_of(core, "forwarded_differs")
    assert (differs["file_sha256"], differs["unit_code"]) == (table, "T02")
    assert status(core)["T02"] == "on_time"


@pytest.mark.parametrize("figures, code", [(120, "forwarded_repeat"), (125, "forwarded_repeat_differs")])
def test_a_forwarded_row_the_town_reported_itself_counts_once_as_its_own(figures, code):
    """Same start date and normalised name: the town's own copy counts, the forwarded one points at it; equal
    figures → info, different figures → a warning naming the figure. A row of the same name on another day, and a
    look-alike name, are different activities."""
    raw = Raw()
    own = raw.file(2, "T01", path="东升街道.xlsx", reported=date(2023, 9, 29), received=LATE, rows=[
        {"activity_name": "“东升科普讲座”", "participants": figures, "source_row": 4},
        {"activity_name": "东升科普展", "participants": 80, "source_row": 5, "start_date": date(2023, 9, 20)}])
    table = district_table(raw)
    core = raw.build(units=UNITS)

    assert [r for r in counted(core) if r[0] == "T01"] == sorted([
        ("T01", "“东升科普讲座”", figures), ("T01", "东升科普展", 80), ("T01", "东升科普展", 80)])
    (repeat,) = issues_of(core, code)
    assert not issues_of(core, {"forwarded_repeat": "forwarded_repeat_differs"}.get(code, "forwarded_repeat"))
    assert (repeat["file_sha256"], repeat["unit_code"], repeat["cell"], repeat["row_number"]) == (
        table, "T01", "C4", 4)
    assert "东升街道.xlsx" in repeat["message"] and "双流区科协" in repeat["message"]
    if code == "forwarded_repeat_differs":
        assert repeat["severity"] == "warning" and "参与人数120与125" in repeat["message"]
    else:
        assert repeat["severity"] == "info"
    assert not issues_of(core, "supplement_repeat")
    # 东升科普展 of the 19th is not the own one of the 20th: it counts, and the one warning says so
    (differs,) = issues_of(core, "forwarded_differs")
    assert "1项活动" in differs["message"]
    assert core.total() == figures + 80 + 80 + 300 + 60 + 500 + 200 + 40


def test_a_later_table_from_the_same_forwarder_supersedes_its_earlier_one_only():
    """The district sends its table twice: the second supersedes the first for each town it names (a version
    within that forwarder's stream); the town's own file stays counted throughout."""
    raw = Raw()
    own = raw.file(3, "T01", path="东升街道.xlsx", reported=date(2023, 9, 20), received=EARLY,
                   rows=[{"activity_name": "东升自报活动", "participants": 33, "source_row": 4}])
    first = district_table(raw, 1, reported=date(2023, 9, 25))
    second = raw.file(2, "D01", path="双流区/双流区汇总（更正）.xlsx", reported=date(2023, 9, 27), received=LATE,
                      rows=[row("东升科普讲座", "东升街道", 4, participants=130), row("九江科技下乡", "九江街道", 5, 20, 310),
                            row("双流启动仪式", "双流区科协", 6, 17, 500)])
    core = raw.build(units=UNITS)

    assert part(core, own, "T01")["is_current"]
    assert (part(core, first, "T01")["is_current"], part(core, first, "T01")["superseded_by"]) == (False, second)
    assert (part(core, second, "T01")["role"], part(core, second, "T01")["supplements"]) == ("forwarded", own)
    assert part(core, first, "T03")["is_current"]  # the second table names no 彭镇 row: its first stays
    assert [r for r in counted(core) if r[0] in ("T01", "T02")] == [
        ("T01", "东升科普讲座", 130), ("T01", "东升自报活动", 33), ("T02", "九江科技下乡", 310)]
    (superseded, *_) = [i for i in issues_of(core, "submission_superseded") if i["unit_code"] == "T01"]
    assert superseded["file_sha256"] == first and "双流区汇总（更正）" in superseded["message"]


def test_a_name_no_unit_has_stays_with_the_forwarder_and_warns_at_its_cell():
    raw = Raw()
    table = district_table(raw, extra=[row("某村科普讲座", "某某村委会", 11, participants=70),
                                       row("某村科普展", "某某村委会", 12, participants=30)])
    core = raw.build(units=UNITS)

    assert ("D01", "某村科普讲座", 70) in counted(core) and ("D01", "某村科普展", 30) in counted(core)
    (warning,) = issues_of(core, "forwarded_unit_unknown")
    assert (warning["severity"], warning["file_sha256"], warning["unit_code"], warning["sheet"], warning["cell"],
            warning["raw_value"], warning["row_number"]) == ("warning", table, "D01", "活动明细", "B11", "某某村委会", 11)
    assert "“某某村委会”在单位名录中找不到" in warning["message"] and "2行仍计入本表的填报单位“双流区科协”" in warning["message"]
    assert core.total() == 1300 + 100


@pytest.mark.parametrize("source", [None, "双流区邮箱"])
def test_look_alike_names_do_not_move_rows(source):
    """「东升」 is 温江区's town, not 双流区's 东升街道: a 双流区 table (by its source's district, or by its own
    unit's) never hands a row to it; nor do a name inside a longer one, a part of a name, or a 主办单位-like text."""
    raw = Raw()
    table = district_table(raw, source=source, extra=[
        row("东升社区活动", "东升", 11), row("东升街道某社区", "东升街道某社区", 12),
        row("九江", "九江", 13), row("温江活动", "万春", 14)])
    core = raw.build(units=UNITS, sources={"双流区邮箱": "D01"} if source else None)

    moved = {r[1]: r[0] for r in counted(core)}
    assert {moved[n] for n in ("东升社区活动", "东升街道某社区", "九江", "温江活动")} == {"D01"}
    assert sorted(w["raw_value"] for w in issues_of(core, "forwarded_unit_unknown")) == [
        "万春", "东升", "东升街道某社区", "九江"]
    assert not (core.submissions["unit_code"] == "W01").any()
    assert status(core)["W01"] == "missing"


def test_a_name_two_units_share_stays_with_the_forwarder():
    units = build_units([*UNIT_RECORDS, _unit("T04", "新华社区", "other", "C000"),
                         _unit("T05", "新华社区科协", "other", "C000")])
    raw = Raw()
    table = raw.file(1, None, name="江源市科协", path="市直/转报.xlsx",
                     rows=[row("新华活动", "新华社区", 4), row("彭镇活动", "彭镇", 5)])
    core = raw.build(units=units)

    (warning,) = issues_of(core, "forwarded_unit_unknown")
    assert "对应多个单位" in warning["message"] and warning["unit_code"] == "C000"
    assert counted(core) == [("C000", "新华活动", 100), ("T03", "彭镇活动", 100)]
    assert part(core, table, "T03")["forwarded_by"] == "C000"


def test_many_districts_forward_at_once_and_every_cheng_guan_zhen_stays_in_its_own():
    """40 districts, each with its own 城关镇, 新村镇 and 河坝街道 (the same names in every district), each
    forwarding one table; ten towns also send their own newer file, repeating one forwarded row of theirs and
    adding one: every row goes to its own district's town, the repeat counts once (the town's copy), nothing of
    another district's 城关镇 is touched."""
    records = [_unit("C000", "江源市科协", "city", "", expected="false")]
    towns = ("城关镇", "新村镇", "河坝街道")
    for d in range(40):
        records.append(_unit(f"D{d:02d}", f"第{d}区科协", "district", "C000"))
        records += [_unit(f"D{d:02d}T{t}", name, "town", f"D{d:02d}") for t, name in enumerate(towns)]
    units = build_units(records)
    raw = Raw()
    tables, expected = {}, []
    for d in range(40):
        rows = [row(f"{d}区{name}活动{k}", name, 4 + 3 * t + k, participants=10 * d + t + k)
                for t, name in enumerate(towns) for k in range(3) if k <= t]
        rows.append(row(f"{d}区自己的活动", f"第{d}区科协", 20, participants=1000 + d))
        tables[d] = raw.file(d + 1, f"D{d:02d}", path=f"第{d}区/汇总.xlsx", rows=rows)
        for t, name in enumerate(towns):
            expected += [(f"D{d:02d}T{t}", f"{d}区{name}活动{k}", 10 * d + t + k) for k in range(3) if k <= t
                         if not (d < 10 and t == 0)]  # the town's own copy counts instead (below)
        expected.append((f"D{d:02d}", f"{d}区自己的活动", 1000 + d))
    for d in range(10):
        raw.file(100 + d, f"D{d:02d}T0", path=f"第{d}区/城关镇.xlsx", reported=date(2023, 9, 29), received=LATE,
                 rows=[{"activity_name": f"{d}区城关镇自报", "participants": 7, "source_row": 4},
                       {"activity_name": f"{d}区城关镇活动0", "participants": 10 * d, "source_row": 5}])
        expected += [(f"D{d:02d}T0", f"{d}区城关镇自报", 7), (f"D{d:02d}T0", f"{d}区城关镇活动0", 10 * d)]
    core = raw.build(units=units)

    assert counted(core) == sorted(expected)
    assert core.total() == sum(p for _, _, p in expected)
    assert core.total("activities") == len(expected)
    assert set(status(core).values()) == {"on_time", "late"}
    assert sorted(u for u, s in status(core).items() if s == "late") == [f"D{d:02d}T0" for d in range(10)]
    assert not issues_of(core, "forwarded_unit_unknown")
    current = core.submissions[core.submissions["is_current"] & (core.submissions["role"] == "version")]
    assert not current.duplicated("unit_code").any()
    repeats = issues_of(core, "forwarded_repeat")
    assert sorted(i["unit_code"] for i in repeats) == [f"D{d:02d}T0" for d in range(10)]
    assert not issues_of(core, "forwarded_repeat_differs") and not issues_of(core, "forwarded_differs")
    assert not issues_of(core, "submission_superseded")
    forwarded = core.submissions[core.submissions["forwarded_by"].notna()]
    assert len(forwarded) == 40 * 3
    assert (forwarded["forwarded_by"] == forwarded["unit_code"].str[:3]).all()


def test_a_table_forwarding_every_row_is_not_a_version_of_the_forwarders_own():
    """A district that only forwards: its own earlier file still counts; the table is no version of its own."""
    raw = Raw()
    mine = raw.file(1, "D01", path="双流区/本级.xlsx", reported=date(2023, 9, 20), received=EARLY,
                    rows=[{"activity_name": "区本级活动", "participants": 400, "source_row": 4}])
    table = raw.file(2, "D01", path="双流区/转报.xlsx", rows=[row("东升活动", "东升街道", 4), row("九江活动", "九江街道", 5)])
    core = raw.build(units=UNITS)

    assert part(core, table, "D01")["status"] == "forwarded" and not part(core, table, "D01")["is_current"]
    assert part(core, mine, "D01")["is_current"]
    assert counted(core) == [("D01", "区本级活动", 400), ("T01", "东升活动", 100), ("T02", "九江活动", 100)]
    assert not issues_of(core, "submission_empty")


# ------------------------------------------------------------------ through a nightly run, real workbooks


@pytest.mark.usefixtures("prefect_harness")
def test_a_forwarded_table_through_a_run_credits_the_towns_and_their_receipts_show_their_rows(tmp_path):
    import openpyxl

    from kepu.flows.nightly import run
    from tests.builders import make_city, query, set_received

    city = make_city(tmp_path / "city")
    sheet_rows = [["双流区2023年全国科普日活动汇总表"], ["填报单位：双流区科协", None, None, "填报日期：2023年9月25日"],
                  ["序号", "镇街", "活动名称", "开始日期", "参与人数（人次）", "志愿者人数"],
                  [1, "东升街道", "科普讲座进社区", "2023-09-18", 300, 500],
                  [2, "九江街道", "科技下乡", "2023-09-19", 200, 10],
                  [3, "双流区科协", "启动仪式", "2023-09-17", 800, 40],
                  [4, "某某村", "村里的讲座", "2023-09-20", 50, 2]]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "活动明细"
    for values in sheet_rows:
        sheet.append(values)
    path = city.inbox / "双流区" / "双流区汇总.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    set_received(path, datetime(2023, 9, 25, 10))
    assert run(city.config).outcome == "published"

    assert sorted(query(city.warehouse, "select unit_code, activities, participants from marts.unit_totals "
                                        "where activities > 0")) == [
        ("D01", 2, 850), ("D01T01", 1, 300), ("D01T02", 1, 200)]
    assert query(city.warehouse, "select activities, participants from marts.city_totals") == [(4, 1350)]
    statuses = dict(query(city.warehouse, "select unit_code, status from marts.completeness"))
    assert (statuses["D01"], statuses["D01T01"], statuses["D01T02"]) == ("on_time", "on_time", "on_time")
    assert sorted(query(city.warehouse, "select unit_code, forwarded_by from audit.submissions")) == [
        ("D01", None), ("D01T01", "D01"), ("D01T02", "D01")]
    ((unit, cell),) = query(city.warehouse, "select unit_code, cell from audit.issues "
                                            "where code = 'forwarded_unit_unknown'")
    assert (unit, cell) == ("D01", "B7")
    ((unit, cell),) = query(city.warehouse, "select unit_code, cell from audit.issues where code = 'volunteers_exceed_participants'")
    assert (unit, cell) == ("D01T01", "F4")

    receipts = city.root / "out" / "2023-science-day" / "回执"
    town = openpyxl.load_workbook(next(receipts.glob("*东升街道*.xlsx")))
    text = "\n".join(str(c) for ws in town for r in ws.iter_rows(values_only=True) for c in r if c is not None)
    assert "F4" in text and "科普讲座进社区" in text and "B7" not in text and "启动仪式" not in text
    assert "双流区汇总.xlsx（双流区科协转报）" in text
    district = openpyxl.load_workbook(next(receipts.glob("*双流区科协*.xlsx")))
    text = "\n".join(str(c) for ws in district for r in ws.iter_rows(values_only=True) for c in r if c is not None)
    assert "B7" in text and "某某村" in text and "F4" not in text


def test_a_warehouse_keyed_by_the_file_alone_keeps_its_rows_and_takes_a_row_per_unit():
    """core.submissions was keyed by (campaign_id, file_sha256): an older warehouse's table is made again without
    that key, its rows kept, so a forwarded table's parts fit."""
    import duckdb

    from kepu.warehouse.schema import create_tables

    con = duckdb.connect()
    con.execute("create schema core")
    con.execute("""create table core.submissions (campaign_id varchar not null, file_sha256 varchar not null,
        file_path varchar not null, unit_code varchar, received_at timestamp not null, status varchar not null,
        activity_rows integer not null, counted_rows integer not null, rejected_rows integer not null,
        version integer, is_current boolean not null, superseded_by varchar, primary key (campaign_id, file_sha256))""")
    con.execute("insert into core.submissions values ('2022', 'a', 'a.xlsx', 'D01', timestamp '2022-09-20', "
                "'accepted', 1, 1, 0, 1, true, null)")
    create_tables(con)
    assert con.execute("select file_sha256, unit_code, role, forwarded_by from core.submissions").fetchall() == [
        ("a", "D01", "version", None)]
    con.execute("insert into core.submissions (campaign_id, file_sha256, file_path, unit_code, received_at, status, "
                "activity_rows, counted_rows, rejected_rows, is_current, forwarded_by) values ('2022', 'a', "
                "'a.xlsx', 'T01', timestamp '2022-09-20', 'accepted', 1, 1, 0, true, 'D01')")
    assert con.execute("select count(*) from core.submissions").fetchone() == (2,)


def test_a_district_whose_report_only_forwards_its_towns_rows_has_reported():
    """Its table is its report (SPEC §3.10): on time or late by when it came, never held or chased; its own
    figures are none."""
    raw = Raw()
    raw.file(1, "D01", path="双流区/转报.xlsx", received=DISTRICT_DAY,
             rows=[row("东升活动", "东升街道", 4), row("九江活动", "九江街道", 5)])
    raw.file(2, "D02", path="温江区/转报.xlsx", received=LATE, rows=[row("万春活动", "万春镇", 4)])
    core = raw.build(units=UNITS)

    status = dict(zip(core.completeness["unit_code"], core.completeness["status"]))
    assert status["D01"] == "on_time" and status["D02"] == "late"
    assert status["T01"] == status["T02"] == "on_time" and status["W02"] == "late" and status["T03"] == "missing"
    late = core.completeness.set_index("unit_code").loc["D02"]
    assert late["days_late"] == 1 and late["held_reason"] is None
    assert counted(core) == [("T01", "东升活动", 100), ("T02", "九江活动", 100), ("W02", "万春活动", 100)]


def test_an_earlier_campaign_built_when_forwarding_replaced_gets_the_towns_own_rows_back():
    """A warehouse built under the old §3.10 (a district's later table superseded 东升街道's own file): opening it
    brings that campaign to the new rule — the town's own file counts again, the forwarded part adds to it, and the
    forwarded row repeating the town's own counts once (the town's copy). A campaign without such a supersession
    (九江街道's only file, 2023) is untouched."""
    import duckdb

    from kepu.schemas.vocabulary import METRICS
    from kepu.warehouse.schema import create_tables

    con = duckdb.connect()
    create_tables(con)
    part_row = ("insert into core.submissions (campaign_id, file_sha256, file_path, unit_code, received_at, status, "
                "activity_rows, counted_rows, rejected_rows, version, is_current, superseded_by, role, forwarded_by) "
                "values (?, ?, ?, ?, timestamp '2022-09-20', 'accepted', 2, 2, 0, ?, ?, ?, 'version', ?)")
    con.execute(part_row, ["2022", "own", "东升街道.xlsx", "T01", 1, False, "table", None])
    con.execute(part_row, ["2022", "table", "双流区.xlsx", "T01", 2, True, None, "D01"])
    con.execute(part_row, ["2022", "table", "双流区.xlsx", "D01", 1, True, None, None])
    con.execute(part_row, ["2023", "solo", "九江街道.xlsx", "T02", 1, True, None, None])
    activity = ("insert into core.activities (activity_id, campaign_id, file_sha256, unit_code, source_file, "
                "source_sheet, source_row, activity_name, activity_type, start_date, activity_count, is_unitemized, "
                "row_status, in_window, counted, " + ", ".join(f"{m}_approx" for m in METRICS) + ") values "
                "(?, ?, ?, ?, 'f', '活动明细', ?, ?, '其他', date '2022-09-18', 1, false, 'ok', true, true"
                + ", false" * len(METRICS) + ")")
    for args in (("o1", "2022", "own", "T01", 4, "科普讲座"), ("o2", "2022", "own", "T01", 5, "科普展"),
                 ("f1", "2022", "table", "T01", 4, " 科普讲座 "), ("f2", "2022", "table", "T01", 5, "科普游园"),
                 ("s1", "2023", "solo", "T02", 4, "九江活动")):
        con.execute(activity, list(args))

    create_tables(con)
    parts = {(f, u): (c, s, r, p) for f, u, c, s, r, p in con.execute(
        "select file_sha256, unit_code, is_current, superseded_by, role, supplements from core.submissions").fetchall()}
    assert parts[("own", "T01")] == (True, None, "version", None)
    assert parts[("table", "T01")] == (True, None, "forwarded", "own")
    assert parts[("table", "D01")] == (True, None, "version", None)
    assert parts[("solo", "T02")] == (True, None, "version", None)
    duplicates = dict(con.execute("select activity_id, duplicate_of from core.activities").fetchall())
    assert duplicates == {"o1": None, "o2": None, "f1": "o1", "f2": None, "s1": None}
    create_tables(con)  # once only: nothing left to migrate
    assert dict(con.execute("select activity_id, duplicate_of from core.activities").fetchall()) == duplicates


def test_sheets_named_for_towns_credit_each_district_its_own_and_never_another_districts():
    """A workbook with a sheet per town (SPEC §2.3): its rows name the sheet's unit (no cell: the sheet's name).
    40 districts whose towns share names each send one; district 0's also has a sheet named for 温泉镇, a town of
    district 39 only: it does not resolve, its rows stay with district 0, with a warning."""
    records = [_unit("C000", "江源市科协", "city", "", expected="false")]
    towns = ("城关镇", "新村镇")
    for d in range(40):
        records.append(_unit(f"D{d:02d}", f"第{d}区科协", "district", "C000"))
        records += [_unit(f"D{d:02d}T{t}", name, "town", f"D{d:02d}") for t, name in enumerate(towns)]
    records.append(_unit("D39T9", "温泉镇", "town", "D39"))
    units = build_units(records)
    raw = Raw()
    expected = []
    for d in range(40):
        rows = [{**row(f"{d}区{name}活动", name, 2 + t, participants=10 * d + t), "reporting_unit_cell": None,
                 "source_sheet": name} for t, name in enumerate(towns)]
        expected += [(f"D{d:02d}T{t}", f"{d}区{name}活动", 10 * d + t) for t, name in enumerate(towns)]
        if d == 0:
            rows.append({**row("温泉活动", "温泉镇", 2, participants=5), "reporting_unit_cell": None,
                         "source_sheet": "温泉镇"})
            expected.append(("D00", "温泉活动", 5))
        raw.file(d + 1, f"D{d:02d}", path=f"第{d}区/各镇街.xlsx", rows=rows)
    core = raw.build(units=units)

    assert counted(core) == sorted(expected)
    (warning,) = issues_of(core, "forwarded_unit_unknown")
    assert (warning["unit_code"], warning["raw_value"], warning["cell"]) == ("D00", "温泉镇", None)
    assert status(core)["D39T9"] == "missing"


@pytest.mark.usefixtures("prefect_harness")
def test_a_workbook_with_a_sheet_per_town_and_a_towns_own_file_through_a_run(tmp_path):
    """The issue's city (#20): 双流区 sends one workbook — a 汇总 sheet by unit, a sheet per town (one of them in
    ditto marks and section rows), last May's 科技活动周 sheet — and 东升街道 sends its own file too, with one of
    the activities the district forwarded for it. Nothing is lost: every town's rows count, 东升街道's repeat
    counts once, the May sheet is not read, and 东升街道's own file stays its version."""
    import openpyxl

    from kepu.flows.nightly import run
    from tests.builders import make_city, query, set_received

    city = make_city(tmp_path / "city")
    book = openpyxl.Workbook()
    may = book.active
    may.title = "科技活动周"
    for values in (["2023年科技活动周活动统计表"], ["活动名称", "开始日期", "参与人数"], ["五月的讲座", "5月21日", 999]):
        may.append(values)
    summary = book.create_sheet("汇总")
    for values in (["双流区科协2023年全国科普日活动汇总表"], ["单位", "活动场次", "参与人次"], ["东升街道", 2, 400]):
        summary.append(values)
    dongsheng = book.create_sheet("东升街道")
    for values in (["活动名称", "活动形式", "开始日期", "地点", "参与人数"],
                   ["科普讲座进社区", "讲座", "9月18日", "东升社区", 300],
                   ["科普展览", "〃", "同上", "同上", "100（其中学生60）"]):
        dongsheng.append(values)
    jiujiang = book.create_sheet("Sheet4")
    for values in (["九江街道2023年全国科普日活动统计表"], ["活动名称", "开始日期", "参与人数"], ["一、展览类"],
                   ["成果展", "9月19、20日", 200]):
        jiujiang.append(values)
    path = city.inbox / "双流区" / "各镇街.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    set_received(path, datetime(2023, 9, 25, 10))

    own = openpyxl.Workbook()
    sheet = own.active
    sheet.title = "活动明细"
    for values in (["填报单位：东升街道"], ["活动名称", "开始日期", "参与人数"], ["科普讲座进社区", "9月18日", 300],
                   ["东升自己的活动", "9月19日", 50]):
        sheet.append(values)
    own_path = city.inbox / "双流区" / "东升街道.xlsx"
    own.save(own_path)
    set_received(own_path, datetime(2023, 9, 22, 10))
    assert run(city.config).outcome == "published"

    assert sorted(query(city.warehouse, "select unit_code, activities, participants from marts.unit_totals "
                                        "where activities > 0")) == [("D01T01", 3, 450), ("D01T02", 1, 200)]
    rows = dict(query(city.warehouse, "select activity_name, activity_type from marts.activities"))
    assert rows["科普展览"] == "讲座报告" and rows["成果展"] == "展览展示" and "五月的讲座" not in rows
    assert sorted(query(city.warehouse, "select code from audit.issues where code in "
                                        "('forwarded_repeat', 'forwarded_differs', 'other_campaign_sheet', "
                                        "'figure_with_note', 'forwarded_unit_unknown')")) == [
        ("figure_with_note",), ("forwarded_differs",), ("forwarded_repeat",), ("other_campaign_sheet",)]
    statuses = dict(query(city.warehouse, "select unit_code, status from marts.completeness"))
    assert (statuses["D01"], statuses["D01T01"], statuses["D01T02"]) == ("on_time", "on_time", "on_time")

    receipts = city.root / "out" / "2023-science-day" / "回执"
    town = openpyxl.load_workbook(next(receipts.glob("*东升街道*.xlsx")))
    text = "\n".join(str(c) for ws in town for r in ws.iter_rows(values_only=True) for c in r if c is not None)
    assert "双流区/东升街道.xlsx" in text and "各镇街.xlsx（双流区科协转报，追加）" in text
