"""From what files said to what the city counts: the `core` layer, rebuilt each run from `raw`.

Inputs are the raw tables of one campaign (files, their declarations, their activity rows, their
summary figures, their parse issues) and the unit registry. Outputs are `core.submissions` (one row
per received file: its unit, version, status), `core.activities` (one row per detail row or
unitemized summary) and the issues found along the way. Rules: SPEC §3.1–§3.4, §3.7.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pandas as pd

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import INDICATOR
from kepu.schemas.vocabulary import (
    COUNT_METRICS,
    COUNTED_STATUSES,
    METRICS,
    MONEY_METRIC,
    SEVERITIES,
    UNITEMIZED_TYPE,
    Campaign,
)
from kepu.transforms.checks import (
    in_window,
    outliers,
    outside_window,
    summary_mismatches,
    volunteers_exceed_participants,
    year_over_year,
)
from kepu.transforms.dedup import find_joint_duplicates
from kepu.transforms.identity import Resolution, UnitIndex

FileIssue = tuple[str | None, Issue]
"""An issue and the sha256 of the file it belongs to."""


@dataclass(slots=True)
class CoreTables:
    submissions: pd.DataFrame
    activities: pd.DataFrame
    issues: list[FileIssue]
    """Issues found while building core; parse issues are added by the caller."""
    changes: pd.DataFrame
    """audit.submission_changes rows: how each unit's new current version moved its totals."""


@dataclass(frozen=True, slots=True)
class FileReading:
    """One received file and what reading it gave, as raw rows (missing values None): its raw.files row,
    its raw.declarations row (empty for a file that could not be read), its raw.activity_rows and its
    raw.summary_figures row."""

    file: dict
    declaration: dict
    rows: list[dict] = field(default_factory=list)
    summary: dict | None = None

    @property
    def sha256(self) -> str:
        return self.file["sha256"]

    @property
    def readable(self) -> bool:
        return self.file["status"] != "rejected"


def _none(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT else value


def _records(frame: pd.DataFrame) -> list[dict]:
    """A raw frame's rows as dicts, pandas' missing markers as None."""
    return [{k: _none(v) for k, v in row.items()} for row in frame.to_dict("records")]


def file_readings(files: pd.DataFrame, declarations: pd.DataFrame, activity_rows: pd.DataFrame,
                  summaries: pd.DataFrame) -> Iterator[FileReading]:
    """Each received file with what was read from it, oldest received first."""
    declared = {row["sha256"]: row for row in _records(declarations)}
    summary_of = {row["sha256"]: row for row in _records(summaries)}
    rows_of: dict[str, list[dict]] = {}
    for row in _records(activity_rows):
        rows_of.setdefault(row["sha256"], []).append(row)
    for file in _records(files.sort_values(["received_at", "path"])):
        sha = file["sha256"]
        yield FileReading(file, declared.get(sha, {}), rows_of.get(sha, []), summary_of.get(sha))


def build_core(campaign: Campaign, units: pd.DataFrame, files: pd.DataFrame, declarations: pd.DataFrame,
               activity_rows: pd.DataFrame, summaries: pd.DataFrame,
               previous_unit_totals: pd.DataFrame | None = None,
               source_districts: Mapping[str, str] | None = None) -> CoreTables:
    """Decide each file's unit, version and status, and each row's place in the totals.

    File by file: identify its unit (SPEC §3.1), shape its rows into activities (with the unitemized record
    of a summary-only file, §3.4), check them (§3.3, §3.7) and give the file its status. Then across files:
    number each unit's versions and pick the current one (§3.2), mark joint-activity copies (§3.5), run the
    campaign-wide checks and record what each new version changed. `previous_unit_totals` (unit_code,
    activities, participants) of the campaign before this one, when the warehouse holds one, feeds the ×10
    year-over-year check. `source_districts` maps a source's name to its district: files from there are
    matched by name among that district's units only."""
    index = UnitIndex(units)
    unit_names = dict(zip(units["unit_code"], units["unit_name"]))
    issues: list[FileIssue] = []
    submissions: list[dict] = []
    activities: list[dict] = []
    for reading in file_readings(files, declarations, activity_rows, summaries):
        sha = reading.sha256
        resolution = identify(index, reading, source_districts)
        if reading.readable:
            issues += [(sha, i) for i in identity_issues(reading.declaration, resolution, unit_names)]
        rows = file_activities(campaign, reading, resolution.unit_code)
        issues += [(sha, i) for i in file_checks(campaign, reading, rows)]
        submission = submission_record(campaign, reading, resolution, rows)
        if submission["status"] == "rejected" and reading.readable and resolution.status == "identified":
            issues.append((sha, make_issue("submission_empty")))
        submissions.append(submission)
        activities += rows

    submissions_frame = _versions(pd.DataFrame.from_records(submissions, columns=SUBMISSION_COLUMNS), issues)
    frame = pd.DataFrame.from_records(activities, columns=[*ACTIVITY_COLUMNS, *CELL_COLUMNS])
    current = submissions_frame[submissions_frame["is_current"]]
    frame["is_current"] = frame["file_sha256"].isin(current["file_sha256"])
    issues += _mark_joint_copies(frame, submissions_frame, units)
    issues += outliers(frame)
    issues += year_over_year(unit_totals(frame), previous_unit_totals,
                             dict(zip(current["unit_code"], current["file_sha256"])))
    changes = submission_changes(campaign.campaign_id, submissions_frame, frame)
    return CoreTables(submissions_frame, frame[ACTIVITY_COLUMNS], issues, changes)


def identify(index: UnitIndex, reading: FileReading, source_districts: Mapping[str, str] | None = None) -> Resolution:
    """The file's unit from what it declares, then its file and folder names at its source, then the address
    it was mailed from (SPEC §3.1), among its source's district's units when the source has one."""
    declared, file = reading.declaration, reading.file
    relpath = file.get("source_path") or file["path"]
    sender = file.get("forwarded_from") or file.get("sender")
    if sender or file.get("subject"):
        relpath = relpath.split("/", 1)[-1]  # a mail attachment: `<uid>/name`, the message is no folder
    district = (source_districts or {}).get(file.get("source"))
    return index.resolve(declared.get("declared_code"), declared.get("declared_name"), relpath,
                         title=declared.get("declared_title"), sender=sender, district=district)


def identity_issues(declared: dict, resolution: Resolution, names: dict[str, str]) -> list[Issue]:
    """A conflict or an unidentified file is an error citing the cell that named it; a code the registry
    does not know is a warning when the file was identified otherwise."""
    code_cell = {"sheet": declared.get("declared_code_sheet"), "cell": declared.get("declared_code_cell")}
    name_cell = {"sheet": declared.get("declared_name_sheet"), "cell": declared.get("declared_name_cell")}
    issues = []
    if resolution.status == "conflict":
        issues.append(make_issue(
            "unit_conflict", **code_cell, raw=declared.get("declared_code"),
            code_value=declared.get("declared_code"), code_unit=names.get(resolution.code_unit),
            name_value=declared.get("declared_name"), name_unit=names.get(resolution.name_unit)))
    elif resolution.status == "unidentified":
        issues.append(make_issue("unit_unidentified", **name_cell, raw=declared.get("declared_name")))
    if resolution.unknown_code and resolution.status == "identified":
        issues.append(make_issue("unit_code_unknown", **code_cell, raw=resolution.unknown_code,
                                 unit_name=names.get(resolution.unit_code)))
    return issues


def file_activities(campaign: Campaign, reading: FileReading, unit_code: str | None) -> list[dict]:
    """The file's core.activities rows: one per detail row, or the one unitemized record of a file that
    fills only its 汇总表. Each keeps the cells its figures came from (CELL_COLUMNS) for the checks."""
    rows = [_activity(campaign, reading, unit_code, row) for row in reading.rows]
    if not rows and reading.summary is not None and _has_figures(reading.summary):
        rows.append(_unitemized(campaign, reading, unit_code))
    return rows


def file_checks(campaign: Campaign, reading: FileReading, rows: list[dict]) -> list[Issue]:
    """The file's rows outside the window; that it fills only its 汇总表, or where its 汇总表 and its
    details disagree; its rows with more volunteers than participants."""
    issues = [issue for row in rows if (issue := outside_window(row, campaign))]
    summary = reading.summary
    if summary is not None and rows and rows[0]["is_unitemized"]:
        issues.append(make_issue("summary_only", sheet=summary["sheet"]))
    elif summary is not None and rows:
        issues += summary_mismatches(summary, rows)
    issues += [issue for row in rows if (issue := volunteers_exceed_participants(row))]
    return issues


def submission_record(campaign: Campaign, reading: FileReading, resolution: Resolution, rows: list[dict]) -> dict:
    """The file's core.submissions row before versions: its unit, what it declares, and its status —
    rejected (unreadable, or nothing in it counts), unidentified or conflict (held), else accepted, or
    partial when some rows were rejected."""
    declared = reading.declaration
    counted = sum(1 for r in rows if r["counted"])
    rejected = sum(1 for r in rows if r["row_status"] == "rejected")
    if not reading.readable:
        status = "rejected"
    elif resolution.status != "identified":
        status = resolution.status
    elif counted == 0:
        status = "rejected"
    else:
        status = "partial" if rejected else "accepted"
    return {
        "campaign_id": campaign.campaign_id,
        "file_sha256": reading.sha256,
        "file_path": reading.file["path"],
        "unit_code": resolution.unit_code,
        "identified_by": resolution.identified_by,
        "claimed_unit_codes": sorted({u for u in (resolution.code_unit, resolution.name_unit) if u}),
        "declared_code": declared.get("declared_code"),
        "declared_name": declared.get("declared_name"),
        "reported_at": declared.get("reported_at"),
        "received_at": reading.file["received_at"],
        "detail_sheet": declared.get("detail_sheet"),
        "status": status,
        "activity_rows": len(rows),
        "counted_rows": counted,
        "rejected_rows": rejected,
    }


def _mark_joint_copies(activities: pd.DataFrame, submissions: pd.DataFrame, units: pd.DataFrame) -> list[FileIssue]:
    """Set `duplicate_of` on the copies of joint activities (SPEC §3.5); the info issues naming both."""
    unit_labels = {code: [name, *(aliases if aliases is not None else [])]
                   for code, name, aliases in zip(units["unit_code"], units["unit_name"], units["aliases"])}
    duplicate_of, issues = find_joint_duplicates(activities, submissions, unit_labels)
    copies = activities["activity_id"].map(duplicate_of).astype(object)
    activities["duplicate_of"] = copies.where(copies.notna(), None)
    return issues


def unit_totals(activities: pd.DataFrame) -> pd.DataFrame:
    """Per unit, what reaches the totals: counted, current, not a joint-activity copy."""
    rows = activities[activities["counted"] & activities["is_current"] & activities["duplicate_of"].isna()]
    return _sum_measures(rows, ["unit_code"])


def _sum_measures(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sums of the measures per `keys`; money is summed in whole 分 so the result stays exact."""
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "activities", *METRICS])
    counts = {c: pd.to_numeric(rows[c]).fillna(0).astype("int64") for c in ("activity_count", *COUNT_METRICS)}
    cents = rows[MONEY_METRIC].map(lambda v: 0 if v is None or pd.isna(v) else int(Decimal(v) * 100))
    frame = pd.DataFrame({**{k: rows[k] for k in keys}, **counts, MONEY_METRIC: cents})
    sums = frame.groupby(keys, sort=True).sum().reset_index()
    sums[MONEY_METRIC] = sums[MONEY_METRIC].map(lambda c: Decimal(int(c)) / 100)
    return sums.rename(columns={"activity_count": "activities"})


CHANGE_COLUMNS = ["campaign_id", "unit_code", "file_sha256", "version", "previous_sha256", "previous_version",
                  "measure", "previous_value", "current_value", "change"]


def submission_changes(campaign_id: str, submissions: pd.DataFrame, activities: pd.DataFrame) -> pd.DataFrame:
    """For each unit whose current version replaced an earlier countable one: each total that changed,
    from what to what (audit.submission_changes)."""
    countable = submissions[submissions["status"].isin(COUNTED_STATUSES) & submissions["unit_code"].notna()]
    countable = countable[countable["unit_code"].duplicated(keep=False)]
    counted = activities[activities["counted"] & activities["file_sha256"].isin(countable["file_sha256"])]
    per_file = _sum_measures(counted, ["file_sha256"]).set_index("file_sha256") if len(counted) else None
    records: list[dict] = []
    for unit, group in countable.sort_values("version").groupby("unit_code"):
        if len(group) < 2 or not group["is_current"].iloc[-1]:
            continue
        previous, current = group.iloc[-2], group.iloc[-1]
        for measure in ("activities", *METRICS):
            zero = Decimal(0) if measure == MONEY_METRIC else 0

            def total(sha: str):
                if per_file is None or sha not in per_file.index:
                    return zero
                return Decimal(str(per_file.loc[sha, measure]))

            before, after = total(previous["file_sha256"]), total(current["file_sha256"])
            if before != after:
                records.append({
                    "campaign_id": campaign_id, "unit_code": unit, "file_sha256": current["file_sha256"],
                    "version": int(current["version"]), "previous_sha256": previous["file_sha256"],
                    "previous_version": int(previous["version"]), "measure": measure,
                    "previous_value": Decimal(before), "current_value": Decimal(after),
                    "change": Decimal(after) - Decimal(before)})
    return pd.DataFrame.from_records(records, columns=CHANGE_COLUMNS)


SUBMISSION_COLUMNS = [
    "campaign_id", "file_sha256", "file_path", "unit_code", "identified_by", "claimed_unit_codes",
    "declared_code", "declared_name", "reported_at", "received_at", "detail_sheet", "status",
    "activity_rows", "counted_rows", "rejected_rows",
]

ACTIVITY_COLUMNS = [
    "activity_id", "campaign_id", "file_sha256", "unit_code", "source_file", "source_sheet", "source_row",
    "source_cell", "activity_name", "activity_type", "activity_type_raw", "start_date", "end_date", "venue", "organizer",
    "partners", *METRICS, "note", *(f"{f}_approx" for f in METRICS), "activity_count",
    "is_unitemized", "row_status", "reject_code", "in_window", "counted", "duplicate_of",
]


CELL_COLUMNS = ["start_date_cell", *(f"{m}_cell" for m in METRICS)]
"""raw.activity_rows columns an activity keeps while core is built, so checks can cite the cell a figure
came from; core.activities itself cites the name cell only (source_cell)."""


def _day(value):
    return value.date() if isinstance(value, datetime) else value


def _activity(campaign: Campaign, reading: FileReading, unit_code: str | None, row: dict) -> dict:
    """A raw.activity_rows row as a core.activities row: typed, attributed to the file's unit, counted when
    it passed the row rules and falls in the campaign window."""
    start = _day(row.get("start_date"))
    window = in_window(start, campaign)
    record = {
        "activity_id": f"{reading.sha256[:16]}:{row['source_sheet']}:{int(row['source_row'])}",
        "campaign_id": campaign.campaign_id,
        "file_sha256": reading.sha256,
        "unit_code": unit_code,
        "source_file": reading.file["path"],
        "source_sheet": row["source_sheet"],
        "source_row": int(row["source_row"]),
        "source_cell": row.get("activity_name_cell"),
        "activity_name": row.get("activity_name"),
        "activity_type": row["activity_type"],
        "activity_type_raw": row.get("activity_type_raw"),
        "start_date": start,
        "end_date": _day(row.get("end_date")),
        "venue": row.get("venue"),
        "organizer": row.get("organizer"),
        "partners": list(row.get("partners") if row.get("partners") is not None else []),
        "note": row.get("note"),
        "activity_count": 1,
        "is_unitemized": False,
        "row_status": row["row_status"],
        "reject_code": row.get("reject_code"),
        "in_window": window,
        "counted": row["row_status"] == "ok" and window,
        "duplicate_of": None,
        **{column: row.get(column) for column in CELL_COLUMNS},
    }
    for m in METRICS:
        value = row.get(m)
        record[m] = None if value is None else (Decimal(str(value)) if m == MONEY_METRIC else int(value))
        record[f"{m}_approx"] = bool(row.get(f"{m}_approx") or False)
    return record


def _has_figures(summary: dict) -> bool:
    return any(summary.get(k) is not None for k in INDICATOR)


def _unitemized(campaign: Campaign, reading: FileReading, unit_code: str | None) -> dict:
    """The one record a summary-only submission contributes (SPEC §3.4): its 汇总表 figures, with
    活动场次 as its activity count."""
    sha, summary = reading.sha256, reading.summary
    record = {
        "activity_id": f"{sha[:16]}:{summary['sheet']}:summary",
        "campaign_id": campaign.campaign_id, "file_sha256": sha, "unit_code": unit_code,
        "source_file": reading.file["path"], "source_sheet": summary["sheet"], "source_row": None,
        "source_cell": None, "activity_name": "（汇总表，未分项）", "activity_type": UNITEMIZED_TYPE,
        "activity_type_raw": None, "start_date": None, "end_date": None, "venue": None, "organizer": None,
        "partners": [], "note": None, "activity_count": int(summary.get("activities") or 0),
        "is_unitemized": True, "row_status": "ok", "reject_code": None, "in_window": True, "counted": True,
        "duplicate_of": None, **{column: None for column in CELL_COLUMNS},
    }
    for m in METRICS:
        value = summary.get(m)
        record[m] = None if value is None else (Decimal(str(value)).quantize(Decimal("0.01"))
                                                if m == MONEY_METRIC else int(value))
        record[f"{m}_approx"] = False
    return record


def _versions(subs: pd.DataFrame, issues: list[FileIssue]) -> pd.DataFrame:
    """Number each unit's submissions oldest → newest (填报日期, then received_at) and mark the newest
    countable one current; each older countable one is superseded by it, with an info issue. Files without
    a 填报日期 sort by the day they were received."""
    subs = subs.copy()
    subs["version"] = pd.array([None] * len(subs), dtype="Int64")
    subs["is_current"] = False
    subs["superseded_by"] = None
    if subs.empty:
        return subs
    received_day = pd.to_datetime(subs["received_at"]).dt.normalize()
    dated = subs.assign(order=pd.to_datetime(subs["reported_at"]).fillna(received_day))
    identified = dated[dated["unit_code"].notna()].sort_values(["unit_code", "order", "received_at", "file_path"])
    subs.loc[identified.index, "version"] = identified.groupby("unit_code", sort=False).cumcount() + 1
    countable = identified[identified["status"].isin(COUNTED_STATUSES)]
    current = countable.groupby("unit_code", sort=False).tail(1)
    subs.loc[current.index, "is_current"] = True
    newest = {subs.at[i, "unit_code"]: i for i in current.index}
    for idx in countable.index.difference(current.index):
        kept = newest[subs.at[idx, "unit_code"]]
        subs.at[idx, "superseded_by"] = subs.at[kept, "file_sha256"]
        issues.append((subs.at[idx, "file_sha256"], make_issue(
            "submission_superseded", newer=f"{subs.at[kept, 'file_path']}，第{int(subs.at[kept, 'version'])}版")))
    return subs


ISSUE_COLUMNS = ["campaign_id", "issue_no", "severity", "code", "message", "unit_code", "unit_name",
                 "file_sha256", "file_path", "sheet", "cell", "raw_value", "row_number"]
_SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


def issue_frame(campaign_id: str, parse_issues: pd.DataFrame, core: CoreTables, units: pd.DataFrame,
                duplicate_copies: pd.DataFrame | None = None) -> pd.DataFrame:
    """audit.issues for a campaign: parse issues and core issues, each tied to its file and unit."""
    subs = core.submissions.set_index("file_sha256") if len(core.submissions) else None
    names = dict(zip(units["unit_code"], units["unit_name"]))
    rows: list[dict] = []
    for rec in parse_issues.to_dict("records"):
        rows.append({k: _none(rec.get(k)) for k in
                     ("sha256", "severity", "code", "message", "sheet", "cell", "raw_value", "row_number")})
    for sha, issue in core.issues:
        rows.append({"sha256": sha, "severity": issue.severity, "code": issue.code, "message": issue.message,
                     "sheet": issue.sheet, "cell": issue.cell, "raw_value": issue.raw_value,
                     "row_number": issue.row_number})
    if duplicate_copies is not None:
        for rec in duplicate_copies.to_dict("records"):
            issue = make_issue("file_duplicate_copy", other=rec["first_path"])
            rows.append({"sha256": rec["sha256"], "severity": issue.severity, "code": issue.code,
                         "message": issue.message, "sheet": None, "cell": None, "raw_value": rec["path"],
                         "row_number": None})
    for row in rows:
        sha = row.pop("sha256")
        sub = subs.loc[sha] if subs is not None and sha in subs.index else None
        unit = None if sub is None else _none(sub["unit_code"])
        row.update(campaign_id=campaign_id, file_sha256=sha, unit_code=unit, unit_name=names.get(unit),
                   file_path=None if sub is None else sub["file_path"])
        if row["row_number"] is not None:
            row["row_number"] = int(row["row_number"])
    rows.sort(key=lambda r: (r["file_path"] or "", _SEVERITY_ORDER[r["severity"]], r["sheet"] or "",
                             r["row_number"] or 0, r["cell"] or "", r["code"]))
    for n, row in enumerate(rows, start=1):
        row["issue_no"] = n
    return pd.DataFrame.from_records(rows, columns=ISSUE_COLUMNS)
