"""A 汇总 sheet by unit beside a workbook's sheet per unit (SPEC §2.3): 单位 | 活动场次 | 参与人次 …, one row per unit.

It holds no activities — the units' sheets do — but it says what the forwarder believes each sheet adds up to.
`unit_summary_issues` compares each of its figures with the sum of the counted rows of the sheet of that unit and
warns where they differ, citing both: the 汇总 cell and the detail column's cells. The detail rows stay counted (a
summary is no evidence against the rows it summarises). Pure: grids and parsed rows in, issues out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import INDICATOR, SYNONYMS, UNIT_COLUMN_FIELD
from kepu.transforms.declared import _indicator
from kepu.transforms.grid import Book, Sheet, is_blank
from kepu.transforms.labels import header_field, is_total_label, label_key
from kepu.transforms.values import parse_count

HEAD_ROWS = 15
"""The header of a 汇总 sheet sits in its first rows."""
UNIT_HEADERS = ("单位",)
"""Bare headings of the unit column a 汇总 sheet uses besides the forwarded tables' (synonyms `unit_column`)."""
COMPARED = ("activities", "participants", "volunteers", "materials", "boards", "media_reports")
"""What is compared: the counts (经费 is left out: its unit, 元 or 万元, is too often unsaid in such a sheet)."""


@dataclass(frozen=True, slots=True)
class UnitSummaryRow:
    """One unit's line of a 汇总 sheet: the unit as written and, per measure, (cell, figure)."""

    sheet: str
    unit: str
    figures: dict[str, tuple[str, int]] = field(default_factory=dict)


def _is_unit_header(value) -> bool:
    return isinstance(value, str) and (header_field(value) == UNIT_COLUMN_FIELD
                                       or label_key(value) in {label_key(h) for h in UNIT_HEADERS})


def read_unit_summary(sheet: Sheet) -> list[UnitSummaryRow]:
    """The rows of a sheet headed 单位 | 活动场次 | 参与人次 … (a unit column and at least one compared indicator);
    [] for any other sheet. A 合计 row, and rows under the first blank unit cell, are not units."""
    for r in range(min(HEAD_ROWS, sheet.height)):
        unit_col = next((c for c in range(sheet.width) if _is_unit_header(sheet.value(r, c))), None)
        if unit_col is None:
            continue
        columns = {}
        for c in range(sheet.width):
            key = _indicator(sheet.value(r, c)) if c != unit_col else None
            if key in COMPARED and key not in columns:
                columns[key] = c
        if not columns:
            continue
        rows = []
        for rr in range(r + 1, sheet.height):
            name = sheet.value(rr, unit_col)
            if is_blank(name):
                break
            if not isinstance(name, str) or is_total_label(name):
                continue
            figures = {}
            for key, c in columns.items():
                parsed = parse_count(sheet.value(rr, c))
                if parsed.value is not None:
                    figures[key] = (sheet.address(rr, c), int(Decimal(parsed.value)))
            rows.append(UnitSummaryRow(sheet.name, " ".join(name.split()), figures))
        return rows
    return []


def _unit_key(text: str | None) -> str:
    key = label_key(text or "")
    for suffix in SYNONYMS.unit_strip_suffixes:
        if key.endswith(label_key(suffix)) and len(key) > len(label_key(suffix)):
            return key[: -len(label_key(suffix))]
    return key


def _span(cells: list[str]) -> str:
    return cells[0] if len(cells) == 1 else f"{cells[0]}:{cells[-1]}"


def unit_summary_issues(book: Book, detail_sheets: set[str], activities: list[dict]) -> list[Issue]:
    """A warning for each figure of a 汇总 sheet by unit that differs from the sum of the counted rows of that
    unit's sheet(s) (rows naming the unit by their sheet), citing the 汇总 cell and the detail cells."""
    by_unit: dict[str, list[dict]] = {}
    for row in activities:
        if row.get(UNIT_COLUMN_FIELD) and row.get("row_status") == "ok":
            by_unit.setdefault(_unit_key(row[UNIT_COLUMN_FIELD]), []).append(row)
    issues: list[Issue] = []
    if not by_unit:
        return issues
    for sheet in book.visible_sheets():
        if sheet.name in detail_sheets:
            continue
        for line in read_unit_summary(sheet):
            rows = by_unit.get(_unit_key(line.unit))
            if not rows:
                continue
            for key, (cell, stated) in line.figures.items():
                if key == "activities":
                    computed = len(rows)
                    cells = [r.get("activity_name_cell") for r in rows]
                else:
                    computed = sum(int(r.get(key) or 0) for r in rows)
                    cells = [r.get(f"{key}_cell") for r in rows]
                if computed == stated:
                    continue
                where = "、".join(f"{name}!{_span([c for r, c in zip(rows, cells) if r['source_sheet'] == name and c])}"
                                 for name in dict.fromkeys(r["source_sheet"] for r in rows)
                                 if any(c for r, c in zip(rows, cells) if r["source_sheet"] == name))
                issues.append(make_issue("unit_summary_differs", sheet=sheet.name, cell=cell, raw=str(stated),
                                         sheet_name=sheet.name, unit_name=line.unit, label=INDICATOR[key].name,
                                         stated=stated, computed=computed, detail=where or "明细表"))
    return issues
