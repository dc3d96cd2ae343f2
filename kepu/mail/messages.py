"""A notice as an e-mail message: Chinese subject and names encoded as RFC 2047 words, the body as UTF-8
text, attachments with their Chinese file names as RFC 2231 parameters (`filename*=utf-8''…`), which every
current client (Outlook, Foxmail, 网易/QQ 邮箱 web mail) shows correctly. The Message-ID comes from the
notice's identity, so a draft and the message sent from it are recognisably the same notice."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from kepu.schemas.notices import Notice
from kepu.schemas.vocabulary import OFFICE_TZ

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _address(text: str, name: str = "") -> Address:
    local, _, domain = text.partition("@")
    return Address(display_name=name, username=local, domain=domain)


def compose(notice: Notice, sender: str, sender_name: str = "", *, to: tuple[str, ...] | None = None,
            now: datetime | None = None) -> EmailMessage:
    """The message for `notice`, from `sender`; `to` defaults to the notice's recipients."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = notice.subject
    message["From"] = _address(sender, sender_name)
    message["To"] = [_address(a, notice.unit_name if notice.unit_code else "") for a in (to or notice.recipients)]
    message["Date"] = format_datetime((now or datetime.now(OFFICE_TZ)).astimezone(OFFICE_TZ))
    domain = sender.partition("@")[2] or "kepu.localhost"
    message["Message-ID"] = f"<{notice.notice_id[:32]}.{notice.kind}@{domain}>"
    message["X-Kepu-Notice"] = f"{notice.kind} {notice.notice_id}"
    message.set_content(notice.body, charset="utf-8", cte="base64")
    for attachment in notice.attachments:
        kind = XLSX if attachment.filename.endswith(".xlsx") else (
            mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream")
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(Path(attachment.path).read_bytes(), maintype=maintype, subtype=subtype,
                               filename=attachment.filename)
    return message


def as_bytes(message: EmailMessage) -> bytes:
    """The message as it goes on the wire and into an .eml file (CRLF line ends)."""
    return message.as_bytes(policy=policy.SMTP)
