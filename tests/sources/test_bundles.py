"""Bundles as districts send them, and as an attacker would: each case named for what it shows."""

from __future__ import annotations

import struct
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from kepu.sources.bundles import BundleLimits, is_bundle, junk_reason, open_bundle
from tests.fixtures.archives import seven_zip, windows_zip, zip_bytes
from tests.servers.debian import ensure_tools

RAR = Path(__file__).parents[1] / "fixtures" / "rar"


def open_bytes(tmp_path: Path, name: str, data: bytes, **limits):
    path = tmp_path / "received" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return open_bundle(path, name, tmp_path / "out", limits=BundleLimits(**limits) if limits else BundleLimits())


def contents(result) -> dict[str, bytes]:
    return {m.path: m.local_path.read_bytes() for m in result.members}


def test_gbk_member_names_from_windows(tmp_path):
    result = open_bytes(tmp_path, "双流区.zip", windows_zip({"东升街道/东升街道科普日报表.xlsx": b"PK-a",
                                                          "珺园社区.xls": b"OLE-b"}))
    assert contents(result) == {"双流区.zip/东升街道/东升街道科普日报表.xlsx": b"PK-a", "双流区.zip/珺园社区.xls": b"OLE-b"}
    assert result.error is None and result.rejected == ()


def test_utf8_member_names_and_archive_times(tmp_path):
    result = open_bytes(tmp_path, "龙泉区.zip", zip_bytes({"洛带镇.xlsx": b"PK"}, when=(2023, 9, 25, 17, 40, 0)))
    (member,) = result.members
    assert member.path == "龙泉区.zip/洛带镇.xlsx" and member.size == 2
    assert member.modified == datetime(2023, 9, 25, 17, 40)  # a zip records the packing machine's wall clock
    assert member.local_path.parent == tmp_path / "out" and member.local_path.name != "洛带镇.xlsx"


def test_a_seven_zip_bundle(tmp_path):
    result = open_bytes(tmp_path, "镇街.7z", seven_zip({"东升街道.xlsx": b"PK-a", "sub/九江街道.csv": "单位,人数\n".encode()}))
    assert contents(result) == {"镇街.7z/东升街道.xlsx": b"PK-a", "镇街.7z/sub/九江街道.csv": "单位,人数\n".encode()}
    assert all(m.modified is not None and m.modified.tzinfo is not None for m in result.members)


def test_bundles_inside_bundles_to_a_fixed_depth(tmp_path):
    level4 = zip_bytes({"太深.xlsx": b"deep"})
    level3 = zip_bytes({"第三层.xlsx": b"3", "第四层.zip": level4})
    level2 = seven_zip({"第二层.xlsx": b"2", "第三层.zip": level3})
    level1 = zip_bytes({"第一层.xlsx": b"1", "第二层.7z": level2})
    result = open_bytes(tmp_path, "市.zip", level1)
    assert contents(result) == {"市.zip/第一层.xlsx": b"1", "市.zip/第二层.7z/第二层.xlsx": b"2",
                                "市.zip/第二层.7z/第三层.zip/第三层.xlsx": b"3"}
    assert [(r.path, r.reason) for r in result.rejected] == [
        ("市.zip/第二层.7z/第三层.zip/第四层.zip", "压缩包嵌套超过 3 层，未解开")]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(m.local_path.name for m in result.members)


def test_folders_and_os_junk_are_reported_as_ignored(tmp_path):
    data = zip_bytes({"东升街道/": b"", "东升街道/报表.xlsx": b"PK", "__MACOSX/东升街道/._报表.xlsx": b"junk",
                      ".DS_Store": b"junk", "东升街道/Thumbs.db": b"junk", "东升街道/~$报表.xlsx": b"lock",
                      "desktop.ini": b"junk", "下载中.xlsx.crdownload": b"part"})
    result = open_bytes(tmp_path, "d.zip", data)
    assert contents(result) == {"d.zip/东升街道/报表.xlsx": b"PK"}
    assert {r.path: r.status for r in result.rejected} == {
        "d.zip/东升街道": "ignored", "d.zip/__MACOSX/东升街道/._报表.xlsx": "ignored", "d.zip/.DS_Store": "ignored",
        "d.zip/东升街道/Thumbs.db": "ignored", "d.zip/东升街道/~$报表.xlsx": "ignored", "d.zip/desktop.ini": "ignored",
        "d.zip/下载中.xlsx.crdownload": "ignored"}


def test_zip_slip_paths_are_rejected_and_nothing_is_written_outside(tmp_path):
    data = zip_bytes({"../../escape.xlsx": b"evil", "/etc/cron.d/evil": b"evil", "C:\\Windows\\evil.xlsx": b"evil",
                      "ok/../../../escape2.xlsx": b"evil", "..\\..\\escape3.xlsx": b"evil", "正常.xlsx": b"PK"})
    result = open_bytes(tmp_path, "slip.zip", data)
    assert contents(result) == {"slip.zip/正常.xlsx": b"PK"}
    reasons = {r.path: r.reason for r in result.rejected}
    assert len(reasons) == 5 and all("压缩包之外" in reason for reason in reasons.values())
    assert not list(tmp_path.rglob("escape*")) and len(list((tmp_path / "out").iterdir())) == 1


def test_a_zip_bomb_member_is_refused_from_the_directory_before_inflating(tmp_path):
    bomb = zip_bytes({"sheet.xml": b"\0" * (8 * 1024 * 1024), "正常.xlsx": b"PK"})
    assert len(bomb) < 20_000
    result = open_bytes(tmp_path, "bomb.zip", bomb)
    assert contents(result) == {"bomb.zip/正常.xlsx": b"PK"}
    (rejection,) = result.rejected
    assert rejection.path == "bomb.zip/sheet.xml" and "压缩比异常" in rejection.reason
    assert [p.stat().st_size for p in (tmp_path / "out").iterdir()] == [2]


def test_many_small_members_that_together_make_a_bomb(tmp_path):
    """Each member is under the ratio floor; the bundle as a whole inflates 1000:1."""
    bomb = zip_bytes({f"s{i}.xml": b"\0" * (900 * 1024) for i in range(20)})
    result = open_bytes(tmp_path, "bomb.zip", bomb)
    assert result.members == () and "压缩比异常" in result.error
    assert not list((tmp_path / "out").iterdir())


def test_member_total_and_count_limits(tmp_path):
    data = zip_bytes({f"单位{i}.xlsx": bytes([i]) * 3000 for i in range(5)}, compression=zipfile.ZIP_STORED)
    one_too_big = open_bytes(tmp_path / "a", "a.zip", zip_bytes({"大.xlsx": b"x" * 5000, "小.xlsx": b"y"}),
                             max_member_bytes=4000)
    assert contents(one_too_big) == {"a.zip/小.xlsx": b"y"}
    assert "单个文件上限" in one_too_big.rejected[0].reason
    total = open_bytes(tmp_path / "b", "b.zip", data, max_total_bytes=10_000)
    assert total.members == () and "总大小超过上限" in total.error
    count = open_bytes(tmp_path / "c", "c.zip", data, max_members=4)
    assert count.members == () and "文件过多" in count.error
    assert open_bytes(tmp_path / "d", "d.zip", data, max_members=5, max_total_bytes=15_000).error is None


def test_a_directory_that_lies_about_sizes_is_still_capped(tmp_path):
    """The central directory says 100 bytes; the data inflates to 2 MB. Nothing beyond 100 bytes is kept."""
    data = bytearray(zip_bytes({"liar.xlsx": b"\0" * (2 * 1024 * 1024), "ok.xlsx": b"PK"}))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 100)  # uncompressed size in the central directory entry
    result = open_bytes(tmp_path, "liar.zip", bytes(data))
    assert contents(result) == {"liar.zip/ok.xlsx": b"PK"}
    (rejection,) = result.rejected
    assert rejection.path == "liar.zip/liar.xlsx" and "不符" in rejection.reason
    assert sum(p.stat().st_size for p in (tmp_path / "out").iterdir()) == 2


def test_encrypted_members_and_encrypted_bundles(tmp_path):
    data = bytearray(zip_bytes({"加密.xlsx": b"secret", "公开.xlsx": b"PK"}, compression=zipfile.ZIP_STORED))
    for header, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(header)
        struct.pack_into("<H", data, at + flag_offset, struct.unpack_from("<H", data, at + flag_offset)[0] | 1)
    result = open_bytes(tmp_path / "a", "e.zip", bytes(data))
    assert contents(result) == {"e.zip/公开.xlsx": b"PK"}
    assert [(r.path, "加密" in r.reason) for r in result.rejected] == [("e.zip/加密.xlsx", True)]
    locked = seven_zip({"a.xlsx": b"PK"}, password="口令", header_encryption=True)
    result = open_bytes(tmp_path / "b", "locked.7z", locked)
    assert result.members == () and "加密" in result.error


def test_a_file_that_is_not_an_archive(tmp_path):
    result = open_bytes(tmp_path, "报表.zip", b"%PDF-1.7 not a zip at all")
    assert result.members == () and "不是有效的压缩包" in result.error
    truncated = zip_bytes({"a.xlsx": b"PK" * 1000})[:-30]
    assert "损坏" in open_bytes(tmp_path / "t", "t.zip", truncated).error


@pytest.fixture(scope="module")
def unar():
    """Debian's unar: the free tool that extracts compressed RAR members (unrar-free, bsdtar and Debian's 7zip
    cannot: they return short or empty data for RAR5)."""
    ensure_tools({"unar": "unar"})


def test_rar_with_a_zip_inside(tmp_path, unar):
    result = open_bundle(RAR / "zip_in_rar.rar", "转发.rar", tmp_path)
    assert contents(result) == {"转发.rar/payload/inner.zip/THIS_IS_INSIDE_THE_ZIP.txt": b"inner content",
                                "转发.rar/payload/real_after.txt": b"i am a real rar entry"}
    assert [(r.path, r.status) for r in result.rejected] == [("转发.rar/payload", "ignored")]


def test_rar4_with_unicode_names(tmp_path, unar):
    result = open_bundle(RAR / "rar4_unicode_stored.rar", "r4.rar", tmp_path)
    assert contents(result) == {"r4.rar/表だよ/新しいフォルダ/新規テキスト ドキュメント.txt": b"",
                                "r4.rar/表だよ/漢字長いファイル名long-filename-in-漢字.txt": b"kanji"}


def test_compressed_rar_members_need_a_tool_and_say_so_without_one(tmp_path, unar, monkeypatch):
    import hashlib

    import rarfile

    result = open_bundle(RAR / "rar5_compressed.rar", "c.rar", tmp_path / "a")
    (member,) = result.members
    assert member.size == 1200 and hashlib.md5(member.local_path.read_bytes()).hexdigest() == "2e01b70f6711145cfd2e52ed8b844060"
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    monkeypatch.setattr(rarfile, "CURRENT_SETUP", None)
    without = open_bundle(RAR / "rar5_compressed.rar", "c.rar", tmp_path / "b")
    stored = open_bundle(RAR / "zip_in_rar.rar", "z.rar", tmp_path / "c")
    assert without.members == () and "缺少 RAR 解压工具" in without.rejected[0].reason
    assert len(stored.members) == 2  # stored members need no tool


def test_names(tmp_path):
    assert is_bundle("双流区.ZIP") and is_bundle("a.7z") and is_bundle("b.rar") and not is_bundle("c.xlsx")
    assert junk_reason("a/__MACOSX/b.xlsx") and junk_reason("~$报表.xlsx") and junk_reason("x.part")
    assert junk_reason("东升街道.xlsx") is None
