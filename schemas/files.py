"""One received file, the one record that carries it from its source to its raw.files row; and what is not a
submission at all (SPEC §2.4).

The sources list files as `ReceivedFile`s; the inventory compares them with what the warehouse knows; the
parse batch keeps, reads and parses them; the loader writes them into raw.files and raw.file_sightings;
and a file the warehouse already holds comes back from raw.files as the same record. The fields a step
learns are filled in as the run goes (`dataclasses.replace`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal

DEFAULT_SOURCE = "inbox"
"""The name of the one source a campaign has when kepu.toml lists no [[sources]]: its [paths].inbox."""

FileStatus = Literal["", "read", "rejected", "ignored"]
"""raw.files.status: read (its content was read as a submission, whatever its rows say), rejected (it should
have been a submission and could not be read), ignored (not a submission at all: an office lock file, a
partial download, a message without attachment…; never attributed to a unit). "" while undecided."""


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """One file as a source holds it, and what the run learns about it.

    `path` names the file everywhere kepu reports it (raw.files, issues, 回执): relative, POSIX, as the office
    received it (`双流区/东升街道.xlsx`; a bundle's member `双流区/汇总.zip/东升街道.xlsx`); for a configured
    source other than the default inbox it starts with the source's name (`区县共享/双流区/东升街道.xlsx`).
    `size` and `mtime` are the file's. `received_at` is the source's own time (SPEC §2.4: file mtime, object
    last-modified, message arrival; a bundle's members share the bundle's) on the office's clock. `location`
    is where the bytes can be read now: the file at the source, or the copy kept in the store.

    `source` is the name of the configured source it came from, `source_path` its path there (a bundle's
    member: `sub/汇总.zip/东升街道.xlsx`; a mail attachment: `<uid>/<file name>`), `member` its path inside a
    bundle. `entry_path`, `entry_size` and `change_token` name the entry the source listed (the file, the
    bundle, the message): what the next run compares its listing with; `change_token` is None for an entry
    that must be tried again next run (it could not be read tonight). Mail adds `sender` (the address it came
    from), `forwarded_from` (the sender inside a forwarded message) and `subject`.

    Filled in as the run goes: `sha256` once hashed (for an entry whose bytes were never read — ignored,
    unreadable, empty — the `entry_id` of its source and path instead), `stored_as` (relative to the
    warehouse's folder) once kept, `status`, `reason` and `parser_version` once decided or parsed;
    `reject_code` is the issue code of a file rejected before it was parsed.
    """

    path: str
    size: int
    mtime: float
    received_at: datetime
    location: Path
    sha256: str = ""
    source: str = DEFAULT_SOURCE
    source_path: str = ""
    member: str = ""
    stored_as: str = ""
    status: FileStatus = ""
    reason: str | None = None
    parser_version: str | None = None
    reject_code: str | None = None
    entry_path: str = ""
    entry_size: int = 0
    change_token: str | None = None
    sender: str | None = None
    forwarded_from: str | None = None
    subject: str | None = None

    @property
    def extension(self) -> str:
        """The file name's extension, lower case with its dot (`.xlsx`); "" when it has none."""
        return PurePosixPath(self.path).suffix.lower()

    @property
    def has_content(self) -> bool:
        """Whether `sha256` is the hash of bytes kept in the store (not an `entry_id`)."""
        return bool(self.stored_as)

    def raw_files_row(self) -> dict:
        """The file's raw.files columns (campaign and run added by the loader)."""
        return {"sha256": self.sha256, "path": self.path, "extension": self.extension, "size": self.size,
                "received_at": self.received_at, "status": self.status, "reason": self.reason,
                "stored_as": self.stored_as or None, "parser_version": self.parser_version,
                "source": self.source, "source_path": self.source_path or self.path, "sender": self.sender,
                "forwarded_from": self.forwarded_from, "subject": self.subject}

    def sighting_row(self) -> dict:
        """The file's raw.file_sightings columns: this content seen at this path, with this size and time, and
        the source entry it came in."""
        return {"path": self.path, "sha256": self.sha256, "size": self.size, "mtime": self.mtime,
                "source": self.source, "source_path": self.source_path or self.path,
                "entry_path": self.entry_path or self.source_path or self.path,
                "entry_size": self.entry_size if self.entry_path else self.size, "change_token": self.change_token}


def entry_id(source: str, source_path: str) -> str:
    """The key of an entry whose bytes were not read (ignored, unreadable, empty, a rejected bundle member, a
    message without attachment): 64 hex digits like a content hash, but of the source's name and the path, so
    two such entries are never taken for byte-identical copies of each other."""
    text = f"kepu-entry\0{source}\0{source_path}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def readable(text: str) -> str:
    """A name as people read it. A name that is not UTF-8 reaches Python with its bytes escaped (surrogates,
    as the OS and kepu's SFTP listing give it); it is decoded as GB18030 (what Windows and `unzip` write for
    Chinese names), else shown with `\\xNN` escapes — never with characters a database or a terminal refuses.
    Opening the file takes the escaped name, never this one. A path is read folder by folder (a UTF-8 folder
    may hold a GBK file)."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    if "/" in text:
        return "/".join(readable(part) for part in text.split("/"))
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", "backslashreplace")


# ------------------------------------------------------------------------------------ not submissions

_SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".localized"}
_PARTIAL_SUFFIXES = (".crdownload", ".part", ".tmp", ".partial")


def junk_reason(name: str) -> str | None:
    """Why a file name is not a submission (SPEC §2.4: OS metadata, office lock files, partial downloads), or
    None. The one definition: the inbox, the remote stores, mail attachments and bundle members all use it."""
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    if not parts:
        return None
    base = parts[-1].lower()
    if "__macosx" in (p.lower() for p in parts) or base.startswith("._"):
        return "苹果系统生成的附属文件，不是报送文件"
    if base in _SYSTEM_FILES:
        return "操作系统生成的文件，不是报送文件"
    if base.startswith("~$") or base.startswith(".~lock."):
        return "办公软件的临时锁定文件，不是报送文件"
    if base.endswith(_PARTIAL_SUFFIXES):
        return "未下载完成的临时文件，不是报送文件"
    return None
