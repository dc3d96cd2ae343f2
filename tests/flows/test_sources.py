"""The nightly run pulling from every configured source (SPEC §2.4, issue #13), against real servers on
loopback: a local folder, SFTP, an S3-compatible store, WebDAV and the office mailbox (Dovecot IMAP).

The same files in five sources give exactly the totals of one local inbox; a second run fetches nothing; mail
attachments, bundles and messages without attachment; a source that cannot be reached or refuses the
credentials fails only itself and leaves its units `source_unavailable`."""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from kepu.demo.forms import fill_form
from kepu.flows.nightly import run
from kepu.schemas.errors import ConfigError
from kepu.schemas.vocabulary import OFFICE_TZ
from tests.builders import UNITS, activity, config_text, make_city, query
from tests.fixtures.archives import seven_zip, windows_zip
from tests.servers.imap import message
from tests.servers.records import closed_port

pytestmark = pytest.mark.usefixtures("prefect_harness")

RECEIVED = datetime(2023, 9, 26, 10, 0, tzinfo=OFFICE_TZ)
FAST = "\n[run]\nsource_retries = 1\nsource_retry_delay = 0\n"
NAMES = {u[0]: u[1] for u in UNITS}


def form_bytes(tmp_path: Path, unit: str, activities: list[dict], *, unit_name: str | None = None,
               unit_code: str | None = None, name: str = "form.xlsx", **form) -> bytes:
    """A filled official form, as the bytes a unit sends (its name and code as written unless given)."""
    path = tmp_path / "forms" / unit / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fill_form(path, campaign_name="2023年全国科普日", unit_name=NAMES[unit] if unit_name is None else unit_name,
              unit_code=unit if unit_code is None else unit_code, reported_on=date(2023, 9, 25),
              activities=activities, **form)
    return path.read_bytes()


def forms(tmp_path: Path) -> dict[str, bytes]:
    """The small city's four reports, by the path each unit's file has in a shared folder."""
    return {
        "双流区/东升街道.xlsx": form_bytes(tmp_path, "D01T01", [
            activity("科普讲座进社区", 17, 300, volunteers=12, materials=500, boards=10, funding_wan=Decimal("0.50")),
            activity("老科协专家义诊", 18, 150, "义诊咨询", volunteers=8, materials=200)], with_total_row=True),
        "双流区/九江街道.xlsx": form_bytes(tmp_path, "D01T02", [
            activity("实用农业技术培训班", 19, 80, "培训", volunteers=5, media_reports=1, funding_wan=Decimal("1.25"))]),
        "市直单位/市一中.xlsx": form_bytes(tmp_path, "S001", [
            activity("青少年科技创新竞赛", 20, 600, "竞赛", volunteers=30, boards=20, media_reports=2)]),
        "市直单位/医学会.xlsx": form_bytes(tmp_path, "X01", [activity("健康科普义诊", 21, 200, "义诊咨询", volunteers=10)]),
    }


def write_folder(root: Path, files: dict[str, bytes], received: datetime = RECEIVED) -> None:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.utime(target, (received.timestamp(), received.timestamp()))


def source_block(name: str, url: str, **keys) -> str:
    lines = [f'\n[[sources]]\nname = "{name}"\nurl = "{url}"']
    lines += [f'{k} = "{v}"' for k, v in keys.items()]
    return "\n".join(lines) + "\n"


def with_sources(city, *blocks: str, run_section: str = FAST) -> None:
    city.config.write_text(config_text() + "".join(blocks) + run_section, encoding="utf-8")


def totals(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute("select * from marts.city_totals")
        return dict(zip([d[0] for d in cur.description], cur.fetchone()))
    finally:
        con.close()


def server_credentials(monkeypatch, prefix: str, server) -> dict:
    monkeypatch.setenv(f"{prefix}_USER", server.username)
    monkeypatch.setenv(f"{prefix}_PASSWORD", server.password)
    return {"username_env": f"{prefix}_USER", "password_env": f"{prefix}_PASSWORD"}


def test_five_sources_with_the_same_files_give_the_totals_of_one_inbox(tmp_path, monkeypatch, area, sftp, s3,
                                                                      webdav, imap):
    files = forms(tmp_path)
    alone = make_city(tmp_path / "alone")
    write_folder(alone.inbox, files)
    run(alone.config)
    expected = totals(alone.warehouse)
    expected_completeness = query(alone.warehouse, "select unit_code, status from marts.completeness order by 1")

    city = make_city(tmp_path / "city")
    share = tmp_path / "区县共享"
    write_folder(share, files)
    for server in (sftp, s3, webdav):
        for path, data in files.items():
            server.put(f"{area}/{path}", data, mtime=RECEIVED.timestamp())
    imap.create_folder(area)
    for path, data in files.items():
        imap.deliver(message("sender@example.org", f"报送：{path}", attachments=[(path.rsplit('/', 1)[1], data)]),
                     folder=area, received_at=RECEIVED)
    with_sources(
        city,
        source_block("区县共享", share.as_uri()),
        source_block("投递箱", sftp.url_for(area), **server_credentials(monkeypatch, "KEPU_SFTP", sftp)),
        source_block("网上填报", s3.url_for(area), endpoint=s3.options["endpoint"],
                     **server_credentials(monkeypatch, "KEPU_S3", s3)),
        source_block("网盘", webdav.url_for(area), **server_credentials(monkeypatch, "KEPU_DAV", webdav)),
        source_block("报送邮箱", imap.url_for(area), **server_credentials(monkeypatch, "KEPU_MAIL", imap)),
    )
    (city.root / "inbox").rmdir()  # with [[sources]], [paths].inbox is no source and need not exist

    first = run(city.config)

    assert totals(city.warehouse) == expected
    assert query(city.warehouse, "select unit_code, status from marts.completeness order by 1") == expected_completeness
    assert (first.outcome, first.files_parsed, first.files_rejected, first.files_ignored) == ("published", 4, 0, 0)
    assert {s.name: (s.listed, s.fetched, s.failure) for s in first.sources} == {
        name: (4, 4, None) for name in ("区县共享", "投递箱", "网上填报", "网盘", "报送邮箱")}
    sources = query(city.warehouse, "select source, count(*) from raw.file_sightings group by 1 order by 1")
    assert sources == sorted((name, 4) for name in ("区县共享", "投递箱", "网上填报", "网盘", "报送邮箱"))
    recorded = query(city.warehouse, "select source, source_path, received_at from raw.files order by source_path")
    assert all(received == RECEIVED.replace(tzinfo=None) for _, _, received in recorded), \
        "a content is recorded once, at its earliest copy, with that copy's own time"

    second = run(city.config)

    assert (second.files_fetched, second.files_new, second.files_parsed) == (0, 0, 0)
    assert {s.name: (s.listed, s.unchanged, s.fetched) for s in second.sources} == {
        name: (4, 4, 0) for name in ("区县共享", "投递箱", "网上填报", "网盘", "报送邮箱")}
    assert totals(city.warehouse) == expected
    runs = query(city.warehouse, "select files_seen, files_fetched, files_parsed from audit.runs order by started_at")
    assert runs == [(20, 20, 4), (20, 0, 0)]
    for server in (sftp, webdav, s3):  # nothing at a source was moved, deleted or rewritten
        assert all(server.read(f"{area}/{path}") == data for path, data in files.items())
    assert all("\\Seen" not in imap.flags(uid, folder=area) for uid in imap.uids(area)), "no message marked read"


def test_the_mailbox_bundles_two_attachments_and_a_message_without_any(tmp_path, monkeypatch, area, imap):
    city = make_city(tmp_path / "city", units=[*UNITS[:6], ("S001", "江源市第一中学", "school", "C000", "市一中", "true")])
    registry = city.root / "units.csv"
    text = registry.read_text(encoding="utf-8").splitlines()
    text[0] += ",email,contact"
    text = [text[0]] + [line + (",jy1z@school.example.org;office@jy1z.example.org,张老师" if line.startswith("S001")
                                else ",,") for line in text[1:]]
    registry.write_text("\n".join(text) + "\n", encoding="utf-8")
    imap.create_folder(area)
    arrived = datetime(2023, 9, 27, 16, 30, tzinfo=timezone.utc)
    district_zip = windows_zip({
        "东升街道.xlsx": form_bytes(tmp_path, "D01T01", [activity("科普讲座进社区", 17, 300)]),
        "九江街道/报表.xlsx": form_bytes(tmp_path, "D01T02", [activity("农业技术培训", 19, 80, "培训")]),
        "Thumbs.db": b"junk"})
    town_7z = seven_zip({"洛带镇.xlsx": form_bytes(tmp_path, "D02T01", [activity("科普大篷车", 22, 1000, "互动体验")])})
    unnamed_form = form_bytes(tmp_path, "S001", [activity("青少年科技竞赛", 20, 600, "竞赛")], unit_name="",
                              unit_code="", name="x.xlsx")
    imap.deliver(message("双流区科协 <sl@example.org>", "双流区各街道科普日报表", attachments=[
        ("双流区街道报表.zip", district_zip, "application", "zip")]), folder=area, received_at=arrived)
    imap.deliver(message("ld@example.org", "洛带镇报表", attachments=[("洛带镇.7z", town_7z)]),
                 folder=area, received_at=arrived)
    imap.deliver(message("JY1Z@school.example.org", "报表及照片", attachments=[
        ("报表.xlsx", unnamed_form), ("活动照片.jpg", b"\xff\xd8\xff photo", "image", "jpeg")]),
        folder=area, received_at=arrived)
    imap.deliver(message("lq@example.org", "龙泉区报表", "报表见附件"), folder=area, received_at=arrived)
    with_sources(city, source_block("报送邮箱", imap.url_for(area), **server_credentials(monkeypatch, "KEPU_MAIL", imap)))

    summary = run(city.config)

    assert summary.outcome == "published"
    files = {row[0]: row[1:] for row in query(city.warehouse, """
        select source_path, status, reason, sender, subject, received_at from raw.files order by source_path""")}
    by_name = {path.split("/", 1)[1]: row for path, row in files.items()}
    assert by_name["双流区街道报表.zip/东升街道.xlsx"][:1] == ("read",)
    assert by_name["双流区街道报表.zip/九江街道/报表.xlsx"][:1] == ("read",), "GBK member names read as Chinese"
    assert by_name["双流区街道报表.zip/Thumbs.db"][0] == "ignored"
    assert by_name["洛带镇.7z/洛带镇.xlsx"][0] == "read"
    assert by_name["报表.xlsx"][:4] == ("read", None, "jy1z@school.example.org", "报表及照片")
    assert by_name["活动照片.jpg"][0] == "ignored" and "已有报表附件" in by_name["活动照片.jpg"][1]
    assert by_name["（无附件）"][:4] == ("ignored", "邮件没有附件", "lq@example.org", "龙泉区报表")
    assert {row[4] for row in files.values()} == {arrived.astimezone(OFFICE_TZ).replace(tzinfo=None)}
    identified = dict(query(city.warehouse, "select unit_code, identified_by from core.submissions"))
    assert identified == {"D01T01": "code", "D01T02": "code", "D02T01": "code", "S001": "sender"}
    paths = dict(query(city.warehouse, "select unit_code, file_path from core.submissions"))
    assert paths["D01T02"].endswith("双流区街道报表.zip/九江街道/报表.xlsx")
    assert totals(city.warehouse)["participants"] == 300 + 80 + 1000 + 600
    statuses = dict(query(city.warehouse, "select unit_code, status from marts.completeness"))
    assert statuses["D02"] == "missing", "a message without attachment is recorded, and attributed to no one"
    assert summary.files_ignored == 3

    again = run(city.config)
    assert (again.files_fetched, again.files_parsed) == (0, 0)


def test_an_unreachable_source_and_wrong_credentials_fail_only_themselves(tmp_path, monkeypatch, area, sftp, imap):
    city = make_city(tmp_path / "city")
    files = forms(tmp_path)
    share = tmp_path / "市直共享"
    write_folder(share, {p: d for p, d in files.items() if p.startswith("市直单位/")})
    imap.create_folder(area)
    monkeypatch.setenv("KEPU_SFTP_USER", sftp.username)
    monkeypatch.setenv("KEPU_SFTP_PASSWORD", "not-the-password")
    monkeypatch.setenv("KEPU_MAIL_USER", imap.username)
    monkeypatch.setenv("KEPU_MAIL_PASSWORD", imap.password)
    with_sources(
        city,
        source_block("市直共享", share.as_uri()),
        source_block("双流区投递箱", sftp.url_for(area), district="D01",
                     username_env="KEPU_SFTP_USER", password_env="KEPU_SFTP_PASSWORD"),
        source_block("龙泉区网盘", f"webdav://127.0.0.1:{closed_port()}/upload", district="D02"),
        source_block("报送邮箱", imap.url_for(area), username_env="KEPU_MAIL_USER", password_env="KEPU_MAIL_PASSWORD"),
    )

    summary = run(city.config)

    assert summary.outcome == "published"
    failed = {s.name: s.failure for s in summary.sources if s.failure}
    assert set(failed) == {"双流区投递箱", "龙泉区网盘"}
    assert "密码" in failed["双流区投递箱"] and "无法连接" in failed["龙泉区网盘"]
    assert totals(city.warehouse)["participants"] == 800
    statuses = dict(query(city.warehouse, "select unit_code, status from marts.completeness"))
    assert statuses == {"D01": "source_unavailable", "D01T01": "source_unavailable", "D01T02": "source_unavailable",
                        "D02": "source_unavailable", "D02T01": "source_unavailable", "S001": "on_time"}
    assert query(city.warehouse, "select count(*) from marts.chase_list") == [(0,)]
    assert query(city.warehouse, "select failed_sources, message from audit.runs") == [
        (["双流区投递箱", "龙泉区网盘"], "；".join(f"来源「{n}」不可用：{r}" for n, r in failed.items()))]
    unavailable = dict(query(city.warehouse, "select unit_code, unavailable_sources from marts.completeness "
                                             "where status = 'source_unavailable'"))
    assert unavailable["D01T02"] == ["双流区投递箱"] and unavailable["D02T01"] == ["龙泉区网盘"]

    with_sources(  # the drop box is back with the right password; the WebDAV share is still down
        city,
        source_block("市直共享", share.as_uri()),
        source_block("双流区投递箱", sftp.url_for(area), district="D01",
                     username_env="KEPU_SFTP_USER", password_env="KEPU_SFTP_PASSWORD"),
        source_block("龙泉区网盘", f"webdav://127.0.0.1:{closed_port()}/upload", district="D02"),
        source_block("报送邮箱", imap.url_for(area), username_env="KEPU_MAIL_USER", password_env="KEPU_MAIL_PASSWORD"),
    )
    monkeypatch.setenv("KEPU_SFTP_PASSWORD", sftp.password)
    sftp.put(f"{area}/东升街道.xlsx", files["双流区/东升街道.xlsx"], mtime=RECEIVED.timestamp())

    again = run(city.config)

    assert {s.name for s in again.sources if s.failure} == {"龙泉区网盘"}
    statuses = dict(query(city.warehouse, "select unit_code, status from marts.completeness"))
    assert statuses == {"D01": "missing", "D01T01": "on_time", "D01T02": "missing",
                        "D02": "source_unavailable", "D02T01": "source_unavailable", "S001": "on_time"}
    assert sorted(query(city.warehouse, "select unit_code from marts.chase_list")) == [("D01",), ("D01T02",)]


def test_a_unit_with_a_working_channel_left_stays_missing(tmp_path, monkeypatch):
    """Only when every source a unit's files could come through failed is it source_unavailable: here the
    mailbox is down but the share, a channel of every unit, works (transforms/test_channels.py has the rest)."""
    city = make_city(tmp_path / "city")
    files = forms(tmp_path)
    share = tmp_path / "共享"
    write_folder(share, {"双流区/东升街道.xlsx": files["双流区/东升街道.xlsx"]})
    with_sources(city, source_block("共享", share.as_uri()),
                 source_block("邮箱", f"imap://127.0.0.1:{closed_port()}/INBOX", username_env="KEPU_U",
                              password_env="KEPU_P"))
    monkeypatch.setenv("KEPU_U", "u")
    monkeypatch.setenv("KEPU_P", "p")

    run(city.config)

    statuses = dict(query(city.warehouse, "select unit_code, status from marts.completeness"))
    assert statuses["D01T01"] == "on_time"
    assert statuses["D02T01"] == "missing", "the share works: its file could have come that way"


def test_bad_sources_stop_before_anything_is_written(tmp_path, monkeypatch):
    city = make_city(tmp_path / "city")
    for block, message_part in [
        (source_block("a", "ftp://example.org/x"), "协议"),
        (source_block("a", "sftp://user:secret@example.org/x"), "不得写密码"),
        (source_block("a", "imaps://mail.example.org/INBOX"), "username_env"),
        (source_block("a", "file:///tmp") + source_block("a", "file:///srv"), "重名"),
        (source_block("a", "sftp://example.org/x", password_env="hunter2!"), "环境变量名"),
        (source_block("a", "sftp://example.org/x", pasword_env="X"), "未知的键"),
        (source_block("a", "file:///tmp", district="D99"), "D99"),
        (source_block("a", "sftp://example.org/x", username_env="KEPU_NOT_SET_ANYWHERE"), "KEPU_NOT_SET_ANYWHERE"),
    ]:
        with_sources(city, block)
        with pytest.raises(ConfigError, match=message_part):
            run(city.config)
        assert not city.warehouse.exists()


def test_a_failing_source_is_retried_a_bounded_number_of_times_and_a_bad_setting_not_at_all(tmp_path, monkeypatch):
    import kepu.flows.nightly as nightly
    from kepu.sources.remote import SourceConfigError, SourceUnavailable

    city = make_city(tmp_path / "city")
    write_folder(tmp_path / "共享", {"双流区/东升街道.xlsx": forms(tmp_path)["双流区/东升街道.xlsx"]})
    with_sources(city, source_block("共享", (tmp_path / "共享").as_uri()),
                 source_block("时好时坏", "sftp://127.0.0.1/x"), source_block("配错", "sftp://127.0.0.1/y"),
                 run_section="\n[run]\nsource_retries = 2\nsource_retry_delay = 0\n")
    calls: dict[str, int] = {}
    real = nightly.take_in_source

    def flaky(config, seen, store):
        calls[config.name] = calls.get(config.name, 0) + 1
        if config.name == "时好时坏":
            raise SourceUnavailable(config.name, "连接超时（10 秒内无响应）")
        if config.name == "配错":
            raise SourceConfigError("来源「配错」的凭据环境变量 X 未设置或为空")
        return real(config, seen, store)

    monkeypatch.setattr(nightly, "take_in_source", flaky)

    summary = run(city.config)

    assert calls == {"共享": 1, "时好时坏": 3, "配错": 1}
    assert {s.name: s.failure for s in summary.sources} == {
        "共享": None, "时好时坏": "连接超时（10 秒内无响应）", "配错": "来源「配错」的凭据环境变量 X 未设置或为空"}
    assert summary.outcome == "published" and totals(city.warehouse)["participants"] == 450


def test_a_warehouse_from_before_sources_is_upgraded_in_place(tmp_path):
    """A warehouse published by the previous release (no source columns, stored_as required) takes the first
    run with sources without a rebuild; its files count as the inbox's."""
    city = make_city(tmp_path / "city")
    write_folder(city.inbox, forms(tmp_path))
    run(city.config)
    con = duckdb.connect(str(city.warehouse))
    try:
        for table, columns in {"raw.files": ("source", "source_path", "sender", "forwarded_from", "subject"),
                               "raw.file_sightings": ("source", "source_path", "entry_path", "entry_size",
                                                      "change_token"),
                               "audit.run_log": ("failed_sources", "files_fetched"), "core.units": ("email", "contact")
                               }.items():
            for column in columns:
                con.execute(f"alter table {table} drop column {column}")
        con.execute("drop view marts.chase_list; drop view marts.city_totals; drop view marts.district_totals; "
                    "drop view marts.completeness; drop table core.source_unavailable")
    finally:
        con.close()

    again = run(city.config)

    assert again.outcome == "published" and again.files_parsed == 0
    assert totals(city.warehouse)["participants"] == 1330
    assert query(city.warehouse, "select distinct source from raw.files") == [("inbox",)]
    assert query(city.warehouse, "select count(*) from raw.files where source_path = path") == [(4,)]
