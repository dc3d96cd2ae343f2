"""回执: the feedback sheet for each unit that sent something (SPEC §1, §5), ready to send back.

One workbook per unit, `回执/<unit name>.xlsx`. Sheet 回执: which file counts (its current submission, and the
supplements added to it; else the latest file it sent), when it arrived, what became of it and what the city counted from it;
then the problems of what the unit must still act on — its current version, any newer file that could
not be counted, a file that names it in conflict — each cited by sheet and cell as Excel shows them
(`活动明细!I12`; a CSV's sheet is named after the file, as in Excel: `东升街道!I12`) with the value found there; then a short history of the
versions a newer one replaced (SPEC §3.11: their problems are history). Sheet 计入活动: the activities
that were counted (none, no sheet). Every 回执 states the day it was produced, and the office it comes from with
its phone and e-mail (`[office]`). Files are named as the unit sent them, never by the office's folders.

Receipts are plain data (`Receipt`), built in one pass over the marts, so they can be written in a pool
of processes: one workbook takes a few milliseconds and a province has thousands. A receipt is rewritten
only when what it says changed (its digest is kept in the workbook's properties).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context
from pathlib import Path

import pandas as pd

from kepu.deliverables.city_tables import ACTIVITY_COLUMNS, ISSUE_COLUMNS, issue_rows
from kepu.deliverables.files import safe_filename, write_atomically
from kepu.deliverables.sheets import WorkbookWriter, write_workbook, written_digest
from kepu.deliverables.tables import DATE, DATETIME, Column, Table, digest_of, is_missing, normalise
from kepu.deliverables.wording import RECEIPT_GUIDANCE, conflict_message
from kepu.sources.bundles import is_bundle
from kepu.schemas.vocabulary import (
    COMPLETENESS_LABELS,
    COUNTED_STATUSES,
    MEASURES,
    SEVERITIES,
    SEVERITY_LABELS,
    SUBMISSION_STATUS_LABELS,
    Campaign,
    place_name,
)
from kepu.transforms.edition_text import edition_name, figure_changes
from kepu.transforms.identity import normalize_code
from kepu.warehouse.queries import Marts

FOLDER = "回执"
RECEIPT_ISSUE_COLUMNS = tuple(c for c in ISSUE_COLUMNS if c.sheet)
"""严重程度, 问题类型, 问题说明, 文件, 单元格, 原始值: no internal code, the sheet inside the cell reference."""
RECEIPT_ISSUE_KEYS = tuple(c.key for c in RECEIPT_ISSUE_COLUMNS)
ISSUES_WIDTHS = (5, 6, 11, 40, 18, 14, 12)
"""序号 and the issue columns: one A4 page across at full size."""
PARALLEL_FROM = 200
"""Receipts to write before a pool of processes pays for its start (~1 s a worker)."""


@dataclass(frozen=True)
class Receipt:
    """What goes back to one unit, as plain values (picklable, no frames)."""

    unit_code: str
    unit_name: str
    title: str
    fields: tuple[tuple[str, object], ...]
    """The header block: who, which file, when, what became of it."""
    counted: str
    """What the city counted from it, in one line."""
    issues: tuple[tuple, ...]
    """Problems to act on, as RECEIPT_ISSUE_COLUMNS rows, most serious first."""
    issues_title: str
    history: tuple[str, ...]
    """One line per version a newer one replaced."""
    activities_title: str
    activities: tuple[tuple, ...]
    """Counted activities, as ACTIVITY_COLUMNS rows."""
    issuer: tuple[tuple[str, str], ...] = ()
    """Who issued the 回执 and how to reach them (Issuer.fields): a 回执 forwarded on its own still says whom
    to call."""

    @property
    def digest(self) -> str:
        return digest_of((self.title, self.fields, self.counted, self.issues, self.issues_title, self.history,
                          self.activities_title, self.activities, self.issuer))


@dataclass(frozen=True)
class Issuer:
    """The office a 回执 comes from (`[office]` name, phone, email in kepu.toml)."""

    name: str
    phone: str = ""
    email: str = ""

    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        """出具单位 and 联系方式; without a phone or an e-mail address, where to turn instead of a blank."""
        ways = [f"电话 {self.phone}"] * bool(self.phone) + [f"电子邮箱 {self.email}"] * bool(self.email)
        contact = "；".join(ways) if ways else f"如有疑问，请通过报送本表的渠道与{self.name}联系"
        return (("出具单位", self.name), ("联系方式", contact))


CITY_OFFICE = "市科协"
"""Who signs when neither `[office] name` nor the registry names the city's own unit."""


def issuer_of(office, units: pd.DataFrame) -> Issuer:
    """The issuer from `[office]` (kepu.settings.Office); without a name, the registry's one city-level unit."""
    name = office.name
    if not name and "unit_type" in units.columns:
        cities = units.loc[units["unit_type"] == "city", "unit_name"].tolist()
        name = cities[0] if len(cities) == 1 else ""
    return Issuer(name or CITY_OFFICE, office.phone, getattr(office, "email", ""))


def sent_name(path: str) -> str:
    """A received file as the unit sent it: its own name, not the folders the office (or a mailbox, by
    message number) keeps it in — 「双流区/东升街道.xlsx」 → 「东升街道.xlsx」; a member of a bundle is named with
    its bundle, 「东升街道.zip 中的 活动表.xlsx」."""
    parts = [p for p in str(path).split("/") if p]
    if not parts:
        return str(path)
    bundle = next((p for p in parts[:-1] if is_bundle(p)), None)
    return f"{bundle} 中的 {parts[-1]}" if bundle else parts[-1]


# ------------------------------------------------------------------------------------- building


def build_receipts(marts: Marts, campaign: Campaign, activities: Table, issuer: Issuer | None = None) -> list[Receipt]:
    """One receipt per unit that sent at least one file (a file in conflict goes to both units it names).
    `activities` is the city's 活动清单 table; each receipt lists its unit's rows of it; `issuer`, the office
    it comes from. The frames are grouped once and each unit's receipt is assembled from plain records
    (thousands of units). Files are named as their unit sent them (`sent_name`), districts by their place."""
    issuer = issuer or issuer_of(_NO_OFFICE, marts.units)
    files = _as_sent(marts.submissions, "file_path")
    if len(files) and "district_name" in files:
        places = {n: place_name(n) for n in files["district_name"].dropna().unique()}
        files = files.assign(district_name=files["district_name"].replace({k: v for k, v in places.items() if k != v}))
    issues_of_unit = _grouped(unit_issues(files, _as_sent(issue_rows(marts.issues, marts.units), "file_path"))
                              .to_dict("records"))
    files_of_unit = _grouped(files.to_dict("records"))
    picked = [activities.index(c.key) for c in ACTIVITY_COLUMNS]
    rows_of_unit: dict[str, list[tuple]] = {}
    for code, record in zip(activities.frame["unit_code"], activities.rows):
        rows_of_unit.setdefault(code, []).append(tuple(record[i] for i in picked))
    totals_of_unit = {r["unit_code"]: r for r in marts.units.to_dict("records")}
    completeness = {r["unit_code"]: r for r in marts.completeness.to_dict("records")}
    edition = edition_lines(marts)
    receipts = []
    for unit_code in sorted(files_of_unit):
        unit_files = files_of_unit[unit_code]
        submission = unit_files[0]
        found = issues_of_unit.get(unit_code, [])
        current = [i for i in found if not i["superseded"]]
        receipts.append(Receipt(
            unit_code=unit_code,
            unit_name=submission["unit_name"],
            title=f"{campaign.name}活动报表回执",
            fields=tuple(header_fields(submission, len(unit_files), completeness.get(unit_code), campaign,
                                       counted_files=[f for f in unit_files if f["is_current"]])
                         + ([("报送版本", edition(unit_code))] if edition else [])),
            counted=counted_line(totals_of_unit.get(unit_code, {})),
            issues=tuple(issue_records(current)),
            issues_title=issues_title(current),
            history=tuple(history_lines(unit_files, found)),
            activities_title=f"{campaign.name}活动报表回执：{submission['unit_name']}计入全市汇总的活动",
            activities=tuple(rows_of_unit.get(unit_code, ())),
            issuer=issuer.fields,
        ))
    return receipts


class _NoOffice:
    name = phone = email = ""


_NO_OFFICE = _NoOffice()


def _as_sent(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """`frame` with its file paths as their units sent them (`sent_name`, each distinct path once)."""
    if not len(frame) or key not in frame:
        return frame
    names = {p: sent_name(p) for p in frame[key].dropna().unique()}
    return frame.assign(**{key: frame[key].replace({k: v for k, v in names.items() if k != v})})


def edition_lines(marts: Marts):
    """Whether a unit's figures changed since the campaign's last signed edition (SPEC §3.12), as a function of
    its code; None before the first edition."""
    if marts.edition is None or not len(marts.edition):
        return None
    row = marts.edition.iloc[0]
    name = edition_name(int(row["edition_no"]), row["signed_at"])
    changes = marts.changes if marts.changes is not None else pd.DataFrame()
    of_unit: dict[str, list[dict]] = {}
    if len(changes):
        for record in changes[changes["level"] == "unit"].to_dict("records"):
            of_unit.setdefault(record["code"], []).append(record)

    def line(unit_code: str) -> str:
        changed = of_unit.get(unit_code)
        if not changed:
            return f"本单位数据自{name}报送以来未变"
        return f"本单位数据自{name}报送以来有变化：{figure_changes(changed)}"
    return line


def _grouped(records: list[dict]) -> dict[str, list[dict]]:
    """Records by unit_code, in the order given."""
    grouped: dict[str, list[dict]] = {}
    for record in records:
        grouped.setdefault(record["unit_code"], []).append(record)
    return grouped


def unit_issues(files: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and issue of a file the unit sent or is named by, in the order its 回执 lists
    them: by severity, the newest file first, then by issue number. A file in conflict shows each unit
    it names one problem, worded for that unit (it may not be its file at all)."""
    pairs = files[["unit_code", "file_sha256", "status", "received_at", "declared_code", "declared_name",
                   "file_path"]].rename(columns={"status": "file_status", "received_at": "file_received_at",
                                                 "file_path": "unit_file_path"})
    cited = pairs.merge(issues.drop(columns=["unit_name"]).rename(columns={"unit_code": "issue_unit"}),
                        on="file_sha256")
    # a forwarded table's issues go to the unit each is about (its row's); a held file's have no unit
    cited = cited[cited["issue_unit"].isna() | (cited["issue_unit"] == cited["unit_code"])].drop(
        columns="issue_unit")
    conflict = cited["file_status"] == "conflict"
    cited = cited[~conflict | (cited["code"] == "unit_conflict")].copy()
    names = dict(zip(files["unit_code"], files["unit_name"]))
    claims = files[files["status"] == "conflict"].groupby("file_sha256")["unit_code"].agg(list).to_dict()
    for index in cited.index[cited["file_status"] == "conflict"]:
        row = cited.loc[index]
        own = row["unit_code"]
        other = next((c for c in claims.get(row["file_sha256"], ()) if c != own), None)
        own_claim = "code" if normalize_code(row["declared_code"]) == normalize_code(own) else "name"
        cited.at[index, "message"] = conflict_message(
            own_claim=own_claim, file_path=row["unit_file_path"], declared_code=_text(row["declared_code"]),
            declared_name=_text(row["declared_name"]), other_unit=names.get(other))
    cited = cited.assign(severity_rank=cited["severity"].map({s: i for i, s in enumerate(SEVERITIES)}),
                         newest=-pd.to_datetime(cited["file_received_at"]).astype("int64"))
    return cited.sort_values(["unit_code", "severity_rank", "newest", "issue_no"], kind="stable")


def _text(value) -> str | None:
    return None if is_missing(value) else str(value)


def issue_records(issues: list[dict]) -> list[tuple]:
    return [tuple(normalise(i[c.key], c.kind) for c in RECEIPT_ISSUE_COLUMNS) for i in issues]


def _severity_counts(issues: list[dict]) -> str:
    counts = Counter(i["severity"] for i in issues)
    return "，".join(f"{SEVERITY_LABELS[s]} {counts[s]} 条" for s in SEVERITIES if counts[s])


def issues_title(issues: list[dict]) -> str:
    if not issues:
        return "数据问题：未发现需要处理的问题"
    return f"数据问题（共 {len(issues)} 条：{_severity_counts(issues)}）"


def _is_supplement(record: dict) -> bool:
    return record.get("role") == "supplement"


def history_lines(files: list[dict], issues: list[dict]) -> list[str]:
    """One line per file of the unit that its current version replaced (an earlier version or a supplement
    added to one), oldest first."""
    current = [f for f in files if f["is_current"] and not _is_supplement(f)]
    if not current:
        return []
    newest = int(current[0]["version"])
    old = sorted((f for f in files if not f["is_current"] and not is_missing(f["version"])
                  and int(f["version"]) < newest), key=lambda f: int(f["version"]))
    lines = []
    for record in old:
        found = _severity_counts([i for i in issues if i["file_sha256"] == record["file_sha256"]
                                  and i["severity"] != "info"])
        received = normalise(record["received_at"], DATETIME)
        kind = "补报，" if _is_supplement(record) else ""
        line = (f"第 {int(record['version'])} 版 {record['file_path']}（{kind}{received:%Y年%-m月%-d日}收到）"
                f"已由第 {newest} 版替代，不再计入")
        lines.append(line + (f"；其中发现的问题（{found.replace('，', '、')}）无需再处理。" if found else "。"))
    return lines


def counted_line(totals: dict) -> str:
    """What the city counted from the unit, in one line: 活动场次 7 场次，参与人次 5,402 人次，…"""
    parts = []
    for measure in MEASURES:
        value = totals.get(measure.key)
        value = 0 if value is None or is_missing(value) else value
        text = f"{float(value):,.2f}" if measure.money else f"{int(value):,}"
        parts.append(f"{measure.indicator} {text} {measure.unit}")
    return "，".join(parts)


def counted_files_line(files: Sequence[dict]) -> str:
    """Every file that counts for the unit, in version order: its current version and the supplements added to
    it (第 1 版 东升街道.xlsx；第 2 版 东升街道（补报）.xlsx（补报）), and the rows a forwarder's table added to it
    (SPEC §3.10: …（双流区科协转报，追加）); a row repeating one already counted is counted once (its
    supplement_repeat or forwarded_repeat note is among the unit's issues)."""
    parts = []
    for f in sorted(files, key=lambda f: int(f["version"])):
        part = f"第 {int(f['version'])} 版 {f['file_path']}"
        if _is_supplement(f):
            part += "（补报）"
        elif f.get("role") == "forwarded":
            part += f"（{f.get('forwarded_by_name') or '上级'}转报，追加）"
        parts.append(part)
    return "；".join(parts)


def header_fields(s: dict, files_received: int, done: dict | None, campaign: Campaign,
                  counted_files: Sequence[dict] = ()) -> list[tuple[str, object]]:
    """The block at the top of a 回执: who, which file, when, what became of it, and — when supplements were
    added to the version — every file that counted."""
    version = "—" if is_missing(s["version"]) else f"第 {int(s['version'])} 版"
    version += "（计入汇总的版本）" if s["is_current"] else "（未计入汇总）"
    if files_received > 1:
        version += f"；共收到与本单位有关的文件 {files_received} 个"
    rows, counted = int(s["activity_rows"]), int(s["counted_rows"])
    status = s["status"]
    outcome = SUBMISSION_STATUS_LABELS.get(status, status)
    if status in COUNTED_STATUSES and s["is_current"]:
        if rows:
            outcome += f"：活动明细 {rows} 行，计入 {counted} 行" + (f"，未计入 {rows - counted} 行" if counted < rows else "")
    elif status == "forwarded":
        outcome = "本表各行均为转报其他单位的活动，已分别计入所转报的单位" + (f"（活动明细 {rows} 行）" if rows else "")
    elif status == "conflict":
        outcome = "单位信息矛盾，暂未计入全市汇总" + (f"（活动明细 {rows} 行）" if rows else "")
    elif status in COUNTED_STATUSES:
        outcome += "，已被本单位较新的版本替代，不再计入"
    else:
        outcome = "未能计入全市汇总" + (f"（活动明细 {rows} 行均未计入）" if rows else "")
    if done is None:
        reporting = "非应报单位"
    else:
        reporting = COMPLETENESS_LABELS[done["status"]]
        if not is_missing(done.get("days_late")) and done["days_late"] > 0:
            reporting += f"（逾期 {int(done['days_late'])} 天）"
    return [
        ("报送单位", f"{s['unit_name']}（{s['unit_code']}）"),
        ("所属区县", s["district_name"]),
        ("报送文件", s["file_path"] + (f"（{s['forwarded_by_name']}转报）"
                                     if not is_missing(s.get("forwarded_by_name")) else "")),
        ("收到时间", normalise(s.get("received_at"), DATETIME)),
        ("填报日期", normalise(s.get("reported_at"), DATE)),
        ("版本", version),
        ("处理结果", outcome),
        *([("计入汇总的文件", counted_files_line(counted_files))] if len(counted_files) > 1 else []),
        ("报送情况", f"{reporting}；截止日期 {campaign.deadline:%Y年%-m月%-d日}"),
    ]


# -------------------------------------------------------------------------------------- writing


def receipt_workbook(book: WorkbookWriter, receipt: Receipt, produced_on: date) -> str:
    """Sheets 回执 and 计入活动 of one receipt; returns the workbook's title."""
    sheet = book.sheet("回执")
    sheet.layout(ISSUES_WIDTHS)
    width = len(ISSUES_WIDTHS)
    sheet.title(receipt.title, width)
    sheet.fields([*receipt.fields, ("计入汇总", receipt.counted), ("回执日期", produced_on), *receipt.issuer],
                 label_span=2, span=width - 2)
    sheet.skip()
    sheet.title(receipt.issues_title, width, role="subtitle")
    if receipt.issues:
        table = Table.fixed("issues", "回执", receipt.issues_title, RECEIPT_ISSUE_COLUMNS, receipt.issues,
                            total_label=None)
        sheet.table(table, title=False, main=False, flagged=table.where("severity", "error"))
    if receipt.history:
        sheet.skip()
        sheet.title("历史版本（已被新版本替代，其中的问题无需再处理）", width, role="subtitle")
        for line in receipt.history:
            sheet.paragraph(line, width)
    sheet.skip()
    sheet.paragraph(RECEIPT_GUIDANCE, width)
    sheet.finish(freeze=False)

    if receipt.activities:  # a unit with nothing counted gets no sheet to print as an empty table
        counted = book.sheet("计入活动")
        activities = Table.fixed("activities", "计入活动", receipt.activities_title, ACTIVITY_COLUMNS,
                                 receipt.activities)
        counted.layout(counted.table_widths(activities))
        counted.table(activities)
        counted.finish()
    return f"{receipt.title}：{receipt.unit_name}"


def write_receipt(path: Path, receipt: Receipt, produced_on: date) -> Path:
    digest = receipt.digest
    return write_atomically(path, lambda target: write_workbook(
        target, lambda book: receipt_workbook(book, receipt, produced_on), digest=digest))


def _write_batch(batch: Sequence[tuple[Path, Receipt]], produced_on: date) -> int:
    for path, receipt in batch:
        write_receipt(path, receipt, produced_on)
    return len(batch)


def receipt_names(receipts: Sequence) -> list[str]:
    """A file name per receipt: the unit's name made safe, with its code added when two would clash."""
    stems = [safe_filename(r.unit_name, r.unit_code) for r in receipts]
    clashing = {stem for stem, n in Counter(stems).items() if n > 1}
    return [f"{s}_{safe_filename(r.unit_code, 'unit')}.xlsx" if s in clashing else f"{s}.xlsx"
            for s, r in zip(stems, receipts)]


def write_receipts(receipts: list[Receipt], folder: Path, produced_on: date, *, workers: int | None = None) -> list[Path]:
    """Every receipt in `folder`, rewritten only where its content changed (in a pool of processes when
    there are many); receipts left there by earlier runs for units that no longer get one are removed."""
    with ReceiptWriting(receipts, folder, produced_on, workers=workers) as writing:
        return writing.wait()


class ReceiptWriting:
    """`write_receipts` begun: when many receipts changed, a pool of `workers` fresh processes (spawned: the
    run's threads are not copied into them) starts writing them at once, so the caller can write other files
    meanwhile and `wait()` after; otherwise they are written in `wait()`. Leaving the `with` block on an
    error cancels the batches not begun and ends the pool's processes."""

    def __init__(self, receipts: list[Receipt], folder: Path, produced_on: date, *, workers: int | None = None) -> None:
        self.folder, self.produced_on = folder, produced_on
        self.paths = [folder / name for name in receipt_names(receipts)]
        self.changed = [(path, receipt) for path, receipt in zip(self.paths, receipts)
                        if written_digest(path) != receipt.digest]
        if self.changed:
            folder.mkdir(parents=True, exist_ok=True)
        workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
        self.pool: ProcessPoolExecutor | None = None
        self.futures = []
        if workers > 1 and len(self.changed) >= PARALLEL_FROM:
            size = max(1, min(100, len(self.changed) // (workers * 4) or 1))
            batches = [self.changed[i:i + size] for i in range(0, len(self.changed), size)]
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
            try:
                self.futures = [self.pool.submit(_write_batch, batch, produced_on) for batch in batches]
            except BaseException:
                self.close()
                raise

    def __enter__(self) -> ReceiptWriting:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the pool (batches not begun are cancelled); nothing to do once `wait()` returned."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def wait(self) -> list[Path]:
        """The receipts written (each unit's path), stale ones removed."""
        if self.pool is not None:
            try:
                for future in self.futures:
                    future.result()
            finally:
                self.close()
        else:
            _write_batch(self.changed, self.produced_on)
        keep = {p.name for p in self.paths}
        for old in self.folder.glob("*.xlsx") if self.folder.is_dir() else ():
            if old.name not in keep and not old.name.startswith("."):
                old.unlink()
        return self.paths
