"""After a published run: compose the run's notices, draft or send each that is due, record what became of
each in audit.notices (SPEC §4, §5 通知/).

The ledger and the published warehouse. A run is atomic (kepu.warehouse.publisher): readers see the old file
or the new one. Sending happens after the run is published, so its record cannot go into that build; it goes
into a second, small staged build of the same kind (copy, upsert audit.notices, rename), under the run's lock,
so recording never races the nightly writer or an analyst's open connection, and a failure to record leaves
the published run as it was. Between a message accepted by the server and that build, each outcome is in a
journal beside the warehouse (one JSON line, flushed to disk before the next message goes); a run that died
in between replays it first, so a notice the server took is never sent again.

What is due: every current notice whose identity (`Notice.notice_id`, a digest of what it says and to whom)
the ledger does not record as sent or not sendable. A draft is sent once mode is "send"; a failed send is
retried by the next run while it is still current; a notice that a newer one replaced (the 回执 changed, the
unit reported) is marked `is_current = false` and never goes out. The office's summary is due once a day,
and again the same day only when new files came in since the last one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

import pandas as pd

from kepu.deliverables import notices as compose_notices
from kepu.deliverables.files import safe_filename, write_bytes
from kepu.deliverables.wording import open_items_lead
from kepu.mail.messages import as_bytes, compose
from kepu.mail.smtp import Mailer
from kepu.schemas.decisions import VALUE_CODES
from kepu.schemas.notices import NOTICE_KINDS, Notice
from kepu.schemas.vocabulary import office_now
from kepu.settings import Settings
from kepu.warehouse import loader, queries
from kepu.warehouse.publisher import staged

FOLDER = "通知"
"""out/<campaign>/通知/: the drafts waiting to be sent (mode draft), one .eml per notice."""


@dataclass
class NoticeReport:
    """What the notices step did in one run, for the run summary."""

    mode: str
    drafted: int = 0
    sent: int = 0
    no_address: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """One line per notice the server did not take: who, and why."""
    unchanged: int = 0
    """Current notices already sent (or recorded as not sendable) earlier."""
    error: str | None = None
    """The step itself could not finish (the run stays published)."""

    def line(self) -> str:
        """The run summary's one line about notices."""
        if self.error:
            return f"通知：未能完成（{self.error}），本次运行已发布，下次运行重试"
        parts = [f"已起草 {self.drafted} 份（见 {FOLDER}/）" if self.mode == "draft" else f"已发送 {self.sent} 份"]
        if self.failed:
            parts.append(f"发送失败 {len(self.failed)} 份（下次运行重试：{self.failed[0]}"
                         + ("等" if len(self.failed) > 1 else "") + "）")
        if self.no_address:
            units = {line.rsplit("（", 1)[0] for line in self.no_address}
            parts.append(f"无邮箱地址 {len(units)} 个单位（{len(self.no_address)} 份通知未能发出）")
        if self.unchanged:
            parts.append(f"此前已处理 {self.unchanged} 份")
        return "通知：" + "，".join(parts)


def journal_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.notices.jsonl")


def _read_journal(path: Path) -> list[dict]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return rows
    for line in lines:
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash: the notice it recorded was not yet sent
    for row in rows:
        for key in ("created_at", "last_attempt_at", "sent_at"):
            if row.get(key):
                row[key] = datetime.fromisoformat(row[key])
    return rows


class Ledger:
    """audit.notices of one campaign as published, with the journal of a run that could not record it laid
    over; every change is journalled (and flushed) before anything else happens."""

    def __init__(self, warehouse: Path, campaign_id: str) -> None:
        self.journal = journal_path(warehouse)
        self.rows: dict[str, dict] = {r["notice_id"]: r for r in queries.notices(warehouse, campaign_id)}
        self.changed: dict[str, dict] = {}
        for row in _read_journal(self.journal):
            if row.get("campaign_id") == campaign_id:
                self.rows[row["notice_id"]] = row
                self.changed[row["notice_id"]] = row

    def get(self, notice_id: str) -> dict | None:
        return self.rows.get(notice_id)

    def put(self, row: dict) -> None:
        self.rows[row["notice_id"]] = row
        self.changed[row["notice_id"]] = row
        line = json.dumps(row, ensure_ascii=False, default=lambda v: v.isoformat()) + "\n"
        with open(self.journal, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def last_summary_at(self, mode: str) -> tuple[date | None, datetime | None]:
        """The office day of the latest summary sent (in mode draft: drafted or sent), and when."""
        done_statuses = ("drafted", "sent") if mode == "draft" else ("sent",)
        done = [r for r in self.rows.values() if r["kind"] == "summary" and r["status"] in done_statuses]
        if not done:
            return None, None
        latest = max(r.get("sent_at") or r["created_at"] for r in done)
        return latest.date(), latest


class Dispatch:
    """Drafts or sends notices one by one, recording each outcome in the ledger."""

    def __init__(self, settings: Settings, ledger: Ledger, run_id: str, now: datetime, mailer: Mailer | None,
                 sender_name: str) -> None:
        self.config = settings.notices
        self.folder = settings.campaign_out / FOLDER
        self.out = settings.campaign_out
        self.ledger = ledger
        self.run_id = run_id
        self.now = now
        self.mailer = mailer
        self.sender_name = sender_name
        self.current: set[str] = set()
        self.report = NoticeReport(self.config.mode)

    def _row(self, notice: Notice, old: dict | None, **changes) -> dict:
        row = dict(old) if old else {
            "notice_id": notice.notice_id, "campaign_id": notice.campaign_id, "kind": notice.kind,
            "unit_code": notice.unit_code, "unit_name": notice.unit_name or None,
            "recipients": list(notice.recipients), "subject": notice.subject,
            "attachments": [a.filename for a in notice.attachments], "attempts": 0,
            "first_run_id": self.run_id, "created_at": self.now,
        }
        row.update(is_current=True, last_run_id=self.run_id, **changes)
        return row

    def handle(self, notice: Notice) -> None:
        nid = notice.notice_id
        self.current.add(nid)
        old = self.ledger.get(nid)
        who = notice.unit_name or "市科协"
        if old and old["status"] == "sent":
            self.report.unchanged += 1
            self._keep_current(old)
            return
        if not notice.sendable:
            self.report.no_address.append(f"{who}（{NOTICE_KINDS[notice.kind]}）")
            if old:
                self.report.unchanged += 1
                self._keep_current(old)
            else:
                self.ledger.put(self._row(notice, old, status="no_address"))
            return
        message = compose(notice, self.config.sender, self.sender_name, now=self.now)
        if self.config.mode == "draft":
            self._draft(notice, old, message)
            return
        result = self.mailer.send(message, notice.recipients)
        attempts = int(old["attempts"]) + 1 if old else 1
        if result.ok:
            self.report.sent += 1
            self._remove_draft(old)
            self.ledger.put(self._row(notice, old, status="sent", attempts=attempts, last_error=None,
                                      last_attempt_at=office_now(), sent_at=office_now(), draft_path=None))
        else:
            self.report.failed.append(f"{NOTICE_KINDS[notice.kind]} {who}：{result.error}")
            self.ledger.put(self._row(notice, old, status="failed", attempts=attempts, last_error=result.error,
                                      last_attempt_at=office_now()))

    def _keep_current(self, old: dict) -> None:
        if not old.get("is_current"):
            self.ledger.put({**old, "is_current": True, "last_run_id": self.run_id})

    def _draft(self, notice: Notice, old: dict | None, message: EmailMessage) -> None:
        if old and old["status"] == "drafted" and old.get("draft_path") and (self.out / old["draft_path"]).is_file():
            self.report.unchanged += 1
            self._keep_current(old)
            return
        label = notice.unit_name or f"{self.now:%Y-%m-%d}"
        name = f"{NOTICE_KINDS[notice.kind]}_{safe_filename(label, notice.unit_code or 'office')}_{notice.notice_id[:8]}.eml"
        write_bytes(self.folder / name, as_bytes(message))
        self.report.drafted += 1
        self.ledger.put(self._row(notice, old, status="drafted", draft_path=f"{FOLDER}/{name}"))

    def _remove_draft(self, old: dict | None) -> None:
        if old and old.get("draft_path"):
            (self.out / old["draft_path"]).unlink(missing_ok=True)

    def retire(self) -> None:
        """Notices of earlier runs that no current one repeats are no longer current; their drafts go."""
        keep, written = set(), set()
        for nid, row in list(self.ledger.rows.items()):
            if row.get("draft_path"):
                written.add(Path(row["draft_path"]).name)
            if nid in self.current:
                if row.get("draft_path") and row["status"] == "drafted":
                    keep.add(Path(row["draft_path"]).name)
                continue
            if row.get("is_current"):
                self.ledger.put({**row, "is_current": False, "last_run_id": self.run_id})
        if self.folder.is_dir():
            for old in self.folder.glob("*.eml"):
                if old.name in written and old.name not in keep:  # never a file kepu did not write
                    old.unlink()


def record(warehouse: Path, ledger: Ledger) -> None:
    """The ledger's changes into audit.notices, published atomically; then the journal is done with."""
    if ledger.changed:
        with staged(warehouse) as con:
            loader.upsert(con, "audit.notices", list(ledger.changed.values()))
    ledger.journal.unlink(missing_ok=True)


def send_notices(settings: Settings, units: pd.DataFrame, run_id: str, *, now: datetime | None = None,
                 environ=None, notes: Sequence[str] = ()) -> NoticeReport:
    """Draft or send this run's notices and record them. Call it after the run is published and its outputs
    written, holding the run's lock. Never raises for a server that refuses or cannot be reached."""
    config = settings.notices
    now = now or office_now()
    today = now.date()
    cid = settings.campaign.campaign_id
    marts = queries.read_marts(settings.warehouse, cid)
    sign = compose_notices.signature(settings, marts)
    to = compose_notices.addresses(units)
    ledger = Ledger(settings.warehouse, cid)
    mailer = Mailer(config, environ) if config.mode == "send" else None
    dispatch = Dispatch(settings, ledger, run_id, now, mailer, config.sender_name or sign.office)
    try:
        receipts = compose_notices.written_receipts(marts, settings)
        for notice in (*compose_notices.receipt_notices(marts, settings, to, sign, receipts),
                       *compose_notices.chase_notices(marts, settings.campaign, to, sign, today, receipts)):
            dispatch.handle(notice)
        last_day, last_at = ledger.last_summary_at(config.mode)
        received = queries.files_since(settings.warehouse, cid, last_at)
        if last_day != today or any(r["file_status"] != "ignored" for r in received):
            dispatch.handle(compose_notices.summary(
                marts, settings, received, sign, today, no_address=dispatch.report.no_address,
                failures=dispatch.report.failed, drafted=dispatch.report.drafted, notes=notes,
                lead=open_items_lead(queries.open_items_with_effect(settings.warehouse, cid, VALUE_CODES))))
        else:  # today's summary went out and nothing came since: it stays the current one
            dispatch.current.update(r["notice_id"] for r in ledger.rows.values()
                                    if r["kind"] == "summary" and r.get("is_current"))
        dispatch.retire()
    finally:
        if mailer is not None:
            mailer.close()
    record(settings.warehouse, ledger)
    return dispatch.report


def waiting(rows: Iterable[dict]) -> list[dict]:
    """Current notices not yet sent: drafted (waiting for mode send), failed (to be retried), no address."""
    return [r for r in rows if r.get("is_current") and r["status"] in ("drafted", "failed", "no_address")]
