"""The office mailbox on a real Dovecot: attachments become entries, nothing is marked read."""

from __future__ import annotations

import io
import socket
import time
import zipfile
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from kepu.sources.mailbox import MailboxSource, attachment_name, header_text, read_mailbox
from kepu.sources.remote import Credentials, SourceUnavailable
from tests.servers.imap import message

ARRIVED = datetime(2023, 9, 26, 10, 15, 30, tzinfo=timezone.utc)


@pytest.fixture
def folder(imap, area):
    imap.create_folder(area)
    return area


def source_for(imap, folder, **kwargs) -> MailboxSource:
    return MailboxSource(name="报送邮箱", url=imap.url_for(folder),
                         credentials=Credentials(imap.username, imap.password), **kwargs)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def raw_message(headers: str, parts: list[tuple[str, bytes]], boundary: str = "==kepu==") -> bytes:
    """A multipart message written byte by byte, the way some clients really write them."""
    out = [headers.encode() + f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n".encode()]
    for part_headers, body in parts:
        out.append(f"--{boundary}\r\n".encode() + part_headers + b"\r\n\r\n" + body + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def test_two_attachments_are_two_entries_with_sender_subject_and_arrival(imap, folder, tmp_path):
    uid = imap.deliver(message("D01 <Shuangliu@Example.org>", "双流区科普日报表", attachments=[
        ("东升街道.xlsx", b"PK-dongsheng"), ("九江街道.xls", b"OLE-jiujiang")]), folder=folder, received_at=ARRIVED)
    listing = read_mailbox(source_for(imap, folder), tmp_path)
    assert [(e.kind, e.filename) for e in listing.entries] == [
        ("attachment", "东升街道.xlsx"), ("attachment", "九江街道.xls")]
    for entry, data in zip(listing.entries, (b"PK-dongsheng", b"OLE-jiujiang")):
        assert entry.local_path.read_bytes() == data and entry.size == len(data)
        assert entry.sender == "shuangliu@example.org" and entry.subject == "双流区科普日报表"
        assert entry.received_at == ARRIVED and entry.uid == uid and entry.message_id.startswith("<")
        assert entry.path == f"{uid}/{entry.filename}"
    assert listing.messages_new == 1 and listing.messages_unchanged == 0


def test_a_message_without_attachment_is_reported_not_dropped(imap, folder, tmp_path):
    imap.deliver(message("jiujiang@example.org", "报表见附件", "忘了加附件"), folder=folder, received_at=ARRIVED)
    (entry,) = read_mailbox(source_for(imap, folder), tmp_path).entries
    assert (entry.kind, entry.subject, entry.sender, entry.filename) == (
        "no_attachment", "报表见附件", "jiujiang@example.org", None)
    assert entry.reason == "邮件没有附件" and entry.received_at == ARRIVED


def test_reading_changes_no_flag_and_removes_nothing(imap, folder, tmp_path):
    read_uid = imap.deliver(message("a@example.org", "已读", attachments=[("a.xlsx", b"a")]), folder=folder,
                            flags="\\Seen")
    flagged_uid = imap.deliver(message("b@example.org", "加星", attachments=[("b.xlsx", b"b")]), folder=folder,
                               flags="\\Flagged")
    unread_uid = imap.deliver(message("c@example.org", "未读", attachments=[("c.xlsx", b"c")]), folder=folder)
    before = {uid: imap.flags(uid, folder=folder) - {"\\Recent"} for uid in (read_uid, flagged_uid, unread_uid)}
    listing = read_mailbox(source_for(imap, folder), tmp_path)
    assert len(listing.attachments) == 3
    after = {uid: imap.flags(uid, folder=folder) - {"\\Recent"} for uid in (read_uid, flagged_uid, unread_uid)}
    assert after == before and "\\Seen" not in after[unread_uid]
    assert imap.uids(folder) == [read_uid, flagged_uid, unread_uid]


def test_messages_already_read_are_skipped_until_the_folder_is_renumbered(imap, folder, tmp_path):
    imap.deliver(message("a@example.org", "一", attachments=[("a.xlsx", b"a")]), folder=folder)
    source = source_for(imap, folder)
    first = read_mailbox(source, tmp_path)
    new_uid = imap.deliver(message("b@example.org", "二", attachments=[("b.xlsx", b"b")]), folder=folder)
    second = read_mailbox(source, tmp_path, seen={e.message for e in first.entries})
    assert [e.uid for e in second.entries] == [new_uid]
    assert (second.messages_new, second.messages_unchanged) == (1, 1)
    renumbered = {(first.uidvalidity + 1, uid) for _, uid in {e.message for e in first.entries}}
    assert read_mailbox(source, tmp_path, seen=renumbered).messages_new == 2


def test_names_as_chinese_mail_clients_write_them(imap, folder, tmp_path):
    gbk_raw = "珺园社区.xlsx".encode("gbk")
    utf8_raw = "洛带镇.xlsx".encode("utf-8")
    outlook_word = "=?gb2312?B?" + __import__("base64").b64encode("喆堃学会.xls".encode("gbk")).decode() + "?="
    rfc2231_gbk = "".join(f"%{b:02X}" for b in "东升街道.xlsx".encode("gbk"))
    subject = "=?gb2312?B?" + __import__("base64").b64encode("昇平镇报表".encode("gbk")).decode() + "?="
    raw = raw_message(
        f"From: =?gbk?B?{__import__('base64').b64encode('白沙镇'.encode('gbk')).decode()}?= <baisha@example.org>\r\n"
        f"To: kpb@example.org\r\nSubject: {subject}\r\nMessage-ID: <gbk-1@example.org>\r\n"
        "Date: Tue, 26 Sep 2023 18:15:30 +0800\r\n",
        [(b"Content-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: base64", b"xOO6ww=="),
         (b'Content-Type: application/octet-stream; name="' + gbk_raw + b'"\r\n'
          b'Content-Disposition: attachment; filename="' + gbk_raw + b'"\r\nContent-Transfer-Encoding: base64',
          b"UEstZ2Jr"),
         (b'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="' + utf8_raw +
          b'"\r\nContent-Transfer-Encoding: base64', b"UEstdXRmOA=="),
         (f'Content-Type: application/vnd.ms-excel; name="{outlook_word}"\r\n'
          f'Content-Disposition: attachment; filename="{outlook_word}"\r\nContent-Transfer-Encoding: base64'.encode(),
          b"T0xF"),
         (f"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
          f"filename*=gbk''{rfc2231_gbk}\r\nContent-Transfer-Encoding: base64".encode(), b"UEstMjIzMQ=="),
         ])
    imap.deliver(raw, folder=folder, received_at=ARRIVED)
    listing = read_mailbox(source_for(imap, folder), tmp_path)
    assert [e.filename for e in listing.attachments] == ["珺园社区.xlsx", "洛带镇.xlsx", "喆堃学会.xls", "东升街道.xlsx"]
    assert {e.subject for e in listing.entries} == {"昇平镇报表"}
    assert {e.sender for e in listing.entries} == {"baisha@example.org"}
    assert [e.local_path.read_bytes() for e in listing.attachments] == [b"PK-gbk", b"PK-utf8", b"OLE", b"PK-2231"]


def test_inline_images_are_ignored_and_reported(imap, folder, tmp_path):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "school@example.org", "kpb@example.org", "市一中报表"
    mail.set_content("见附件")
    mail.add_alternative('<p>见附件</p><img src="cid:sig001">', subtype="html")
    html = mail.get_payload()[1]
    html.add_related(b"\x89PNG fake", maintype="image", subtype="png", cid="<sig001>", filename="image001.png")
    mail.add_attachment(b"PK-school", maintype="application", subtype="octet-stream", filename="市一中.xlsx")
    imap.deliver(mail, folder=folder)
    listing = read_mailbox(source_for(imap, folder), tmp_path)
    assert [(e.kind, e.filename) for e in listing.entries] == [("ignored", "image001.png"), ("attachment", "市一中.xlsx")]
    assert "内嵌图片" in listing.entries[0].reason and listing.entries[0].local_path is None


def test_a_forwarded_bundle_keeps_both_senders(imap, folder, tmp_path):
    bundle = zip_bytes({"东升街道.xlsx": b"PK-a", "九江街道.xlsx": b"PK-b"})
    town = message("Dongsheng <dongsheng@example.org>", "东升街道报表", attachments=[("东升九江.zip", bundle)],
                   to="shuangliu@example.org")
    forward = message("shuangliu@example.org", "Fwd: 东升街道报表", "转发")
    forward.add_attachment(town)
    resent = message("shuangliu@example.org", "转发：报表", attachments=[("东升九江.zip", bundle, "application", "zip")])
    imap.deliver(forward, folder=folder)
    imap.deliver(resent, folder=folder)
    listing = read_mailbox(source_for(imap, folder), tmp_path)
    got = [(e.filename, e.sender, e.original_sender, e.local_path.read_bytes() == bundle) for e in listing.attachments]
    assert got == [("东升九江.zip", "shuangliu@example.org", "dongsheng@example.org", True),
                   ("东升九江.zip", "shuangliu@example.org", None, True)]


def test_a_message_over_the_size_limit_is_reported_without_download(imap, folder, tmp_path):
    imap.deliver(message("big@example.org", "大文件", attachments=[("big.xlsx", b"x" * 50_000)]), folder=folder)
    (entry,) = read_mailbox(source_for(imap, folder, max_message_bytes=10_000), tmp_path).entries
    assert entry.kind == "rejected" and "大小超过上限" in entry.reason
    assert not list(tmp_path.iterdir())


def test_many_messages_are_fetched_in_batches_over_several_connections(imap, folder, tmp_path):
    for i in range(60):
        imap.deliver(message(f"u{i}@example.org", f"报表{i}", attachments=[(f"单位{i}.xlsx", f"data {i}".encode())]),
                     folder=folder, received_at=ARRIVED + timedelta(minutes=i))
    listing = read_mailbox(source_for(imap, folder, workers=3), tmp_path)
    assert [e.filename for e in listing.attachments] == [f"单位{i}.xlsx" for i in range(60)]
    assert [e.received_at for e in listing.attachments] == [ARRIVED + timedelta(minutes=i) for i in range(60)]
    assert len({e.sha256 for e in listing.attachments}) == 60


def test_imaps_checks_the_certificate(imap, folder, tmp_path):
    imap.deliver(message("a@example.org", "TLS", attachments=[("a.xlsx", b"a")]), folder=folder)
    trusted = MailboxSource(name="报送邮箱", url=imap.url_for(folder, tls=True), ca_file=str(imap.cafile),
                            credentials=Credentials(imap.username, imap.password))
    assert len(read_mailbox(trusted, tmp_path).attachments) == 1
    untrusted = MailboxSource(name="报送邮箱", url=imap.url_for(folder, tls=True),
                              credentials=Credentials(imap.username, imap.password))
    with pytest.raises(SourceUnavailable, match="证书"):
        read_mailbox(untrusted, tmp_path)


def test_wrong_password_missing_folder_and_no_server_are_unavailable_quickly(imap, folder, tmp_path):
    started = time.monotonic()
    wrong = MailboxSource(name="报送邮箱", url=imap.url_for(folder), credentials=Credentials(imap.username, "wrong-pw"))
    with pytest.raises(SourceUnavailable) as caught:
        read_mailbox(wrong, tmp_path)
    assert caught.value.reason == "用户名或密码被拒绝" and "wrong-pw" not in str(caught.value)
    with pytest.raises(SourceUnavailable, match="没有文件夹"):
        read_mailbox(source_for(imap, "no-such-folder"), tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nowhere = MailboxSource(name="报送邮箱", url=f"imap://127.0.0.1:{port}/INBOX", credentials=Credentials("u", "p"))
    with pytest.raises(SourceUnavailable, match="无法连接"):
        read_mailbox(nowhere, tmp_path)
    assert time.monotonic() - started < 5


def test_header_and_name_decoding_without_a_server():
    assert header_text("=?gb2312?B?" + __import__("base64").b64encode("珺".encode("gbk")).decode() + "?=") == "珺"
    assert header_text("=?utf-8?Q?=E6=8A=A5=E8=A1=A8?= 2023") == "报表 2023"
    part = EmailMessage()
    part["Content-Disposition"] = "attachment; filename=\"..\\\\..\\\\evil.xlsx\""
    assert attachment_name(part) == "evil.xlsx"


def test_a_mailbox_of_bundles_gbk_zip_and_7z(imap, folder, tmp_path):
    """What a district really sends: its towns' files in a Windows zip (GBK names) and in a 7z."""
    from kepu.sources.bundles import is_bundle, open_bundle
    from tests.sources.test_bundles import seven_zip, windows_zip

    imap.deliver(message("shuangliu@example.org", "双流区各街道报表", attachments=[
        ("双流区.zip", windows_zip({"东升街道.xlsx": b"PK-a", "九江街道/九江街道.xlsx": b"PK-b"}), "application", "zip"),
        ("龙泉区.7z", seven_zip({"洛带镇.xlsx": b"PK-c"}), "application", "x-7z-compressed")]),
        folder=folder, received_at=ARRIVED)
    listing = read_mailbox(source_for(imap, folder), tmp_path / "mail")
    members = {}
    for entry in listing.attachments:
        assert is_bundle(entry.filename)
        result = open_bundle(entry.local_path, entry.filename, tmp_path / "members")
        members.update({m.path: m.local_path.read_bytes() for m in result.members})
    assert members == {"双流区.zip/东升街道.xlsx": b"PK-a", "双流区.zip/九江街道/九江街道.xlsx": b"PK-b",
                       "龙泉区.7z/洛带镇.xlsx": b"PK-c"}
