"""From what files said to what the city counts: the `core` layer, rebuilt each run from `raw`.

Inputs are the raw tables of one campaign (files, their declarations, their activity rows, their
summary figures, their parse issues) and the unit registry. Outputs are `core.submissions` (one row
per received file: its unit, version, status), `core.activities` (one row per detail row or
unitemized summary) and the issues found along the way. Rules: SPEC §3.1–§3.4, §3.7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pandas as pd

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import INDICATOR
from kepu.schemas.vocabulary import COUNT_METRICS, COUNTED_STATUSES, METRICS, SEVERITIES, UNITEMIZED_TYPE, Campaign
from kepu.transforms.checks import outliers, year_over_year
from kepu.transforms.dedup import find_joint_duplicates
from kepu.transforms.identity import UnitIndex


@dataclass(slots=True)
class CoreTables:
    submissions: pd.DataFrame
    activities: pd.DataFrame
    issues: list[tuple[str | None, Issue]]
    """(file_sha256, issue) pairs found while building core; parse issues are added by the caller."""
    changes: pd.DataFrame
    """audit.submission_changes rows: how each unit's new current version moved its totals."""


def _none(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT else value


def build_core(campaign: Campaign, units: pd.DataFrame, files: pd.DataFrame, declarations: pd.DataFrame,
               activity_rows: pd.DataFrame, summaries: pd.DataFrame,
               previous_unit_totals: pd.DataFrame | None = None) -> CoreTables:
    """Decide each file's unit, version and status, and each row's place in the totals.

    `previous_unit_totals` (unit_code, activities, participants) of the campaign before this one, when the
    warehouse holds one, feeds the ×10 year-over-year check."""
    index = UnitIndex(units)
    unit_names = dict(zip(units["unit_code"], units["unit_name"]))
    issues: list[tuple[str | None, Issue]] = []
    decl = {row["sha256"]: row for row in declarations.to_dict("records")}
    summary_by_sha = {row["sha256"]: row for row in summaries.to_dict("records")}
    rows_by_sha: dict[str, list[dict]] = {}
    for row in activity_rows.to_dict("records"):
        rows_by_sha.setdefault(row["sha256"], []).append(row)

    submissions: list[dict] = []
    activities: list[dict] = []
    for f in files.sort_values(["received_at", "path"]).to_dict("records"):
        sha = f["sha256"]
        d = decl.get(sha, {})
        resolution = index.resolve(_none(d.get("declared_code")), _none(d.get("declared_name")), f["path"])
        sub = {
            "campaign_id": campaign.campaign_id,
            "file_sha256": sha,
            "file_path": f["path"],
            "unit_code": resolution.unit_code,
            "identified_by": resolution.identified_by,
            "claimed_unit_codes": sorted({u for u in (resolution.code_unit, resolution.name_unit) if u}),
            "declared_code": _none(d.get("declared_code")),
            "declared_name": _none(d.get("declared_name")),
            "reported_at": _none(d.get("reported_at")),
            "received_at": f["received_at"],
            "detail_sheet": _none(d.get("detail_sheet")),
        }
        if f["status"] != "rejected":
            _identity_issues(sha, d, resolution, unit_names, issues)
        file_rows = [_activity(campaign, sha, f["path"], resolution.unit_code, r) for r in rows_by_sha.get(sha, [])]
        for r in file_rows:
            if r["row_status"] == "ok" and not r["in_window"]:
                issues.append((sha, make_issue(
                    "outside_window", sheet=r["source_sheet"], cell=r.pop("_date_cell", None), row=r["source_row"],
                    raw=r["start_date"], start=r["start_date"], window=campaign.window_text)))
            r.pop("_date_cell", None)
        summary = summary_by_sha.get(sha)
        if summary is not None and not file_rows and _summary_has_figures(summary):
            file_rows.append(_unitemized(campaign, sha, f["path"], resolution.unit_code, summary))
            issues.append((sha, make_issue("summary_only", sheet=summary["sheet"])))
        elif summary is not None and file_rows:
            _compare_summary(sha, summary, file_rows, issues)
        for r in file_rows:
            if r["counted"] and r["volunteers"] is not None and r["participants"] is not None \
                    and r["volunteers"] > r["participants"] and not r["is_unitemized"]:
                issues.append((sha, make_issue(
                    "volunteers_exceed_participants", sheet=r["source_sheet"], row=r["source_row"],
                    cell=r["_cells"].get("volunteers"), raw=r["volunteers"],
                    volunteers=r["volunteers"], participants=r["participants"])))
        counted = sum(1 for r in file_rows if r["counted"])
        rejected = sum(1 for r in file_rows if r["row_status"] == "rejected")
        if f["status"] == "rejected":
            status = "rejected"
        elif resolution.status != "identified":
            status = resolution.status
        elif counted == 0:
            status = "rejected"
            issues.append((sha, make_issue("submission_empty")))
        else:
            status = "partial" if rejected else "accepted"
        sub.update(status=status, activity_rows=len(file_rows), counted_rows=counted, rejected_rows=rejected)
        submissions.append(sub)
        activities.extend(file_rows)

    submissions_frame = _versions(pd.DataFrame.from_records(submissions, columns=SUBMISSION_COLUMNS), issues)
    frame = pd.DataFrame.from_records(activities, columns=[*ACTIVITY_COLUMNS, "_cells"])
    current = set(submissions_frame.loc[submissions_frame["is_current"], "file_sha256"])
    frame["is_current"] = frame["file_sha256"].isin(current)

    unit_labels = {code: [name, *(aliases if aliases is not None else [])]
                   for code, name, aliases in zip(units["unit_code"], units["unit_name"], units["aliases"])}
    duplicate_of, joint_issues = find_joint_duplicates(frame, submissions_frame, unit_labels)
    frame["duplicate_of"] = frame["activity_id"].map(duplicate_of).astype(object)
    frame["duplicate_of"] = frame["duplicate_of"].where(frame["duplicate_of"].notna(), None)
    issues.extend(joint_issues)
    issues.extend(outliers(frame))
    totals = unit_totals(frame)
    current_files = dict(zip(submissions_frame.loc[submissions_frame["is_current"], "unit_code"],
                             submissions_frame.loc[submissions_frame["is_current"], "file_sha256"]))
    issues.extend(year_over_year(totals, previous_unit_totals, current_files))
    changes = submission_changes(campaign.campaign_id, submissions_frame, frame)
    return CoreTables(submissions_frame, frame[ACTIVITY_COLUMNS], issues, changes)


def unit_totals(activities: pd.DataFrame) -> pd.DataFrame:
    """Per unit, what reaches the totals: counted, current, not a joint-activity copy."""
    rows = activities[activities["counted"] & activities["is_current"] & activities["duplicate_of"].isna()]
    return _sum_measures(rows, ["unit_code"])


def _sum_measures(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sums of the measures per `keys`; money is summed in whole 分 so the result stays exact."""
    if rows.empty:
        return pd.DataFrame(columns=[*keys, "activities", *METRICS])
    counts = {c: pd.to_numeric(rows[c]).fillna(0).astype("int64") for c in ("activity_count", *COUNT_METRICS)}
    cents = rows["funding_wan"].map(lambda v: 0 if v is None or pd.isna(v) else int(Decimal(v) * 100))
    frame = pd.DataFrame({**{k: rows[k] for k in keys}, **counts, "funding_wan": cents})
    sums = frame.groupby(keys, sort=True).sum().reset_index()
    sums["funding_wan"] = sums["funding_wan"].map(lambda c: Decimal(int(c)) / 100)
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
            zero = Decimal(0) if measure == "funding_wan" else 0

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


def _identity_issues(sha, declared: dict, resolution, names: dict[str, str], issues: list) -> None:
    code_cell = (_none(declared.get("declared_code_sheet")), _none(declared.get("declared_code_cell")))
    name_cell = (_none(declared.get("declared_name_sheet")), _none(declared.get("declared_name_cell")))
    if resolution.status == "conflict":
        issues.append((sha, make_issue(
            "unit_conflict", sheet=code_cell[0], cell=code_cell[1], raw=declared.get("declared_code"),
            code_value=declared.get("declared_code"), code_unit=names.get(resolution.code_unit),
            name_value=declared.get("declared_name"), name_unit=names.get(resolution.name_unit))))
    elif resolution.status == "unidentified":
        issues.append((sha, make_issue("unit_unidentified", sheet=name_cell[0], cell=name_cell[1],
                                       raw=_none(declared.get("declared_name")))))
    if resolution.unknown_code and resolution.status == "identified":
        issues.append((sha, make_issue("unit_code_unknown", sheet=code_cell[0], cell=code_cell[1],
                                       raw=resolution.unknown_code, unit_name=names.get(resolution.unit_code))))


def _activity(campaign: Campaign, sha: str, path: str, unit_code, row: dict) -> dict:
    start = _none(row.get("start_date"))
    start = start.date() if isinstance(start, datetime) else start
    end = _none(row.get("end_date"))
    end = end.date() if isinstance(end, datetime) else end
    ok = row["row_status"] == "ok"
    in_window = bool(start is not None and campaign.start <= start <= campaign.end)
    record = {
        "activity_id": f"{sha[:16]}:{row['source_sheet']}:{int(row['source_row'])}",
        "campaign_id": campaign.campaign_id,
        "file_sha256": sha,
        "unit_code": unit_code,
        "source_file": path,
        "source_sheet": row["source_sheet"],
        "source_row": int(row["source_row"]),
        "activity_name": _none(row.get("activity_name")),
        "activity_type": row["activity_type"],
        "activity_type_raw": _none(row.get("activity_type_raw")),
        "start_date": start,
        "end_date": end,
        "venue": _none(row.get("venue")),
        "organizer": _none(row.get("organizer")),
        "partners": list(row.get("partners") if row.get("partners") is not None else []),
        "note": _none(row.get("note")),
        "activity_count": 1,
        "is_unitemized": False,
        "row_status": row["row_status"],
        "reject_code": _none(row.get("reject_code")),
        "in_window": in_window,
        "counted": ok and in_window,
        "duplicate_of": None,
        "source_cell": _none(row.get("activity_name_cell")),
        "_date_cell": _none(row.get("start_date_cell")),
        "_cells": {f: _none(row.get(f"{f}_cell")) for f in METRICS},
    }
    for f in METRICS:
        value = _none(row.get(f))
        record[f] = None if value is None else (Decimal(str(value)) if f == "funding_wan" else int(value))
        record[f"{f}_approx"] = bool(row.get(f"{f}_approx") or False)
    return record


def _summary_has_figures(summary: dict) -> bool:
    return any(_none(summary.get(k)) is not None for k in INDICATOR)


def _unitemized(campaign: Campaign, sha: str, path: str, unit_code, summary: dict) -> dict:
    """The one record a summary-only submission contributes (SPEC §3.4)."""
    record = {
        "activity_id": f"{sha[:16]}:{summary['sheet']}:summary",
        "campaign_id": campaign.campaign_id, "file_sha256": sha, "unit_code": unit_code, "source_file": path,
        "source_sheet": summary["sheet"], "source_row": None, "source_cell": None, "activity_name": "（汇总表，未分项）",
        "activity_type": UNITEMIZED_TYPE, "activity_type_raw": None, "start_date": None, "end_date": None,
        "venue": None, "organizer": None, "partners": [], "note": None,
        "activity_count": int(_none(summary.get("activities")) or 0),
        "is_unitemized": True, "row_status": "ok", "reject_code": None, "in_window": True, "counted": True,
        "duplicate_of": None, "_cells": {},
    }
    for f in METRICS:
        value = _none(summary.get(f))
        record[f] = None if value is None else (Decimal(str(value)).quantize(Decimal("0.01"))
                                                if f == "funding_wan" else int(value))
        record[f"{f}_approx"] = False
    return record


def _compare_summary(sha: str, summary: dict, rows: list[dict], issues: list) -> None:
    """When a unit fills both sheets, details count; a 汇总表 figure that differs from them is a warning."""
    ok_rows = [r for r in rows if r["row_status"] == "ok"]
    computed = {"activities": len(ok_rows)}
    for f in METRICS:
        total = sum((r[f] for r in ok_rows if r[f] is not None), Decimal(0) if f == "funding_wan" else 0)
        computed[f] = total
    cells = summary.get("cells") or {}
    for key, indicator in INDICATOR.items():
        reported = _none(summary.get(key))
        if reported is None:
            continue
        reported_value = Decimal(str(reported)) if key == "funding_wan" else int(reported)
        if key == "funding_wan":
            reported_value = reported_value.quantize(Decimal("0.01"))
        if reported_value != computed[key]:
            issues.append((sha, make_issue("summary_mismatch", sheet=summary["sheet"],
                                           cell=cells.get(key) if isinstance(cells, dict) else None,
                                           raw=reported, label=indicator.name, reported=reported_value,
                                           computed=computed[key])))


def _versions(subs: pd.DataFrame, issues: list) -> pd.DataFrame:
    """Number each unit's submissions oldest → newest (填报日期, then received_at) and mark the newest
    countable one current. Files without a 填报日期 sort by the day they were received."""
    subs = subs.copy()
    subs["version"] = pd.array([None] * len(subs), dtype="Int64")
    subs["is_current"] = False
    subs["superseded_by"] = None
    if subs.empty:
        return subs
    received_day = pd.to_datetime(subs["received_at"]).dt.normalize()
    subs["_order"] = pd.to_datetime(subs["reported_at"]).fillna(received_day)
    identified = subs[subs["unit_code"].notna()].sort_values(["unit_code", "_order", "received_at", "file_path"])
    subs.loc[identified.index, "version"] = identified.groupby("unit_code", sort=False).cumcount() + 1
    countable = identified[identified["status"].isin(COUNTED_STATUSES)]
    current = countable.groupby("unit_code", sort=False).tail(1)
    subs.loc[current.index, "is_current"] = True
    newest = current.assign(_index=current.index).set_index("unit_code")
    for idx in countable.index.difference(current.index):
        unit = subs.at[idx, "unit_code"]
        subs.at[idx, "superseded_by"] = newest.at[unit, "file_sha256"]
        issues.append((subs.at[idx, "file_sha256"], make_issue(
            "submission_superseded",
            newer=f"{newest.at[unit, 'file_path']}，第{int(subs.at[newest.at[unit, '_index'], 'version'])}版")))
    return subs.drop(columns="_order")


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
