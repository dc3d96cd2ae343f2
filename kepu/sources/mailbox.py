"""The office mailbox as a source: one IMAP folder, read-only, every attachment an entry.

`read_mailbox` opens the folder with EXAMINE (read-only) and fetches with `BODY.PEEK[]`, so nothing is ever
marked read, moved, flagged or deleted. Messages are identified by (UIDVALIDITY, UID): the caller passes the
pairs it has already read and only new messages are downloaded; when the server renumbers the folder (a new
UIDVALIDITY) every message is new again, and content addressing downstream keeps the copies it already has.

Each message gives one or more `MailEntry`s:
- `attachment` — a file someone attached (spreadsheet, bundle or anything else: the caller decides what is a
  submission), written to the destination folder under a name of our own;
- `ignored` — an image embedded in the body (a signature logo, `image001.png`): reported, not a submission;
- `no_attachment` — a message that carries no attachment at all, kept with its subject and sender so that
  「附件忘了加」 is visible rather than silently dropped;
- `rejected` — a message too large to download, or one that could not be parsed, with the reason.

Every entry carries the sender's address (an identity fallback), the subject, the Message-ID, the UID and the
message's arrival time on the server (INTERNALDATE) as `received_at`. Attachment names are decoded from
RFC 2231 and RFC 2047 parameters in any charset, GB2312 read as GB18030 (its superset, which is what Chinese
clients really write), and from the raw GBK or UTF-8 bytes some clients put in the header unencoded.
"""

from __future__ import annotations

import email
import email.header
import email.message
import email.policy
import email.utils
import hashlib
import imaplib
import re
import ssl
import threading
import uuid
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from kepu.sources.remote import Credentials, SourceConfigError, SourceUnavailable

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_WORKERS = 3
DEFAULT_MAX_MESSAGE_BYTES = 60 * 1024 * 1024
BATCH_BYTES = 16 * 1024 * 1024
BATCH_MESSAGES = 25

EntryKind = Literal["attachment", "no_attachment", "ignored", "rejected"]
SeenMessage = tuple[int, int]
"""(UIDVALIDITY, UID): one message in one numbering of a folder."""

_CHINESE_ALIASES = {"gb2312", "gb_2312", "gb_2312-80", "gbk", "x-gbk", "cp936", "euc-cn", "x-euc-cn", "csgb2312",
                    "chinese", "ms936", "windows-936"}
_INLINE_IMAGE_NAME = re.compile(r"^(image|img|inline|outlook|~wrd)\w*\.(png|jpe?g|gif|bmp|emz|wmz)$", re.IGNORECASE)


@dataclass(frozen=True)
class MailboxSource:
    """One IMAP folder. `url`: `imaps://host[:port]/FOLDER` (TLS, certificate checked, `ca_file` for a private
    authority) or `imap://host[:port]/FOLDER` (plaintext: only on a trusted network). The folder defaults to
    INBOX; a nested folder is written with the server's separator (`INBOX/报送`)."""

    name: str
    url: str
    credentials: Credentials
    ca_file: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    workers: int = DEFAULT_WORKERS
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES

    @property
    def folder(self) -> str:
        return unquote(urlsplit(self.url).path).strip("/") or "INBOX"


@dataclass(frozen=True)
class MailEntry:
    """One thing found in one message. `path` names it inside the folder (`<uid>/<attachment name>`, or
    `<uid>/` for a message without attachment); `local_path`, `size` and `sha256` are set for attachments."""

    kind: EntryKind
    uid: int
    uidvalidity: int
    received_at: datetime
    sender: str | None
    subject: str
    message_id: str | None
    filename: str | None = None
    content_type: str | None = None
    local_path: Path | None = None
    size: int = 0
    sha256: str | None = None
    reason: str | None = None
    original_sender: str | None = None
    """For an attachment inside a forwarded message (message/rfc822): that message's own sender."""

    @property
    def path(self) -> str:
        return f"{self.uid}/{self.filename or ''}"

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.path, self.size, f"uid:{self.uidvalidity}:{self.uid}")

    @property
    def message(self) -> SeenMessage:
        return (self.uidvalidity, self.uid)


@dataclass(frozen=True)
class MailListing:
    """What a folder holds tonight beyond the messages already read: entries of the new messages, how many
    messages were skipped as already read, and the folder's current UIDVALIDITY."""

    source: str
    uidvalidity: int
    entries: tuple[MailEntry, ...]
    messages_new: int
    messages_unchanged: int

    @property
    def attachments(self) -> tuple[MailEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "attachment")


def read_mailbox(source: MailboxSource, destination: Path, *, seen: Collection[SeenMessage] = ()) -> MailListing:
    """Download the messages of `source` not in `seen` and write their attachments into `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    seen = seen if isinstance(seen, (set, frozenset)) else set(seen)
    with _Connections(source) as connections:
        client = connections.get()
        uidvalidity = _uidvalidity(client, source)
        uids = _search_all(client, source)
        new = [uid for uid in uids if (uidvalidity, uid) not in seen]
        envelopes = _envelopes(client, source, new)
        entries: list[MailEntry] = []
        wanted: list[tuple[int, int]] = []
        for uid in new:
            size, received_at = envelopes.get(uid, (0, None))
            if received_at is None:
                continue  # expunged between SEARCH and FETCH by another client
            if size > source.max_message_bytes:
                entries.append(MailEntry("rejected", uid, uidvalidity, received_at, None, "", None, size=size,
                                         reason=f"邮件大小超过上限（{source.max_message_bytes / 1024 / 1024:.0f} MB），未下载"))
            else:
                wanted.append((uid, size))
        batches = list(_batches(wanted))
        with ThreadPoolExecutor(max_workers=max(1, min(source.workers, len(batches) or 1)),
                                thread_name_prefix="kepu-imap") as pool:
            results = list(pool.map(lambda batch: _fetch_batch(connections, source, batch, uidvalidity,
                                                               envelopes, destination), batches))
    for batch_entries in results:
        entries.extend(batch_entries)
    entries.sort(key=lambda e: e.uid)  # stable: within a message, the order of its parts
    return MailListing(source.name, uidvalidity, tuple(entries), len(new), len(uids) - len(new))


# --- connection -------------------------------------------------------------------------------------------

class _Connections:
    """One IMAP connection per worker thread, each logged in and with the folder open read-only; all logged
    out at the end."""

    def __init__(self, source: MailboxSource) -> None:
        parts = urlsplit(source.url)
        if parts.scheme.lower() not in ("imap", "imaps"):
            raise SourceConfigError(f"来源「{source.name}」不是邮箱地址（应为 imap:// 或 imaps://）")
        if parts.password:
            raise SourceConfigError(f"来源「{source.name}」的地址中不得写密码；请用 password_env 指定环境变量")
        if not parts.hostname:
            raise SourceConfigError(f"来源「{source.name}」的邮箱地址缺少主机名")
        if not source.credentials.username or not source.credentials.password:
            raise SourceConfigError(f"来源「{source.name}」缺少邮箱用户名或密码（username_env / password_env）")
        self._source = source
        self._parts = parts
        self._local = threading.local()
        self._opened: list[imaplib.IMAP4] = []
        self._lock = threading.Lock()

    def __enter__(self) -> _Connections:
        self.get()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for client in self._opened:
            try:
                client.logout()
            except Exception:  # the server may already have closed it; nothing is left to do
                pass

    def get(self) -> imaplib.IMAP4:
        client = getattr(self._local, "client", None)
        if client is None:
            client = _guarded(self._source, self._connect)
            self._local.client = client
            with self._lock:
                self._opened.append(client)
        return client

    def _connect(self) -> imaplib.IMAP4:
        source, parts = self._source, self._parts
        if parts.scheme.lower() == "imaps":
            context = ssl.create_default_context(cafile=source.ca_file)
            client = imaplib.IMAP4_SSL(parts.hostname, parts.port or 993, ssl_context=context,
                                       timeout=source.timeout_s)
        else:
            client = imaplib.IMAP4(parts.hostname, parts.port or 143, timeout=source.timeout_s)
        try:
            _login(client, source.credentials)
            status, _ = client.select(_quoted(source.folder), readonly=True)
            if status != "OK":
                raise _FolderMissing
        except BaseException:
            try:
                client.shutdown()
            except Exception:
                pass
            raise
        return client


def _login(client: imaplib.IMAP4, credentials: Credentials) -> None:
    username, password = credentials.username or "", credentials.password or ""
    if username.isascii() and password.isascii():
        client.login(username, password)
    else:  # LOGIN is ASCII-only in imaplib; SASL PLAIN carries UTF-8 (RFC 4616)
        client.authenticate("PLAIN", lambda _: b"\0" + username.encode() + b"\0" + password.encode())


def _quoted(folder: str) -> str:
    if folder.isascii():
        return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return '"' + _imap_utf7(folder) + '"'


def _imap_utf7(text: str) -> str:
    """Modified UTF-7 (RFC 3501 §5.1.3), how IMAP names folders such as 「报送」."""
    import base64

    out, buffer = [], []

    def flush() -> None:
        if buffer:
            encoded = base64.b64encode("".join(buffer).encode("utf-16-be")).decode().rstrip("=").replace("/", ",")
            out.append(f"&{encoded}-")
            buffer.clear()

    for ch in text:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buffer.append(ch)
    flush()
    return "".join(out)


class _FolderMissing(Exception):
    pass


def _guarded(source: MailboxSource, action):
    try:
        return action()
    except (SourceUnavailable, SourceConfigError):
        raise
    except _FolderMissing:
        raise SourceUnavailable(source.name, f"邮箱中没有文件夹「{source.folder}」") from None
    except imaplib.IMAP4.abort:
        raise SourceUnavailable(source.name, "邮件服务器中断了连接") from None
    except imaplib.IMAP4.error as exc:
        text = str(exc).lower()
        if "auth" in text or "login" in text or "credential" in text or "password" in text:
            raise SourceUnavailable(source.name, "用户名或密码被拒绝") from None
        raise SourceUnavailable(source.name, "邮件服务器拒绝了请求") from None
    except ssl.SSLCertVerificationError:
        raise SourceUnavailable(source.name, "TLS 证书校验失败") from None
    except ssl.SSLError:
        raise SourceUnavailable(source.name, "TLS 握手失败（端口可能不是 IMAPS）") from None
    except TimeoutError:
        raise SourceUnavailable(source.name, f"连接超时（{source.timeout_s:g} 秒内无响应）") from None
    except OSError as exc:
        if isinstance(exc, __import__("socket").gaierror):
            raise SourceUnavailable(source.name, "无法解析服务器主机名") from None
        raise SourceUnavailable(source.name, "无法连接到邮件服务器（连接被拒绝、中断或主机不可达）") from None


def _uidvalidity(client: imaplib.IMAP4, source: MailboxSource) -> int:
    value = client.untagged_responses.get("UIDVALIDITY")
    if not value:
        status, data = _guarded(source, lambda: client.status(_quoted(source.folder), "(UIDVALIDITY)"))
        match = re.search(rb"UIDVALIDITY (\d+)", b" ".join(d for d in data if isinstance(d, bytes)))
        return int(match.group(1)) if match else 0
    return int(value[-1])


def _search_all(client: imaplib.IMAP4, source: MailboxSource) -> list[int]:
    status, data = _guarded(source, lambda: client.uid("SEARCH", None, "ALL"))
    if status != "OK":
        raise SourceUnavailable(source.name, "邮件服务器拒绝列出邮件")
    return sorted(int(x) for x in b" ".join(d for d in data if d).split())


def _envelopes(client: imaplib.IMAP4, source: MailboxSource, uids: list[int]) -> dict[int, tuple[int, datetime]]:
    """(size, arrival time) of each message, without downloading any."""
    found: dict[int, tuple[int, datetime]] = {}
    for start in range(0, len(uids), 500):
        chunk = ",".join(str(uid) for uid in uids[start:start + 500])
        status, data = _guarded(source, lambda: client.uid("FETCH", chunk, "(UID RFC822.SIZE INTERNALDATE)"))
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid, size, date = (re.search(rb"UID (\d+)", line), re.search(rb"RFC822\.SIZE (\d+)", line),
                               re.search(rb'INTERNALDATE "([^"]+)"', line))
            if uid and size and date:
                found[int(uid.group(1))] = (int(size.group(1)), _internaldate(date.group(1).decode()))
    return found


def _internaldate(text: str) -> datetime:
    return datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S %z").astimezone(timezone.utc)


def _batches(wanted: list[tuple[int, int]]) -> Iterator[list[int]]:
    batch: list[int] = []
    total = 0
    for uid, size in wanted:
        if batch and (len(batch) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _fetch_batch(connections: _Connections, source: MailboxSource, uids: list[int], uidvalidity: int,
                 envelopes: dict[int, tuple[int, datetime]], destination: Path) -> list[MailEntry]:
    client = connections.get()
    status, data = _guarded(source, lambda: client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])"))
    entries: list[MailEntry] = []
    for index, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        match = re.search(rb"UID (\d+)", item[0])
        if not match and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            match = re.search(rb"UID (\d+)", data[index + 1])  # UID sent after the literal
        if not match or int(match.group(1)) not in envelopes:
            continue
        uid = int(match.group(1))
        received_at = envelopes[uid][1]
        entries.extend(entries_of_message(item[1], uid=uid, uidvalidity=uidvalidity, received_at=received_at,
                                          destination=destination))
    return entries


# --- one message ------------------------------------------------------------------------------------------

def entries_of_message(raw: bytes, *, uid: int, uidvalidity: int, received_at: datetime,
                       destination: Path) -> list[MailEntry]:
    """The entries of one message (see the module's docstring); attachments are written into `destination`."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        sender = _address(message)
        subject = header_text(_raw_header(message, "Subject") or "")
        message_id = (_raw_header(message, "Message-ID") or "").strip() or None
    except Exception:  # a message the parser cannot take at all is still reported, never dropped
        return [MailEntry("rejected", uid, uidvalidity, received_at, None, "", None, size=len(raw),
                          reason="邮件格式无法解析")]
    base = dict(uid=uid, uidvalidity=uidvalidity, received_at=received_at, sender=sender, subject=subject,
                message_id=message_id)
    entries: list[MailEntry] = []
    names: set[str] = set()
    for part, original_sender in _leaf_parts(message, None):
        filename = attachment_name(part)
        content_type = part.get_content_type()
        inline_image = content_type.startswith("image/") and (
            _disposition(part) == "inline" or part.get("Content-ID") is not None
            or (filename is not None and _INLINE_IMAGE_NAME.match(filename) is not None))
        if filename is None and _disposition(part) != "attachment":
            if inline_image:
                entries.append(MailEntry("ignored", filename=None, content_type=content_type,
                                         reason="正文内嵌图片（签名或插图），不是报送文件", **base))
            continue  # the body text itself
        if inline_image:
            entries.append(MailEntry("ignored", filename=filename, content_type=content_type,
                                     reason="正文内嵌图片（签名或插图），不是报送文件", **base))
            continue
        filename = _unique(filename or f"未命名附件.{part.get_content_subtype()}", names)
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:
            entries.append(MailEntry("rejected", filename=filename, content_type=content_type,
                                     reason="附件编码无法解码", **base))
            continue
        local_path, digest = _write(destination, filename, data)
        entries.append(MailEntry("attachment", filename=filename, content_type=content_type, local_path=local_path,
                                 size=len(data), sha256=digest, original_sender=original_sender, **base))
    if not any(e.kind in ("attachment", "rejected") for e in entries):
        entries.insert(0, MailEntry("no_attachment", reason="邮件没有附件", size=len(raw), **base))
    return entries


def _leaf_parts(message: email.message.Message, original_sender: str | None
                ) -> Iterator[tuple[email.message.Message, str | None]]:
    """Every non-multipart part, descending into attached messages (a forwarded mail's own attachments, whose
    sender is kept as `original_sender`)."""
    if message.get_content_type() == "message/rfc822" and isinstance(message.get_payload(), list):
        for inner in message.get_payload():
            yield from _leaf_parts(inner, _address(inner) or original_sender)
        return
    if message.is_multipart():
        for part in message.get_payload():
            yield from _leaf_parts(part, original_sender)
        return
    yield message, original_sender


def _disposition(part: email.message.Message) -> str | None:
    value = _raw_header(part, "Content-Disposition")
    return value.split(";", 1)[0].strip().lower() if value else None


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        stem, dot, suffix = name.rpartition(".")
        candidate = f"{stem} ({n}).{suffix}" if dot and stem else f"{name} ({n})"
    taken.add(candidate)
    return candidate


def _write(destination: Path, filename: str, data: bytes) -> tuple[Path, str]:
    suffix = re.sub(r"[^A-Za-z0-9.]", "", "".join(Path(filename).suffixes[-2:]))[:20]
    target = destination / f"{uuid.uuid4().hex}{suffix}"
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)
    return target, hashlib.sha256(data).hexdigest()


def _raw_header(part: email.message.Message, name: str) -> str | None:
    """A header as it was in the message (before the policy decodes it), non-ASCII bytes kept as surrogates."""
    for key, value in part.raw_items():
        if key.lower() == name.lower():
            return value if isinstance(value, str) else str(value)
    return None


def _address(message: email.message.Message) -> str | None:
    raw = _raw_header(message, "From")
    if not raw:
        return None
    _, address = email.utils.parseaddr(header_text(raw))
    return address.strip().lower() or None


# --- names in any encoding --------------------------------------------------------------------------------

def attachment_name(part: email.message.Message) -> str | None:
    """A part's file name however the sending client wrote it: RFC 2231 (`filename*=gbk''%D6%D0`), RFC 2047
    words inside the quotes (`filename="=?gb2312?B?...?="`, Outlook), or raw GBK/UTF-8 bytes (Foxmail, old
    Outlook). The Content-Disposition filename wins over the Content-Type name."""
    for header, param in (("Content-Disposition", "filename"), ("Content-Type", "name")):
        raw = _raw_header(part, header)
        if raw is None:
            continue
        # the parameter parser works on text: give it each raw byte as one latin-1 character, and take the
        # bytes back afterwards, so that undeclared GBK or UTF-8 survives to be decoded below
        compat = email.message.Message()
        compat[header] = raw.encode("utf-8", "surrogateescape").decode("latin-1")
        value = compat.get_param(param, header=header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, text with each byte as one char)
            charset, _, text = value
            name = decode_bytes(text.encode("latin-1", "replace"), charset)
        else:
            data = email.utils.unquote(value).encode("latin-1", "replace")
            name = header_text(data.decode("ascii", "surrogateescape"))
        name = _clean_name(name)
        if name:
            return name
    return None


def header_text(raw: str) -> str:
    """A header value as text: RFC 2047 words decoded (GB2312 as GB18030), raw bytes decoded as UTF-8 or GB18030."""
    if "=?" in raw:
        try:
            pieces = email.header.decode_header(raw.replace("\r\n", "").replace("\n", ""))
        except Exception:
            pieces = [(raw, None)]
        out = []
        for piece, charset in pieces:
            if isinstance(piece, bytes):
                out.append(decode_bytes(piece, charset))
            else:
                out.append(_from_surrogates(piece))
        text = "".join(out)
    else:
        text = _from_surrogates(raw)
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Bytes of a name or subject: the declared charset (GB2312/GBK read as GB18030), else UTF-8, else GB18030."""
    candidates = []
    if declared:
        declared = declared.strip().lower()
        candidates.append("gb18030" if declared in _CHINESE_ALIASES else declared)
    candidates += ["utf-8", "gb18030"]
    for charset in candidates:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", errors="replace")


def _from_surrogates(text: str) -> str:
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))


def _clean_name(name: str) -> str:
    """Only the last path component, without control characters: a name is a label, never a path."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name
