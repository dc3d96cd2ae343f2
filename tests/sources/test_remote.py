"""Listing and fetching from real SFTP, S3 and WebDAV servers and a local folder, read-only."""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime, timezone

import pytest

from kepu.sources.remote import (
    Credentials,
    RemoteSource,
    SourceConfigError,
    SourceUnavailable,
    credentials_from_env,
    fetch,
    glob_matcher,
    list_source,
)

MTIME = datetime(2023, 9, 25, 8, 30, tzinfo=timezone.utc).timestamp()
FILES = {
    "双流区/东升街道.xlsx": b"PK-dongsheng",
    "双流区/九江街道 补报.xls": b"OLE-jiujiang",
    "龙泉区/洛带镇/洛带镇科协.XLSX": b"PK-luodai",
    "说明.txt": b"read me",
}


@pytest.fixture(params=["sftp", "s3", "webdav", "file"])
def store(request, area, tmp_path_factory):
    """One populated area of each kind of store, as (source, server-or-folder)."""
    if request.param == "file":
        root = tmp_path_factory.mktemp("folder") / area
        for path, data in FILES.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
            os.utime(root / path, (MTIME, MTIME))
        return RemoteSource(name="本地共享目录", url=root.as_uri()), None
    server = request.getfixturevalue(request.param)
    for path, data in FILES.items():
        server.put(f"{area}/{path}", data, mtime=MTIME)
    source = RemoteSource(name=f"{request.param}-source", url=server.url_for(area),
                          credentials=Credentials(server.username, server.password),
                          endpoint=server.options.get("endpoint"), timeout_s=5)
    return source, server


def test_lists_every_file_with_size_time_and_change_token(store):
    source, server = store
    listing = list_source(source)
    assert {e.path: e.size for e in listing.entries} == {p: len(d) for p, d in FILES.items()}
    assert listing.unchanged == 0 and not listing.problems
    for entry in listing.entries:
        assert entry.modified is not None and entry.modified.tzinfo is not None
        assert entry.modified.utcoffset().total_seconds() == 0
        if source.scheme in ("sftp", "webdav", "file"):
            assert entry.modified.timestamp() == pytest.approx(MTIME, abs=1)
        else:  # an object's last-modified is the store's clock at upload
            assert abs(entry.modified.timestamp() - time.time()) < 300
        if source.scheme in ("s3", "webdav"):
            assert entry.etag


def test_fetches_bytes_into_own_names_and_leaves_the_source_untouched(store, tmp_path):
    source, server = store
    listing = list_source(source)
    result = fetch(source, listing.entries, tmp_path / "in")
    assert not result.failed
    got = {f.entry.path: f.local_path.read_bytes() for f in result.fetched}
    assert got == FILES
    for item in result.fetched:
        assert item.local_path.parent == tmp_path / "in" and item.size == len(FILES[item.entry.path])
    assert not list((tmp_path / "in").glob("*.part"))
    again = list_source(source)
    assert {e.key for e in again.entries} == {e.key for e in listing.entries}
    if server is not None:
        assert all(server.read(f"{source.url.rsplit('/', 1)[1]}/{p}") == d for p, d in FILES.items())


def test_unchanged_entries_are_counted_not_returned(store):
    source, server = store
    first = list_source(source)
    seen = {e.key for e in first.entries if e.path != "说明.txt"}
    second = list_source(source, seen=seen)
    assert [e.path for e in second.entries] == ["说明.txt"]
    assert second.unchanged == 3 and second.total == 4


def test_glob_matches_relative_paths_ignoring_case(store):
    source, _ = store
    from dataclasses import replace

    listing = list_source(replace(source, glob="**/*.xls*"))
    assert sorted(e.path for e in listing.entries) == sorted(p for p in FILES if ".xls" in p.lower())
    assert listing.outside_glob == 1


@pytest.mark.parametrize("kind", ["sftp", "s3", "webdav"])
def test_wrong_credentials_are_source_unavailable_quickly(request, kind, area):
    server = request.getfixturevalue(kind)
    source = RemoteSource(name="区县共享", url=server.url_for(area), endpoint=server.options.get("endpoint"),
                          credentials=Credentials(server.username, "not-the-password"), timeout_s=5)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as caught:
        list_source(source)
    assert time.monotonic() - started < 5
    assert "被拒绝" in caught.value.reason
    assert "not-the-password" not in str(caught.value) and "not-the-password" not in repr(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("scheme", ["sftp", "s3", "webdav"])
def test_nothing_listening_is_source_unavailable_quickly(scheme):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = {"sftp": f"sftp://127.0.0.1:{port}/", "s3": "s3://bucket", "webdav": f"webdav://127.0.0.1:{port}/"}[scheme]
    source = RemoteSource(name="断网的来源", url=url, endpoint=f"http://127.0.0.1:{port}",
                          credentials=Credentials("u", "p"), timeout_s=2)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as caught:
        list_source(source)
    assert time.monotonic() - started < 5
    assert "无法连接" in caught.value.reason
    assert str(caught.value).startswith("来源「断网的来源」不可用")


@pytest.mark.parametrize("scheme", ["sftp", "webdav", "s3"])
def test_a_server_that_never_answers_times_out(scheme):
    """A port that accepts connections and says nothing (a hung server, a firewall that swallows packets)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    url = {"sftp": f"sftp://127.0.0.1:{port}/", "s3": "s3://bucket", "webdav": f"webdav://127.0.0.1:{port}/"}[scheme]
    source = RemoteSource(name="无响应", url=url, endpoint=f"http://127.0.0.1:{port}",
                          credentials=Credentials("u", "p"), timeout_s=1)
    try:
        started = time.monotonic()
        with pytest.raises(SourceUnavailable) as caught:
            list_source(source)
        assert time.monotonic() - started < 6
        assert "超时" in caught.value.reason or "未应答" in caught.value.reason
    finally:
        listener.close()


def test_a_missing_root_is_source_unavailable(sftp, s3, webdav, tmp_path):
    for server in (sftp, s3, webdav):
        source = RemoteSource(name="x", url=server.url_for("no-such-folder"),
                              endpoint=server.options.get("endpoint"),
                              credentials=Credentials(server.username, server.password), timeout_s=5)
        if server.kind == "s3":  # an empty prefix is an empty listing, a missing bucket is not
            assert list_source(source).total == 0
            source = RemoteSource(name="x", url="s3://no-such-bucket", endpoint=server.options["endpoint"],
                                  credentials=Credentials(server.username, server.password), timeout_s=5)
        with pytest.raises(SourceUnavailable):
            list_source(source)
    with pytest.raises(SourceUnavailable, match="不存在"):
        list_source(RemoteSource(name="x", url=(tmp_path / "nope").as_uri()))


def test_fetch_stops_at_the_byte_cap_and_reports_the_entry(sftp, area, tmp_path):
    sftp.put(f"{area}/big.xlsx", b"x" * 5000)
    sftp.put(f"{area}/small.xlsx", b"y" * 10)
    source = RemoteSource(name="s", url=sftp.url_for(area), credentials=Credentials(sftp.username, sftp.password))
    listing = list_source(source)
    result = fetch(source, listing.entries, tmp_path, max_bytes=1000)
    assert [f.entry.path for f in result.fetched] == ["small.xlsx"]
    assert [(f.entry.path, "大小上限" in f.reason) for f in result.failed] == [("big.xlsx", True)]
    # a listing that understates the size (the file grew, or the server lies) is still cut off at the cap
    lying = [type(e)(e.path, 1, e.modified, e.etag) for e in listing.entries]
    result = fetch(source, lying, tmp_path, max_bytes=1000)
    assert [f.entry.path for f in result.failed] == ["big.xlsx"]
    assert sorted(p.name.endswith(".xlsx") for p in tmp_path.iterdir()) == [True, True]


def test_an_entry_gone_since_the_listing_fails_alone(webdav, area, tmp_path):
    webdav.put(f"{area}/a.xlsx", b"a")
    webdav.put(f"{area}/b.xlsx", b"b")
    source = RemoteSource(name="s", url=webdav.url_for(area), credentials=Credentials(webdav.username, webdav.password))
    listing = list_source(source)
    (webdav.root / area / "a.xlsx").unlink()
    result = fetch(source, listing.entries, tmp_path)
    assert [f.entry.path for f in result.fetched] == ["b.xlsx"]
    assert [f.entry.path for f in result.failed] == ["a.xlsx"] and "删除" in result.failed[0].reason


def test_many_entries_list_and_fetch_concurrently(s3, area, tmp_path):
    for i in range(60):
        s3.put(f"{area}/d{i % 6}/t{i}.xlsx", f"file {i}".encode())
    source = RemoteSource(name="s", url=s3.url_for(area), endpoint=s3.options["endpoint"],
                          credentials=Credentials(s3.username, s3.password), workers=6)
    listing = list_source(source)
    assert listing.total == 60
    result = fetch(source, listing.entries, tmp_path)
    assert len(result.fetched) == 60 and len({f.sha256 for f in result.fetched}) == 60
    assert list_source(source, seen={e.key for e in listing.entries}).entries == ()


def test_credentials_come_from_named_variables_and_never_show():
    creds = credentials_from_env("KEPU_U", "KEPU_P", environ={"KEPU_U": "district", "KEPU_P": "s3cr3t"})
    assert creds == Credentials("district", "s3cr3t")
    assert "s3cr3t" not in repr(creds) and "s3cr3t" not in repr(RemoteSource("n", "sftp://h/", creds))
    with pytest.raises(SourceConfigError, match="KEPU_P") as caught:
        credentials_from_env("KEPU_U", "KEPU_P", source="报送邮箱", environ={"KEPU_U": "district"})
    assert "district" not in str(caught.value)
    with pytest.raises(SourceConfigError, match="密码"):
        list_source(RemoteSource("n", "sftp://user:pw@127.0.0.1/"))
    with pytest.raises(SourceConfigError, match="不受支持"):
        list_source(RemoteSource("n", "ftp://127.0.0.1/"))


@pytest.mark.parametrize("pattern, path, matches", [
    ("**/*.xlsx", "a.xlsx", True),
    ("**/*.xlsx", "a/b/C.XLSX", True),
    ("*.xlsx", "a/b/c.xlsx", True),
    ("报表/*.xls?", "报表/x.xlsm", True),
    ("报表/*.xls?", "报表/sub/x.xlsm", False),
    ("[!~]*.xlsx", "~$a.xlsx", False),
    ("d0[12]/**", "d01/t/x.csv", True),
    ("d0[12]/**", "d03/x.csv", False),
    (None, "anything/at/all", True),
])
def test_glob(pattern, path, matches):
    assert glob_matcher(pattern)(path) is matches
