"""回执: the feedback sheet for each unit that sent something (SPEC §1, §5), ready to send back.

One workbook per unit, `回执/<unit name>.xlsx`. Sheet 回执: which file counts (its current submission,
else the latest file it sent), when it arrived and what became of it; what the city counted from it;
every issue found in any file the unit sent, cited by sheet and cell as Excel shows them
(`活动明细!I12`) with the value found there. Sheet 计入活动: the activities that were counted.
A file in conflict (its code and 填报单位 name two units) is reported to both.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from kepu.deliverables.city_tables import ACTIVITY_COLUMNS, ISSUE_COLUMNS, MEASURE_COLUMNS, issue_rows
from kepu.deliverables.files import safe_filename, write_atomically
from kepu.deliverables.sheets import SheetWriter, Styles
from kepu.warehouse.queries import Marts
from kepu.deliverables.tables import DATE, DATETIME, ORDINAL, Column, Table, is_missing, normalise
from kepu.schemas.vocabulary import (
    COMPLETENESS_LABELS,
    SEVERITIES,
    SEVERITY_LABELS,
    SUBMISSION_STATUS_LABELS,
    Campaign,
)

FOLDER = "回执"
RECEIPT_ISSUE_COLUMNS = (Column("no", "序号", ORDINAL), *ISSUE_COLUMNS)
GUIDANCE = (
    "说明：“错误”所在的行或文件未计入全市汇总，请更正后重新报送；“警告”请核实，如有误请更正后重新报送；"
    "“提示”无需处理。“单元格”为原报表中的位置，如“活动明细!I12”即“活动明细”工作表 I 列第 12 行。"
)


@dataclass(frozen=True)
class Receipt:
    """What goes back to one unit."""

    unit_code: str
    unit_name: str
    district_name: str
    submission: dict
    """Its current submission, else the latest file it sent (a marts-style row of core.submissions)."""
    files_received: int
    completeness: dict | None
    """Its marts.completeness row; None when the unit was not expected to report."""
    totals: Table
    issues: Table
    activities: Table


def build_receipts(marts: Marts, campaign: Campaign) -> list[Receipt]:
    """One receipt per unit that sent at least one file."""
    files = marts.submissions
    chosen = files.groupby("unit_code", sort=True).head(1)
    cited = unit_issues(files, chosen, issue_rows(marts.issues, marts.units))
    issues_of_unit = dict(tuple(cited.groupby("unit_code", sort=False)))
    activities_of_unit = dict(tuple(marts.activities.groupby("unit_code", sort=False)))
    totals_of_unit = dict(tuple(marts.units.groupby("unit_code", sort=False)))
    completeness = {r["unit_code"]: r for r in marts.completeness.to_dict("records")}
    files_of_unit = files["unit_code"].value_counts()
    receipts = []
    for submission in chosen.to_dict("records"):
        unit_code, unit_name = submission["unit_code"], submission["unit_name"]
        issues = issues_of_unit.get(unit_code, cited.iloc[:0])
        receipts.append(Receipt(
            unit_code=unit_code,
            unit_name=unit_name,
            district_name=submission["district_name"],
            submission=submission,
            files_received=int(files_of_unit[unit_code]),
            completeness=completeness.get(unit_code),
            totals=Table("totals", "回执", "计入全市汇总的数据", MEASURE_COLUMNS,
                         totals_of_unit.get(unit_code, marts.units.iloc[:0]), total_label=None),
            issues=Table("issues", "回执", _issues_title(issues), RECEIPT_ISSUE_COLUMNS, issues, total_label=None),
            activities=Table(
                "activities", "计入活动", f"{campaign.name}活动报表回执：{unit_name}计入全市汇总的活动",
                ACTIVITY_COLUMNS, activities_of_unit.get(unit_code, marts.activities.iloc[:0])),
        ))
    return receipts


def unit_issues(files: pd.DataFrame, chosen: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and issue of any file the unit sent, in the order its 回执 lists them: by
    severity, the file that counts before the others, then by issue number; `no` numbers them 1, 2, …
    within each unit."""
    pairs = files[["unit_code", "file_sha256"]].merge(
        chosen[["unit_code", "file_sha256"]].rename(columns={"file_sha256": "chosen_sha256"}), on="unit_code")
    cited = pairs.merge(issues.drop(columns=["unit_code", "unit_name"]), on="file_sha256")
    cited = cited.assign(severity_rank=cited["severity"].map({s: i for i, s in enumerate(SEVERITIES)}),
                         other_file=cited["file_sha256"] != cited["chosen_sha256"])
    cited = cited.sort_values(["unit_code", "severity_rank", "other_file", "issue_no"], kind="stable")
    return cited.assign(no=cited.groupby("unit_code").cumcount() + 1)


def _issues_title(issues: pd.DataFrame) -> str:
    if not len(issues):
        return "数据问题：未发现问题"
    counts = issues["severity"].value_counts()
    return f"数据问题（共 {len(issues)} 条：" + "，".join(
        f"{SEVERITY_LABELS[s]} {int(counts[s])} 条" for s in SEVERITIES if s in counts) + "）"


def header_fields(receipt: Receipt, campaign: Campaign) -> list[tuple[str, object]]:
    """The block at the top of a 回执: who, which file, when, and what became of it."""
    s = receipt.submission
    version = "—" if is_missing(s["version"]) else f"第 {int(s['version'])} 版"
    version += "（计入汇总的版本）" if s["is_current"] else "（未计入汇总）"
    if receipt.files_received > 1:
        version += f"；共收到本单位文件 {receipt.files_received} 个"
    outcome = SUBMISSION_STATUS_LABELS.get(s["status"], s["status"])
    rows, counted = int(s["activity_rows"]), int(s["counted_rows"])
    if rows:
        outcome += f"：活动明细 {rows} 行，计入 {counted} 行，未计入 {rows - counted} 行"
    done = receipt.completeness
    if done is None:
        reporting = "非应报单位"
    else:
        reporting = COMPLETENESS_LABELS[done["status"]]
        if not is_missing(done["days_late"]) and done["days_late"] > 0:
            reporting += f"（逾期 {int(done['days_late'])} 天）"
    return [
        ("报送单位", f"{receipt.unit_name}（{receipt.unit_code}）"),
        ("所属区县", receipt.district_name),
        ("报送文件", s["file_path"]),
        ("收到时间", normalise(s.get("received_at"), DATETIME)),
        ("填报日期", normalise(s.get("reported_at"), DATE)),
        ("版本", version),
        ("处理结果", outcome),
        ("报送情况", f"{reporting}；截止日期 {campaign.deadline:%Y年%-m月%-d日}"),
    ]


def receipt_workbook(receipt: Receipt, campaign: Campaign) -> Workbook:
    wb = Workbook()
    styles = Styles()
    sheet = SheetWriter(wb.active, styles)
    sheet.ws.title = "回执"
    width = len(RECEIPT_ISSUE_COLUMNS)
    sheet.title(f"{campaign.name}活动报表回执", width)
    sheet.fields(header_fields(receipt, campaign))
    sheet.skip()
    sheet.title(receipt.totals.title, width, role="subtitle")
    sheet.table(receipt.totals, title=False, main=False)
    sheet.skip()
    sheet.title(receipt.issues.title, width, role="subtitle")
    if receipt.issues.rows:
        sheet.table(receipt.issues, title=False, main=False, flagged=receipt.issues.where("severity", "error"))
    sheet.skip()
    sheet.paragraph(GUIDANCE, width, lines=3)
    sheet.finish(freeze=False)

    counted = SheetWriter(wb.create_sheet("计入活动"), styles)
    counted.table(receipt.activities)
    counted.finish()
    wb.properties.creator = "kepu"
    wb.properties.title = f"{campaign.name}活动报表回执：{receipt.unit_name}"
    return wb


def receipt_names(receipts: list[Receipt]) -> list[str]:
    """A file name per receipt: the unit's name made safe, with its code added when two would clash."""
    stems = [safe_filename(r.unit_name, r.unit_code) for r in receipts]
    clashing = {stem for stem, n in Counter(stems).items() if n > 1}
    return [f"{s}_{safe_filename(r.unit_code, 'unit')}.xlsx" if s in clashing else f"{s}.xlsx"
            for s, r in zip(stems, receipts)]


def receipt_digest(receipt: Receipt, campaign: Campaign) -> str:
    """What a receipt says, hashed; kept in the workbook's properties (dc:identifier) so a nightly run
    rewrites only receipts whose content changed (one takes ~13 ms to write; a province has thousands)."""
    content = (header_fields(receipt, campaign), receipt.totals.rows, receipt.issues.rows, receipt.activities.rows)
    return hashlib.sha256(repr(content).encode("utf-8")).hexdigest()


_IDENTIFIER = re.compile(r"<dc:identifier\b[^>]*>([0-9a-f]{64})</dc:identifier>")


def written_digest(path: Path) -> str | None:
    """The digest stored in an existing receipt, or None."""
    try:
        with zipfile.ZipFile(path) as zf:
            match = _IDENTIFIER.search(zf.read("docProps/core.xml").decode("utf-8"))
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return match.group(1) if match else None


def write_receipts(receipts: list[Receipt], campaign: Campaign, folder: Path) -> list[Path]:
    """Every receipt in `folder`, rewritten only where its content changed; receipts left there by
    earlier runs for units that no longer get one are removed."""
    written = []
    for receipt, name in zip(receipts, receipt_names(receipts)):
        path = folder / name
        digest = receipt_digest(receipt, campaign)
        if written_digest(path) != digest:
            workbook = receipt_workbook(receipt, campaign)
            workbook.properties.identifier = digest
            write_atomically(path, workbook.save)
        written.append(path)
    keep = {p.name for p in written}
    for old in folder.glob("*.xlsx") if folder.is_dir() else ():
        if old.name not in keep and not old.name.startswith("."):
            old.unlink()
    return written
