"""Listing a local folder: every entry in every sub-folder, with its path, size and time — and every hostile
entry (GBK bytes for a name, links, loops, FIFOs, sockets, devices, junk, an unreadable sub-folder) an entry of
its own with a status and a reason, never an error and never a silent skip (issue #11)."""

from __future__ import annotations

import os
import socket
import stat
from datetime import datetime

import pytest

from kepu.schemas.vocabulary import OFFICE_TZ
from kepu.sources.folder import FolderMissing, list_folder, readable_name
from kepu.sources.folder import _kind
from tests.sources.unprivileged import as_unprivileged

GBK_NAME = "东升街道报表.xlsx".encode("gbk")


def entries(listing) -> dict[str, tuple[str, str | None]]:
    return {e.path: (e.status, e.reason) for e in listing.entries}


def test_every_file_is_listed_with_what_the_run_needs(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "双流区" / "东升街道").mkdir(parents=True)
    (inbox / "双流区" / "东升街道" / "报表.XLSX").write_bytes(b"12345")
    (inbox / "照片说明.docx").write_bytes(b"x")
    stamp = datetime(2023, 9, 26, 10, 30, tzinfo=OFFICE_TZ).timestamp()
    os.utime(inbox / "双流区" / "东升街道" / "报表.XLSX", (stamp, stamp))

    listing = list_folder(inbox)

    assert [e.path for e in listing.entries] == ["双流区/东升街道/报表.XLSX", "照片说明.docx"]
    report = listing.entries[0]
    assert (report.size, report.mtime, report.status) == (5, stamp, "")
    assert report.location == inbox / "双流区" / "东升街道" / "报表.XLSX"
    assert report.change_token == f"mtime:{int(stamp * 1e9)}"


def test_seen_entries_cost_a_listing_and_a_changed_one_is_listed_again(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(50):
        (inbox / f"单位{n}.xlsx").write_bytes(b"x" * n)
    first = list_folder(inbox)
    seen = {e.key for e in first.entries}

    (inbox / "单位7.xlsx").write_bytes(b"changed")
    again = list_folder(inbox, seen=seen)

    assert (again.total, again.unchanged, [e.path for e in again.entries]) == (50, 49, ["单位7.xlsx"])


def test_a_gbk_name_from_unzip_is_shown_readably_and_opened_by_its_bytes(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    raw = os.path.join(os.fsencode(inbox), GBK_NAME)
    with open(raw, "wb") as fh:
        fh.write(b"PK-data")
    (inbox / "正常.xlsx").write_bytes(b"PK")
    undecodable = os.path.join(os.fsencode(inbox), b"\xff\xfe\xfa.xlsx")
    with open(undecodable, "wb") as fh:
        fh.write(b"PK-odd")

    listing = list_folder(inbox)

    paths = [e.path for e in listing.entries]
    assert "东升街道报表.xlsx" in paths and "正常.xlsx" in paths
    odd = next(p for p in paths if p.endswith(".xlsx") and p not in ("东升街道报表.xlsx", "正常.xlsx"))
    odd.encode("utf-8")  # every shown name is valid text for the warehouse and the terminal
    gbk = next(e for e in listing.entries if e.path == "东升街道报表.xlsx")
    assert gbk.location.read_bytes() == b"PK-data" and gbk.status == ""
    assert readable_name(os.fsdecode(GBK_NAME)) == "东升街道报表.xlsx"


def test_links_are_followed_inside_the_folder_only_and_loops_are_named(tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "secret"
    (inbox / "双流区").mkdir(parents=True)
    outside.mkdir()
    (outside / "passwd.xlsx").write_bytes(b"secret")
    (inbox / "双流区" / "东升街道.xlsx").write_bytes(b"PK")
    (inbox / "链接.xlsx").symlink_to(inbox / "双流区" / "东升街道.xlsx")
    (inbox / "区县链接").symlink_to(inbox / "双流区")
    (inbox / "外部.xlsx").symlink_to(outside / "passwd.xlsx")
    (inbox / "外部目录").symlink_to(outside)
    (inbox / "断开.xlsx").symlink_to(inbox / "不存在.xlsx")
    (inbox / "双流区" / "上级").symlink_to(inbox)
    (inbox / "自指").symlink_to(inbox / "自指")

    found = entries(list_folder(inbox))

    assert found["双流区/东升街道.xlsx"] == ("", None)
    assert found["链接.xlsx"] == ("", None)
    assert found["区县链接/东升街道.xlsx"] == ("", None)
    assert found["外部.xlsx"][0] == "rejected" and "以外" in found["外部.xlsx"][1]
    assert found["外部目录"][0] == "rejected" and "以外" in found["外部目录"][1]
    assert found["断开.xlsx"] == ("rejected", "符号链接指向的文件不存在（断开的链接）")
    assert found["双流区/上级"][0] == "rejected" and "循环" in found["双流区/上级"][1]
    assert found["自指"][0] == "rejected" and "循环" in found["自指"][1]
    assert not any("passwd" in p for p in found)


def test_fifos_sockets_and_devices_are_ignored_with_their_kind(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.mkfifo(inbox / "管道.xlsx")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(inbox / "套接字"))
    try:
        found = entries(list_folder(inbox))
    finally:
        server.close()
    assert found["管道.xlsx"] == ("ignored", "不是普通文件（命名管道），未读取")
    assert found["套接字"] == ("ignored", "不是普通文件（套接字），未读取")
    try:
        os.mknod(inbox / "设备", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:  # a container without CAP_MKNOD: the classification itself
        assert _kind(stat.S_IFCHR | 0o600) == _kind(stat.S_IFBLK | 0o600) == "设备文件"
        return
    assert entries(list_folder(inbox))["设备"] == ("ignored", "不是普通文件（设备文件），未读取")


def test_office_junk_is_ignored_with_a_reason(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "双流区" / "__MACOSX").mkdir(parents=True)
    for name in ("~$报表.xlsx", "Thumbs.db", ".DS_Store", "desktop.ini", "报表.xlsx.crdownload", "报表.xlsx.part",
                 "报表.tmp", "双流区/__MACOSX/._报表.xlsx"):
        (inbox / name).write_bytes(b"x")
    (inbox / "报表.xlsx").write_bytes(b"PK")

    found = entries(list_folder(inbox))

    assert found.pop("报表.xlsx") == ("", None)
    assert found.pop("双流区/__MACOSX") == ("ignored", "苹果系统生成的附属文件，不是报送文件")
    assert found["~$报表.xlsx"] == ("ignored", "办公软件的临时锁定文件，不是报送文件")
    assert found["报表.xlsx.part"] == ("ignored", "未下载完成的临时文件，不是报送文件")
    assert {status for status, _ in found.values()} == {"ignored"} and len(found) == 7


def test_the_glob_leaves_files_out_and_counts_them(tmp_path):
    from kepu.sources.remote import glob_matcher

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(b"x")
    (inbox / "b.pdf").write_bytes(b"x")

    listing = list_folder(inbox, glob=glob_matcher("*.xlsx"))

    assert ([e.path for e in listing.entries], listing.outside_glob) == (["a.xlsx"], 1)


def test_a_missing_or_unmounted_folder_is_the_source_unavailable(tmp_path):
    with pytest.raises(FolderMissing, match="不存在"):
        list_folder(tmp_path / "nowhere")
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(FolderMissing, match="不是文件夹"):
        list_folder(tmp_path / "file")


def test_an_unreadable_sub_folder_is_an_entry_and_the_rest_is_listed(shared_dir):
    inbox = shared_dir
    (inbox / "锁住").mkdir()
    (inbox / "锁住" / "东升街道.xlsx").write_bytes(b"PK")
    (inbox / "九江街道.xlsx").write_bytes(b"PK")
    os.chmod(inbox / "锁住", 0o000)
    try:
        found = as_unprivileged(lambda: entries(list_folder(inbox)))
        if os.geteuid() == 0:  # root itself reads it: the child really was an ordinary user
            assert entries(list_folder(inbox))["锁住/东升街道.xlsx"] == ("", None)
    finally:
        os.chmod(inbox / "锁住", 0o755)
    assert found == {"九江街道.xlsx": ("", None), "锁住": ("rejected", "文件夹无法读取（权限不足）")}
