"""Finding the activity table in a workbook and reading its rows.

`locate_table` scores every visible sheet's first rows against the header synonyms and returns
the best header (one row, or two when labels are split over merged rows, such as `活动时间` over
`开始`/`结束` or `发放资料` over `（份）`). `read_rows` then walks the rows under it: each row with
content inside the table's columns ends as exactly one of activity, rejected, total, footer or note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import DETAIL_FIELDS
from kepu.schemas.vocabulary import METRICS, MONEY_METRIC, OTHER_TYPE
from kepu.transforms.grid import Book, CellValue, Sheet, is_blank
from kepu.transforms.labels import (
    activity_type_of,
    header_field,
    header_in_yuan,
    is_footer_label,
    is_header_continuation,
    is_note_label,
    is_total_label,
    label_key,
)
from kepu.transforms.values import ParsedNumber, parse_amount, parse_count, parse_date_span, parse_end_date

HEADER_SEARCH_ROWS = 15
FIELD_LABELS = {f.field: f.header for f in DETAIL_FIELDS}
TEXT_FIELDS = ("activity_name", "venue", "organizer", "partners", "note")
CITED_FIELDS = ("activity_name", "start_date", *METRICS)
CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
MAX_COUNT = 2**63 - 1
MAX_WAN = Decimal("999999999999.99")
"""The largest figures the warehouse can hold (bigint, decimal(14,2)): nothing larger is a real figure."""
YUAN = "元"
WAN_YUAN = "万元"

RowKind = Literal["activity", "rejected", "total", "footer", "note"]


@dataclass(frozen=True, slots=True)
class TableHeader:
    """Where an activity table's header sits (grid rows), which column holds each field, and the
    columns the table spans (first to last header cell, grid indices)."""

    sheet: Sheet
    first_row: int
    last_row: int
    columns: dict[str, int]
    labels: dict[str, str]
    first_col: int
    last_col: int

    @property
    def score(self) -> int:
        return len(self.columns)

    @property
    def span(self) -> range:
        return range(self.first_col, self.last_col + 1)

    @property
    def funding_in_yuan(self) -> bool:
        return MONEY_METRIC in self.labels and header_in_yuan(self.labels[MONEY_METRIC])

    @property
    def excel_rows(self) -> tuple[int, int]:
        """The header's first and last row numbers as Excel shows them."""
        return self.sheet.row_number(self.first_row), self.sheet.row_number(self.last_row)


@dataclass(slots=True)
class DetailRows:
    """What the rows under a header became."""

    activities: list[dict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    row_kinds: list[tuple[int, RowKind]] = field(default_factory=list)


def _merged_value(sheet: Sheet, r: int, c: int) -> CellValue:
    """The value Excel displays at (r, c): a cell covered by a merged range shows its top-left value."""
    origin = sheet.merged_origin(r, c)
    return sheet.value(*origin) if origin else sheet.value(r, c)


def _label(value: CellValue) -> str:
    return "" if is_blank(value) else str(value)


def _column_field(upper: str, lower: str) -> tuple[str, str] | None:
    """The field a header column names and the label it was read from. With a second header row, the
    two lines together (`发放资料` + `（份）`, `活动时间` + `开始`) are tried first, then the lower line
    alone (a group label over `参与人数`), then the upper line alone."""
    candidates = (upper + lower, lower, upper) if lower else (upper,)
    for label in candidates:
        f = header_field(label)
        if f is not None:
            return f, label
    return None


def _assign_columns(labels: list[tuple[str, str]]) -> tuple[dict[str, int], dict[str, str]]:
    """Fields per column, first column wins; a second date column after the start is the end date."""
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    for c, (upper, lower) in enumerate(labels):
        found = _column_field(upper, lower)
        if found is None:
            continue
        f, label = found
        if f == "start_date" and "start_date" in columns and "end_date" not in columns:
            f = "end_date"
        if f in columns:
            continue
        columns[f] = c
        names[f] = label
    return columns, names


def _header_at(sheet: Sheet, r: int) -> TableHeader | None:
    """The header starting at grid row r, one row or two, whichever maps more columns."""
    width = sheet.width
    upper = [_label(_merged_value(sheet, r, c)) for c in range(width)]
    columns, names = _assign_columns([(u, "") for u in upper])
    best = (r, columns, names)
    if r + 1 < sheet.height:
        below = [sheet.value(r + 1, c) for c in range(width)]
        covered = [sheet.merged_origin(r + 1, c) is not None for c in range(width)]
        lower = ["" if covered[c] else _label(below[c]) for c in range(width)]
        if any(lower) and all(is_blank(v) or isinstance(v, str) for v in below) \
                and all(not text or is_header_continuation(text) for text in lower):
            two_columns, two_names = _assign_columns(list(zip(upper, lower)))
            name_col = two_columns.get("activity_name")
            name_below_blank = name_col is None or not lower[name_col]
            if name_below_blank and len(two_columns) >= len(columns):
                best = (r + 1, two_columns, two_names)
    last_row, columns, names = best
    if not columns:
        return None
    labelled = [c for c in range(width) for row in range(r, last_row + 1) if not is_blank(sheet.value(row, c))]
    labelled += list(columns.values())
    return TableHeader(sheet, r, last_row, columns, names, min(labelled), max(labelled))


def _is_table(header: TableHeader) -> bool:
    cols = header.columns
    return "activity_name" in cols and ("participants" in cols or "start_date" in cols) and header.score >= 3


def locate_tables(book: Book) -> list[TableHeader]:
    """Each visible sheet's best activity-table header, best first: a table with rows under it before an
    empty one (a blank template beside the sheet actually filled in), then the one naming more columns,
    then workbook order."""
    found: list[tuple[bool, int, int, TableHeader]] = []
    for order, sheet in enumerate(book.visible_sheets()):
        best: TableHeader | None = None
        for r in range(min(HEADER_SEARCH_ROWS, sheet.height)):
            header = _header_at(sheet, r)
            if header is not None and _is_table(header) and (best is None or header.score > best.score):
                best = header
        if best is not None:
            found.append((has_activity_rows(best), best.score, -order, best))
    found.sort(key=lambda t: t[:3], reverse=True)
    return [header for *_, header in found]


def locate_table(book: Book) -> TableHeader | None:
    """The activity table kepu reads, or None when no visible sheet has one."""
    tables = locate_tables(book)
    return tables[0] if tables else None


def has_activity_rows(header: TableHeader) -> bool:
    """Whether any row under the header reads as an activity (rejected or not), before the footer."""
    for r in range(header.last_row + 1, header.sheet.height):
        kind = _classify(header, _row_at(header, r), in_footer=False)
        if kind == "footer":
            return False
        if kind == "activity":
            return True
    return False


def _cell_text(value: CellValue) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


@dataclass(frozen=True, slots=True)
class _Row:
    """One grid row under the header: the value each field shows, and which metric cells are covered
    by a merged range from above (their figure was written once, in the range's first row)."""

    r: int
    values: dict[str, CellValue]
    covered_metrics: frozenset[str]
    cells: tuple[tuple[int, CellValue], ...]
    """(column, value) of the non-blank cells inside the table's columns, left to right."""


def _row_at(header: TableHeader, r: int) -> _Row:
    sheet = header.sheet
    values: dict[str, CellValue] = {}
    covered: set[str] = set()
    for f, c in header.columns.items():
        if f in METRICS and sheet.merged_origin(r, c) is not None:
            covered.add(f)
            values[f] = None
        else:
            values[f] = _merged_value(sheet, r, c)
    cells = tuple((c, v) for c in header.span if not is_blank(v := sheet.value(r, c)))
    return _Row(r, values, frozenset(covered), cells)


def _is_printed_number(header: TableHeader, row: _Row) -> bool:
    """A row of the blank form that holds only its printed 序号."""
    if len(row.cells) != 1:
        return False
    c, value = row.cells[0]
    return c == header.columns.get("seq") and parse_count(value).kind == "number"


def _is_note_line(header: TableHeader, row: _Row) -> bool:
    """A line of commentary: one text cell merged across columns or written in the 序号 column, or
    content only in columns kepu does not read."""
    mapped = set(header.columns.values())
    if not any(c in mapped for c, _ in row.cells):
        return True
    if len(row.cells) != 1:
        return False
    c, value = row.cells[0]
    if not isinstance(value, str) or parse_count(value).kind == "number":
        return False
    merged = any(r0 <= header.sheet.first_row + row.r <= r1 and c0 < c1
                 and c0 <= header.sheet.first_col + c <= c1 for r0, c0, r1, c1 in header.sheet.merged)
    return merged or c == header.columns.get("seq")


def _classify(header: TableHeader, row: _Row, in_footer: bool) -> RowKind | None:
    """What a row is; None for a row without content (blank, or a blank numbered line of the form)."""
    if not row.cells or _is_printed_number(header, row):
        return None
    if in_footer:
        return "footer"
    leading = [v for _, v in row.cells[:3]]
    if any(is_total_label(v) for v in (row.values.get("seq"), row.values.get("activity_name"), *leading[:2])):
        return "total"
    if any(is_footer_label(v) for v in leading):
        return "footer"
    if is_note_label(leading[0]) or _is_note_line(header, row) or _repeats_header(header, row):
        return "note"
    return "activity"


def _repeats_header(header: TableHeader, row: _Row) -> bool:
    """The header written again (tables pasted one under the other): most of its labels, in place."""
    same = sum(header_field(row.values.get(f)) == f for f in header.columns if f != "end_date")
    return same >= 3 and same * 2 > len(header.columns)


def _split_partners(text: str) -> list[str]:
    parts = re.split(r"[、，,;；/／\n]+", text)
    return [p.strip() for p in parts if p.strip()]


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plausible(f: str, value: int | Decimal) -> bool:
    """Whether a non-negative figure (funding in 万元) is small enough to be real and to be stored."""
    return value <= (MAX_WAN if f == MONEY_METRIC else MAX_COUNT)


def _in_wan(parsed: ParsedNumber, column_in_yuan: bool) -> Decimal:
    """A money figure in 万元: a unit written in the cell (`1.5万元`, `3000元`) wins over the column's."""
    unit = parsed.unit_hint if parsed.unit_hint in (YUAN, WAN_YUAN) else (YUAN if column_in_yuan else WAN_YUAN)
    value = Decimal(parsed.value)
    return value / TEN_THOUSAND if unit == YUAN else value


def read_rows(header: TableHeader, default_year: int) -> DetailRows:
    """Every row under the header as an activity, a rejected row, a total, a footer or a note.
    Everything after the first footer line (signatures, 填报日期) is footer."""
    out = DetailRows()
    sheet = header.sheet
    in_footer = False
    block_start = 0
    if header.funding_in_yuan:
        c = header.columns[MONEY_METRIC]
        out.issues.append(make_issue("funding_in_yuan", sheet=sheet.name,
                                     cell=sheet.address(header.first_row, c), raw=header.labels[MONEY_METRIC]))
    for r in range(header.last_row + 1, sheet.height):
        row = _row_at(header, r)
        kind = _classify(header, row, in_footer)
        if kind is None:
            continue
        row_number = sheet.row_number(r)
        if kind == "footer":
            in_footer = True
        if kind == "total":
            subtotal = "小计" in label_key(_total_label(row))
            _check_total(header, row, out, block_start if subtotal else 0)
            if subtotal:
                block_start = len(out.activities)
        if kind != "activity":
            out.row_kinds.append((row_number, kind))
            continue
        record, issues = _read_activity(header, row, default_year)
        out.issues.extend(issues)
        out.activities.append(record)
        out.row_kinds.append((row_number, "activity" if record["row_status"] == "ok" else "rejected"))
    return out


def _read_activity(header: TableHeader, row: _Row, default_year: int) -> tuple[dict, list[Issue]]:
    """One activity row as a typed record (SPEC §2.3 fields), and the issues it raises. A row missing
    or with unreadable name, start date or participants, or with a negative figure, is rejected.
    An unknown 活动形式 is 其他 (with a warning); a blank one is inferred from the activity's name."""
    sheet = header.sheet
    cols = header.columns
    values = row.values
    row_number = sheet.row_number(row.r)
    issues: list[Issue] = []
    errors: list[str] = []

    def cite(f: str) -> dict:
        c = cols.get(f)
        return {"sheet": sheet.name, "cell": sheet.address(row.r, c) if c is not None else None, "row": row_number}

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
    if is_blank(raw_type):
        record["activity_type"] = activity_type_of(record["activity_name"]) or OTHER_TYPE
    else:
        record["activity_type"] = activity_type_of(raw_type) or OTHER_TYPE
        if activity_type_of(raw_type) is None:
            issues.append(make_issue("unknown_activity_type", raw=_cell_text(raw_type), **cite("activity_type")))

    start = parse_date_span(values.get("start_date"), default_year)
    record["start_date"] = start.start
    record["end_date"] = start.end if start.kind == "range" else start.start
    if start.kind == "blank":
        reject("missing_start_date", "start_date", raw=_cell_text(values.get("start_date")) or None)
    elif start.kind == "invalid":
        reject("invalid_start_date", "start_date", raw=_cell_text(values.get("start_date")))
    if "end_date" in cols and not is_blank(values.get("end_date")):
        end = parse_end_date(values.get("end_date"), start.start, default_year)
        if end.kind in ("date", "range"):
            record["end_date"] = end.end if end.kind == "range" else end.start
        elif end.kind == "invalid":
            issues.append(make_issue("invalid_end_date", raw=_cell_text(values.get("end_date")), **cite("end_date")))
    if record["start_date"] and record["end_date"] and record["end_date"] < record["start_date"]:
        end_field = "end_date" if "end_date" in cols and not is_blank(values.get("end_date")) else "start_date"
        reject("end_before_start", end_field, raw=_cell_text(values.get(end_field)))

    for f in METRICS:
        raw = values.get(f)
        parsed = parse_amount(raw) if f == MONEY_METRIC else parse_count(raw)
        label = FIELD_LABELS[f]
        record[f] = None
        record[f"{f}_approx"] = False
        if f in row.covered_metrics:
            shown = _cell_text(_merged_value(sheet, row.r, cols[f])) or None
            issues.append(make_issue("metric_merged_cell", raw=shown, label=label, **cite(f)))
            continue
        if parsed.kind in ("blank", "placeholder"):
            if f == "participants":
                reject("missing_participants", f, raw=_cell_text(raw) or None)
            continue
        if parsed.kind == "invalid":
            if f == "participants":
                reject("invalid_participants", f, raw=_cell_text(raw))
            else:
                issues.append(make_issue("invalid_value", raw=_cell_text(raw), label=label, **cite(f)))
            continue
        if parsed.value < 0:
            reject("negative_value", f, raw=_cell_text(raw), label=label)
            continue
        value = _in_wan(parsed, header.funding_in_yuan) if f == MONEY_METRIC else parsed.value
        if not plausible(f, value):
            if f == "participants":
                reject("implausible_participants", f, raw=_cell_text(raw))
            else:
                issues.append(make_issue("implausible_value", raw=_cell_text(raw), label=label, **cite(f)))
            continue
        value = _quantize(value) if f == MONEY_METRIC else value
        record[f] = value
        if parsed.approximate:
            record[f"{f}_approx"] = True
            issues.append(make_issue("approximate_value", raw=_cell_text(raw), label=label, value=value, **cite(f)))

    for f in CITED_FIELDS:
        record[f"{f}_cell"] = sheet.address(row.r, cols[f]) if f in cols else None
    record["row_status"] = "rejected" if errors else "ok"
    record["reject_code"] = errors[0] if errors else None
    return record, issues


def _total_label(row: _Row) -> str:
    candidates = (row.values.get("seq"), row.values.get("activity_name"), *(v for _, v in row.cells))
    return next((str(v) for v in candidates if is_total_label(v)), "")


def _exact_amount(header: TableHeader, record: dict) -> Decimal:
    """A row's money before rounding to the 分 of 万元: 3850元 + 3850元 must match a 合计 of 7700元
    although each row counts as 0.39万元."""
    sheet = header.sheet
    r = record["source_row"] - 1 - sheet.first_row
    parsed = parse_amount(sheet.value(r, header.columns[MONEY_METRIC]))
    return _in_wan(parsed, header.funding_in_yuan) if parsed.kind == "number" else Decimal(record[MONEY_METRIC])


def _check_total(header: TableHeader, row: _Row, out: DetailRows, block_start: int) -> None:
    """A 合计 row is never an activity; its figures are compared with the sum of the rows above it
    (since the previous 小计, for a 小计)."""
    sheet = header.sheet
    rows = out.activities[block_start:]
    for f in METRICS:
        c = header.columns.get(f)
        if c is None:
            continue
        raw = row.values.get(f)
        parsed = parse_amount(raw) if f == MONEY_METRIC else parse_count(raw)
        if parsed.kind != "number":
            continue
        reported = _in_wan(parsed, header.funding_in_yuan) if f == MONEY_METRIC else Decimal(parsed.value)
        if not plausible(f, abs(reported)):
            continue
        if f == MONEY_METRIC:
            computed = sum((_exact_amount(header, r) for r in rows if r.get(f) is not None), Decimal(0))
            reported, computed = _quantize(reported), _quantize(computed)
        else:
            computed = sum((Decimal(r[f]) for r in rows if r.get(f) is not None), Decimal(0))
        if reported != computed:
            out.issues.append(make_issue(
                "total_row_mismatch", sheet=sheet.name, cell=sheet.address(row.r, c), raw=_cell_text(raw),
                row=sheet.row_number(row.r), label=FIELD_LABELS[f], reported=reported, computed=computed,
            ))
