"""A local folder as a source of submissions: the inbox, or any `file://` folder (a district's share mounted on
the server). Every entry under it, in any sub-folder, is listed with its path relative to the folder, its size
and its modification time, which is when it was received.

Nothing is skipped silently and nothing one entry does stops the listing (issue #11): a file name in GBK bytes
(what `unzip` of a Chinese zip leaves) is shown readably and still opened by its exact bytes; a symbolic link is
followed only when it points inside the folder, and a link back into one of its own parent folders is a loop;
broken links, FIFOs, sockets and devices, sub-folders that cannot be read and office junk (`~$*`, `Thumbs.db`…)
are entries with a status and a reason, never errors. Reading the bytes happens later, one file at a time
(`kepu.sources.store.take_in`), so a file that cannot be opened fails only itself.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kepu.schemas.files import junk_reason, readable

MAX_DEPTH = 32
"""Sub-folders deeper than this are not walked (a chain of links inside the folder could otherwise go on)."""

FolderKey = tuple[str, int, str]
"""(path, size, change token): one version of one entry, as the next run compares it."""


@dataclass(frozen=True)
class FolderEntry:
    """One entry under the folder. `path` is relative, `/`-separated and readable; `location` opens it (a name
    that is not valid UTF-8 keeps its exact bytes there). `status` is "" for a regular file to read, or
    `ignored` / `rejected` with a Chinese `reason` for what cannot or need not be read."""

    path: str
    location: Path
    size: int
    mtime_ns: int
    status: Literal["", "ignored", "rejected"] = ""
    reason: str | None = None

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9

    @property
    def change_token(self) -> str | None:
        """What tells tomorrow's run this entry is unchanged. None for an entry rejected tonight because it
        could not be reached (a broken link, a folder without permission): it is tried again every run."""
        return None if self.status == "rejected" else f"mtime:{self.mtime_ns}"

    @property
    def key(self) -> tuple[str, int, str | None]:
        return (self.path, self.size, self.change_token)


@dataclass(frozen=True)
class FolderListing:
    """The folder tonight: `entries` new or changed since the keys the caller passed, `unchanged` how many
    matched one of them, `outside_glob` how many the glob left out."""

    entries: tuple[FolderEntry, ...]
    unchanged: int
    outside_glob: int = 0

    @property
    def total(self) -> int:
        return len(self.entries) + self.unchanged


class FolderMissing(Exception):
    """The folder itself is not there or cannot be read (an unmounted share): the whole source is unavailable."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def readable_name(name: str) -> str:
    """A file name as people read it (`kepu.schemas.files.readable`): GBK bytes from `unzip` read as Chinese."""
    return readable(name)


def list_folder(root: Path, *, glob=None, seen: Collection[FolderKey] = ()) -> FolderListing:
    """Every entry under `root` that `glob` (a callable on the relative path, or None) admits, less those whose
    key is in `seen`, sorted by path. Raises FolderMissing when `root` itself cannot be listed."""
    seen = seen if isinstance(seen, (set, frozenset)) else set(seen)
    try:
        top = os.stat(root)
    except OSError as exc:
        raise FolderMissing(_missing_reason(exc)) from None
    if not stat.S_ISDIR(top.st_mode):
        raise FolderMissing("不是文件夹")
    try:
        with os.scandir(root):
            pass
    except OSError as exc:
        raise FolderMissing(_missing_reason(exc)) from None
    real_root = os.path.realpath(root)
    found: dict[str, FolderEntry] = {}
    _walk(Path(root), "", real_root, ((top.st_dev, top.st_ino),), found)
    entries, unchanged, outside = [], 0, 0
    for path in sorted(found):
        entry = found[path]
        if glob is not None and not glob(path):
            outside += 1
        elif entry.key in seen:
            unchanged += 1
        else:
            entries.append(entry)
    return FolderListing(tuple(entries), unchanged, outside)


def _walk(folder: Path, prefix: str, real_root: str, ancestors: tuple[tuple[int, int], ...],
          found: dict[str, FolderEntry]) -> None:
    try:
        with os.scandir(folder) as listing:
            items = sorted(listing, key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        _add(found, _problem(prefix, folder, "rejected", f"文件夹无法读取（{os_reason(exc)}）"))
        return
    for item in items:
        display = f"{prefix}/{readable_name(item.name)}" if prefix else readable_name(item.name)
        location = Path(item.path)
        junk = junk_reason(display)
        if junk:
            _add(found, _problem(display, location, "ignored", junk))
            continue
        try:
            is_link = item.is_symlink()
            info = os.stat(location) if is_link else item.stat(follow_symlinks=False)
        except OSError as exc:
            _add(found, _problem(display, location, "rejected", _link_reason(exc) if _is_link(location) else
                                 f"无法读取文件信息（{os_reason(exc)}）"))
            continue
        if is_link and not _inside(os.path.realpath(location), real_root):
            _add(found, _problem(display, location, "rejected", "符号链接指向收件箱以外的位置，未读取"))
            continue
        if stat.S_ISDIR(info.st_mode):
            identity = (info.st_dev, info.st_ino)
            if identity in ancestors:
                _add(found, _problem(display, location, "rejected", "符号链接形成循环（指向其所在的上级文件夹），未跟随"))
            elif len(ancestors) > MAX_DEPTH:
                _add(found, _problem(display, location, "rejected", f"文件夹层级超过 {MAX_DEPTH} 层，未继续读取"))
            else:
                _walk(location, display, real_root, (*ancestors, identity), found)
        elif stat.S_ISREG(info.st_mode):
            _add(found, FolderEntry(display, location, info.st_size, info.st_mtime_ns))
        else:
            _add(found, _problem(display, location, "ignored", f"不是普通文件（{_kind(info.st_mode)}），未读取"))


def _add(found: dict[str, FolderEntry], entry: FolderEntry) -> None:
    """Two entries whose names read alike (one in GBK bytes, one in UTF-8) keep apart: the later one is shown
    with its bytes escaped."""
    path = entry.path
    if path in found:
        raw = os.fsencode(str(entry.location.name)).decode("utf-8", "backslashreplace")
        path = f"{path.rsplit('/', 1)[0]}/{raw}" if "/" in path else raw
        n = 2
        while path in found:
            path = f"{entry.path} ({n})"
            n += 1
        entry = FolderEntry(path, entry.location, entry.size, entry.mtime_ns, entry.status, entry.reason)
    found[path] = entry


def _problem(path: str, location: Path, status: Literal["ignored", "rejected"], reason: str) -> FolderEntry:
    try:
        info = os.lstat(location)
        mtime_ns = info.st_mtime_ns
        size = info.st_size if stat.S_ISREG(info.st_mode) else 0
    except OSError:
        mtime_ns, size = 0, 0
    return FolderEntry(path, location, size, mtime_ns, status, reason)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _is_link(location: Path) -> bool:
    try:
        return location.is_symlink()
    except OSError:
        return False


def _link_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "符号链接形成循环，未跟随"
    if exc.errno == errno.ENOENT:
        return "符号链接指向的文件不存在（断开的链接）"
    return f"符号链接无法跟随（{os_reason(exc)}）"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "命名管道"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    return "特殊文件"


_ERRNO_TEXT = {errno.EIO: "磁盘读写错误", errno.ENAMETOOLONG: "文件名过长", errno.ELOOP: "符号链接循环",
               errno.ENOTDIR: "路径中有一段不是文件夹", errno.ESTALE: "网络共享已失效", errno.EACCES: "权限不足",
               errno.EPERM: "权限不足", errno.ENOENT: "已不存在", errno.EBUSY: "文件正被占用"}


def os_reason(exc: OSError) -> str:
    """An OS error in Chinese words for a reason column (the OS's own text is English)."""
    if exc.errno in _ERRNO_TEXT:
        return _ERRNO_TEXT[exc.errno]
    return f"系统错误 {errno.errorcode.get(exc.errno, type(exc).__name__)}" if exc.errno else type(exc).__name__


def _missing_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件夹不存在（共享目录未挂载？）"
    if isinstance(exc, PermissionError):
        return "无权读取该文件夹"
    return f"文件夹无法读取（{os_reason(exc)}）"
