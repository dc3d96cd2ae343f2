"""A notice: one e-mail kepu drafts or sends after a published run (SPEC §2.2 [notices], §5 通知/) — a unit's
回执, a 催报 to a unit that is missing or held, or the morning summary for the office.

A notice is plain data, composed before anything is sent; its identity is a digest of what it says and to
whom (`notice_id`), so the same notice is recognised in audit.notices and never sent twice, while a 回执 that
changed, or a unit's new address, makes a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

NOTICE_KINDS: dict[str, str] = {"receipt": "回执", "chase": "催报", "summary": "每日汇总"}
"""audit.notices.kind: a unit's 回执 (when it changed), a 催报 (missing or held unit), the office's summary."""

NOTICE_STATUS_LABELS: dict[str, str] = {
    "drafted": "已起草（待发送）", "sent": "已发送", "failed": "发送失败（下次运行重试）", "no_address": "无邮箱地址，未发送",
}
"""audit.notices.status. drafted: written as .eml under 通知/ (mode draft), sent once mode is send; failed:
the server refused or could not be reached, retried on the next run while the notice is still current;
no_address: the registry has no email for the unit, listed in the office's summary."""

NOTICE_MODES = ("draft", "send")
"""[notices] mode: draft writes .eml files for a clerk to check (the default); send sends them."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    """The name the recipient sees (Chinese kept)."""
    path: str
    """The file on disk, read when the message is composed."""


@dataclass(frozen=True)
class Notice:
    """One e-mail: its kind, the unit it concerns (none for the office's summary), where it goes, what it says.
    `content_key` stands for what the attachments say (a 回执's content digest), so a file rewritten with a new
    date but the same content is the same notice."""

    campaign_id: str
    kind: str
    unit_code: str | None
    unit_name: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    content_key: str = ""

    @property
    def notice_id(self) -> str:
        what = [self.campaign_id, self.kind, self.unit_code, sorted(self.recipients), self.subject, self.body,
                [a.filename for a in self.attachments], self.content_key]
        return hashlib.sha256(json.dumps(what, ensure_ascii=False).encode("utf-8")).hexdigest()

    @property
    def sendable(self) -> bool:
        return bool(self.recipients)
