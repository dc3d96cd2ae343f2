"""The notices of a published run, as plain `Notice` values (SPEC §5 通知/): each unit's 回执 with its workbook
attached, a 催报 to each expected unit that is missing or held, and the office's morning summary with
全市汇总.xlsx attached. What they say is worded in kepu.transforms.notice_text; kepu.mail sends or drafts them.

Addresses are the registry's `email` column; a unit without one still gets its notice composed (with no
recipient), so it is recorded as not sendable and named in the office's summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from kepu.deliverables.city_tables import city_tables, headline_of, held_reasons
from kepu.deliverables.receipts import FOLDER as RECEIPTS_FOLDER
from kepu.deliverables.receipts import Receipt, build_receipts, issuer_of, receipt_names, sent_name
from kepu.deliverables.sheets import written_digest
from kepu.deliverables.tables import DATETIME, is_missing, normalise
from kepu.deliverables.workbook import UPWARD
from kepu.schemas.notices import Attachment, Notice
from kepu.schemas.vocabulary import (
    CHASED,
    COMPLETENESS_LABELS,
    MEASURES,
    SUBMISSION_STATUS_LABELS,
    Campaign,
    place_name,
)
from kepu.settings import Settings
from kepu.transforms.narrative import situation_paragraph, text_sources
from kepu.transforms.notice_text import (
    Signature,
    SummaryFacts,
    chase_notice,
    held_reason_text,
    receipt_notice,
    summary_notice,
)
from kepu.warehouse.queries import Marts


def signature(settings: Settings, marts: Marts) -> Signature:
    """The office that signs: [office] name, else the registry's city unit."""
    name = settings.office.name
    if not name:
        city = marts.units.loc[marts.units["unit_type"] == "city", "unit_name"]
        name = str(city.iloc[0]) if len(city) else "市科协"
    return Signature(name, settings.office.phone)


def addresses(units: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Each unit's notice addresses from the registry's `email` column (a list per unit, possibly empty)."""
    found = {}
    for code, emails in zip(units["unit_code"], units["email"] if "email" in units else [None] * len(units)):
        found[code] = tuple(emails) if isinstance(emails, (list, tuple)) else ()
    return found


def _shown(value) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return "" if value is None else str(value)


def written_receipts(marts: Marts, settings: Settings) -> dict[str, tuple[Receipt, Path]]:
    """Each unit's 回执 as written in 回执/ by this run's outputs, by unit code."""
    campaign = settings.campaign
    tables = city_tables(marts, campaign, settings.office.city_units_label)
    receipts = build_receipts(marts, campaign, tables.activities, issuer_of(settings.office, marts.units))
    folder = settings.campaign_out / RECEIPTS_FOLDER
    written = {}
    for receipt, name in zip(receipts, receipt_names(receipts)):
        path = folder / name
        if written_digest(path) == receipt.digest:  # else not written by this run's outputs (never after write_all)
            written[receipt.unit_code] = (receipt, path)
    return written


def receipt_notices(marts: Marts, settings: Settings, to: Mapping[str, tuple[str, ...]],
                    sign: Signature, written: Mapping[str, tuple[Receipt, Path]] | None = None) -> list[Notice]:
    """A notice per 回执 written in 回执/ (`written`, read when not given), with that workbook attached; the
    回执's content digest stands for the attachment, so a 回执 rewritten with only a new date is the same
    notice."""
    written = written_receipts(marts, settings) if written is None else written
    return [_receipt_notice(settings.campaign, receipt, path, to.get(receipt.unit_code, ()), sign)
            for receipt, path in written.values()]


def receipt_filename(campaign: Campaign, path: Path) -> str:
    """The name a 回执 is attached under: 2023年全国科普日回执_东升街道.xlsx."""
    return f"{campaign.name}回执_{path.name}"


def _receipt_notice(campaign: Campaign, receipt: Receipt, path: Path, recipients: tuple[str, ...],
                    sign: Signature) -> Notice:
    filename = receipt_filename(campaign, path)
    fields = [(label, _shown(value)) for label, value in receipt.fields if label in ("报送文件", "收到时间", "处理结果", "报送情况")]
    subject, body = receipt_notice(campaign, receipt.unit_name, fields, receipt.counted, receipt.issues_title,
                                   len(receipt.issues), filename, sign)
    return Notice(campaign.campaign_id, "receipt", receipt.unit_code, receipt.unit_name, recipients, subject, body,
                  (Attachment(filename, str(path)),), receipt.digest)


def chase_notices(marts: Marts, campaign: Campaign, to: Mapping[str, tuple[str, ...]], sign: Signature,
                  today: date, receipts: Mapping[str, tuple[Receipt, Path]] | None = None) -> list[Notice]:
    """A 催报 per expected unit on the chase list: held ones at once, missing ones once the activity window
    has closed (before that nobody is late yet). A held unit is told why its file could not be counted (the
    problems found in it: a PDF, a password, an unreadable file…), with its 回执 attached when one was
    written (`receipts`, by unit code) — and only then asked to read it."""
    receipts = receipts or {}
    held = held_reasons(marts.submissions, marts.issues)
    notices = []
    for row in marts.chase_list.to_dict("records"):
        status, code = row["status"], row["unit_code"]
        if status == "missing" and today <= campaign.end:
            continue
        file_path = None if is_missing(row.get("file_path")) else sent_name(str(row["file_path"]))
        reason = held[code].message if code in held else (
            None if is_missing(row.get("held_reason")) else held_reason_text(row["held_reason"]))
        receipt = receipts.get(code) if status == "held" else None
        attachments = (Attachment(receipt_filename(campaign, receipt[1]), str(receipt[1])),) if receipt else ()
        subject, body = chase_notice(campaign, row["unit_name"], status, file_path, reason,
                                     today > campaign.deadline, sign,
                                     attachment=attachments[0].filename if attachments else None)
        notices.append(Notice(campaign.campaign_id, "chase", code, row["unit_name"], to.get(code, ()), subject, body,
                              attachments, receipt[0].digest if receipt else ""))
    return notices


def _file_line(row: Mapping) -> str:
    who = (f"{row['district_name'] or ''} {row['unit_name']}".strip() if not is_missing(row.get("unit_name"))
           else "（单位未识别）")
    status = row.get("status")
    outcome = (SUBMISSION_STATUS_LABELS.get(status, status) if not is_missing(status)
               else ("无法读取" if row["file_status"] == "rejected" else "已收到"))
    received = normalise(row.get("received_at"), DATETIME)
    when = f"，{received:%m-%d %H:%M}收到" if received else ""
    return f"{who}：{row['path']}（{outcome}{when}）"


def _rejected_line(row: Mapping) -> str:
    status = row.get("status")
    reason = (row.get("reason") if not is_missing(row.get("reason")) else None) or (
        SUBMISSION_STATUS_LABELS.get(status, status) if not is_missing(status) else "无法读取")
    return f"{row['path']}：{reason}"


def summary(marts: Marts, settings: Settings, received: Sequence[Mapping], sign: Signature, today: date, *,
            no_address: Sequence[str] = (), failures: Sequence[str] = (), drafted: int = 0,
            lead: str | None = None, notes: Sequence[str] = ()) -> Notice:
    """The office's morning summary: what came in since the last summary, what could not be counted, who
    is missing or held, completeness, the city totals and the 情况说明 paragraph, with 全市汇总.xlsx attached."""
    campaign = settings.campaign
    city = marts.city_row
    files = [r for r in received if r["file_status"] != "ignored"]
    rejected = [r for r in files if r["file_status"] == "rejected"
                or r.get("status") in ("rejected", "unidentified", "conflict")]
    held = held_reasons(marts.submissions, marts.issues)

    def why(r: Mapping) -> str:
        if r["status"] != "held":
            return ""
        if r["unit_code"] in held:
            return f"：{held[r['unit_code']].short}"
        return f"：{held_reason_text(r['held_reason'])}" if not is_missing(r.get("held_reason")) else ""

    chase = [f"{place_name(r['district_name'] or '')} {r['unit_name']}（{COMPLETENESS_LABELS[r['status']]}{why(r)}）"
             for r in marts.chase_list.to_dict("records") if r["status"] in CHASED]
    counts = marts.completeness["status"].value_counts()
    completeness = (f"应报 {int(city.get('units_expected') or 0)} 个，已报 {int(city.get('units_reported') or 0)} 个"
                    f"（按时 {int(counts.get('on_time', 0))}，逾期 {int(counts.get('late', 0))}），"
                    f"未报 {int(counts.get('missing', 0))} 个，待核实 {int(counts.get('held', 0))} 个")
    totals = []
    for measure in MEASURES:
        value = city.get(measure.key)
        value = 0 if value is None or is_missing(value) else value
        totals.append(f"{measure.label}：{float(value):,.2f}" if measure.money else f"{measure.label}：{int(value):,}")
    workbook = settings.campaign_out / UPWARD
    attachment = f"{campaign.name}{UPWARD}"
    facts = SummaryFacts(
        day=today, received=[_file_line(r) for r in files], rejected=[_rejected_line(r) for r in rejected],
        chase=chase, completeness=completeness, totals=totals,
        paragraph=situation_paragraph(campaign.name, city, marts.types, internal=True,
                                      from_text=text_sources(marts.activities)),
        no_address=list(no_address), failures=list(failures), drafted=drafted, attachment=attachment,
        edition=headline_of(marts), lead=lead, notes=tuple(notes))
    subject, body = summary_notice(campaign, facts, sign)
    key = written_digest(workbook) or hashlib.sha256(workbook.read_bytes()).hexdigest()
    return Notice(campaign.campaign_id, "summary", None, "", tuple(settings.notices.office_email) if settings.notices else (),
                  subject, body, (Attachment(attachment, str(workbook)),), key)
