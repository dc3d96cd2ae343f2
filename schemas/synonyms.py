"""The synonym tables of `synonyms.toml`, loaded once and exposed as plain Python data.

Everything here is data an office may extend; code elsewhere reads it only through these names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SYNONYMS_PATH = Path(__file__).with_name("synonyms.toml")


@dataclass(frozen=True, slots=True)
class DetailField:
    """One column of the detail sheet: its field name, the template's label, and other labels for it."""

    field: str
    header: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SummaryIndicator:
    """One row of the 汇总表: the measure it feeds, its canonical name and unit, and other names."""

    key: str
    name: str
    unit: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Synonyms:
    detail_fields: tuple[DetailField, ...]
    yuan_headers: tuple[str, ...]
    header_sub_labels: tuple[str, ...]
    activity_types: dict[str, tuple[str, ...]]
    total_labels: tuple[str, ...]
    footer_labels: tuple[str, ...]
    note_labels: tuple[str, ...]
    unit_name_labels: tuple[str, ...]
    unit_code_labels: tuple[str, ...]
    reported_on_labels: tuple[str, ...]
    summary_indicators: tuple[SummaryIndicator, ...]
    summary_quantity_headers: tuple[str, ...]
    summary_unit_headers: tuple[str, ...]
    unit_strip_words: tuple[str, ...]
    unit_strip_suffixes: tuple[str, ...]


@cache
def load_synonyms(path: Path = SYNONYMS_PATH) -> Synonyms:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    detail = data["detail"]
    return Synonyms(
        detail_fields=tuple(
            DetailField(f["field"], f["header"], tuple(f.get("synonyms", ()))) for f in detail["fields"]
        ),
        yuan_headers=tuple(detail.get("yuan_headers", ())),
        header_sub_labels=tuple(detail.get("sub_labels", ())),
        activity_types={k: tuple(v) for k, v in data["activity_types"].items()},
        total_labels=tuple(data["rows"]["total_labels"]),
        footer_labels=tuple(data["rows"]["footer_labels"]),
        note_labels=tuple(data["rows"]["note_labels"]),
        unit_name_labels=tuple(data["header_block"]["unit_name"]),
        unit_code_labels=tuple(data["header_block"]["unit_code"]),
        reported_on_labels=tuple(data["header_block"]["reported_on"]),
        summary_indicators=tuple(
            SummaryIndicator(i["key"], i["name"], i["unit"], tuple(i.get("synonyms", ())))
            for i in data["summary"]["indicators"]
        ),
        summary_quantity_headers=tuple(data["summary"].get("quantity_headers", ())),
        summary_unit_headers=tuple(data["summary"].get("unit_headers", ())),
        unit_strip_words=tuple(data["unit_names"]["strip_words"]),
        unit_strip_suffixes=tuple(data["unit_names"]["strip_suffixes"]),
    )


SYNONYMS = load_synonyms()

DETAIL_FIELDS: tuple[DetailField, ...] = SYNONYMS.detail_fields
"""Detail-sheet columns in template order."""

ACTIVITY_TYPES: tuple[str, ...] = tuple(SYNONYMS.activity_types)
"""Canonical activity forms in template order; the last is 其他."""

OTHER_TYPE = "其他"
UNITEMIZED_TYPE = "未分项"
"""activity_type of the one record a summary-only submission contributes (SPEC §3.4)."""

SUMMARY_INDICATORS: tuple[SummaryIndicator, ...] = SYNONYMS.summary_indicators

METRIC_FIELDS: tuple[str, ...] = (
    "participants",
    "volunteers",
    "materials",
    "boards",
    "media_reports",
    "funding_wan",
)
"""Measures summed into totals, in display order."""

COUNT_FIELDS: tuple[str, ...] = METRIC_FIELDS[:-1]
"""Integer measures; funding_wan is the one decimal measure."""
