"""Taking in one source: what each kind of entry becomes (a kept content to parse, or an entry decided at the
source), what a second night costs, and a source that cannot be read as a whole. Real servers on loopback."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kepu.schemas.files import entry_id
from kepu.sources.books import ReadError, read_book
from kepu.sources.intake import Limits, SourceConfig, take_in_source
from kepu.sources.remote import SourceUnavailable
from tests.fixtures.archives import seven_zip, windows_zip, zip_bytes
from tests.fixtures.narratives import HOSTILE, paragraphs, write_docx
from tests.servers.imap import message
from tests.servers.records import closed_port
from tests.sources.unprivileged import as_unprivileged, give_away

STAMP = datetime(2023, 9, 26, 2, 0, tzinfo=timezone.utc).timestamp()


def outcome(haul) -> dict[str, tuple]:
    return {f.source_path: (f.status, f.reject_code, f.has_content) for f in haul.files}


def folder_source(root: Path, **kwargs) -> SourceConfig:
    return SourceConfig(name="共享", url=root.as_uri(), **kwargs)


def put(root: Path, path: str, data: bytes) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    os.utime(target, (STAMP, STAMP))


def test_a_folder_gives_contents_to_parse_and_entries_decided_on_the_spot(tmp_path):
    root, store = tmp_path / "share", tmp_path / "warehouse" / "files"
    put(root, "双流区/东升街道.xlsx", b"PK-dongsheng")
    put(root, "双流区/副本/东升街道.xlsx", b"PK-dongsheng")
    put(root, "空表一.xlsx", b"")
    put(root, "空表二.csv", b"")
    put(root, "~$东升街道.xlsx", b"lock")
    put(root, "说明.docx", b"doc")
    put(root, "双流区/街道汇总.zip", windows_zip({"九江街道.xlsx": b"PK-jiujiang", "../../etc/passwd.xlsx": b"x",
                                                   "内层.7z": seven_zip({"洛带镇.xlsx": b"PK-luodai"}),
                                                   "空.xlsx": b"", "desktop.ini": b"x"}))
    put(root, "损坏.zip", b"PK\x03\x04 truncated")
    (root / "断开.xlsx").symlink_to(root / "没有.xlsx")

    haul = take_in_source(folder_source(root), frozenset(), store)

    assert outcome(haul) == {
        "双流区/东升街道.xlsx": ("", None, True),
        "双流区/副本/东升街道.xlsx": ("", None, True),
        "空表一.xlsx": ("rejected", "file_empty", False),
        "空表二.csv": ("rejected", "file_empty", False),
        "~$东升街道.xlsx": ("ignored", None, False),
        "说明.docx": ("", None, True),
        "双流区/街道汇总.zip/九江街道.xlsx": ("", None, True),
        "双流区/街道汇总.zip/../../etc/passwd.xlsx": ("rejected", "bundle_unreadable", False),
        "双流区/街道汇总.zip/内层.7z/洛带镇.xlsx": ("", None, True),
        "双流区/街道汇总.zip/空.xlsx": ("rejected", "file_empty", False),
        "双流区/街道汇总.zip/desktop.ini": ("ignored", None, False),
        "损坏.zip": ("rejected", "bundle_unreadable", True),
        "断开.xlsx": ("rejected", "file_inaccessible", False),
    }
    files = {f.source_path: f for f in haul.files}
    assert files["空表一.xlsx"].sha256 != files["空表二.csv"].sha256, "two empty files are not copies of each other"
    assert files["空表一.xlsx"].sha256 == entry_id("共享", "空表一.xlsx")
    member = files["双流区/街道汇总.zip/内层.7z/洛带镇.xlsx"]
    assert member.location.read_bytes() == b"PK-luodai" and member.location.is_relative_to(store)
    assert (member.path, member.member, member.entry_path) == (
        "共享/双流区/街道汇总.zip/内层.7z/洛带镇.xlsx", "内层.7z/洛带镇.xlsx", "双流区/街道汇总.zip")
    assert member.received_at == files["双流区/东升街道.xlsx"].received_at, "a member is received with its bundle"
    assert files["断开.xlsx"].change_token is None, "what could not be reached is tried again next night"
    assert (haul.listed, haul.unchanged, haul.fetched) == (9, 0, 5)
    assert not list((store / ".incoming").rglob("*.*")), "nothing is left on its way in"

    again = take_in_source(folder_source(root), frozenset((f.entry_path, f.entry_size, f.change_token)
                                                          for f in haul.files if f.change_token), store)

    assert (again.listed, again.unchanged, again.fetched) == (9, 8, 0)
    assert outcome(again) == {"断开.xlsx": ("rejected", "file_inaccessible", False)}


def test_an_unreadable_file_fails_only_itself_as_an_ordinary_user(shared_dir):
    root, store = shared_dir / "inbox", shared_dir / "warehouse" / "files"
    put(root, "东升街道.xlsx", b"PK-dongsheng")
    put(root, "九江街道.xlsx", b"PK-jiujiang")
    store.mkdir(parents=True)
    give_away(shared_dir)
    os.chmod(root / "九江街道.xlsx", 0o000)

    haul = as_unprivileged(lambda: take_in_source(folder_source(root), frozenset(), store))

    files = {f.source_path: f for f in haul.files}
    assert (files["九江街道.xlsx"].status, files["九江街道.xlsx"].reason) == ("rejected", "无权读取（文件权限不足）")
    assert files["九江街道.xlsx"].change_token is None
    assert files["东升街道.xlsx"].status == "" and files["东升街道.xlsx"].location.read_bytes() == b"PK-dongsheng"


def test_a_file_over_the_size_limit_is_refused_without_keeping_a_byte(tmp_path):
    root, store = tmp_path / "share", tmp_path / "files"
    put(root, "大.xlsx", b"x" * 2048)
    haul = take_in_source(folder_source(root), frozenset(), store, limits=Limits(max_bytes=1024))
    (big,) = haul.files
    assert (big.status, big.reject_code) == ("rejected", "file_inaccessible") and "大小上限" in big.reason
    assert not [p for p in store.rglob("*") if p.is_file()]


@pytest.fixture(params=["sftp", "s3", "webdav"])
def remote(request, area, monkeypatch):
    server = request.getfixturevalue(request.param)
    monkeypatch.setenv("KEPU_TEST_USER", server.username)
    monkeypatch.setenv("KEPU_TEST_PASSWORD", server.password)
    config = SourceConfig(name=request.param, url=server.url_for(area), endpoint=server.options.get("endpoint"),
                          username_env="KEPU_TEST_USER", password_env="KEPU_TEST_PASSWORD", timeout_s=5)
    return server, area, config


def test_a_file_store_fetches_only_what_it_has_not_seen(remote, tmp_path):
    server, area, config = remote
    for path, data in {"双流区/东升街道.xlsx": b"PK-dongsheng", "双流区/Thumbs.db": b"junk", "空.xlsx": b"",
                       "汇总.zip": zip_bytes({"九江街道.xlsx": b"PK-jiujiang"})}.items():
        server.put(f"{area}/{path}", data, mtime=STAMP)
    store = tmp_path / "files"

    first = take_in_source(config, frozenset(), store)

    assert outcome(first) == {"双流区/东升街道.xlsx": ("", None, True), "双流区/Thumbs.db": ("ignored", None, False),
                              "空.xlsx": ("rejected", "file_empty", False), "汇总.zip/九江街道.xlsx": ("", None, True)}
    assert (first.listed, first.fetched) == (4, 2), "junk and empty files are decided from the listing, not fetched"
    seen = frozenset((f.entry_path, f.entry_size, f.change_token) for f in first.files)
    server.put(f"{area}/双流区/九江街道.xlsx", b"PK-new", mtime=STAMP)

    second = take_in_source(config, seen, store)

    assert (second.listed, second.unchanged, second.fetched) == (5, 4, 1)
    assert outcome(second) == {"双流区/九江街道.xlsx": ("", None, True)}
    assert server.read(f"{area}/汇总.zip") is not None, "nothing at the source is moved or deleted"


def test_a_refused_password_and_an_unreachable_store_make_the_source_unavailable(remote, tmp_path, monkeypatch):
    server, area, config = remote
    server.put(f"{area}/a.xlsx", b"PK", mtime=STAMP)
    monkeypatch.setenv("KEPU_TEST_PASSWORD", "wrong-" + server.password)
    with pytest.raises(SourceUnavailable) as refused:
        take_in_source(config, frozenset(), tmp_path / "files")
    assert refused.value.source == config.name and server.password not in str(refused.value)
    unreachable = SourceConfig(name="断网", url=f"{config.scheme}://127.0.0.1:{closed_port()}/x"
                               if config.scheme != "s3" else config.url, endpoint=(
                                   f"http://127.0.0.1:{closed_port()}" if config.scheme == "s3" else None),
                               username_env="KEPU_TEST_USER", password_env="KEPU_TEST_PASSWORD", timeout_s=3)
    with pytest.raises(SourceUnavailable, match="断网"):
        take_in_source(unreachable, frozenset(), tmp_path / "files")
    assert not list((tmp_path / "files" / ".incoming").rglob("*.*"))


def test_a_mailbox_message_by_message(imap, area, tmp_path, monkeypatch):
    monkeypatch.setenv("KEPU_TEST_USER", imap.username)
    monkeypatch.setenv("KEPU_TEST_PASSWORD", imap.password)
    imap.create_folder(area)
    arrived = datetime(2023, 9, 27, 8, 0, tzinfo=timezone.utc)
    for sender, subject, attachments in [
        ("a@example.org", "两份报表", [("东升街道.xlsx", b"PK-1"), ("九江街道.xls", b"OLE-2")]),
        ("b@example.org", "扫描件", [("盖章报表.pdf", b"%PDF-1.4")]),
        ("c@example.org", "报表和说明", [("洛带镇.csv", "单位,活动\n".encode("gbk")), ("说明.docx", b"PK-doc"),
                                       ("现场照片.jpg", b"\xff\xd8\xff")]),
        ("d@example.org", "压缩包", [("汇总.7z", seven_zip({"西河镇.xlsx": b"PK-3"}))]),
        ("e@example.org", "忘了附件", []),
    ]:
        imap.deliver(message(sender, subject, attachments=attachments), folder=area, received_at=arrived)
    config = SourceConfig(name="邮箱", url=imap.url_for(area), username_env="KEPU_TEST_USER",
                          password_env="KEPU_TEST_PASSWORD")

    haul = take_in_source(config, frozenset(), tmp_path / "files")

    got = {f.source_path.split("/", 1)[1]: (f.status, f.sender, f.subject) for f in haul.files}
    assert got == {
        "东升街道.xlsx": ("", "a@example.org", "两份报表"), "九江街道.xls": ("", "a@example.org", "两份报表"),
        "盖章报表.pdf": ("", "b@example.org", "扫描件"),  # alone in its message: parsed, rejected with a reason
        "洛带镇.csv": ("", "c@example.org", "报表和说明"), "说明.docx": ("", "c@example.org", "报表和说明"),
        "现场照片.jpg": ("ignored", "c@example.org", "报表和说明"),  # beside a submission
        "汇总.7z/西河镇.xlsx": ("", "d@example.org", "压缩包"),
        "（无附件）": ("ignored", "e@example.org", "忘了附件"),
    }
    assert {f.received_at for f in haul.files} == {datetime(2023, 9, 27, 16, 0)}
    assert (haul.listed, haul.fetched) == (5, 5)
    seen = frozenset((f.entry_path, f.entry_size, f.change_token) for f in haul.files)

    again = take_in_source(config, seen, tmp_path / "files")

    assert (again.listed, again.unchanged, again.fetched, again.files) == (5, 5, 0, [])


def test_a_gbk_name_on_an_sftp_server_is_fetched_by_its_bytes_and_shown_readably(sftp, area, tmp_path, monkeypatch):
    """What `unzip` of a Chinese zip leaves on a Linux drop box: paramiko alone gives up on the whole folder."""
    monkeypatch.setenv("KEPU_TEST_USER", sftp.username)
    monkeypatch.setenv("KEPU_TEST_PASSWORD", sftp.password)
    folder = Path(sftp.root) / area / "双流区"
    folder.mkdir(parents=True)
    with open(os.path.join(os.fsencode(folder), "东升街道.xlsx".encode("gbk")), "wb") as fh:
        fh.write(b"PK-dongsheng")
    (folder / "九江街道.xlsx").write_bytes(b"PK-jiujiang")
    config = SourceConfig(name="投递箱", url=sftp.url_for(area), username_env="KEPU_TEST_USER",
                          password_env="KEPU_TEST_PASSWORD")

    haul = take_in_source(config, frozenset(), tmp_path / "files")

    got = {f.source_path: f.location.read_bytes() for f in haul.files}
    assert got == {"双流区/东升街道.xlsx": b"PK-dongsheng", "双流区/九江街道.xlsx": b"PK-jiujiang"}
    seen = frozenset((f.entry_path, f.entry_size, f.change_token) for f in haul.files)
    assert take_in_source(config, seen, tmp_path / "files").unchanged == 2


def test_a_summary_by_mail_is_taken_and_read_exactly_as_from_a_folder(imap, area, tmp_path, monkeypatch):
    """SPEC §3.13 by mail (issue #21): a .docx or .txt 总结 is a submission, alone or beside a form; the same bytes
    read from the mailbox and from a folder give the same paragraphs, or the same refusal (entity, bomb, macros,
    a .doc that is RTF or HTML) in bounded time. Photos beside a 总结 and Exchange's ATT00001.txt are not."""
    monkeypatch.setenv("KEPU_TEST_USER", imap.username)
    monkeypatch.setenv("KEPU_TEST_PASSWORD", imap.password)
    imap.create_folder(area)
    summary = write_docx(tmp_path / "docs" / "洛带镇总结.docx", ["洛带镇2023年全国科普日活动总结", *paragraphs(6),
                                                               "洛带镇人民政府", "2023年9月22日"]).read_bytes()
    report = "\r\n".join(["九江街道科普日活动情况报告", "街道举办科普展览1场，参观群众800余人。"]).encode("gbk")
    messages = [
        ("a@example.org", "总结和照片", [("洛带镇总结.docx", summary), ("现场.jpg", b"\xff\xd8\xff\xe0JFIF")]),
        ("b@example.org", "报表和总结", [("九江街道.csv", "单位,活动\n".encode("gbk")), ("情况报告.txt", report),
                                       ("ATT00001.txt", b"\r\n")]),
        *((f"{name}@example.org", name, [(relpath, data())]) for name, relpath, data, _, _ in HOSTILE),
    ]
    arrived = datetime(2023, 9, 27, 8, 0, tzinfo=timezone.utc)
    for sender, subject, attachments in messages:
        imap.deliver(message(sender, subject, attachments=attachments), folder=area, received_at=arrived)
        for name, data in attachments:
            put(tmp_path / "share" / subject, name, data)
    config = SourceConfig(name="邮箱", url=imap.url_for(area), username_env="KEPU_TEST_USER",
                          password_env="KEPU_TEST_PASSWORD")

    by_mail = take_in_source(config, frozenset(), tmp_path / "mail-files")
    by_folder = take_in_source(folder_source(tmp_path / "share"), frozenset(), tmp_path / "folder-files")

    decided = {(f.subject, f.source_path.split("/", 1)[1]): (f.status, f.has_content) for f in by_mail.files}
    assert decided[("总结和照片", "洛带镇总结.docx")] == ("", True)
    assert decided[("总结和照片", "现场.jpg")][0] == "ignored"
    assert decided[("报表和总结", "情况报告.txt")] == ("", True) and decided[("报表和总结", "九江街道.csv")] == ("", True)
    assert decided[("报表和总结", "ATT00001.txt")][0] == "ignored"
    mail_read = {(f.subject, f.source_path.split("/", 1)[1]): _reading(f) for f in by_mail.files if f.has_content}
    folder_read = {tuple(f.source_path.split("/", 1)): _reading(f) for f in by_folder.files
                   if f.has_content and f.source_path.split("/", 1)[1] not in ("现场.jpg", "ATT00001.txt")}
    assert mail_read == folder_read
    assert mail_read[("总结和照片", "洛带镇总结.docx")][:2] == ("read", "洛带镇2023年全国科普日活动总结")
    assert mail_read[("报表和总结", "情况报告.txt")][:2] == ("read", "九江街道科普日活动情况报告")
    for name, relpath, _, code, says in HOSTILE:
        got, detail, quick = mail_read[(name, relpath)]
        assert (got, quick) == (code, True), (name, detail)


def _reading(f) -> tuple:
    """What the reader makes of a kept file: ("read", its first paragraph) or (issue code, reason), and the time."""
    started = time.monotonic()
    try:
        book = read_book(f.location, f.path)
        return "read", book.paragraphs[0] if book.paragraphs else None, time.monotonic() - started < 10
    except ReadError as refused:
        return refused.code, refused.detail, time.monotonic() - started < 10
