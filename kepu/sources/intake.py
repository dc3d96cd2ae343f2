"""Taking in one configured source tonight: list it, fetch what it holds that the warehouse has not seen, keep
the bytes in the store, open bundles, and describe every entry as a `ReceivedFile` (SPEC §2.4).

A source is a local folder (the `[paths] inbox` when kepu.toml names no `[[sources]]`, or any `file://`
folder), a file store (`sftp://`, `s3://`, `webdav(s)://`, through `kepu.sources.remote`) or the office mailbox
(`imap(s)://`, through `kepu.sources.mailbox`). `take_in_source` returns a `Haul`: the entries listed, how many
were unchanged since the keys the caller passed (those cost nothing but the listing), and a `ReceivedFile` for
each new entry, be it a file whose bytes are now kept in the store (to be parsed), or one decided here:
- `ignored`: office junk (`~$*`, `Thumbs.db`, partial downloads…), FIFOs and devices, folders inside bundles'
  OS metadata, mail signature images, a message without attachment, the text Exchange appends as
  `ATT00001.txt`, another attachment of a message that already carries a submission (photos, a scan, a `.doc`)
  — never attributed to a unit;
- `rejected` before any parse, with an issue code: a file that cannot be opened or fetched, a broken or
  outside link, an empty file, a bundle that cannot be opened or a member refused (zip bomb, zip slip,
  encrypted), a message too large or unparseable.
A bundle (`.zip`, `.7z`, `.rar`) is not itself a submission: each of its members is, named
`bundle.zip/member.xlsx` after the bundle's own path and received when the bundle was.

Nothing here writes, moves or marks anything at a source. A source that cannot be reached raises
`SourceUnavailable` (the flow retries, then goes on without it); one bad entry fails only itself.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from kepu.schemas.files import DEFAULT_SOURCE, ReceivedFile, entry_id, junk_reason
from kepu.schemas.vocabulary import OFFICE_TZ, office_time
from kepu.sources import store as file_store
from kepu.sources.books import NARRATIVE_SUFFIXES, SUPPORTED_SUFFIXES
from kepu.sources.bundles import BUNDLE_SUFFIXES, FOLDER_REASON, BundleLimits, is_bundle, open_bundle
from kepu.sources.folder import FolderMissing, list_folder, os_reason
from kepu.sources.mailbox import MailboxSource, MailEntry, read_mailbox
from kepu.sources.remote import (
    DEFAULT_MAX_BYTES,
    RemoteSource,
    SourceUnavailable,
    credentials_from_env,
    fetch,
    glob_matcher,
    list_source,
)

SUBMISSION_SUFFIXES = SUPPORTED_SUFFIXES + NARRATIVE_SUFFIXES + BUNDLE_SUFFIXES
"""What a mail attachment must be to count as a submission: a spreadsheet, a CSV, a 总结 as `.docx` or `.txt`
(SPEC §3.13), or a bundle. Each is then read by its content like a file of the inbox (same sniffing, limits and
hostile-input checks): a 总结 beside a form in one message is compared with it, as in a folder."""
FOLDER_SCHEMES = ("file",)
STORE_SCHEMES = ("sftp", "s3", "webdav", "webdavs")
MAIL_SCHEMES = ("imap", "imaps")
SCHEMES = FOLDER_SCHEMES + STORE_SCHEMES + MAIL_SCHEMES

INACCESSIBLE = "file_inaccessible"
EMPTY = "file_empty"
BUNDLE = "bundle_unreadable"
"""Issue codes of files rejected before they are parsed (schemas.issues)."""


@dataclass(frozen=True)
class SourceConfig:
    """One `[[sources]]` entry of kepu.toml (SPEC §2.2), or the default inbox. Credentials are named by
    environment variable and read only when the source is opened; nothing secret is held here."""

    name: str
    url: str
    glob: str | None = None
    district: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    endpoint: str | None = None
    region: str | None = None
    host_key_sha256: str | None = None
    ca_file: str | None = None
    timeout_s: float = 10.0
    workers: int = 4
    default: bool = False
    """The `[paths] inbox` standing in for an empty `[[sources]]`: its paths are shown without a prefix."""

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower()

    @property
    def kind(self) -> str:
        """folder, store or mailbox."""
        if self.scheme in FOLDER_SCHEMES:
            return "folder"
        return "mailbox" if self.scheme in MAIL_SCHEMES else "store"

    @property
    def folder(self) -> Path:
        """The local folder of a `file://` source."""
        return Path(unquote(urlsplit(self.url).path))

    def shown(self, source_path: str) -> str:
        """How a path at this source is shown everywhere: prefixed with the source's name, except for the
        default inbox (whose paths read as they always have)."""
        return source_path if self.default else f"{self.name}/{source_path}"


def default_inbox(inbox: Path) -> SourceConfig:
    return SourceConfig(name=DEFAULT_SOURCE, url=inbox.resolve().as_uri(), default=True)


@dataclass
class Haul:
    """What one source gave tonight. `listed`: entries at the source (the mailbox counts messages);
    `unchanged`: those already seen, not fetched; `fetched`: entries whose bytes were read or downloaded;
    `files`: one record per new entry, bundle member or decided entry."""

    source: str
    listed: int = 0
    unchanged: int = 0
    fetched: int = 0
    files: list[ReceivedFile] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    bundles: BundleLimits = BundleLimits()


def take_in_source(config: SourceConfig, seen: Collection[tuple[str, int, str]], store: Path, *,
                   limits: Limits = Limits(), now: datetime | None = None) -> Haul:
    """List `config`, fetch its entries whose (path, size, change token) is not in `seen`, keep their bytes in
    `store` and describe them. Raises SourceUnavailable when the source cannot be listed or read as a whole."""
    scratch = file_store.incoming(store) / f"{uuid.uuid4().hex}"
    scratch.mkdir(parents=True)
    try:
        taker = _Taker(config, store, scratch, limits, now)
        if config.kind == "folder":
            haul = taker.from_folder(seen)
        elif config.kind == "mailbox":
            haul = taker.from_mailbox(seen)
        else:
            haul = taker.from_store(seen)
        haul.files = taker.open_bundles(haul.files)
        return haul
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def seen_messages(seen: Collection[tuple[str, int, str]]) -> set[tuple[int, int]]:
    """The (UIDVALIDITY, UID) of every message whose key is among `seen` (their token is `uid:V:U`)."""
    found = set()
    for _, _, token in seen:
        if token and token.startswith("uid:"):
            _, validity, uid = token.split(":")
            found.add((int(validity), int(uid)))
    return found


class _Taker:
    def __init__(self, config: SourceConfig, store: Path, scratch: Path, limits: Limits, now: datetime | None):
        self.config = config
        self.store = store
        self.scratch = scratch
        self.limits = limits
        self.now = now or datetime.now(OFFICE_TZ)

    # --- the three kinds of source -----------------------------------------------------------------------

    def from_folder(self, seen) -> Haul:
        config = self.config
        try:
            listing = list_folder(config.folder, glob=_glob(config.glob), seen=seen)
        except FolderMissing as exc:
            raise SourceUnavailable(config.name, exc.reason) from None
        haul = Haul(config.name, listing.total, listing.unchanged)
        to_read = []
        for entry in listing.entries:
            base = self._record(entry.path, entry.size, entry.mtime, entry_size=entry.size,
                                change_token=entry.change_token, location=entry.location)
            if entry.status:
                haul.files.append(self._decided(base, entry.status, entry.reason,
                                                INACCESSIBLE if entry.status == "rejected" else None))
            elif entry.size == 0:
                haul.files.append(self._empty(base))
            else:
                to_read.append(base)
        with ThreadPoolExecutor(max_workers=max(1, config.workers), thread_name_prefix="kepu-read") as pool:
            for kept in pool.map(lambda base: self._kept_from(base, base.location), to_read):
                if kept is not None:
                    haul.fetched += kept.has_content
                    haul.files.append(kept)
        return haul

    def from_store(self, seen) -> Haul:
        config = self.config
        source = RemoteSource(
            name=config.name, url=config.url,
            credentials=credentials_from_env(config.username_env, config.password_env, source=config.name),
            glob=config.glob, endpoint=config.endpoint, region=config.region,
            host_key_sha256=config.host_key_sha256, ca_file=config.ca_file, timeout_s=config.timeout_s,
            workers=config.workers)
        listing = list_source(source, seen=seen)
        haul = Haul(config.name, listing.total + len(listing.problems), listing.unchanged)
        for problem in listing.problems:
            status = "ignored" if problem.reason.startswith("不是普通文件") else "rejected"
            base = self._record(problem.path, 0, self.now.timestamp(), entry_size=0, change_token=None)
            haul.files.append(self._decided(base, status, problem.reason,
                                            INACCESSIBLE if status == "rejected" else None))
        wanted = []
        by_path = {}
        for entry in listing.entries:
            modified = entry.modified.timestamp() if entry.modified else self.now.timestamp()
            base = self._record(entry.shown, entry.size, modified, entry_size=entry.size,
                                change_token=entry.change_token)
            if junk := junk_reason(entry.shown):
                haul.files.append(self._decided(base, "ignored", junk))
            elif entry.size == 0:
                haul.files.append(self._empty(base))
            else:
                wanted.append(entry)
                by_path[entry.path] = base
        result = fetch(source, wanted, self.scratch, max_bytes=self.limits.max_bytes)
        for item in result.fetched:
            base = by_path[item.entry.path]
            haul.fetched += 1
            haul.files.append(self._adopted(base, item.local_path, item.sha256, item.size))
        for failure in result.failed:
            base = replace(by_path[failure.entry.path], change_token=None)
            haul.files.append(self._decided(base, "rejected", failure.reason, INACCESSIBLE))
        return haul

    def from_mailbox(self, seen) -> Haul:
        config = self.config
        source = MailboxSource(
            name=config.name, url=config.url,
            credentials=credentials_from_env(config.username_env, config.password_env, source=config.name),
            ca_file=config.ca_file, timeout_s=config.timeout_s)
        listing = read_mailbox(source, self.scratch, seen=seen_messages(seen))
        haul = Haul(config.name, listing.messages_new + listing.messages_unchanged, listing.messages_unchanged,
                    listing.messages_new)
        by_message: dict[int, list[MailEntry]] = {}
        for entry in listing.entries:
            by_message.setdefault(entry.uid, []).append(entry)
        for uid, entries in by_message.items():
            carries_submission = any(e.kind == "attachment" and _is_submission(e.filename or "")
                                     and not _mail_junk_reason(e.filename or "") for e in entries)
            for entry in entries:
                haul.files.append(self._mail_file(entry, carries_submission))
        return haul

    def _mail_file(self, entry: MailEntry, carries_submission: bool) -> ReceivedFile:
        label = {"no_attachment": "（无附件）", "rejected": "（邮件）", "ignored": "（内嵌图片）"}
        source_path = entry.path if entry.filename else f"{entry.uid}/{label.get(entry.kind, '（邮件）')}"
        received = entry.received_at.astimezone(OFFICE_TZ)
        base = self._record(source_path, entry.size, received.timestamp(), entry_size=entry.size,
                            change_token=f"uid:{entry.uidvalidity}:{entry.uid}", entry_path=f"{entry.uid}/")
        base = replace(base, sender=entry.sender, forwarded_from=entry.original_sender,
                       subject=entry.subject or None)
        if entry.kind == "no_attachment":
            return self._decided(base, "ignored", entry.reason or "邮件没有附件")
        if entry.kind == "ignored":
            return self._decided(base, "ignored", entry.reason)
        if entry.kind == "rejected":
            return self._decided(base, "rejected", entry.reason, INACCESSIBLE)
        name = entry.filename or ""
        if junk := junk_reason(name) or _mail_junk_reason(name):
            return self._decided(base, "ignored", junk)
        if carries_submission and not _is_submission(name):
            return self._decided(base, "ignored", "同一邮件中已有报表附件或总结附件，此附件（照片、扫描件等）不作为报送文件")
        if entry.size == 0 or entry.local_path is None:
            return self._empty(base)
        return self._adopted(base, entry.local_path, entry.sha256, entry.size)

    # --- bundles -----------------------------------------------------------------------------------------

    def open_bundles(self, files: list[ReceivedFile]) -> list[ReceivedFile]:
        """Each bundle replaced by its members (and its refused members); a bundle that cannot be opened is
        itself a rejected file."""
        out: list[ReceivedFile] = []
        for f in files:
            if f.status or not f.has_content or not is_bundle(f.path):
                out.append(f)
                continue
            unpacked = self.scratch / f"bundle-{uuid.uuid4().hex}"
            try:
                result = open_bundle(f.location, f.source_path, unpacked, limits=self.limits.bundles)
                if result.error:
                    out.append(replace(f, status="rejected", reason=result.error, reject_code=BUNDLE))
                    continue
                members = [self._member(f, m) for m in result.members]
                refused = [self._refused(f, r.path, r.status, r.reason) for r in result.rejected
                           if r.reason != FOLDER_REASON]
                if not members and not refused:
                    out.append(replace(f, status="rejected", reason="压缩包中没有文件", reject_code=BUNDLE))
                out += members + refused
            finally:
                shutil.rmtree(unpacked, ignore_errors=True)
        return out

    def _member(self, bundle: ReceivedFile, member) -> ReceivedFile:
        inner = member.path[len(bundle.source_path) + 1:]
        base = replace(bundle, path=self.config.shown(member.path), source_path=member.path, member=inner,
                       size=member.size, sha256="", stored_as="", location=member.local_path)
        if member.size == 0:
            member.local_path.unlink(missing_ok=True)
            return self._empty(base)
        return self._adopted(base, member.local_path, member.sha256, member.size)

    def _refused(self, bundle: ReceivedFile, path: str, status: str, reason: str) -> ReceivedFile:
        base = replace(bundle, path=self.config.shown(path), source_path=path, member=path[len(bundle.source_path) + 1:],
                       size=0, sha256="", stored_as="")
        return self._decided(base, status, reason, BUNDLE if status == "rejected" else None)

    # --- records -----------------------------------------------------------------------------------------

    def _record(self, source_path: str, size: int, mtime: float, *, entry_size: int, change_token: str | None,
                entry_path: str | None = None, location: Path | None = None) -> ReceivedFile:
        return ReceivedFile(
            path=self.config.shown(source_path), size=size, mtime=mtime, received_at=office_time(mtime),
            location=location or self.scratch, source=self.config.name, source_path=source_path,
            entry_path=entry_path or source_path, entry_size=entry_size, change_token=change_token)

    def _decided(self, base: ReceivedFile, status: str, reason: str | None, code: str | None = None) -> ReceivedFile:
        return replace(base, sha256=entry_id(base.source, base.source_path), stored_as="", status=status,
                       reason=reason, reject_code=code if status == "rejected" else None)

    def _empty(self, base: ReceivedFile) -> ReceivedFile:
        return self._decided(base, "rejected", "文件为空（0 字节）", EMPTY)

    def _kept_from(self, base: ReceivedFile, location: Path) -> ReceivedFile | None:
        """A local file read into the store; one that cannot be read is rejected and tried again next run."""
        try:
            kept, sha, size = file_store.take_in(self.store, location, base.extension, self.limits.max_bytes)
        except file_store.TooLarge as exc:
            return self._decided(base, "rejected", exc.reason, INACCESSIBLE)
        except FileNotFoundError:
            return None  # removed since the listing: nothing was received
        except OSError as exc:
            reason = "无权读取（文件权限不足）" if isinstance(exc, PermissionError) else f"读取失败（{os_reason(exc)}）"
            return self._decided(replace(base, change_token=None), "rejected", reason, INACCESSIBLE)
        return self._content(base, kept, sha, size)

    def _adopted(self, base: ReceivedFile, local_path: Path, sha: str, size: int) -> ReceivedFile:
        kept = file_store.adopt(self.store, local_path, sha, base.extension)
        return self._content(base, kept, sha, size)

    def _content(self, base: ReceivedFile, kept: Path, sha: str, size: int) -> ReceivedFile:
        return replace(base, location=kept, sha256=sha, size=size,
                       stored_as=kept.relative_to(self.store.parent).as_posix())


_EXCHANGE_PART = re.compile(r"^att\d{5}\.(txt|htm|html)$", re.IGNORECASE)


def _mail_junk_reason(name: str) -> str | None:
    """A mail's own parts that clients save as attachments: Exchange's `ATT00001.txt` (the body after an
    attachment, a disclaimer) is no 总结."""
    if _EXCHANGE_PART.match(PurePosixPath(name).name):
        return "邮件服务器附加的正文片段（ATT00001.txt 之类），不是报送文件"
    return None


def _is_submission(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in SUBMISSION_SUFFIXES


def _glob(pattern: str | None):
    if not pattern:
        return None
    return glob_matcher(pattern)
