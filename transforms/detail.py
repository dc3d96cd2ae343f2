"""Finding the activity table in a workbook and reading its rows.

`locate_table` scores every visible sheet's first rows against the header synonyms and returns
the best header (one row, or two when a label is split over merged rows). `read_rows` then walks
the rows under it: each non-empty row ends as exactly one of activity, total, footer or note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from schemas.issues import Issue, make_issue
from schemas.synonyms import COUNT_FIELDS, DETAIL_FIELDS, OTHER_TYPE
from transforms.grid import Book, CellValue, Sheet, is_blank
from transforms.labels import (
    activity_type_of,
    header_field,
    header_in_yuan,
    is_footer_label,
    is_header_continuation,
    is_note_label,
    is_total_label,
    label_key,
)
from transforms.values import parse_amount, parse_count, parse_date_span

HEADER_SEARCH_ROWS = 15
REQUIRED_FIELDS = ("activity_name", "start_date", "participants")
FIELD_LABELS = {f.field: f.header for f in DETAIL_FIELDS}
TEXT_FIELDS = ("activity_name", "venue", "organizer", "partners", "note")
CITED_FIELDS = ("activity_name", "start_date", *COUNT_FIELDS, "funding_wan")
CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)

RowKind = Literal["activity", "rejected", "total", "footer", "note"]


@dataclass(frozen=True, slots=True)
class TableHeader:
    """Where an activity table's header sits and which column holds each field (grid indices)."""

    sheet: Sheet
    first_row: int
    last_row: int
    columns: dict[str, int]
    labels: dict[str, str]
    funding_in_yuan: bool = False

    @property
    def score(self) -> int:
        return len(self.columns)


@dataclass(slots=True)
class DetailRows:
    """What the rows under a header became."""

    activities: list[dict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    row_kinds: list[tuple[int, RowKind]] = field(default_factory=list)


def _merged_value(sheet: Sheet, r: int, c: int) -> CellValue:
    origin = sheet.merged_origin(r, c)
    return sheet.value(*origin) if origin else sheet.value(r, c)


def _map_columns(labels: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    for c, label in enumerate(labels):
        f = header_field(label)
        if f is None or f in columns:
            if f == "start_date" and "start_date" in columns and "end_date" not in columns:
                f = "end_date"
            else:
                continue
        columns[f] = c
        names[f] = label
    return columns, names


def _header_at(sheet: Sheet, r: int) -> TableHeader | None:
    width = sheet.width
    top = [_merged_value(sheet, r, c) for c in range(width)]
    single_labels = ["" if is_blank(v) else str(v) for v in top]
    columns, names = _map_columns(single_labels)
    best = TableHeader(sheet, r, r, columns, names) if columns else None

    if r + 1 < sheet.height:
        below = [sheet.value(r + 1, c) for c in range(width)]
        covered = [sheet.merged_origin(r + 1, c) is not None for c in range(width)]
        texts_only = all(is_blank(v) or isinstance(v, str) for v in below)
        if texts_only and any(not is_blank(v) for v in below):
            combined = []
            for c in range(width):
                lower = "" if covered[c] or is_blank(below[c]) else str(below[c])
                upper = single_labels[c]
                combined.append(upper + lower if label_key(lower) != label_key(upper) else upper)
            two_columns, two_names = _map_columns(combined)
            name_col = two_columns.get("activity_name", columns.get("activity_name"))
            name_below_blank = name_col is None or covered[name_col] or is_blank(below[name_col])
            continuation = all(
                covered[c] or is_blank(below[c]) or is_header_continuation(below[c]) for c in range(width)
            )
            if name_below_blank and continuation and len(two_columns) >= len(columns):
                best = TableHeader(sheet, r, r + 1, two_columns, two_names)
    if best is None:
        return None
    yuan = "funding_wan" in best.columns and header_in_yuan(best.labels["funding_wan"])
    return TableHeader(best.sheet, best.first_row, best.last_row, best.columns, best.labels, yuan)


def _is_table(header: TableHeader) -> bool:
    cols = header.columns
    return "activity_name" in cols and ("participants" in cols or "start_date" in cols) and header.score >= 3


def locate_table(book: Book) -> TableHeader | None:
    """The best activity-table header among the visible sheets, or None when no sheet has one."""
    best: TableHeader | None = None
    for sheet in book.visible_sheets():
        for r in range(min(HEADER_SEARCH_ROWS, sheet.height)):
            header = _header_at(sheet, r)
            if header is None or not _is_table(header):
                continue
            if best is None or header.score > best.score:
                best = header
    return best


def _cell_text(value: CellValue) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _row_values(header: TableHeader, r: int) -> dict[str, CellValue]:
    values: dict[str, CellValue] = {}
    sheet = header.sheet
    for f, c in header.columns.items():
        if f in COUNT_FIELDS or f == "funding_wan":
            values[f] = None if sheet.merged_origin(r, c) else sheet.value(r, c)
        else:
            values[f] = _merged_value(sheet, r, c)
    return values


def _classify(header: TableHeader, r: int, values: dict[str, CellValue], in_footer: bool) -> RowKind | None:
    sheet = header.sheet
    row_cells = [sheet.value(r, c) for c in range(sheet.width)]
    if all(is_blank(v) for v in row_cells):
        return None
    if in_footer:
        return "footer"
    if all(is_blank(v) for f, v in values.items() if f != "seq") and not any(
        not is_blank(v) for c, v in enumerate(row_cells) if c not in header.columns.values()
    ):
        return None
    leading = [v for v in row_cells if not is_blank(v)][:3]
    label_cells = [values.get("seq"), values.get("activity_name"), *leading[:2]]
    if any(isinstance(v, str) and is_total_label(v) for v in label_cells):
        return "total"
    if any(isinstance(v, str) and is_footer_label(v) for v in leading):
        return "footer"
    if leading and isinstance(leading[0], str) and is_note_label(leading[0]):
        return "note"
    return "activity"


def _split_partners(text: str) -> list[str]:
    parts = re.split(r"[、，,;；/／\n]+", text)
    return [p.strip() for p in parts if p.strip()]


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def read_rows(header: TableHeader, default_year: int) -> DetailRows:
    """Every row under the header as an activity, a rejected row, a total, a footer or a note."""
    out = DetailRows()
    sheet = header.sheet
    in_footer = False
    block_start = 0
    if header.funding_in_yuan:
        c = header.columns["funding_wan"]
        out.issues.append(make_issue("funding_in_yuan", sheet=sheet.name,
                                     cell=sheet.address(header.first_row, c), raw=header.labels["funding_wan"]))
    for r in range(header.last_row + 1, sheet.height):
        values = _row_values(header, r)
        kind = _classify(header, r, values, in_footer)
        if kind is None:
            continue
        row_number = sheet.row_number(r)
        if kind in ("footer",):
            in_footer = True
        if kind == "total":
            subtotal = "小计" in label_key(_total_label(header, r, values))
            _check_total(header, r, values, out, block_start if subtotal else 0)
            if subtotal:
                block_start = len(out.activities)
        if kind != "activity":
            out.row_kinds.append((row_number, kind))
            continue
        record, issues = _read_activity(header, r, values, default_year)
        out.issues.extend(issues)
        out.activities.append(record)
        out.row_kinds.append((row_number, "activity" if record["row_status"] == "ok" else "rejected"))
    return out


def _read_activity(header: TableHeader, r: int, values: dict[str, CellValue], default_year: int
                   ) -> tuple[dict, list[Issue]]:
    sheet = header.sheet
    cols = header.columns
    row_number = sheet.row_number(r)
    issues: list[Issue] = []
    errors: list[str] = []

    def cite(f: str) -> dict:
        c = cols.get(f)
        return {"sheet": sheet.name, "cell": sheet.address(r, c) if c is not None else None, "row": row_number}

    def reject(code: str, f: str, raw=None, **extra) -> None:
        errors.append(code)
        issues.append(make_issue(code, raw=raw, **cite(f), **extra))

    record: dict = {
        "source_sheet": sheet.name,
        "source_row": row_number,
        "activity_type_raw": _cell_text(values.get("activity_type")) or None,
    }
    for f in TEXT_FIELDS:
        record[f] = _cell_text(values.get(f)) or None
    record["partners"] = _split_partners(record["partners"]) if record["partners"] else []
    record["seq"] = _cell_text(values.get("seq")) or None

    if not record["activity_name"]:
        reject("missing_activity_name", "activity_name")

    raw_type = values.get("activity_type")
    typed = activity_type_of(raw_type)
    if typed is None:
        typed = activity_type_of(record["activity_name"]) or OTHER_TYPE
        if not is_blank(raw_type):
            issues.append(make_issue("unknown_activity_type", raw=_cell_text(raw_type), **cite("activity_type")))
    record["activity_type"] = typed

    start = parse_date_span(values.get("start_date"), default_year)
    record["start_date"] = start.start
    record["end_date"] = start.end if start.kind == "range" else start.start
    if start.kind == "blank":
        reject("missing_start_date", "start_date")
    elif start.kind == "invalid":
        reject("invalid_start_date", "start_date", raw=_cell_text(values.get("start_date")))
    if "end_date" in cols and not is_blank(values.get("end_date")):
        end = parse_date_span(values.get("end_date"), start.start.year if start.start else default_year)
        if end.kind in ("date", "range"):
            record["end_date"] = end.end if end.kind == "range" else end.start
        elif end.kind == "invalid":
            issues.append(make_issue("invalid_end_date", raw=_cell_text(values.get("end_date")), **cite("end_date")))
    if record["start_date"] and record["end_date"] and record["end_date"] < record["start_date"]:
        reject("end_before_start", "end_date" if "end_date" in cols else "start_date",
               raw=_cell_text(values.get("end_date") or values.get("start_date")))

    for f in COUNT_FIELDS + ("funding_wan",):
        raw = values.get(f)
        parsed = parse_amount(raw) if f == "funding_wan" else parse_count(raw)
        label = FIELD_LABELS[f]
        record[f] = None
        record[f"{f}_approx"] = False
        if parsed.kind in ("blank", "placeholder"):
            if f == "participants":
                reject("missing_participants", f)
            continue
        if parsed.kind == "invalid":
            if f == "participants":
                reject("invalid_participants", f, raw=_cell_text(raw))
            else:
                issues.append(make_issue("invalid_value", raw=_cell_text(raw), label=label, **cite(f)))
            continue
        value = parsed.value
        if value < 0:
            reject("negative_value", f, raw=_cell_text(raw), label=label)
            continue
        if f == "funding_wan":
            value = Decimal(value)
            if header.funding_in_yuan or parsed.unit_hint == "元":
                value = value / TEN_THOUSAND
            value = _quantize(value)
        record[f] = value
        if parsed.approximate:
            record[f"{f}_approx"] = True
            issues.append(make_issue("approximate_value", raw=_cell_text(raw), label=label, value=value, **cite(f)))

    for f in COUNT_FIELDS + ("funding_wan",):
        c = cols.get(f)
        if c is not None and sheet.merged_origin(r, c) is not None:
            issues.append(make_issue("metric_merged_cell", label=FIELD_LABELS[f], **cite(f)))

    for f in CITED_FIELDS:
        record[f"{f}_cell"] = sheet.address(r, cols[f]) if f in cols else None
    record["row_status"] = "rejected" if errors else "ok"
    record["reject_code"] = errors[0] if errors else None
    return record, issues


def _total_label(header: TableHeader, r: int, values: dict[str, CellValue]) -> str:
    sheet = header.sheet
    candidates = [values.get("seq"), values.get("activity_name"), *(sheet.value(r, c) for c in range(sheet.width))]
    return next((str(v) for v in candidates if isinstance(v, str) and is_total_label(v)), "")


def _check_total(header: TableHeader, r: int, values: dict[str, CellValue], out: DetailRows,
                 block_start: int) -> None:
    """A 合计 row is never an activity; its figures are compared with the sum of the rows above it."""
    sheet = header.sheet
    rows = out.activities[block_start:]
    for f in COUNT_FIELDS + ("funding_wan",):
        c = header.columns.get(f)
        if c is None:
            continue
        parsed = parse_amount(values.get(f)) if f == "funding_wan" else parse_count(values.get(f))
        if parsed.kind != "number":
            continue
        reported = Decimal(parsed.value)
        if f == "funding_wan" and header.funding_in_yuan:
            reported = reported / TEN_THOUSAND
        computed = sum((Decimal(row[f]) for row in rows if row.get(f) is not None), Decimal(0))
        if f == "funding_wan":
            reported, computed = _quantize(reported), _quantize(computed)
        if reported != computed:
            out.issues.append(make_issue(
                "total_row_mismatch", sheet=sheet.name, cell=sheet.address(r, c), raw=_cell_text(values.get(f)),
                row=sheet.row_number(r), label=FIELD_LABELS[f], reported=reported, computed=computed,
            ))
