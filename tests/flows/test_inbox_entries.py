"""One bad entry fails only itself (issue #11) and inbox hygiene (issue #12), through a whole run: office junk
is ignored and attributed to no one; GBK file names, links, loops, FIFOs, empty and unreadable files are each
recorded with a reason; the run completes and the totals are those of the good files."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

import kepu.sources.store
from kepu.flows.nightly import run
from tests.builders import activity, make_city, query

pytestmark = pytest.mark.usefixtures("prefect_harness")

JUNK = ("双流区/东升街道/Thumbs.db", "双流区/东升街道/~$东升街道.xlsx", "双流区/desktop.ini", "双流区/.DS_Store",
        "九江街道报表.xlsx.crdownload", "九江街道报表.xlsx.part", "九江街道.tmp")


@pytest.fixture
def hostile_city(tmp_path, monkeypatch):
    city = make_city(tmp_path / "city")
    city.submit("双流区/东升街道/东升街道.xlsx", "D01T01", [activity("科普讲座进社区", 17, 300)])
    city.submit("市直单位/市一中.xlsx", "S001", [activity("青少年科技创新竞赛", 20, 600, "竞赛")])
    gbk_form = city.submit("洛带镇-临时.xlsx", "D02T01", [activity("科普大篷车", 22, 1000, "互动体验")])
    os.rename(gbk_form, os.path.join(os.fsencode(city.inbox), "龙泉区洛带镇报表.xlsx".encode("gbk")))
    for path in JUNK:
        (city.inbox / path).parent.mkdir(parents=True, exist_ok=True)
        (city.inbox / path).write_bytes(b"\x00junk")
    (city.inbox / "双流区" / "九江街道").mkdir(parents=True)
    (city.inbox / "双流区" / "九江街道" / "九江街道.xlsx").write_bytes(b"")
    (city.inbox / "市直单位" / "空白.csv").write_bytes(b"")
    os.mkfifo(city.inbox / "管道.xlsx")
    (city.inbox / "循环").symlink_to(city.inbox)
    (city.inbox / "断开.xlsx").symlink_to(city.inbox / "不存在.xlsx")
    (city.inbox / "外部.xlsx").symlink_to(city.root / "units.csv")
    (city.inbox / "市直单位" / "医学会.xlsx").write_bytes(b"PK")  # unreadable on the server, see below

    real = kepu.sources.store.take_in

    def take_in(store, source, extension, max_bytes):
        if source.name == "医学会.xlsx":  # what `chmod 000` does to a service user (tests/sources tests it for real)
            raise PermissionError(13, "Permission denied", str(source))
        return real(store, source, extension, max_bytes)

    monkeypatch.setattr(kepu.sources.store, "take_in", take_in)
    return city


def test_every_hostile_entry_is_recorded_and_the_run_completes(hostile_city):
    city = hostile_city

    summary = run(city.config)

    assert summary.outcome == "published"
    rows = {path: (status, reason) for path, status, reason in query(city.warehouse,
                                                                    "select path, status, reason from raw.files")}
    assert rows["龙泉区洛带镇报表.xlsx"] == ("read", None), "a GBK name is stored as readable text"
    for path in JUNK:
        assert rows[path][0] == "ignored" and "不是报送文件" in rows[path][1], path
    assert rows["双流区/九江街道/九江街道.xlsx"] == ("rejected", "文件为空（0 字节）")
    assert rows["市直单位/空白.csv"] == ("rejected", "文件为空（0 字节）"), "each empty file is its own record"
    assert rows["管道.xlsx"] == ("ignored", "不是普通文件（命名管道），未读取")
    assert rows["循环"][0] == "rejected" and "循环" in rows["循环"][1]
    assert rows["断开.xlsx"] == ("rejected", "符号链接指向的文件不存在（断开的链接）")
    assert rows["外部.xlsx"][0] == "rejected" and "以外" in rows["外部.xlsx"][1]
    assert rows["市直单位/医学会.xlsx"] == ("rejected", "无权读取（文件权限不足）")

    assert query(city.warehouse, "select participants from marts.city_totals") == [(1900,)]
    submitted = {p for (p,) in query(city.warehouse, "select file_path from core.submissions")}
    assert not submitted & set(JUNK) and "管道.xlsx" not in submitted, "what is ignored is no one's submission"
    issue_paths = {p for (p,) in query(city.warehouse, "select file_path from audit.issues where file_path is not null")}
    assert not issue_paths & set(JUNK)
    codes = dict(query(city.warehouse, """select f.path, i.code from audit.issues as i
                                          join raw.files as f on f.sha256 = i.file_sha256 and f.status = 'rejected'"""))
    assert codes["双流区/九江街道/九江街道.xlsx"] == "file_empty" and codes["断开.xlsx"] == "file_inaccessible"
    statuses = dict(query(city.warehouse, "select unit_code, status from marts.completeness"))
    assert statuses["D01T02"] == "held", "its empty file came: held, for the office to ask again"
    assert statuses["D01T01"] == "on_time", "junk in its folder changes nothing"
    assert summary.files_ignored == len(JUNK) + 1

    again = run(city.config)

    assert (again.files_new, again.files_parsed) == (0, 0)
    assert again.files_fetched == 0, "the unreadable file is tried again, and fails again, without being read"
    assert query(city.warehouse, "select count(*) from raw.files where path = '市直单位/医学会.xlsx'") == [(1,)]


def test_a_file_readable_again_replaces_its_unreadable_record(hostile_city, monkeypatch):
    city = hostile_city
    run(city.config)
    monkeypatch.undo()  # the permissions were fixed
    city.submit("市直单位/医学会.xlsx", "X01", [activity("健康科普义诊", 21, 200, "义诊咨询")],
                received=datetime(2023, 9, 26, 11, 0))

    run(city.config)

    assert query(city.warehouse, "select status from raw.files where path = '市直单位/医学会.xlsx'") == [("read",)]
    assert query(city.warehouse, "select participants from marts.city_totals") == [(2100,)]
