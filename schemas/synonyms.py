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
    """One row of the 汇总表: the measure it feeds (a key of `vocabulary.MEASURES`, whose unit is its
    计量单位), its canonical name in the form, and other names people write for it."""

    key: str
    name: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NarrativeWords:
    """How figures are read from a 总结's sentences (SPEC §3.13): see [narrative] in synonyms.toml."""

    overall_subjects: tuple[str, ...]
    overall_words: tuple[str, ...]
    overall_phrases: tuple[str, ...]
    generic_activities: tuple[str, ...]
    not_figure_prefixes: tuple[str, ...]
    not_activity_cues: tuple[str, ...]
    measures: dict[str, str]
    cues: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Synonyms:
    detail_fields: tuple[DetailField, ...]
    yuan_headers: tuple[str, ...]
    header_sub_labels: tuple[str, ...]
    header_sub_totals: tuple[str, ...]
    header_sub_parts: tuple[str, ...]
    figure_note_approximate: tuple[str, ...]
    unit_column_labels: tuple[str, ...]
    activity_types: dict[str, tuple[str, ...]]
    total_labels: tuple[str, ...]
    footer_labels: tuple[str, ...]
    note_labels: tuple[str, ...]
    ditto_marks: tuple[str, ...]
    other_campaign_words: tuple[str, ...]
    not_unit_words: tuple[str, ...]
    unit_name_labels: tuple[str, ...]
    unit_code_labels: tuple[str, ...]
    reported_on_labels: tuple[str, ...]
    title_words: tuple[str, ...]
    summary_indicators: tuple[SummaryIndicator, ...]
    summary_quantity_headers: tuple[str, ...]
    summary_name_headers: tuple[str, ...]
    summary_unit_headers: tuple[str, ...]
    unit_strip_words: tuple[str, ...]
    unit_strip_suffixes: tuple[str, ...]
    supplement_words: tuple[str, ...]
    supplement_plain_words: tuple[str, ...]
    supplement_followers: tuple[str, ...]
    supplement_instructions: tuple[str, ...]
    narrative: NarrativeWords


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
        header_sub_totals=tuple(detail.get("sub_totals", ())),
        header_sub_parts=tuple(detail.get("sub_parts", ())),
        figure_note_approximate=tuple(detail.get("figure_note_approximate", ())),
        unit_column_labels=tuple(detail.get("unit_column", ())),
        activity_types={k: tuple(v) for k, v in data["activity_types"].items()},
        total_labels=tuple(data["rows"]["total_labels"]),
        footer_labels=tuple(data["rows"]["footer_labels"]),
        note_labels=tuple(data["rows"]["note_labels"]),
        ditto_marks=tuple(data["rows"].get("ditto_marks", ())),
        other_campaign_words=tuple(data.get("sheets", {}).get("other_campaign_words", ())),
        not_unit_words=tuple(data.get("sheets", {}).get("not_unit_words", ())),
        unit_name_labels=tuple(data["header_block"]["unit_name"]),
        unit_code_labels=tuple(data["header_block"]["unit_code"]),
        reported_on_labels=tuple(data["header_block"]["reported_on"]),
        title_words=tuple(data["header_block"].get("title_words", ())),
        summary_indicators=tuple(
            SummaryIndicator(i["key"], i["name"], tuple(i.get("synonyms", ())))
            for i in data["summary"]["indicators"]
        ),
        summary_quantity_headers=tuple(data["summary"].get("quantity_headers", ())),
        summary_name_headers=tuple(data["summary"].get("name_headers", ())),
        summary_unit_headers=tuple(data["summary"].get("unit_headers", ())),
        unit_strip_words=tuple(data["unit_names"]["strip_words"]),
        unit_strip_suffixes=tuple(data["unit_names"]["strip_suffixes"]),
        supplement_words=tuple(data["supplements"]["words"]),
        supplement_plain_words=tuple(data["supplements"]["plain_words"]),
        supplement_followers=tuple(data["supplements"]["followers"]),
        supplement_instructions=tuple(data["supplements"]["instructions"]),
        narrative=_narrative(data["narrative"]),
    )


def _narrative(data: dict) -> NarrativeWords:
    return NarrativeWords(
        overall_subjects=tuple(data["overall_subjects"]),
        overall_words=tuple(data["overall_words"]),
        overall_phrases=tuple(data["overall_phrases"]),
        generic_activities=tuple(data["generic_activities"]),
        not_figure_prefixes=tuple(data["not_figure_prefixes"]),
        not_activity_cues=tuple(data["not_activity_cues"]),
        measures=dict(data["measures"]),
        cues={k: tuple(v) for k, v in data["cues"].items()},
    )


SYNONYMS = load_synonyms()

DETAIL_FIELDS: tuple[DetailField, ...] = SYNONYMS.detail_fields
"""Detail-sheet columns in template order."""
DETAIL_FIELD: dict[str, DetailField] = {f.field: f for f in DETAIL_FIELDS}

UNIT_COLUMN_FIELD = "reporting_unit"
"""The field of a detail column naming each row's unit (`unit_column` labels): not a template column."""

SUMMARY_INDICATORS: tuple[SummaryIndicator, ...] = SYNONYMS.summary_indicators
"""汇总表 rows in template order."""
INDICATOR: dict[str, SummaryIndicator] = {i.key: i for i in SUMMARY_INDICATORS}
