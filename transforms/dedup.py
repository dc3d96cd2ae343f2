"""Joint activities (SPEC §3.5): the same event reported by several units is counted once.

Two rows from different units are the same event when they start on the same day at the same
venue (after normalisation) and their names are equal or nearly so (similarity ≥ NAME_SIMILARITY
after dropping quotes, punctuation, a leading year and 第X届). The copy kept is the one from the unit
named as organizer; failing that, the one received first. The others point at it (`duplicate_of`).
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

import pandas as pd

from kepu.schemas.issues import Issue, make_issue
from kepu.transforms.identity import PUNCTUATION, normalize_unit_name

NAME_SIMILARITY = 0.85
"""Tuned on pairs such as 「2023年全国科普日双流区主场活动」/「全国科普日双流区主场宣传活动」 (0.92, same event)
against 「科普讲座：垃圾分类」/「科普讲座：防溺水」 (0.53, different events at one venue)."""

_YEAR = re.compile(r"^(?:20\d{2}|19\d{2})年(?:度)?")
_EDITION = re.compile(r"第[0-9一二三四五六七八九十百零〇两]+届")
_VENUE_NOISE = re.compile(r"^(?:在|于)")


def name_key(name) -> str:
    text = unicodedata.normalize("NFKC", str(name or "")).lower()
    text = PUNCTUATION.sub("", text)
    text = _YEAR.sub("", text)
    return _EDITION.sub("", text)


def venue_key(venue) -> str:
    text = unicodedata.normalize("NFKC", str(venue or "")).lower()
    return _VENUE_NOISE.sub("", PUNCTUATION.sub("", text))


def same_event_name(a: str, b: str) -> bool:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    return ka == kb or SequenceMatcher(None, ka, kb, autojunk=False).ratio() >= NAME_SIMILARITY


def find_joint_duplicates(activities: pd.DataFrame, submissions: pd.DataFrame, unit_names: dict[str, list[str]]
                          ) -> tuple[dict[str, str], list[tuple[str, Issue]]]:
    """activity_id → the activity_id it duplicates, and one info issue per duplicate (on its file).

    Only counted detail rows of current submissions take part; `unit_names` maps a unit code to its
    name and aliases, to recognise the organizer."""
    current = submissions.loc[submissions["is_current"], ["file_sha256", "received_at"]]
    rows = activities[activities["counted"] & ~activities["is_unitemized"] & activities["unit_code"].notna()]
    rows = rows.merge(current, on="file_sha256", how="inner")
    if rows.empty:
        return {}, []
    rows = rows.assign(_venue=rows["venue"].map(venue_key)).loc[lambda d: d["_venue"] != ""]
    shared = rows.groupby(["start_date", "_venue"])["unit_code"].transform("nunique") > 1
    rows = rows[shared]
    organizer_keys = {code: {normalize_unit_name(n) for n in names} - {""} for code, names in unit_names.items()}

    duplicate_of: dict[str, str] = {}
    issues: list[tuple[str, Issue]] = []
    for _, group in rows.groupby(["start_date", "_venue"], sort=False):
        if group["unit_code"].nunique() < 2:
            continue
        for cluster in _clusters(group.to_dict("records")):
            if len({r["unit_code"] for r in cluster}) < 2:
                continue
            kept = _kept_copy(cluster, organizer_keys)
            for row in cluster:
                if row["activity_id"] == kept["activity_id"] or row["unit_code"] == kept["unit_code"]:
                    continue
                duplicate_of[row["activity_id"]] = kept["activity_id"]
                kept_unit = unit_names.get(kept["unit_code"], [kept["unit_code"]])[0]
                issues.append((row["file_sha256"], make_issue(
                    "joint_activity_duplicate", sheet=row["source_sheet"], cell=row.get("source_cell"),
                    row=row["source_row"], raw=row["activity_name"], other_unit=kept_unit,
                    other_name=kept["activity_name"], kept=f"“{kept_unit}”")))
    return duplicate_of, issues


def _clusters(rows: list[dict]) -> list[list[dict]]:
    """Rows linked by similar names (from different units), as connected groups."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if rows[i]["unit_code"] != rows[j]["unit_code"] and same_event_name(
                    rows[i]["activity_name"], rows[j]["activity_name"]):
                parent[find(i)] = find(j)
    groups: dict[int, list[dict]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(find(i), []).append(row)
    return [g for g in groups.values() if len(g) > 1]


def _kept_copy(cluster: list[dict], organizer_keys: dict[str, set[str]]) -> dict:
    named = set()
    for row in cluster:
        for part in re.split(r"[、，,;；/／\s]+", str(row.get("organizer") or "")):
            organizer = normalize_unit_name(part)
            if organizer:
                named |= {r["unit_code"] for r in cluster if organizer in organizer_keys.get(r["unit_code"], set())}
    candidates = [r for r in cluster if r["unit_code"] in named] or cluster
    return min(candidates, key=lambda r: (r["received_at"], r["activity_id"]))
