"""Notices end to end (SPEC §2.2 [notices], §4 audit.notices, §5 通知/): a small city run twice against a real
SMTP server on loopback (aiosmtpd), in send and draft mode, with a refusing server, a closed port, STARTTLS
with a login, and a unit without an address."""

from __future__ import annotations

import csv
import re
import email
import email.policy
import socket
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from kepu.deliverables.sheets import written_digest
from kepu.flows.nightly import run
from kepu.schemas.errors import ConfigError
from tests.builders import UNITS, activity, make_city
from tests.servers.fixtures import SMTP_LOGIN

pytestmark = pytest.mark.usefixtures("prefect_harness")

EMAILS = {"D01": "shuangliu@example.org", "D01T01": "dongsheng@example.org;ds2@example.org",
          "D01T02": "jiujiang@example.org", "D02": "longquan@example.org", "S001": "yizhong@example.org",
          "X01": "yixuehui@example.org"}
"""Every unit but 洛带镇 (D02T01) has an address: its 催报 cannot be sent."""
OFFICE = "kpb@example.org"


def notices_toml(server=None, mode: str = "send", **extra) -> str:
    lines = ["", "[notices]", f'mode = "{mode}"', 'sender = "kepu@example.org"', 'sender_name = "江源市科协科普部"',
             f'office_email = "{OFFICE}"']
    if server is not None:
        lines += [f'host = "{server.host}"', f"port = {server.port}", 'tls = "none"', "timeout = 5"]
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def make_notice_city(root: Path, notices: str):
    city = make_city(root)
    with open(city.root / "units.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["unit_code", "unit_name", "unit_type", "parent_code", "aliases", "expected", "email"])
        writer.writerows([(*u, EMAILS.get(u[0], "")) for u in UNITS])
    with open(city.config, "a", encoding="utf-8") as fh:
        fh.write(notices)
    city.submit("双流区/东升街道.xlsx", "D01T01", [
        activity("科普讲座进社区", 17, 300, volunteers=12), activity("老科协专家义诊", 18, 150, "义诊咨询"),
        activity("志愿者多于参与者的活动", 19, 10, volunteers=40)])
    city.submit("市直单位/市一中.xlsx", "S001", [activity("青少年科技创新竞赛", 20, 600, "竞赛")])
    return city


def ledger(city) -> list[dict]:
    con = duckdb.connect(str(city.warehouse), read_only=True)
    try:
        cur = con.execute("select * from audit.notices order by kind, unit_code")
        return [dict(zip([d[0] for d in cur.description], row)) for row in cur.fetchall()]
    finally:
        con.close()


def by_recipient(server) -> dict[str, email.message.EmailMessage]:
    return {",".join(sorted(rcpts)): message for (_, rcpts), message in zip(server.envelopes, server.messages)}


def attachment(message) -> tuple[str, bytes]:
    (part,) = list(message.iter_attachments())
    return part.get_filename(), part.get_content()


@pytest.fixture
def server(smtp):
    smtp.clear()
    smtp.refuse = False
    yield smtp
    smtp.refuse = False
    smtp.clear()


def test_each_notice_reaches_the_server_once_across_runs(tmp_path, server):
    city = make_notice_city(tmp_path / "city", notices_toml(server))
    summary = run(city.config)

    assert summary.outcome == "published"
    report = summary.notices
    assert report.failed == [] and report.error is None
    received = by_recipient(server)
    # 回执 to the two units that sent a file, 催报 to the missing ones with an address, the office's summary
    assert sorted(received) == sorted([
        "dongsheng@example.org,ds2@example.org", "yizhong@example.org",
        "shuangliu@example.org", "jiujiang@example.org", "longquan@example.org", OFFICE])
    assert report.sent == 6 and report.no_address == ["洛带镇（催报）"]

    receipt = received["dongsheng@example.org,ds2@example.org"]
    assert receipt["Subject"] == "2023年全国科普日报表回执：东升街道"
    wire = server.raw[[m["Subject"] for m in server.messages].index(receipt["Subject"])].decode("ascii")
    assert "Subject: =?utf-8?b?" in wire  # RFC 2047
    assert re.search(r"filename\*(0\*)?=utf-8''", wire)  # RFC 2231 (continued over lines when long)
    name, data = attachment(receipt)
    kept = city.root / "out" / "2023-science-day" / "回执" / "东升街道.xlsx"
    assert name == "2023年全国科普日回执_东升街道.xlsx" and data == kept.read_bytes()
    assert "志愿者" in receipt.get_body(("plain",)).get_content()
    chase = received["jiujiang@example.org"]
    assert chase["Subject"] == "2023年全国科普日报表催报：九江街道"
    assert "报送截止日期2023年9月28日已过" in chase.get_body(("plain",)).get_content()
    office = received[OFFICE]
    name, data = attachment(office)
    assert name == "2023年全国科普日全市汇总.xlsx"
    assert data == (city.root / "out" / "2023-science-day" / "全市汇总.xlsx").read_bytes()
    text = office.get_body(("plain",)).get_content()
    assert "双流区/东升街道.xlsx" in text and "九江街道（未报送）" in text and "洛带镇（催报）" in text

    rows = ledger(city)
    assert {(r["kind"], r["unit_code"], r["status"], r["attempts"]) for r in rows} == {
        ("receipt", "D01T01", "sent", 1), ("receipt", "S001", "sent", 1), ("chase", "D01", "sent", 1),
        ("chase", "D01T02", "sent", 1), ("chase", "D02", "sent", 1), ("chase", "D02T01", "no_address", 0),
        ("summary", None, "sent", 1)}

    server.clear()
    again = run(city.config)
    assert again.outcome == "unchanged" and server.messages == []
    assert again.notices.sent == 0 and again.notices.unchanged == 6  # the summary is not due again today

    # 九江街道 reports: its 回执 goes, its 催报 is retired, the office hears of the new file; nothing else
    city.submit("双流区/九江街道.xlsx", "D01T02", [activity("实用农业技术培训班", 19, 80, "培训")],
                received=datetime(2023, 9, 27, 9, 0))
    run(city.config)
    assert sorted(by_recipient(server)) == ["jiujiang@example.org", OFFICE]
    assert by_recipient(server)["jiujiang@example.org"]["Subject"] == "2023年全国科普日报表回执：九江街道"
    rows = {(r["kind"], r["unit_code"]): r for r in ledger(city) if r["is_current"]}
    assert ("chase", "D01T02") not in rows and rows[("receipt", "D01T02")]["status"] == "sent"
    assert len([r for r in ledger(city) if r["kind"] == "summary"]) == 2


def test_draft_mode_sends_nothing_and_writes_messages_that_parse(tmp_path, server):
    city = make_notice_city(tmp_path / "city", notices_toml(server, mode="draft"))
    summary = run(city.config)

    assert summary.outcome == "published" and server.messages == []
    folder = city.root / "out" / "2023-science-day" / "通知"
    drafts = sorted(folder.glob("*.eml"))
    assert len(drafts) == summary.notices.drafted == 6
    parsed = {p.name.split("_")[0] + "_" + p.name.split("_")[1]:
              email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in drafts}
    receipt = parsed["回执_东升街道"]
    assert receipt["Subject"] == "2023年全国科普日报表回执：东升街道"
    assert [a.addr_spec for a in receipt["To"].addresses] == ["dongsheng@example.org", "ds2@example.org"]
    assert attachment(receipt)[0] == "2023年全国科普日回执_东升街道.xlsx"
    assert "核对后改为" not in receipt.get_body(("plain",)).get_content()
    assert "已起草" in parsed[next(k for k in parsed if k.startswith("每日汇总"))].get_body(("plain",)).get_content()
    assert {r["status"] for r in ledger(city)} == {"drafted", "no_address"}

    run(city.config)  # nothing new: the same drafts, not rewritten
    assert sorted(folder.glob("*.eml")) == drafts and server.messages == []

    # the clerk has checked the drafts: mode send sends exactly them, and the folder empties
    city.config.write_text(city.config.read_text(encoding="utf-8").replace('mode = "draft"', 'mode = "send"'),
                           encoding="utf-8")
    sent = run(city.config)
    assert sent.notices.sent == 6 and len(server.messages) == 6 and list(folder.glob("*.eml")) == []
    assert {r["status"] for r in ledger(city) if r["is_current"]} == {"sent", "no_address"}


def test_a_refusing_server_leaves_the_run_published_and_the_notices_are_retried(tmp_path, server):
    city = make_notice_city(tmp_path / "city", notices_toml(server))
    server.refuse = True
    summary = run(city.config)

    assert summary.outcome == "published" and server.messages == []
    assert len(summary.notices.failed) == 6 and "550" in summary.notices.failed[0]
    assert "发送失败 6 份（下次运行重试" in summary.notices.line()
    rows = [r for r in ledger(city) if r["status"] != "no_address"]
    assert {(r["status"], r["attempts"]) for r in rows} == {("failed", 1)}
    assert all("550" in r["last_error"] for r in rows)

    server.refuse = False
    retried = run(city.config)
    assert retried.notices.failed == [] and len(server.messages) == 6
    units = [r for r in ledger(city) if r["kind"] != "summary" and r["status"] != "no_address"]
    assert {(r["status"], r["attempts"]) for r in units} == {("sent", 2)}
    # the office's summary is written afresh (it no longer lists failures); the one refused is superseded
    summaries = {(r["status"], r["attempts"], r["is_current"]) for r in ledger(city) if r["kind"] == "summary"}
    assert summaries == {("failed", 1, False), ("sent", 1, True)}


def test_a_closed_port_fails_the_notices_not_the_run(tmp_path, server):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    city = make_notice_city(tmp_path / "city", notices_toml(mode="send") + f'host = "127.0.0.1"\nport = {closed}\n'
                                                                         'tls = "none"\ntimeout = 5\n')
    summary = run(city.config)

    assert summary.outcome == "published"
    assert summary.notices.sent == 0 and len(summary.notices.failed) == 6
    assert "连接被拒绝" in summary.notices.failed[0]
    assert (city.root / "out" / "2023-science-day" / "全市汇总.xlsx").exists()


def test_starttls_and_login_with_credentials_from_the_environment(tmp_path, smtp_tls, monkeypatch):
    smtp_tls.clear()
    monkeypatch.setenv("KEPU_SMTP_USER", SMTP_LOGIN[0])
    monkeypatch.setenv("KEPU_SMTP_PASSWORD", SMTP_LOGIN[1])
    city = make_notice_city(tmp_path / "city", notices_toml(
        mode="send", smtp=f"smtp://{smtp_tls.host}:{smtp_tls.port}", ca_file=smtp_tls.ca_file,
        username_env="KEPU_SMTP_USER", password_env="KEPU_SMTP_PASSWORD"))
    summary = run(city.config)

    assert summary.notices.failed == [] and summary.notices.sent == 6
    assert len(smtp_tls.messages) == 6 and smtp_tls.logins == [SMTP_LOGIN[0]]


def test_an_untrusted_certificate_is_a_failed_send(tmp_path, smtp_tls, monkeypatch):
    smtp_tls.clear()
    monkeypatch.setenv("KEPU_SMTP_USER", SMTP_LOGIN[0])
    monkeypatch.setenv("KEPU_SMTP_PASSWORD", SMTP_LOGIN[1])
    city = make_notice_city(tmp_path / "city", notices_toml(
        mode="send", smtp=f"smtp://{smtp_tls.host}:{smtp_tls.port}", username_env="KEPU_SMTP_USER",
        password_env="KEPU_SMTP_PASSWORD"))
    summary = run(city.config)

    assert summary.outcome == "published" and smtp_tls.messages == []
    assert "加密连接失败" in summary.notices.failed[0]


def test_a_credential_variable_not_set_stops_kepu_run(tmp_path, server, monkeypatch):
    monkeypatch.delenv("KEPU_SMTP_PASSWORD", raising=False)
    city = make_notice_city(tmp_path / "city", notices_toml(
        server, username_env="KEPU_SMTP_USER", password_env="KEPU_SMTP_PASSWORD"))
    with pytest.raises(ConfigError, match="KEPU_SMTP"):
        run(city.config)
    assert not city.warehouse.exists()


def test_a_receipt_is_sent_again_only_when_it_changed(tmp_path, server):
    city = make_notice_city(tmp_path / "city", notices_toml(server))
    run(city.config)
    kept = city.root / "out" / "2023-science-day" / "回执" / "东升街道.xlsx"
    first = written_digest(kept)
    server.clear()
    city.submit("双流区/东升街道_更正.xlsx", "D01T01", [activity("科普讲座进社区", 17, 320, volunteers=12)],
                received=datetime(2023, 9, 27, 9, 0))
    run(city.config)
    assert written_digest(kept) != first
    assert sorted(by_recipient(server)) == ["dongsheng@example.org,ds2@example.org", OFFICE]
