"""Finding the activity table in a workbook and reading its rows.

`locate_table` scores every visible sheet's first rows against the header synonyms and returns
the best header (one row, or two when labels are split over merged rows, such as `活动时间` over
`开始`/`结束` or `发放资料` over `（份）`). `read_rows` then passes the rows under it through the recognizers
(RECOGNIZERS, transforms.recognizers) and reads them: each row with content inside the table's columns ends as
exactly one of activity, rejected, total, footer, note or section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import DETAIL_FIELD, SYNONYMS, UNIT_COLUMN_FIELD
from kepu.schemas.vocabulary import METRICS, MONEY_METRIC, OTHER_TYPE
from kepu.transforms.checks import StatedTotal, total_row_mismatches
from kepu.transforms.grid import Book, CellValue, Sheet, is_blank
from kepu.transforms.labels import (
    activity_type_of,
    header_field,
    header_in_yuan,
    is_footer_label,
    is_header_continuation,
    is_summary_heading,
    is_note_label,
    is_total_label,
    label_key,
)
from kepu.transforms.recognizers import Line, fill_dittos, label_sections, sub_column
from kepu.transforms.values import (
    ParsedDateSpan,
    ParsedNumber,
    days_in_month,
    parse_amount,
    parse_count,
    parse_date_span,
    parse_days_without_month,
    parse_end_date,
    split_figure_note,
)

HEADER_SEARCH_ROWS = 30
"""A header sits within a sheet's first rows: under a title, the 填报单位 line, perhaps a summary block."""
HEAD_ROWS = HEADER_SEARCH_ROWS + 1
"""The rows that decide whether a sheet holds an activity table (the header may take two of them): a sheet
without one in its head is not read further."""
TEXT_FIELDS = ("activity_name", "venue", "organizer", "partners", "note")
CITED_FIELDS = ("activity_name", "start_date", "end_date", "venue", "activity_type", "organizer", "partners", *METRICS)
"""The fields whose cell the reader records (raw.activity_rows.<field>_cell): what an issue cites and a
`correct_value` decision names (schemas.decisions.CORRECTABLE)."""
CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
MAX_COUNT = 2**63 - 1
MAX_WAN = Decimal("999999999999.99")
"""The largest figures the warehouse can hold (bigint, decimal(14,2)): nothing larger is a real figure."""
YUAN = "元"
WAN_YUAN = "万元"

RowKind = Literal["activity", "rejected", "total", "footer", "note", "section"]


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
    notes: list[tuple[str, str]] = field(default_factory=list)
    """The text cells of the note rows, as (cell, text): what may mark the file a supplement."""


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
    sub = sub_column(upper, lower)
    if sub == "part":
        return None
    candidates = (upper,) if sub == "total" else (upper + lower, lower, upper) if lower else (upper,)
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
        row_below = sheet.rows[r + 1]
        below = [*row_below[:width], *(None,) * (width - len(row_below))]
        covered = [sheet.merged_origin(r + 1, c) is not None for c in range(width)] if sheet.merged else [False] * width
        lower = ["" if covered[c] else _label(below[c]) for c in range(width)]
        if any(lower) and all(is_blank(v) or isinstance(v, str) for v in below) \
                and all(not text or is_header_continuation(text) or sub_column(u, text) for u, text in zip(upper, lower)):
            two_columns, two_names = _assign_columns(list(zip(upper, lower)))
            name_col = two_columns.get("activity_name")
            name_below_blank = name_col is None or not lower[name_col]
            if name_below_blank and len(two_columns) >= len(columns):
                best = (r + 1, two_columns, two_names)
    last_row, columns, names = best
    if not columns:
        return None
    labelled = {c for c in range(width) for row in range(r, last_row + 1) if not is_blank(sheet.value(row, c))}
    labelled |= set(columns.values())
    last_mapped = max(columns.values())
    beside = [c for c in sorted(labelled) if c > last_mapped
              and any(is_summary_heading(sheet.value(row, c)) for row in range(r, last_row + 1))]
    if beside:
        labelled = {c for c in labelled if c < beside[0]}
    return TableHeader(sheet, r, last_row, columns, names, min(labelled), max(labelled))


def _is_table(header: TableHeader) -> bool:
    cols = header.columns
    return "activity_name" in cols and ("participants" in cols or "start_date" in cols) and header.score >= 3


def best_header(sheet: Sheet) -> TableHeader | None:
    """The header among the sheet's first rows that names the most fields, if any reads as an activity table."""
    best: TableHeader | None = None
    for r in range(min(HEADER_SEARCH_ROWS, sheet.height)):
        header = _header_at(sheet, r)
        if header is not None and _is_table(header) and (best is None or header.score > best.score):
            best = header
    return best


def header_in_head(sheet: Sheet) -> bool:
    """Whether a sheet's head (its first HEAD_ROWS rows) holds an activity-table header: the reader takes the
    rest of a sheet only then."""
    return best_header(sheet) is not None


def locate_tables(book: Book) -> list[TableHeader]:
    """Each visible sheet's best activity-table header, best first: a table with rows under it before an
    empty one (a blank template beside the sheet actually filled in), then the one naming more columns,
    then workbook order."""
    found: list[tuple[bool, int, int, TableHeader]] = []
    for order, sheet in enumerate(book.visible_sheets()):
        best = best_header(sheet)
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
    box = header.sheet.merged_range_at(row.r, c)
    merged = box is not None and box[1] < box[3]
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


def classify_lines(header: TableHeader) -> list[Line]:
    """Every non-empty row under the header with its kind (_classify); everything after the first footer line
    (signatures, 填报日期) is footer."""
    lines: list[Line] = []
    in_footer = False
    for r in range(header.last_row + 1, header.sheet.height):
        row = _row_at(header, r)
        kind = _classify(header, row, in_footer)
        if kind is None:
            continue
        in_footer = in_footer or kind == "footer"
        lines.append(Line(row, kind))
    return lines


RECOGNIZERS = (label_sections, fill_dittos)
"""The steps after the row kinds, in the order they apply (transforms.recognizers)."""


def recognize(header: TableHeader) -> list[Line]:
    """The rows under the header as the recognizers read them, in one visible order."""
    lines = classify_lines(header)
    for step in RECOGNIZERS:
        lines = step(header, lines)
    return lines


def read_rows(header: TableHeader, default_year: int) -> DetailRows:
    """Every row under the header as an activity, a rejected row, a total, a footer, a note or a section label.
    A 合计 row is checked against
    the rows above it, a 小计 against those since the previous 小计 (checks.total_row_mismatches); a total
    with no activity above it (written directly under the header) is checked against the rows below it, up
    to the next total, the footer or the end of the table."""
    out = DetailRows()
    sheet = header.sheet
    exact: list[dict[str, Decimal | None]] = []
    """Each activity row's figures before money is rounded to the 分 of 万元, for the totals check."""
    in_footer = False
    block_start = 0
    grand_below: tuple[int, dict[str, StatedTotal]] | None = None
    """A 合计 written before any activity (directly under the header): it sums every row below it."""
    subtotals_above: bool | None = None
    """Whether 小计 rows head their groups (decided by the first one: no activity since the last total)."""
    pending_sub: tuple[int, dict[str, StatedTotal], int] | None = None
    if header.funding_in_yuan:
        c = header.columns[MONEY_METRIC]
        out.issues.append(make_issue("funding_in_yuan", sheet=sheet.name,
                                     cell=sheet.address(header.first_row, c), raw=header.labels[MONEY_METRIC]))

    def settle(end_of_table: bool) -> None:
        nonlocal pending_sub, grand_below
        if pending_sub is not None:
            row_number, stated, start = pending_sub
            out.issues.extend(total_row_mismatches(sheet.name, row_number, stated, exact[start:], below=True))
            pending_sub = None
        if end_of_table and grand_below is not None:
            out.issues.extend(total_row_mismatches(sheet.name, *grand_below, exact, below=True))
            grand_below = None

    lines = recognize(header)
    months = months_around(lines, default_year)
    for index, line in enumerate(lines):
        row, kind = line.row, line.kind
        row_number = sheet.row_number(row.r)
        out.issues.extend(line.issues)
        if kind == "footer" and not in_footer:
            settle(end_of_table=True)
            in_footer = True
        if kind == "total":
            stated = _stated_totals(header, row)
            if "小计" in label_key(_total_label(row)):
                if subtotals_above is None:
                    subtotals_above = not exact[block_start:]
                if subtotals_above:
                    settle(end_of_table=False)
                    pending_sub = (row_number, stated, len(exact))
                else:
                    out.issues.extend(total_row_mismatches(sheet.name, row_number, stated, exact[block_start:]))
                    block_start = len(exact)
            elif not exact:
                grand_below = (row_number, stated)
            else:
                settle(end_of_table=False)
                out.issues.extend(total_row_mismatches(sheet.name, row_number, stated, exact))
                block_start = len(exact)
        if kind != "activity":
            out.row_kinds.append((row_number, kind))
            if kind == "note":
                out.notes.extend((sheet.address(row.r, c), v) for c, v in row.cells if isinstance(v, str))
            continue
        reading = _read_activity(header, row, default_year, line.section_type, months[index])
        out.issues.extend(reading.issues)
        out.activities.append(reading.record)
        exact.append(reading.exact)
        out.row_kinds.append((row_number, "activity" if reading.record["row_status"] == "ok" else "rejected"))
    settle(end_of_table=True)
    return out


MonthHint = tuple[int, int, str]
"""(year, month, where it was read: 上一行 / 下一行) a row's month-less date takes (months_around)."""


def months_around(lines: list[Line], default_year: int) -> list[MonthHint | None]:
    """For each line, the month of the nearest activity row above whose start date names one — else of the
    nearest below: what a clerk who wrote `18、19日` under 「9月17日」 meant. None where no row names a month."""
    named: list[tuple[int, int] | None] = []
    for line in lines:
        day = None
        if line.kind == "activity" and "start_date" in line.row.values:
            span = parse_date_span(line.row.values.get("start_date"), default_year)
            day = span.start if span.kind in ("date", "range") else None
        named.append((day.year, day.month) if day is not None else None)
    hints: list[MonthHint | None] = []
    for i in range(len(lines)):
        above = next((m for m in reversed(named[:i]) if m is not None), None)
        below = next((m for m in named[i + 1:] if m is not None), None)
        hints.append((*above, "上一行") if above else (*below, "下一行") if below else None)
    return hints


@dataclass(slots=True)
class _Reading:
    """One activity row being read: the record (a raw.activity_rows row) filled field by field, the issues
    found, the codes that reject the row, and its figures before money is rounded."""

    header: TableHeader
    row: _Row
    section_type: str | None = None
    """The activity form a section row above names (transforms.recognizers.label_sections)."""
    record: dict = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    exact: dict[str, Decimal | None] = field(default_factory=dict)

    def value(self, f: str) -> CellValue:
        return self.row.values.get(f)

    def text(self, f: str) -> str:
        return _cell_text(self.value(f))

    def has(self, f: str) -> bool:
        """Whether the table has the column and this row wrote something in it."""
        return f in self.header.columns and not is_blank(self.value(f))

    def cite(self, f: str) -> dict:
        """Where field `f` of this row sits, for an issue: sheet, cell as Excel shows it, row number."""
        sheet, c = self.header.sheet, self.header.columns.get(f)
        return {"sheet": sheet.name, "cell": sheet.address(self.row.r, c) if c is not None else None,
                "row": sheet.row_number(self.row.r)}

    def warn(self, code: str, f: str, raw=None, **fields) -> None:
        self.issues.append(make_issue(code, raw=raw, **self.cite(f), **fields))

    def reject(self, code: str, f: str, raw=None, **fields) -> None:
        self.rejections.append(code)
        self.warn(code, f, raw, **fields)


def _read_activity(header: TableHeader, row: _Row, default_year: int, section_type: str | None = None,
                   month: MonthHint | None = None) -> _Reading:
    """One activity row as a typed record (SPEC §2.3 fields) with the issues it raises. A row missing or
    with unreadable name, start date or participants, or with a negative figure, is rejected."""
    reading = _Reading(header, row, section_type)
    sheet = header.sheet
    reading.record.update(source_sheet=sheet.name, source_row=sheet.row_number(row.r))
    _read_texts(reading)
    _read_reporting_unit(reading)
    _read_activity_type(reading)
    _read_dates(reading, default_year, month)
    for metric in METRICS:
        _read_metric(reading, metric)
    for f in CITED_FIELDS:
        reading.record[f"{f}_cell"] = reading.cite(f)["cell"]
    reading.record["row_status"] = "rejected" if reading.rejections else "ok"
    reading.record["reject_code"] = reading.rejections[0] if reading.rejections else None
    return reading


def _read_texts(reading: _Reading) -> None:
    """Name, venue, organizer, partners (split into a list), note and 序号, as written; a row without a
    name is rejected."""
    record = reading.record
    for f in TEXT_FIELDS:
        record[f] = reading.text(f) or None
    record["partners"] = _split_partners(record["partners"]) if record["partners"] else []
    record["seq"] = reading.text("seq") or None
    if not record["activity_name"]:
        reading.reject("missing_activity_name", "activity_name")


def _read_reporting_unit(reading: _Reading) -> None:
    """The unit a forwarded row names (SPEC §3.10) as written, and the cell it is written in: the first cell
    of a merged range when one town's name spans its rows. Which unit that is, is decided with the registry."""
    record, header = reading.record, reading.header
    record[UNIT_COLUMN_FIELD] = reading.text(UNIT_COLUMN_FIELD) or None
    record[f"{UNIT_COLUMN_FIELD}_cell"] = None
    if record[UNIT_COLUMN_FIELD] is not None:
        c = header.columns[UNIT_COLUMN_FIELD]
        origin = header.sheet.merged_origin(reading.row.r, c) or (reading.row.r, c)
        record[f"{UNIT_COLUMN_FIELD}_cell"] = header.sheet.address(*origin)


def _read_activity_type(reading: _Reading) -> None:
    """The canonical 活动形式: the one written (an unknown one is 其他, with a warning), or for a blank cell
    (or no such column) the one the section row above names, else the one the activity's name suggests."""
    written = reading.value("activity_type")
    reading.record["activity_type_raw"] = reading.text("activity_type") or None
    if is_blank(written):
        reading.record["activity_type"] = (reading.section_type or activity_type_of(reading.record["activity_name"])
                                           or OTHER_TYPE)
        return
    known = activity_type_of(written)
    reading.record["activity_type"] = known or OTHER_TYPE
    if known is None:
        reading.warn("unknown_activity_type", "activity_type", raw=reading.text("activity_type"))


def _read_dates(reading: _Reading, default_year: int, month: MonthHint | None = None) -> None:
    """Start and end dates: a range in the start cell (9月16日-18日), or an end-date column (which may omit
    what it shares with the start); no end means a one-day activity. Days written without a month (`18、19日`)
    take the month of the rows around (`month`), with an info issue citing the cell. A missing or unreadable
    start, or an end before the start, rejects the row; an unreadable end is a warning."""
    record = reading.record
    start = parse_date_span(reading.value("start_date"), default_year)
    days = parse_days_without_month(reading.value("start_date")) if start.kind == "invalid" and month else None
    if days is not None and (found := days_in_month(month[0], month[1], days)) is not None:
        first, last = found
        start = ParsedDateSpan(first, last, "range") if last != first else ParsedDateSpan(first, None, "date")
        read = f"{first.month}月{first.day}日" + (f"至{last.day}日" if last != first else "")
        reading.warn("month_inferred", "start_date", raw=reading.text("start_date"), where=month[2],
                     month=month[1], read=read)
    record["start_date"] = start.start
    record["end_date"] = start.end if start.kind == "range" else start.start
    if start.kind == "blank":
        reading.reject("missing_start_date", "start_date", raw=reading.text("start_date") or None)
    elif start.kind == "invalid":
        reading.reject("invalid_start_date", "start_date", raw=reading.text("start_date"))
    if reading.has("end_date"):
        end = parse_end_date(reading.value("end_date"), start.start, default_year)
        if end.kind in ("date", "range"):
            record["end_date"] = end.end if end.kind == "range" else end.start
        elif end.kind == "invalid":
            reading.warn("invalid_end_date", "end_date", raw=reading.text("end_date"))
    if record["start_date"] and record["end_date"] and record["end_date"] < record["start_date"]:
        written_in = "end_date" if reading.has("end_date") else "start_date"
        reading.reject("end_before_start", written_in, raw=reading.text(written_in))


def _read_metric(reading: _Reading, metric: str) -> None:
    """One figure (SPEC §2.3): blank or a placeholder is missing (0 in sums; rejects the row for
    participants), unreadable or implausibly large is missing with a warning (rejects for participants),
    negative rejects the row, an approximate one (约500) counts as its number with an info issue. A figure
    in a merged cell counts once, in the merged range's first row."""
    record, header, row = reading.record, reading.header, reading.row
    raw = reading.value(metric)
    label = DETAIL_FIELD[metric].header
    record[metric] = None
    record[f"{metric}_approx"] = False
    reading.exact[metric] = None
    if metric in row.covered_metrics:
        shown = _cell_text(_merged_value(header.sheet, row.r, header.columns[metric])) or None
        reading.warn("metric_merged_cell", metric, raw=shown, label=label)
        return
    parsed, note = _parse_figure(metric, raw)
    required = metric == "participants"
    if parsed.kind in ("blank", "placeholder"):
        if required:
            reading.reject("missing_participants", metric, raw=reading.text(metric) or None)
        return
    if parsed.kind == "invalid":
        if required:
            reading.reject("invalid_participants", metric, raw=reading.text(metric))
        else:
            reading.warn("invalid_value", metric, raw=reading.text(metric), label=label)
        return
    if parsed.value < 0:
        reading.reject("negative_value", metric, raw=reading.text(metric), label=label)
        return
    value = _in_wan(parsed, header.funding_in_yuan) if metric == MONEY_METRIC else parsed.value
    if not plausible(metric, value):
        if required:
            reading.reject("implausible_participants", metric, raw=reading.text(metric))
        else:
            reading.warn("implausible_value", metric, raw=reading.text(metric), label=label)
        return
    reading.exact[metric] = Decimal(value)
    value = _quantize(value) if metric == MONEY_METRIC else value
    record[metric] = value
    if note is not None:
        record[f"{metric}_approx"] = parsed.approximate
        reading.warn("figure_with_note", metric, raw=reading.text(metric), label=label, value=value,
                     approximately="（约数）" if parsed.approximate else "")
    elif parsed.approximate:
        record[f"{metric}_approx"] = True
        reading.warn("approximate_value", metric, raw=reading.text(metric), label=label, value=value)
    elif parsed.spelled:
        reading.warn("spelled_value", metric, raw=reading.text(metric), label=label, value=value)


def _parse_figure(metric: str, raw: CellValue) -> tuple[ParsedNumber, str | None]:
    """A figure cell read (SPEC §2.3), and the note in brackets after its leading number when it has one
    (`150（其中学生90）` → 150; `约200（含线上）` → 200, approximate; a note saying 约/左右 makes it approximate)."""
    parse = parse_amount if metric == MONEY_METRIC else parse_count
    parsed = parse(raw)
    if parsed.kind != "invalid" or (split := split_figure_note(raw)) is None:
        return parsed, None
    figure, note = split
    leading = parse(figure)
    if leading.kind != "number":
        return parsed, None
    approximate = leading.approximate or any(word in note for word in SYNONYMS.figure_note_approximate)
    return ParsedNumber(leading.value, "number", approximate, leading.unit_hint, leading.spelled), note


def _total_label(row: _Row) -> str:
    candidates = (row.values.get("seq"), row.values.get("activity_name"), *(v for _, v in row.cells))
    return next((str(v) for v in candidates if is_total_label(v)), "")


def _stated_totals(header: TableHeader, row: _Row) -> dict[str, StatedTotal]:
    """The figures a 合计/小计 row states: each metric column holding a number small enough to be real."""
    sheet = header.sheet
    stated = {}
    for metric in METRICS:
        c = header.columns.get(metric)
        if c is None:
            continue
        raw = row.values.get(metric)
        parsed, _ = _parse_figure(metric, raw)
        if parsed.kind != "number":
            continue
        value = _in_wan(parsed, header.funding_in_yuan) if metric == MONEY_METRIC else Decimal(parsed.value)
        if plausible(metric, abs(value)):
            stated[metric] = StatedTotal(value, sheet.address(row.r, c), _cell_text(raw))
    return stated
