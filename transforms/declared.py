"""What a submission says about itself: 填报单位, 单位代码 and 填报日期 from the lines above the table,
and the figures of its 汇总表 (unit summary) sheet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from schemas.issues import Issue, make_issue
from schemas.synonyms import SYNONYMS
from transforms.grid import Book, CellValue, Sheet, is_blank
from transforms.labels import label_key
from transforms.values import parse_amount, parse_count, parse_date_span

HEADER_BLOCK_ROWS = 15


@dataclass(frozen=True, slots=True)
class Declared:
    """A value the file declares, where it sits, and the raw text."""

    value: str
    sheet: str
    cell: str


@dataclass(frozen=True, slots=True)
class DeclaredIdentity:
    unit_code: Declared | None = None
    unit_name: Declared | None = None
    reported_on: date | None = None
    reported_on_raw: Declared | None = None


def _label_pattern(label: str) -> re.Pattern[str]:
    spaced = r"\s*".join(re.escape(ch) for ch in unicodedata.normalize("NFKC", label))
    return re.compile(rf"^\s*{spaced}\s*(?:[(（]\s*盖\s*章\s*[)）])?\s*[:：]?\s*(.*)$", re.S)


def _label_value(sheet: Sheet, r: int, c: int, labels: tuple[str, ...], all_labels: tuple[str, ...]
                 ) -> Declared | None:
    """If cell (r, c) is one of `labels`, its value: the text after the label in the same cell, else the
    next non-blank cell to the right that is not itself a label."""
    raw = sheet.value(r, c)
    if not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    for label in sorted(labels, key=len, reverse=True):
        match = _label_pattern(label).match(text)
        if match is None:
            continue
        rest = match.group(1).strip()
        if rest:
            return Declared(" ".join(rest.split()), sheet.name, sheet.address(r, c))
        for c2 in range(c + 1, min(c + 6, sheet.width)):
            value = sheet.value(r, c2)
            if is_blank(value):
                continue
            if isinstance(value, str) and any(label_key(value).startswith(label_key(x)) for x in all_labels):
                return None
            return Declared(_text(value), sheet.name, sheet.address(r, c2))
        return None
    return None


def _text(value: CellValue) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def read_identity(book: Book, table_sheet: Sheet | None, table_first_row: int | None,
                  default_year: int) -> DeclaredIdentity:
    """填报单位/单位代码/填报日期 declared in the file: above the table on its sheet first, then in the
    first rows of the other visible sheets, then in the footer rows of the table's sheet."""
    groups = {
        "unit_name": SYNONYMS.unit_name_labels,
        "unit_code": SYNONYMS.unit_code_labels,
        "reported_on": SYNONYMS.reported_on_labels,
    }
    all_labels = tuple(label for labels in groups.values() for label in labels)
    found: dict[str, Declared] = {}
    sheets: list[tuple[Sheet, range]] = []
    if table_sheet is not None:
        limit = table_first_row if table_first_row is not None else HEADER_BLOCK_ROWS
        sheets.append((table_sheet, range(0, min(limit, table_sheet.height))))
    for sheet in book.visible_sheets():
        if sheet is not table_sheet:
            sheets.append((sheet, range(0, min(HEADER_BLOCK_ROWS, sheet.height))))
    if table_sheet is not None:
        sheets.append((table_sheet, range(max(0, table_sheet.height - 10), table_sheet.height)))
    for sheet, rows in sheets:
        for r in rows:
            for c in range(sheet.width):
                for key in ("unit_code", "unit_name", "reported_on"):
                    if key in found:
                        continue
                    hit = _label_value(sheet, r, c, groups[key], all_labels)
                    if hit is not None and hit.value:
                        found[key] = hit
    reported_on = None
    if "reported_on" in found:
        cell = found["reported_on"]
        span = parse_date_span(cell.value, default_year)
        reported_on = span.start if span.kind in ("date", "range") else None
    return DeclaredIdentity(found.get("unit_code"), found.get("unit_name"), reported_on, found.get("reported_on"))


@dataclass(slots=True)
class SummarySheet:
    """The 汇总表 figures a unit declared, keyed by indicator (activities, participants, …)."""

    sheet: str
    values: dict[str, int | object] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def has_figures(self) -> bool:
        return any(v is not None for v in self.values.values())


def _indicator_index() -> dict[str, str]:
    index = {}
    for ind in SYNONYMS.summary_indicators:
        for name in (ind.name, *ind.synonyms):
            index.setdefault(label_key(name), ind.key)
    return index


def read_summary(book: Book, exclude: Sheet | None = None) -> SummarySheet | None:
    """The visible sheet that lists summary indicators (指标名称 | 计量单位 | 数量), read as figures."""
    index = _indicator_index()
    for sheet in book.visible_sheets():
        if sheet is exclude:
            continue
        summary = SummarySheet(sheet.name)
        quantity_col = _quantity_column(sheet)
        for r in range(sheet.height):
            for c in range(sheet.width):
                key = index.get(label_key(sheet.value(r, c)))
                if key is None or key in summary.values:
                    continue
                value_cell = quantity_col if quantity_col is not None and quantity_col > c \
                    else _summary_value_cell(sheet, r, c)
                if value_cell is None:
                    summary.values[key] = None
                    continue
                raw = sheet.value(r, value_cell)
                parsed = parse_amount(raw) if key == "funding_wan" else parse_count(raw)
                address = sheet.address(r, value_cell)
                summary.cells[key] = address
                if parsed.kind == "number" and parsed.value >= 0:
                    summary.values[key] = parsed.value
                elif parsed.kind in ("blank", "placeholder"):
                    summary.values[key] = None
                else:
                    summary.values[key] = None
                    ind = next(i for i in SYNONYMS.summary_indicators if i.key == key)
                    summary.issues.append(make_issue("summary_unparseable", sheet=sheet.name, cell=address,
                                                     raw=_text(raw), label=ind.name))
                break
        if len(summary.values) >= 2:
            return summary
    return None


_QUANTITY_LABELS = ("数量", "数值", "完成数", "合计", "数据")


def _quantity_column(sheet: Sheet) -> int | None:
    """The column headed 数量 (or a synonym) in the summary sheet's first rows, if any."""
    for r in range(min(HEADER_BLOCK_ROWS, sheet.height)):
        for c in range(sheet.width):
            if label_key(sheet.value(r, c)) in _QUANTITY_LABELS:
                return c
    return None


def _summary_value_cell(sheet: Sheet, r: int, c: int) -> int | None:
    """The 数量 cell of an indicator row: the last non-blank cell right of the name that is not its unit."""
    candidates = [c2 for c2 in range(c + 1, sheet.width) if not is_blank(sheet.value(r, c2))]
    numeric = [c2 for c2 in candidates if not isinstance(sheet.value(r, c2), str)
               or parse_count(sheet.value(r, c2)).kind == "number"]
    if numeric:
        return numeric[-1]
    return candidates[-1] if len(candidates) >= 2 else None
