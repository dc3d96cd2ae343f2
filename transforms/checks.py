"""Every check kepu makes beyond reading one cell (SPEC §3.3, §3.4, §3.7). A check gives issues and changes
no figure; the one that decides whether a row counts (the activity window) says so in its name.

Where each one runs:

- `total_row_mismatches` — a 合计 or 小计 row against the sum of the rows above it: called by
  transforms.detail while it reads the table, where the rows' exact amounts (3850元 before it becomes
  0.39万元) and the 小计 blocks are known.
- `in_window` / `outside_window` — a row dated outside [start, end] is kept but not counted, with a warning;
  `volunteers_exceed_participants`; `summary_mismatches` — a 汇总表 figure against the sum of the detail
  rows: called by transforms.core for each file.
- `outliers` — a value far outside the distribution of its activity form; `year_over_year` — a unit's total
  ×10 or more against the previous campaign: called by transforms.core over the whole campaign.

Outliers: per activity type, a value whose robust z-score on log values exceeds OUTLIER_Z (median and MAD
of log(1 + x) over that type's counted rows; Iglewicz & Hoaglin's 3.5) and that is also OUTLIER_FACTOR
times above or below the type's median — a narrow spread alone (ten lectures of 100–150 listeners) must
not make 300 listeners suspicious.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import DETAIL_FIELD, INDICATOR
from kepu.schemas.vocabulary import MEASURE, METRICS, MONEY_METRIC, Campaign

CENT = Decimal("0.01")
OUTLIER_Z = 3.5
OUTLIER_FACTOR = 5
OUTLIER_MIN_ROWS = 8
"""Fewer rows of a type than this and the type's spread is not known well enough to call anything odd."""
OUTLIER_FIELDS = ("participants", "volunteers", "materials", "boards")
YOY_RATIO = 10
YOY_FIELDS = ("activities", "participants")


# ------------------------------------------------------------------------------- while reading


@dataclass(frozen=True, slots=True)
class StatedTotal:
    """A figure a 合计 or 小计 row states (in 万元 for money, exact), the cell it stands in, as written."""

    value: Decimal
    cell: str
    raw: str


def total_row_mismatches(sheet: str, row_number: int, stated: Mapping[str, StatedTotal],
                         rows: Sequence[Mapping[str, Decimal | None]], *, below: bool = False) -> list[Issue]:
    """A warning for each figure of a 合计/小计 row that is not the sum of `rows`, the exact figures of the
    rows it totals (None where a row has none): the rows above it, or `below` it for a 合计 written directly
    under the header. Money is compared to the 分 of 万元 after summing, so 3850元 + 3850元 matches a 合计 of
    7700元 although each row counts as 0.39万元."""
    issues = []
    for metric, total in stated.items():
        computed = sum((r[metric] for r in rows if r.get(metric) is not None), Decimal(0))
        reported = total.value
        if metric == MONEY_METRIC:
            reported, computed = _cents(reported), _cents(computed)
        if reported != computed:
            issues.append(make_issue(
                "total_row_mismatch", sheet=sheet, cell=total.cell, raw=total.raw, row=row_number,
                label=DETAIL_FIELD[metric].header, reported=reported, computed=computed,
                where="下方" if below else "上方"))
    return issues


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------- file by file


def in_window(start: date | None, campaign: Campaign) -> bool:
    """Whether a row's start date falls in the campaign's activity window (SPEC §3.3); only such rows count."""
    return start is not None and campaign.start <= start <= campaign.end


def outside_window(row: Mapping, campaign: Campaign) -> Issue | None:
    """The warning for a row that passed every row rule but is dated outside the window."""
    if row["row_status"] != "ok" or row["in_window"]:
        return None
    return make_issue("outside_window", sheet=row["source_sheet"], cell=row.get("start_date_cell"),
                      row=row["source_row"], raw=row["start_date"], start=row["start_date"],
                      window=campaign.window_text)


def volunteers_exceed_participants(row: Mapping) -> Issue | None:
    """A counted detail row with more volunteers than participants."""
    volunteers, participants = row["volunteers"], row["participants"]
    if not row["counted"] or row["is_unitemized"] or volunteers is None or participants is None \
            or volunteers <= participants:
        return None
    return make_issue("volunteers_exceed_participants", sheet=row["source_sheet"], row=row["source_row"],
                      cell=row.get("volunteers_cell"), raw=volunteers, volunteers=volunteers,
                      participants=participants)


def summary_mismatches(summary: Mapping, rows: Sequence[Mapping]) -> list[Issue]:
    """When a unit fills both sheets its detail rows count; each 汇总表 figure that differs from the sum of
    the rows that passed the row rules is a warning."""
    passed = [r for r in rows if r["row_status"] == "ok"]
    computed: dict[str, int | Decimal] = {"activities": len(passed)}
    for metric in METRICS:
        zero = Decimal(0) if metric == MONEY_METRIC else 0
        computed[metric] = sum((r[metric] for r in passed if r[metric] is not None), zero)
    cells = summary.get("cells") or {}
    issues = []
    for key, indicator in INDICATOR.items():
        stated = summary.get(key)
        if stated is None:
            continue
        value = _cents(Decimal(str(stated))) if key == MONEY_METRIC else int(stated)
        if value != computed[key]:
            issues.append(make_issue("summary_mismatch", sheet=summary["sheet"], cell=cells.get(key), raw=stated,
                                     label=indicator.name, reported=value, computed=computed[key]))
    return issues


# ---------------------------------------------------------------------------- the whole campaign


def robust_z(values: pd.Series) -> pd.Series:
    """0.6745·(x − median)/MAD of log(1 + x); NaN where the MAD is zero."""
    logs = values.astype(float).map(math.log1p)
    median = logs.median()
    mad = (logs - median).abs().median()
    if not mad or math.isnan(mad):
        return pd.Series(float("nan"), index=values.index)
    return 0.6745 * (logs - median) / mad


def outliers(activities: pd.DataFrame) -> list[tuple[str, Issue]]:
    """Warnings for values far outside the distribution of their activity type. `activities` are core
    activity rows with the cells their figures came from (`participants_cell`, …)."""
    rows = activities[activities["counted"] & ~activities["is_unitemized"] & activities["is_current"]]
    issues: list[tuple[str, Issue]] = []
    for activity_type, group in rows.groupby("activity_type"):
        for field in OUTLIER_FIELDS:
            values = group[field].dropna()
            values = values[values > 0]
            if len(values) < OUTLIER_MIN_ROWS:
                continue
            z = robust_z(values)
            median = float(values.astype(float).median())
            ratio = values.astype(float) / median
            far = (z.abs() > OUTLIER_Z) & ((ratio >= OUTLIER_FACTOR) | (ratio <= 1 / OUTLIER_FACTOR))
            for idx in far[far].index:
                row = group.loc[idx]
                issues.append((row["file_sha256"], make_issue(
                    "outlier_value", sheet=row["source_sheet"], cell=row.get(f"{field}_cell"),
                    row=int(row["source_row"]), raw=int(row[field]), label=MEASURE[field].noun,
                    activity_type=activity_type, direction="远高于" if ratio[idx] > 1 else "远低于",
                    median=f"{median:g}")))
    return issues


def year_over_year(current: pd.DataFrame, previous: pd.DataFrame | None, current_files: dict[str, str]
                   ) -> list[tuple[str, Issue]]:
    """Warnings for units whose activities or participants changed ×10 or more since the previous campaign.

    `current` and `previous` hold unit totals (unit_code, activities, participants); `current_files`
    maps a unit to the file its current figures come from."""
    if previous is None or previous.empty or current.empty:
        return []
    merged = current.merge(previous, on="unit_code", suffixes=("", "_previous"))
    issues: list[tuple[str, Issue]] = []
    for row in merged.to_dict("records"):
        for field in YOY_FIELDS:
            now, before = row[field], row[f"{field}_previous"]
            if not now or not before:
                continue
            ratio = now / before
            if ratio >= YOY_RATIO or ratio <= 1 / YOY_RATIO:
                issues.append((current_files.get(row["unit_code"]), make_issue(
                    "year_over_year_jump", raw=int(now), label=MEASURE[field].label, current=int(now),
                    previous=int(before))))
    return issues
