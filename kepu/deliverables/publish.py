"""Writing the city's deliverables for a campaign into out/<campaign_id>/ from the published warehouse.

The one place that decides which output files exist and what they are called:

    全市汇总.xlsx            what goes upward, signed (workbook.py)
    内部核查.xlsx            the office's own: completeness, issues, files, sources (workbook.py)
    csv/<table>.csv         each city table for Excel users (exports.py)
    parquet/<table>.parquet each city table for analysts (exports.py)
    情况说明.md / .docx      the paragraph the city writes (statement.py, transforms/narrative.py)
    回执/<unit>.xlsx         feedback to each unit that sent something (receipts.py)
    报告.html                one self-contained page for the office (html_report.py)

All of it comes from one read-only snapshot of the marts; every file is written beside its final name
and renamed into place, and only when what it says changed: a night that brings a few new files
rewrites the receipts of their units and the city-wide files, and leaves every other file as it was.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from kepu.deliverables.city_tables import city_tables
from kepu.deliverables.exports import write_exports
from kepu.deliverables.html_report import write_report
from kepu.deliverables.receipts import FOLDER as RECEIPTS_FOLDER
from kepu.deliverables.receipts import ReceiptWriting, build_receipts, issuer_of
from kepu.deliverables.statement import write_statement
from kepu.deliverables.workbook import office_block, write_workbooks
from kepu.deliverables.wording import open_items_lead
from kepu.schemas.decisions import VALUE_CODES
from kepu.schemas.vocabulary import OFFICE_TZ
from kepu.settings import Settings
from kepu.transforms.edition_text import edition_label
from kepu.transforms.narrative import situation_paragraph, text_sources
from kepu.warehouse import queries
from kepu.warehouse.queries import Marts, read_marts

NARRATIVE = "情况说明"
REPORT = "报告.html"


def write_all(settings: Settings) -> list[Path]:
    """Every deliverable of the campaign from the published warehouse; returns the paths (each file the
    campaign has, whether rewritten or already up to date)."""
    cid = settings.campaign.campaign_id
    lead = open_items_lead(queries.open_items_with_effect(settings.warehouse, cid, VALUE_CODES))
    return write_deliverables(read_marts(settings.warehouse, cid), settings, lead=lead)


def edition_of(marts: Marts) -> str:
    """The upward workbook's edition (marts.signed_edition): 「第N版」, 「第N版后更新（未报送）」 or "" before any."""
    if marts.edition is None or not len(marts.edition):
        return ""
    row = marts.edition.iloc[0]
    return edition_label(int(row["edition_no"]), bool(row["same_as_signed"]))


def write_deliverables(marts: Marts, settings: Settings, *, now: datetime | None = None,
                       workers: int | None = None, lead: str | None = None) -> list[Path]:
    campaign = settings.campaign
    folder = settings.campaign_out
    now = now or datetime.now(OFFICE_TZ).replace(tzinfo=None)
    today: date = now.date()
    tables = city_tables(marts, campaign, settings.office.city_units_label)
    read_from_text = text_sources(marts.activities)
    upward = situation_paragraph(campaign.name, marts.city_row, marts.types, from_text=read_from_text,
                                 rounded=settings.statement_style == "rounded")
    internal = situation_paragraph(campaign.name, marts.city_row, marts.types, internal=True,
                                   from_text=read_from_text)
    office = office_block(settings.office, marts.units, tables.as_of, today, edition_of(marts))
    receipts = build_receipts(marts, campaign, tables.activities, issuer_of(settings.office, marts.units))
    # Many changed receipts are written by a pool of processes while this process writes the city-wide
    # files: the 活动清单 workbooks and the receipts no longer wait for each other's cores.
    with ReceiptWriting(receipts, folder / RECEIPTS_FOLDER, today, workers=workers) as receipt_writing:
        city = [
            *write_workbooks(folder, tables, upward, internal, office, lead),
            *write_exports(tables.exports, campaign.campaign_id, folder),
            *write_statement(folder, NARRATIVE, f"{campaign.name}活动情况说明", upward, office.name, today),
        ]
        report = write_report(folder / REPORT, marts, tables, internal, campaign, now)
        receipt_paths = receipt_writing.wait()
    return [*city, *receipt_paths, report]
