"""Writing the city's deliverables for a campaign into out/<campaign_id>/ from the published warehouse.

The one place that decides which output files exist and what they are called:

    全市汇总.xlsx            the consolidated workbook (workbook.py)
    csv/<table>.csv         each city table for Excel users (exports.py)
    parquet/<table>.parquet each city table for analysts (exports.py)
    情况说明.md              the paragraph the city writes (transforms/narrative.py)
    回执/<unit>.xlsx         feedback to each unit that sent something (receipts.py)
    报告.html                one self-contained page for the office (html_report.py)

All of it comes from one read-only snapshot of the marts; every file is written beside its final name
and renamed into place.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kepu.deliverables.city_tables import city_tables
from kepu.deliverables.exports import write_exports
from kepu.deliverables.files import write_atomically, write_text
from kepu.deliverables.html_report import render_report
from kepu.deliverables.receipts import FOLDER as RECEIPTS_FOLDER
from kepu.deliverables.receipts import build_receipts, write_receipts
from kepu.warehouse.queries import read_marts
from kepu.deliverables.workbook import city_workbook
from kepu.settings import Settings
from kepu.schemas.vocabulary import OFFICE_TZ
from kepu.transforms.narrative import situation_paragraph

WORKBOOK = "全市汇总.xlsx"
NARRATIVE = "情况说明.md"
REPORT = "报告.html"


def write_all(settings: Settings) -> list[Path]:
    """Every deliverable of the campaign; returns the paths written."""
    campaign = settings.campaign
    folder = settings.campaign_out
    marts = read_marts(settings.warehouse, campaign.campaign_id)
    tables = city_tables(marts, campaign)
    paragraph = situation_paragraph(campaign.name, marts.city_row, marts.types)
    return [
        write_atomically(folder / WORKBOOK, city_workbook(tables, paragraph).save),
        *write_exports(tables.exports, campaign.campaign_id, folder),
        write_text(folder / NARRATIVE, f"# {campaign.name}活动情况说明\n\n{paragraph}\n"),
        *write_receipts(build_receipts(marts, campaign), campaign, folder / RECEIPTS_FOLDER),
        write_text(folder / REPORT, render_report(marts, tables, paragraph, campaign, datetime.now(OFFICE_TZ))),
    ]
