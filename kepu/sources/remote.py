"""Files at a file store — an SFTP drop box, an S3-compatible bucket, a WebDAV folder, a local folder — listed
and fetched through fsspec, read-only.

A `RemoteSource` names one store (`sftp://`, `s3://`, `webdav://`, `webdavs://`, `file://`) and the credentials
the caller resolved for it. `list_source` walks it once and returns one `RemoteEntry` per file: its path
relative to the source's root, its size, its modification time as the store reports it (aware, UTC) and the
store's change token (an ETag) where it has one. Entries whose `key` the caller has already seen are counted,
not returned, so an unchanged source costs one listing. `fetch` streams the chosen entries into a folder, a
bounded number at once, each under a hard byte cap, hashing as it goes.

Nothing here writes, renames or deletes anything at a source. A store that cannot be reached, times out or
refuses the credentials raises `SourceUnavailable` with a Chinese reason that names the source and never a
secret; retrying is the caller's business (the flow's task retries), so timeouts are short and nothing retries
here.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import ssl
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from kepu.schemas.files import readable

SCHEMES = ("file", "sftp", "s3", "webdav", "webdavs")
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_WORKERS = 4
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024

SeenKey = tuple[str, int, str]
"""What identifies one version of one entry at a source: (path, size, change token). The caller keeps these
for every entry it has fetched and passes them back; an entry whose key is among them is not fetched again."""


class SourceUnavailable(Exception):
    """A source could not be listed or read as a whole: unreachable, timed out, or refusing the credentials.

    `reason` is Chinese and safe to show and store: it names the source and the kind of failure, never a
    password, a key or a URL's user part."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"来源「{source}」不可用：{reason}")
        self.source = source
        self.reason = reason


class SourceConfigError(ValueError):
    """A source's settings cannot work (unknown scheme, missing credential variable); a Chinese message."""


@dataclass(frozen=True)
class Credentials:
    """A user name and a secret (an SFTP/WebDAV password, an S3 secret access key). The secret never appears in
    a repr, a log line or an exception raised here."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password={'***' if self.password else None})"

    def __bool__(self) -> bool:
        return bool(self.username or self.password)


def credentials_from_env(username_env: str | None, password_env: str | None, *, source: str = "",
                         environ: Mapping[str, str] | None = None) -> Credentials:
    """The credentials a source's settings name by environment variable (`username_env`, `password_env`).

    A variable that is named but unset or empty is a configuration error naming the variable, not its value."""
    environ = os.environ if environ is None else environ
    values: dict[str, str | None] = {}
    for role, variable in (("username", username_env), ("password", password_env)):
        if not variable:
            values[role] = None
            continue
        value = environ.get(variable)
        if not value:
            raise SourceConfigError(f"来源「{source}」的凭据环境变量 {variable} 未设置或为空")
        values[role] = value
    return Credentials(values["username"], values["password"])


@dataclass(frozen=True)
class RemoteSource:
    """One configured file store.

    `url`: `file:///abs/folder`, `sftp://host[:port]/folder`, `s3://bucket[/prefix]`,
    `webdav[s]://host[:port]/folder` (http or https). `endpoint`: the S3-compatible endpoint
    (`https://oss.example.org`); None means AWS. `glob`: which files count, matched against the path relative
    to the root, case-insensitively (`**/*.xlsx`, `*.xls?`); None means every file. `host_key_sha256`: the SFTP
    server's key as `ssh-keygen -lf` prints it (`SHA256:…`); when given, any other key is refused.
    `ca_file`: a CA bundle for a webdavs server with its own certificate authority."""

    name: str
    url: str
    credentials: Credentials = Credentials()
    glob: str | None = None
    endpoint: str | None = None
    region: str | None = None
    host_key_sha256: str | None = None
    ca_file: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    workers: int = DEFAULT_WORKERS

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower()


@dataclass(frozen=True)
class RemoteEntry:
    """One file at a source. `path` is relative to the source's root, `/`-separated, as the store names it;
    `modified` is the store's own time for it (file mtime, object last-modified), aware and in UTC; `etag` is
    the store's change token when it has one (S3, WebDAV)."""

    path: str
    size: int
    modified: datetime | None
    etag: str | None = None

    @property
    def change_token(self) -> str:
        if self.etag:
            return f"etag:{self.etag}"
        return f"mtime:{self.modified.isoformat()}" if self.modified else ""

    @property
    def shown(self) -> str:
        """`path` as people read it: an SFTP name in GBK bytes (kept escaped in `path`, to fetch it) decoded."""
        return readable(self.path)

    @property
    def key(self) -> SeenKey:
        return (self.shown, self.size, self.change_token)


@dataclass(frozen=True)
class ListingProblem:
    """A part of a source that could not be listed (a folder without read permission, a symlinked folder not
    followed), with a Chinese reason; the rest of the listing stands."""

    path: str
    reason: str


@dataclass(frozen=True)
class Listing:
    """A source's files tonight: `entries` new or changed since the keys the caller passed, `unchanged` how many
    matched one of those keys, `outside_glob` how many files the glob left out."""

    source: str
    entries: tuple[RemoteEntry, ...]
    unchanged: int
    outside_glob: int = 0
    problems: tuple[ListingProblem, ...] = ()

    @property
    def total(self) -> int:
        return len(self.entries) + self.unchanged


@dataclass(frozen=True)
class Fetched:
    """One entry copied to `local_path` (a file name of our own, never the submitted one)."""

    entry: RemoteEntry
    local_path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class FetchFailure:
    """One entry that could not be copied, with a Chinese reason; the other entries are not affected."""

    entry: RemoteEntry
    reason: str


@dataclass(frozen=True)
class FetchResult:
    fetched: tuple[Fetched, ...]
    failed: tuple[FetchFailure, ...]


def list_source(source: RemoteSource, *, seen: Collection[SeenKey] = ()) -> Listing:
    """Every file at `source` that the glob admits, less those whose key is in `seen`."""
    matcher = glob_matcher(source.glob)
    seen = seen if isinstance(seen, (set, frozenset)) else set(seen)
    with _Connections(source) as connections:
        infos, problems = _walk(source, connections)
    entries: list[RemoteEntry] = []
    unchanged = outside = 0
    for relpath, info in sorted(infos.items()):
        if not matcher(relpath):
            outside += 1
            continue
        entry = _entry(relpath, info)
        if entry.key in seen:
            unchanged += 1
        else:
            entries.append(entry)
    return Listing(source.name, tuple(entries), unchanged, outside, tuple(problems))


def fetch(source: RemoteSource, entries: Iterable[RemoteEntry], destination: Path, *,
          max_bytes: int = DEFAULT_MAX_BYTES) -> FetchResult:
    """Copy `entries` from `source` into `destination`, at most `source.workers` at once, each stopped at
    `max_bytes` whatever its listed size said. A failure of one entry (gone since the listing, not readable,
    too large) is reported with it; losing the connection to the source raises SourceUnavailable."""
    destination.mkdir(parents=True, exist_ok=True)
    entries = list(entries)
    fetched: list[Fetched] = []
    failed: list[FetchFailure] = []
    if not entries:
        return FetchResult((), ())
    with _Connections(source) as connections:
        root = _root(source)
        with ThreadPoolExecutor(max_workers=max(1, source.workers), thread_name_prefix="kepu-fetch") as pool:
            futures = {pool.submit(_fetch_one, source, connections, root, entry, destination, max_bytes): entry
                       for entry in entries}
            unavailable: SourceUnavailable | None = None
            for future in futures:
                try:
                    outcome = future.result()
                except SourceUnavailable as exc:
                    unavailable = unavailable or exc
                    continue
                (fetched if isinstance(outcome, Fetched) else failed).append(outcome)
    if unavailable is not None:
        for item in fetched:
            item.local_path.unlink(missing_ok=True)
        raise unavailable
    return FetchResult(tuple(fetched), tuple(failed))


# --- glob -------------------------------------------------------------------------------------------------

def glob_matcher(pattern: str | None) -> Callable[[str], bool]:
    """A test for relative paths: `*` and `?` stay within one folder, `**/` spans any number of folders
    (none included), `[...]` is a character class; case is ignored (offices write `.XLSX` as often as
    `.xlsx`). A pattern without `/` matches the file name at any depth, as `**/pattern`."""
    if not pattern or pattern in ("*", "**", "**/*"):
        return lambda path: True
    if "/" not in pattern:
        pattern = "**/" + pattern
    regex = re.compile(_translate(pattern), re.IGNORECASE | re.DOTALL)
    return lambda path: regex.fullmatch(path) is not None


def _translate(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2:]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1:end]
            negate = body.startswith("!")
            body = re.sub(r"([\\^\]])", r"\\\1", body[1:] if negate else body)
            out.append(f"[{'^' if negate else ''}{body}]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


# --- connections ------------------------------------------------------------------------------------------

class _Connections:
    """One fsspec filesystem per worker thread (an SFTP channel is not shared between threads), all closed at
    the end. Filesystems are created outside fsspec's instance cache, so nothing outlives the call."""

    def __init__(self, source: RemoteSource) -> None:
        if source.scheme not in SCHEMES:
            raise SourceConfigError(f"来源「{source.name}」的地址协议不受支持：{source.scheme or '（无）'}；"
                                    f"可用 file、sftp、s3、webdav、webdavs")
        self._source = source
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def __enter__(self) -> _Connections:
        self.get()  # connect once up front: a refusal surfaces before any work is queued
        return self

    def __exit__(self, *exc_info: object) -> None:
        for fs in self._opened:
            _close(fs)

    def get(self) -> Any:
        fs = getattr(self._local, "fs", None)
        if fs is None:
            fs = _guarded(self._source, lambda: _open_fs(self._source))
            self._local.fs = fs
            with self._lock:
                self._opened.append(fs)
        return fs


def _open_fs(source: RemoteSource) -> Any:
    parts = urlsplit(source.url)
    if parts.password:
        raise SourceConfigError(f"来源「{source.name}」的地址中不得写密码；请用 password_env 指定环境变量")
    creds = source.credentials
    username = creds.username or (unquote(parts.username) if parts.username else None)
    timeout = source.timeout_s
    if source.scheme == "file":
        from fsspec.implementations.local import LocalFileSystem

        return LocalFileSystem(skip_instance_cache=True)
    if source.scheme == "sftp":
        from fsspec.implementations.sftp import SFTPFileSystem

        if not parts.hostname:
            raise SourceConfigError(f"来源「{source.name}」的 SFTP 地址缺少主机名")
        fs = SFTPFileSystem(
            parts.hostname, port=parts.port or 22, username=username, password=creds.password,
            look_for_keys=False, allow_agent=False, timeout=timeout, banner_timeout=timeout,
            auth_timeout=timeout, channel_timeout=timeout, host_key_policy=_host_key_policy(source),
            skip_instance_cache=True)
        fs.ftp.get_channel().settimeout(timeout)
        return fs
    if source.scheme == "s3":
        from s3fs import S3FileSystem

        client_kwargs: dict[str, Any] = {}
        if source.endpoint:
            client_kwargs["endpoint_url"] = source.endpoint
        if source.region:
            client_kwargs["region_name"] = source.region
        fs = S3FileSystem(
            key=username, secret=creds.password, anon=not creds, client_kwargs=client_kwargs,
            config_kwargs={"connect_timeout": timeout, "read_timeout": timeout,
                           "retries": {"max_attempts": 1, "mode": "standard"}},
            skip_instance_cache=True, use_listings_cache=False)
        fs.retries = 1  # s3fs retries timeouts five times with back-off by itself; the flow retries instead
        return fs
    from webdav4.fsspec import WebdavFileSystem

    scheme = "https" if source.scheme == "webdavs" else "http"
    if not parts.hostname:
        raise SourceConfigError(f"来源「{source.name}」的 WebDAV 地址缺少主机名")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    auth = (username or "", creds.password or "") if creds else None
    return WebdavFileSystem(f"{scheme}://{netloc}{parts.path.rstrip('/')}", auth=auth, timeout=timeout,
                            verify=source.ca_file or True, retry=False, skip_instance_cache=True)


def _host_key_policy(source: RemoteSource) -> Any:
    import paramiko

    if not source.host_key_sha256:
        return paramiko.AutoAddPolicy()
    expected = source.host_key_sha256.strip()

    class PinnedKey(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
            if key.fingerprint != expected:
                raise paramiko.SSHException("host key mismatch")

    return PinnedKey()


def _close(fs: Any) -> None:
    try:
        if hasattr(fs, "ftp"):
            fs.ftp.close()
            fs.client.close()
        elif hasattr(fs, "client") and hasattr(fs.client, "http"):
            fs.client.http.close()
    except Exception:  # closing is best effort: the work is done either way
        pass


def _root(source: RemoteSource) -> str:
    parts = urlsplit(source.url)
    path = unquote(parts.path)
    if source.scheme == "file":
        return str(Path(path or "/"))
    if source.scheme == "sftp":
        return "/" + path.strip("/")
    if source.scheme == "s3":
        if not parts.hostname:
            raise SourceConfigError(f"来源「{source.name}」的 S3 地址缺少存储桶名（s3://桶名/前缀）")
        return f"{parts.netloc}/{path.strip('/')}".rstrip("/")
    return ""  # webdav: the folder is part of the client's base URL


# --- listing ----------------------------------------------------------------------------------------------

def _walk(source: RemoteSource, connections: _Connections) -> tuple[dict[str, dict], list[ListingProblem]]:
    """Every file under the source's root, as {relative path: fsspec info}. S3 lists a prefix in one paginated
    call; the other stores are walked folder by folder, `source.workers` folders at once."""
    root = _root(source)
    problems: list[ListingProblem] = []
    if source.scheme == "s3":
        infos = _guarded(source, lambda: connections.get().find(root, detail=True, withdirs=False), root=True)
        if not infos and not _guarded(source, lambda: connections.get().exists(root.split("/")[0])):
            raise SourceUnavailable(source.name, "存储桶不存在")
        return {_relative(root, name): info for name, info in infos.items()}, problems

    files: dict[str, dict] = {}

    def list_folder(folder: str) -> list[dict]:
        listed = _sftp_ls if source.scheme == "sftp" else (lambda fs, path: fs.ls(path, detail=True))
        return _guarded(source, lambda: listed(connections.get(), folder), root=(folder == root),
                        problems=problems, path=readable(_relative(root, folder)))

    with ThreadPoolExecutor(max_workers=max(1, source.workers), thread_name_prefix="kepu-list") as pool:
        pending: set[Future] = {pool.submit(list_folder, root)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                for info in future.result():
                    name = info["name"].rstrip("/")
                    relpath = _relative(root, name)
                    if not relpath or relpath == ".":
                        continue
                    if info.get("type") == "directory":
                        if info.get("islink"):
                            problems.append(ListingProblem(relpath, "符号链接指向的文件夹未跟随"))
                        else:
                            pending.add(pool.submit(list_folder, name))
                    elif info.get("type") == "file":
                        files[relpath] = info
                    else:
                        problems.append(ListingProblem(relpath, "不是普通文件（链接、设备或管道），未读取"))
    return files, problems


def _sftp_ls(fs: Any, folder: str) -> list[dict]:
    """One SFTP folder, as fsspec's `ls(detail=True)` gives it — but with names kept as their bytes (escaped as
    surrogates). paramiko decodes names as strict UTF-8 and gives up on the whole folder when one of them is
    GBK (what `unzip` of a Chinese zip leaves on a Linux server)."""
    from paramiko import SFTPAttributes
    from paramiko.sftp import CMD_CLOSE, CMD_HANDLE, CMD_NAME, CMD_OPENDIR, CMD_READDIR, SFTPError

    sftp = fs.ftp
    kind, msg = sftp._request(CMD_OPENDIR, folder.encode("utf-8", "surrogateescape"))
    if kind != CMD_HANDLE:
        raise SFTPError("Expected handle")
    handle = msg.get_binary()
    infos = []
    try:
        while True:
            try:
                kind, msg = sftp._request(CMD_READDIR, handle)
            except EOFError:
                break
            if kind != CMD_NAME:
                raise SFTPError("Expected name response")
            for _ in range(msg.get_int()):
                name = msg.get_string().decode("utf-8", "surrogateescape")
                msg.get_string()  # the long, `ls -l`-like form of the name: not needed
                attributes = SFTPAttributes._from_msg(msg, name)
                if name not in (".", ".."):
                    infos.append(fs._decode_stat(attributes, folder))
    finally:
        sftp._request(CMD_CLOSE, handle)
    return infos


def _relative(root: str, name: str) -> str:
    root = root.rstrip("/")
    if root and name.startswith(root + "/"):
        name = name[len(root) + 1:]
    elif name == root:
        name = ""
    return name.lstrip("/").replace(os.sep, "/") if os.sep != "/" else name.lstrip("/")


def _entry(relpath: str, info: Mapping[str, Any]) -> RemoteEntry:
    modified = info.get("LastModified") or info.get("modified") or info.get("mtime")
    if isinstance(modified, (int, float)):
        modified = datetime.fromtimestamp(modified, tz=timezone.utc)
    if isinstance(modified, datetime):
        # a store that gives a naive time gives UTC (S3, WebDAV and SFTP timestamps are all UTC on the wire)
        modified = modified.replace(tzinfo=timezone.utc) if modified.tzinfo is None else modified.astimezone(timezone.utc)
    else:
        modified = None
    etag = info.get("ETag") or info.get("etag")
    size = info.get("size")
    if size is None:
        size = info.get("content_length") or 0
    return RemoteEntry(relpath, int(size), modified, str(etag) if etag else None)


# --- fetching ---------------------------------------------------------------------------------------------

def _fetch_one(source: RemoteSource, connections: _Connections, root: str, entry: RemoteEntry,
               destination: Path, max_bytes: int) -> Fetched | FetchFailure:
    if entry.size > max_bytes:
        return FetchFailure(entry, _too_large(max_bytes))
    remote_path = f"{root.rstrip('/')}/{entry.path}" if root else entry.path
    suffix = "".join(Path(entry.path).suffixes[-2:])[:20] if Path(entry.path).suffix else ""
    suffix = re.sub(r"[^A-Za-z0-9.]", "", suffix)
    target = destination / f"{uuid.uuid4().hex}{suffix}"
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    size = 0

    def copy() -> None:
        nonlocal size
        fs = connections.get()
        if source.scheme == "sftp":  # by the name's exact bytes (see _sftp_ls)
            opened = fs.ftp.open(remote_path.encode("utf-8", "surrogateescape"), "rb")
        else:
            opened = fs.open(remote_path, "rb")
        with opened as remote, open(partial, "wb") as local:
            while True:
                chunk = remote.read(CHUNK_BYTES)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise _TooLarge
                digest.update(chunk)
                local.write(chunk)

    try:
        _guarded(source, copy, per_entry=True)
    except _TooLarge:
        partial.unlink(missing_ok=True)
        return FetchFailure(entry, _too_large(max_bytes))
    except _EntryError as exc:
        partial.unlink(missing_ok=True)
        return FetchFailure(entry, exc.reason)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return Fetched(entry, target, size, digest.hexdigest())


class _TooLarge(Exception):
    pass


class _EntryError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _too_large(max_bytes: int) -> str:
    return f"文件超过大小上限（{max_bytes / 1024 / 1024:.0f} MB），未下载"


# --- errors -----------------------------------------------------------------------------------------------

def _guarded(source: RemoteSource, action: Callable[[], Any], *, root: bool = False, per_entry: bool = False,
             problems: list[ListingProblem] | None = None, path: str = "") -> Any:
    """Run one call against the store and turn what it raises into our terms: the source unavailable (with a
    Chinese reason), one entry failed, or one folder not listable. Original exceptions are not chained: some
    carry request objects with credentials in them."""
    try:
        return action()
    except (SourceUnavailable, SourceConfigError, _TooLarge):
        raise
    except Exception as exc:  # noqa: BLE001 — every library raises its own kinds; all are classified here
        kind, reason = _classify(exc, source)
    if kind == "server_error" and root:
        kind = "unavailable"
    if kind == "missing" and root:
        kind, reason = "unavailable", "来源的根目录（或存储桶、前缀）不存在"
    if kind == "denied" and root:
        kind, reason = "unavailable", "凭据被拒绝或无权访问此来源"
    if kind == "unavailable":
        raise SourceUnavailable(source.name, reason) from None
    if per_entry:
        raise _EntryError(reason) from None
    if problems is not None:
        problems.append(ListingProblem(path, reason))
        return []
    raise SourceUnavailable(source.name, reason) from None


def _classify(exc: BaseException, source: RemoteSource) -> tuple[str, str]:
    """(kind, Chinese reason) for an exception from paramiko, botocore/s3fs, httpx/webdav4 or the OS."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    timeout = f"连接超时（{source.timeout_s:g} 秒内无响应）"
    if names & {"AuthenticationException", "BadAuthenticationType", "PasswordRequiredException"}:
        return "unavailable", "用户名或密码被拒绝"
    if "SSHException" in names:
        text = str(exc).lower()
        if "host key mismatch" in text:
            return "unavailable", "服务器的主机密钥与配置的指纹不符，已拒绝连接"
        if "timeout" in text or "banner" in text or "no existing session" in text:
            # paramiko reports a server that never sends its banner as a missing session
            return "unavailable", f"SSH 握手未完成（{source.timeout_s:g} 秒内服务器未应答）"
        return "unavailable", "SSH 连接失败（服务器未按 SSH 协议应答）"
    status = _http_status(exc)
    if status in (401, 403) or names & {"InvalidAccessKeyId", "SignatureDoesNotMatch"}:
        return "unavailable", "用户名或密码（访问密钥）被拒绝"
    if names & {"ConnectTimeoutError", "ReadTimeoutError", "TimeoutException", "timeout", "TimeoutError"}:
        return "unavailable", timeout
    if isinstance(exc, ssl.SSLError) or "SSL" in str(exc)[:200] and "certificate" in str(exc).lower():
        return "unavailable", "TLS 证书校验失败"
    if isinstance(exc, socket.gaierror) or "gaierror" in str(exc):
        return "unavailable", "无法解析服务器主机名"
    if names & {"ConnectionRefusedError", "EndpointConnectionError", "ConnectError", "NoValidConnectionsError",
                "ConnectionClosedError", "RemoteProtocolError", "ConnectionResetError", "BrokenPipeError",
                "EOFError", "ProxyConnectionError", "NetworkError"}:
        return "unavailable", "无法连接到服务器（连接被拒绝、中断或主机不可达）"
    if isinstance(exc, FileNotFoundError) or status == 404:
        return "missing", "文件在列出后已被删除或移走"
    if status is not None and 500 <= status < 600:
        return "server_error", f"服务器处理出错（HTTP {status}）"
    if isinstance(exc, PermissionError):
        return "denied", "无权读取（服务器拒绝访问）"
    if isinstance(exc, OSError) and exc.errno in (None, 0) and "closed" in str(exc).lower():
        return "unavailable", "连接被服务器关闭"
    if isinstance(exc, OSError):
        return "unavailable", f"读取失败（{type(exc).__name__}）"
    return "unavailable", f"访问失败（{type(exc).__name__}）"


def _http_status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status
    match = re.search(r"received (\d{3})", str(exc)[:200])
    return int(match.group(1)) if match else None
