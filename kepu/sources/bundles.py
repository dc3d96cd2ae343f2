"""Bundles districts forward — `.zip`, `.7z`, `.rar` — opened safely, each member a submission of its own.

`open_bundle` reads an archive's directory first and decides everything it can before inflating a byte:
member count, each member's declared size and compression ratio, the total, zip-slip paths (`../`, absolute,
drive letters), encrypted members, links, folders and OS junk (`__MACOSX/`, `.DS_Store`, `Thumbs.db`, `~$*`, …).
Only then are the admitted members inflated, each into a file of our own naming under a hard byte cap that
holds even when the directory lies. A member that is itself a bundle is opened in turn, to `max_depth`
levels; the byte and member budgets are shared by the whole tree, so breadth cannot multiply them.

Each member is named by its path inside the bundle, prefixed with the bundle's own name
(`双流区.zip/东升街道/报表.xlsx`, `双流区.zip/镇街.7z/洛带镇.xlsx`). Zip member names written by Windows
without the UTF-8 flag are GBK (read as GB18030, its superset); the Info-ZIP Unicode path field, UTF-8 and
code page 437 are recognised too. RAR needs an extraction tool for compressed members (Debian's `unar`);
without one, those members are rejected with a reason saying so, and stored members are still read.
"""

from __future__ import annotations

import hashlib
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from kepu.schemas.files import junk_reason

BUNDLE_SUFFIXES = (".zip", ".7z", ".rar")
CHUNK_BYTES = 1024 * 1024
FOLDER_REASON = "文件夹（其中的文件逐个列出）"
"""The reason a folder entry of an archive is not taken: its files are listed one by one."""

_MAGIC = {b"PK\x03\x04": "zip", b"PK\x05\x06": "zip", b"PK\x07\x08": "zip", b"7z\xbc\xaf\x27\x1c": "7z",
          b"Rar!\x1a\x07": "rar"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class BundleLimits:
    """Bounds checked on the archive's directory before inflating, and enforced again while inflating.

    `max_ratio` applies to members (and the whole bundle) larger than `ratio_floor_bytes`: a small file of
    blanks compresses far better than 1:200 and is harmless; a 2 GB sheet from a 2 MB file is not."""

    max_member_bytes: int = 100 * 1024 * 1024
    max_total_bytes: int = 500 * 1024 * 1024
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1024 * 1024
    max_members: int = 2000
    max_depth: int = 3


@dataclass(frozen=True)
class BundleMember:
    """One file taken out of a bundle: `path` inside it (prefixed with the bundle's name), its bytes at
    `local_path` (a name of our own), their size and sha256, and its time as the archive records it — aware
    (UTC) when the format stores UTC (7z, RAR5), naive wall-clock time of the packing machine when it stores
    local time (zip, RAR4)."""

    path: str
    local_path: Path
    size: int
    sha256: str
    modified: datetime | None


@dataclass(frozen=True)
class MemberRejection:
    """A member (or a nested bundle, or the bundle itself) not taken, with a Chinese reason: `rejected` for
    what should have been a submission and could not be, `ignored` for folders and OS junk."""

    path: str
    reason: str
    status: Literal["rejected", "ignored"] = "rejected"


@dataclass(frozen=True)
class BundleResult:
    """What one bundle gave. `error` is set when the bundle as a whole could not be opened (corrupt, headers
    encrypted, over a limit); its members are then all absent."""

    bundle: str
    members: tuple[BundleMember, ...]
    rejected: tuple[MemberRejection, ...]
    error: str | None = None


def is_bundle(name: str) -> bool:
    return name.lower().endswith(BUNDLE_SUFFIXES)


def open_bundle(path: Path, name: str, destination: Path, *, limits: BundleLimits = BundleLimits()) -> BundleResult:
    """Open the bundle at `path` (known to the caller as `name`) and write its members into `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    budget = _Budget(limits.max_total_bytes, limits.max_members)
    members: list[BundleMember] = []
    rejected: list[MemberRejection] = []
    error = _open(path, name, 1, budget, destination, limits, members, rejected)
    return BundleResult(name, tuple(members), tuple(rejected), error)


# --- the walk ---------------------------------------------------------------------------------------------

@dataclass
class _Budget:
    bytes_left: int
    members_left: int


@dataclass
class _Listed:
    name: str
    size: int
    compressed: int | None
    modified: datetime | None
    is_dir: bool = False
    is_link: bool = False
    encrypted: bool = False
    unsafe: str | None = None
    handle: Any = field(default=None, repr=False)


class _Rejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _open(path: Path, display: str, depth: int, budget: _Budget, destination: Path, limits: BundleLimits,
          members: list[BundleMember], rejected: list[MemberRejection]) -> str | None:
    try:
        reader = _reader(path)
    except _Rejected as exc:
        return exc.reason
    try:
        try:
            listed = reader.members()
        except _Rejected as exc:
            return exc.reason
        admitted: list[_Listed] = []
        for item in listed:
            where = f"{display}/{item.name}"
            reason = _directory_reason(item, limits)
            if reason is not None:
                rejected.append(MemberRejection(where, *reason))
            else:
                admitted.append(item)
        totals = _totals_reason(admitted, path.stat().st_size, budget, limits)
        if totals is not None:
            return totals
        budget.members_left -= len(admitted)
        for item, outcome in reader.extract(admitted, lambda item: _sink(destination, item, budget, limits)):
            where = f"{display}/{item.name}"
            if isinstance(outcome, str):
                rejected.append(MemberRejection(where, outcome))
                continue
            local_path, size, digest = outcome
            if is_bundle(item.name):
                try:
                    if depth >= limits.max_depth:
                        rejected.append(MemberRejection(where, f"压缩包嵌套超过 {limits.max_depth} 层，未解开"))
                        continue
                    inner = _open(local_path, where, depth + 1, budget, destination, limits, members, rejected)
                    if inner is not None:
                        rejected.append(MemberRejection(where, inner))
                finally:
                    local_path.unlink(missing_ok=True)
                continue
            members.append(BundleMember(where, local_path, size, digest, item.modified))
        return None
    finally:
        reader.close()


def zip_directory_problem(zf: zipfile.ZipFile, archive_size: int, limits: BundleLimits) -> str | None:
    """Why a zip that is itself one document (a workbook: xlsx, xlsb, ods) is ruled out by its directory alone,
    before anything is inflated: the checks a bundle's members get (each part's size and ratio, encryption,
    unsafe names, the count, the total and the whole file's ratio), or None."""
    parts = [item for item in _zip_listing(zf) if not item.is_dir]
    for item in parts:
        reason = _directory_reason(item, limits)
        if reason is not None and reason[1] == "rejected":
            return f"“{item.name}”{reason[0]}"
    return _totals_reason(parts, archive_size, _Budget(limits.max_total_bytes, limits.max_members), limits)


def _totals_reason(admitted: list[_Listed], archive_size: int, budget: _Budget, limits: BundleLimits) -> str | None:
    """Why the admitted members together are too many or too large for what is left of the budget, or None."""
    declared = sum(item.size for item in admitted)
    if len(admitted) > budget.members_left:
        return f"压缩包内文件过多（超过 {limits.max_members} 个），未解开"
    if declared > budget.bytes_left:
        return f"压缩包解压后总大小超过上限（{_mb(limits.max_total_bytes)}），未解开"
    archive_size = max(archive_size, 1)
    if declared > limits.ratio_floor_bytes and declared / archive_size > limits.max_ratio:
        return f"压缩包的压缩比异常（{declared / archive_size:.0f}:1，疑似压缩炸弹），未解开"
    return None


def _directory_reason(item: _Listed, limits: BundleLimits) -> tuple[str, Literal["rejected", "ignored"]] | None:
    """Why a member is not inflated, from the directory alone."""
    if item.unsafe:
        return item.unsafe, "rejected"
    if item.is_dir:
        return FOLDER_REASON, "ignored"
    junk = junk_reason(item.name)
    if junk:
        return junk, "ignored"
    if item.is_link:
        return "符号链接，不是文件，未解开", "rejected"
    if item.encrypted:
        return "文件已加密，无法读取（请发送未加密的文件）", "rejected"
    if item.size > limits.max_member_bytes:
        return f"解压后大小超过单个文件上限（{_mb(limits.max_member_bytes)}），未解开", "rejected"
    if item.compressed is not None and item.size > limits.ratio_floor_bytes and \
            item.size / max(item.compressed, 1) > limits.max_ratio:
        return f"压缩比异常（{item.size / max(item.compressed, 1):.0f}:1，疑似压缩炸弹），未解开", "rejected"
    return None


class _Sink:
    """Where one member's bytes go: our own file name, a hash, and a byte cap that holds whatever the archive's
    directory said."""

    def __init__(self, destination: Path, item: _Listed, budget: _Budget, limits: BundleLimits) -> None:
        suffix = re.sub(r"[^A-Za-z0-9.]", "", "".join(PurePosixPath(item.name).suffixes[-2:]))[:20]
        self.path = destination / f"{uuid.uuid4().hex}{suffix}"
        self._handle = open(self.path, "wb")
        self._digest = hashlib.sha256()
        self._budget = budget
        self._cap = min(limits.max_member_bytes, budget.bytes_left)
        self._limits = limits
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self._cap:
            raise _Rejected(f"解压后超过上限（{_mb(self._cap)}），与压缩包目录所记大小不符，已停止解压")
        self._digest.update(data)
        self._handle.write(data)

    def finish(self) -> tuple[Path, int, str]:
        self._handle.close()
        self._budget.bytes_left -= self.size
        return self.path, self.size, self._digest.hexdigest()

    def discard(self) -> None:
        self._handle.close()
        self.path.unlink(missing_ok=True)


def _sink(destination: Path, item: _Listed, budget: _Budget, limits: BundleLimits) -> _Sink:
    return _Sink(destination, item, budget, limits)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


# --- names ------------------------------------------------------------------------------------------------

def _safe_name(name: str) -> tuple[str, str | None]:
    """(display name, reason it is unsafe or None). Backslashes count as separators (Windows writes them)."""
    shown = _CONTROL.sub("?", name.replace("\\", "/"))
    if _CONTROL.search(name):
        return shown, "文件名含控制字符，已拒绝"
    if shown.startswith("/") or _DRIVE.match(shown):
        return shown, "文件路径为绝对路径，可能写到压缩包之外，已拒绝"
    parts = [p for p in shown.split("/") if p not in ("", ".")]
    if ".." in parts:
        return shown, "文件路径含“../”，可能写到压缩包之外，已拒绝"
    return "/".join(parts), None


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    unicode_path = _unicode_path_field(info.extra, raw)
    if unicode_path is not None:
        return unicode_path
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unicode_path_field(extra: bytes, raw_name: bytes) -> str | None:
    """The Info-ZIP Unicode Path extra field (0x7075), valid only while its CRC matches the header name."""
    offset = 0
    while offset + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, offset)
        body = extra[offset + 4:offset + 4 + length]
        if kind == 0x7075 and len(body) >= 5 and body[0] == 1:
            (crc,) = struct.unpack_from("<I", body, 1)
            if crc == zlib.crc32(raw_name) & 0xFFFFFFFF:
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        offset += 4 + length
    return None


# --- formats ----------------------------------------------------------------------------------------------

def _reader(path: Path) -> _Reader:
    with open(path, "rb") as handle:
        head = handle.read(8)
    kind = next((k for magic, k in _MAGIC.items() if head.startswith(magic)), None)
    if kind is None:
        raise _Rejected("不是有效的压缩包（内容与扩展名不符或文件已损坏）")
    return {"zip": _ZipReader, "7z": _SevenZipReader, "rar": _RarReader}[kind](path)


class _Reader:
    def members(self) -> list[_Listed]:
        raise NotImplementedError

    def extract(self, items: list[_Listed], sink: Callable[[_Listed], _Sink]
                ) -> Iterator[tuple[_Listed, tuple[Path, int, str] | str]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def _streamed(items: list[_Listed], sink: Callable[[_Listed], _Sink], open_member: Callable[[_Listed], Any],
              read_error: Callable[[Exception], str]) -> Iterator[tuple[_Listed, tuple[Path, int, str] | str]]:
    for item in items:
        out = sink(item)
        try:
            with open_member(item) as stream:
                while True:
                    chunk = stream.read(CHUNK_BYTES)
                    if not chunk:
                        break
                    out.write(chunk)
        except _Rejected as exc:
            out.discard()
            yield item, exc.reason
            continue
        except Exception as exc:  # noqa: BLE001 — every archive library raises its own kinds
            out.discard()
            yield item, read_error(exc)
            continue
        yield item, out.finish()


class _ZipReader(_Reader):
    def __init__(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise _Rejected("压缩包已损坏，无法打开") from None
        except NotImplementedError:
            raise _Rejected("压缩包使用了不支持的格式（如分卷压缩）") from None

    def members(self) -> list[_Listed]:
        return _zip_listing(self._zip)

    def extract(self, items, sink):
        return _streamed(items, sink, lambda item: self._zip.open(item.handle), _zip_error)

    def close(self) -> None:
        self._zip.close()


def _zip_listing(zf: zipfile.ZipFile) -> list[_Listed]:
    listed = []
    for info in zf.infolist():
        name, unsafe = _safe_name(_zip_name(info))
        mode = info.external_attr >> 16
        listed.append(_Listed(
            name=name, size=info.file_size, compressed=info.compress_size,
            modified=_zip_time(info), is_dir=info.is_dir(), is_link=(mode & 0o170000) == 0o120000,
            encrypted=bool(info.flag_bits & 0x1), unsafe=unsafe, handle=info))
    return listed


def _zip_time(info: zipfile.ZipInfo) -> datetime | None:
    try:
        return datetime(*info.date_time)
    except ValueError:
        return None


def _zip_error(exc: Exception) -> str:
    if isinstance(exc, NotImplementedError):
        return "文件使用了不支持的压缩方式，无法解开"
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc).lower():
        return "文件已加密，无法读取（请发送未加密的文件）"
    return "文件在压缩包中已损坏（内容与目录不符），无法解开"


class _SevenZipReader(_Reader):
    def __init__(self, path: Path) -> None:
        import py7zr

        self._path = path
        try:
            self._archive = py7zr.SevenZipFile(path, mode="r")
        except py7zr.PasswordRequired:
            raise _Rejected("压缩包已加密（连文件名都已加密），无法读取") from None
        except (py7zr.Bad7zFile, OSError, EOFError, ValueError, KeyError, IndexError):
            raise _Rejected("压缩包已损坏，无法打开") from None
        except Exception:  # noqa: BLE001 — py7zr raises its own internal errors on hostile headers
            raise _Rejected("压缩包已损坏，无法打开") from None

    def members(self) -> list[_Listed]:
        encrypted = self._archive.needs_password()
        listed = []
        for info in self._archive.list():
            name, unsafe = _safe_name(info.filename)
            modified = info.creationtime
            if isinstance(modified, datetime) and modified.tzinfo is not None:
                modified = modified.astimezone(timezone.utc)
            listed.append(_Listed(name=name, size=info.uncompressed or 0,
                                  compressed=info.compressed, modified=modified, is_dir=info.is_directory,
                                  is_link=bool(info.is_symlink), encrypted=encrypted, unsafe=unsafe,
                                  handle=info.filename))
        return listed

    def extract(self, items, sink):
        import py7zr
        import py7zr.io

        by_name = {item.handle: item for item in items}
        sinks: dict[str, _Sink] = {}
        failure: list[str] = []

        class Writer(py7zr.io.Py7zIO):
            def __init__(self, name: str) -> None:
                self._name = name
                self._written = 0

            def write(self, s: bytes | bytearray) -> int:
                item = by_name.get(self._name)
                if item is None:  # a member we did not ask for (py7zr decodes a solid block from its start)
                    return len(s)
                if self._name not in sinks:
                    sinks[self._name] = sink(item)
                sinks[self._name].write(bytes(s))
                return len(s)

            def read(self, size: int | None = None) -> bytes:
                return b""

            def seek(self, offset: int, whence: int = 0) -> int:
                return 0

            def flush(self) -> None:
                return None

            def size(self) -> int:
                return sinks[self._name].size if self._name in sinks else 0

        class Factory(py7zr.io.WriterFactory):
            def create(self, filename: str) -> py7zr.io.Py7zIO:
                return Writer(filename)

        if items:
            try:
                self._archive.reset()
                self._archive.extract(targets=list(by_name), factory=Factory())
            except _Rejected as exc:
                failure.append(exc.reason)
            except Exception:  # noqa: BLE001
                failure.append("文件在压缩包中已损坏（内容与目录不符），无法解开")
        for name, item in by_name.items():
            out = sinks.get(name)
            if failure:
                if out is not None:
                    out.discard()
                yield item, failure[0] if out is not None else "压缩包解压中止（其中另一文件异常），未解开"
            elif out is None:
                empty = sink(item)
                yield item, empty.finish()
            else:
                yield item, out.finish()

    def close(self) -> None:
        self._archive.close()


class _RarReader(_Reader):
    def __init__(self, path: Path) -> None:
        import rarfile

        try:
            self._rar = rarfile.RarFile(path)
        except rarfile.PasswordRequired:
            raise _Rejected("压缩包已加密（连文件名都已加密），无法读取") from None
        except rarfile.NeedFirstVolume:
            raise _Rejected("这是分卷压缩包的一部分，请发送完整的压缩包") from None
        except (rarfile.Error, OSError, EOFError, ValueError):
            raise _Rejected("压缩包已损坏，无法打开") from None

    def members(self) -> list[_Listed]:
        listed = []
        for info in self._rar.infolist():
            name, unsafe = _safe_name(info.filename)
            modified = info.mtime if isinstance(getattr(info, "mtime", None), datetime) else None
            if modified is None and info.date_time:
                try:
                    modified = datetime(*info.date_time)
                except ValueError:
                    modified = None
            if isinstance(modified, datetime) and modified.tzinfo is not None:
                modified = modified.astimezone(timezone.utc)
            listed.append(_Listed(name=name, size=info.file_size or 0, compressed=info.compress_size,
                                  modified=modified, is_dir=info.is_dir(), is_link=info.is_symlink(),
                                  encrypted=info.needs_password(), unsafe=unsafe, handle=info))
        return listed

    def extract(self, items, sink):
        return _streamed(items, sink, lambda item: self._rar.open(item.handle), _rar_error)

    def close(self) -> None:
        self._rar.close()


def _rar_error(exc: Exception) -> str:
    import rarfile

    if isinstance(exc, rarfile.RarCannotExec):
        return "服务器缺少 RAR 解压工具（请安装 unar），无法解开此文件"
    if isinstance(exc, rarfile.PasswordRequired):
        return "文件已加密，无法读取（请发送未加密的文件）"
    if isinstance(exc, rarfile.BadRarFile) and "read enough data" in str(exc):
        return "RAR 解压失败：文件已损坏，或服务器的解压工具不支持此压缩方式（请安装 unar）"
    return "文件在压缩包中已损坏（内容与目录不符），无法解开"
