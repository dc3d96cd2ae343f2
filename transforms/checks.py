"""Quality checks beyond the single row (SPEC §3.7), each producing warnings, never changing totals.

- Outliers: per activity type, a value whose robust z-score on log values exceeds OUTLIER_Z
  (median and MAD of log(1 + x) over that type's counted rows; Iglewicz & Hoaglin's 3.5) and that is
  also OUTLIER_FACTOR times above or below the type's median — a narrow spread alone (ten lectures of
  100–150 listeners) must not make 300 listeners suspicious.
- A unit whose total changed tenfold or more against the previous campaign in the same warehouse.
"""

from __future__ import annotations

import math

import pandas as pd

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.vocabulary import MEASURE

OUTLIER_Z = 3.5
OUTLIER_FACTOR = 5
OUTLIER_MIN_ROWS = 8
"""Fewer rows of a type than this and the type's spread is not known well enough to call anything odd."""
OUTLIER_FIELDS = ("participants", "volunteers", "materials", "boards")
YOY_RATIO = 10
YOY_FIELDS = ("activities", "participants")


def robust_z(values: pd.Series) -> pd.Series:
    """0.6745·(x − median)/MAD of log(1 + x); NaN where the MAD is zero."""
    logs = values.astype(float).map(math.log1p)
    median = logs.median()
    mad = (logs - median).abs().median()
    if not mad or math.isnan(mad):
        return pd.Series(float("nan"), index=values.index)
    return 0.6745 * (logs - median) / mad


def outliers(activities: pd.DataFrame) -> list[tuple[str, Issue]]:
    """Warnings for values far outside the distribution of their activity type."""
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
                    "outlier_value", sheet=row["source_sheet"], cell=(row.get("_cells") or {}).get(field),
                    row=int(row["source_row"]), raw=int(row[field]), label=MEASURE[field].noun, activity_type=activity_type,
                    direction="远高于" if ratio[idx] > 1 else "远低于", median=f"{median:g}")))
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
