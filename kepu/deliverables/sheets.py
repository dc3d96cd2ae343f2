"""Writing `Table`s into openpyxl worksheets the way the office expects: a title, Chinese headers, a
frozen header row repeated on every printed page, widths that fit Chinese text, thousands separators,
A4 landscape, and submitted text that never turns into a formula.

Every value reaches a cell through `put`, the one place that decides a cell's type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kepu.deliverables.tables import DATE, DATETIME, Table, starts_like_formula

MAX_CELL_TEXT = 32767
MAX_WIDTH = 50
"""Widest column, in Excel width units; longer text wraps."""
HEADER_WIDTH = 12
"""Headers wrap onto a second line rather than widen a numeric column beyond this."""

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_ROLES: dict[str, tuple[Font | None, PatternFill | None, Border | None, dict]] = {
    "title": (Font(bold=True, size=14), None, None, {"vertical": "center"}),
    "subtitle": (Font(bold=True, size=12), None, None, {"vertical": "center"}),
    "text": (None, None, None, {"vertical": "top"}),
    "field": (None, None, None, {"vertical": "top", "horizontal": "left"}),
    "label": (Font(bold=True), None, None, {"vertical": "top"}),
    "header": (Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), _BORDER,
               {"horizontal": "center", "vertical": "center", "wrap_text": True}),
    "body": (None, None, _BORDER, {"vertical": "top"}),
    "flagged": (None, PatternFill("solid", fgColor="FCE4D6"), _BORDER, {"vertical": "top"}),
    "total": (Font(bold=True), PatternFill("solid", fgColor="F2F2F2"), _BORDER, {"vertical": "top"}),
}


class StyleCache:
    """Cell styles of one workbook, each combination built once and its style array copied onto later
    cells: openpyxl hashes every style object on assignment, which would dominate a large sheet.
    Pass the same style objects (module constants) for the cache to recognise a combination."""

    def __init__(self, font: Font | None = None) -> None:
        self.font = font
        self._arrays: dict[tuple, object] = {}

    def apply(self, cell: Cell, *, font: Font | None = None, fill: PatternFill | None = None,
              border: Border | None = None, alignment: Alignment | None = None,
              number_format: str | None = None, quote: bool = False) -> None:
        font = font or self.font
        key = (id(font), id(fill), id(border), id(alignment), number_format, quote)
        cached = self._arrays.get(key)
        if cached is not None:
            cell._style = copy(cached)
            return
        for name, value in (("font", font), ("fill", fill), ("border", border), ("alignment", alignment),
                            ("number_format", number_format)):
            if value is not None:
                setattr(cell, name, value)
        cell.quotePrefix = quote
        self._arrays[key] = copy(cell._style)


class Styles:
    """The roles cells play in kepu's tables (header, body, total, …), applied through a StyleCache."""

    def __init__(self) -> None:
        self._cache = StyleCache()
        self._alignments: dict[tuple[str, bool], Alignment] = {}

    def apply(self, cell: Cell, role: str, number_format: str | None = None, *, wrap: bool = False,
              quote: bool = False) -> None:
        font, fill, border, alignment = _ROLES[role]
        aligned = self._alignments.get((role, wrap))
        if aligned is None:
            aligned = Alignment(**{**alignment, "wrap_text": alignment.get("wrap_text", False) or wrap})
            self._alignments[(role, wrap)] = aligned
        self._cache.apply(cell, font=font, fill=fill, border=border, alignment=aligned,
                          number_format=number_format, quote=quote)


def put(cell: Cell, value) -> None:
    """Set a cell's value. Text is always a text cell, however it begins: openpyxl would otherwise
    store text starting with `=` as a formula. Characters an xlsx cannot hold are dropped."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
        cell.data_type = "s"
    else:
        cell.value = value


def display_width(value) -> int:
    """Roughly how many Excel width units a value needs: CJK characters count double."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 2
    if isinstance(value, (int, Decimal, float)):
        return len(f"{value:,.2f}") if isinstance(value, (Decimal, float)) else len(f"{value:,}")
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) for line in str(value).splitlines()), default=0)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a table landed on its sheet: header row, first and last data rows (last < first when empty)."""

    header_row: int
    first_row: int
    last_row: int


class SheetWriter:
    """Writes one worksheet from the top down, remembering the widest value per column and the main
    table's header row (frozen on screen, repeated on every printed page)."""

    def __init__(self, ws: Worksheet, styles: Styles) -> None:
        self.ws = ws
        self.styles = styles
        self.row = 0
        self.widths: dict[int, int] = {}
        self.main_header: int | None = None

    def _write(self, column: int, value, role: str, number_format: str | None = None, *,
               widest: int = MAX_WIDTH) -> None:
        cell = self.ws.cell(row=self.row, column=column)
        put(cell, value)
        if number_format is None and isinstance(value, date):
            number_format = DATETIME.number_format if isinstance(value, datetime) else DATE.number_format
        width = display_width(value)
        self.styles.apply(cell, role, number_format if value is not None else None, wrap=width > widest,
                          quote=isinstance(value, str) and starts_like_formula(value))
        self.widths[column] = max(self.widths.get(column, 0), min(width, widest))

    def title(self, text: str, span: int, role: str = "title") -> None:
        self.row += 1
        cell = self.ws.cell(row=self.row, column=1)
        put(cell, text)
        self.styles.apply(cell, role)
        if span > 1:
            self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=span)
        self.ws.row_dimensions[self.row].height = 24 if role == "title" else 20

    def paragraph(self, text: str, span: int, lines: int) -> None:
        """Running text over `span` merged columns, `lines` lines high."""
        self.row += 1
        cell = self.ws.cell(row=self.row, column=1)
        put(cell, text)
        self.styles.apply(cell, "text", wrap=True)
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=max(span, 2))
        self.ws.row_dimensions[self.row].height = 15 * lines

    def fields(self, pairs: Sequence[tuple[str, object]], span: int = 6) -> None:
        """Label–value lines, such as the header block of a 回执. Each value runs left-aligned across
        `span` merged columns, so a long file path does not widen the table columns below it."""
        for label, value in pairs:
            self.row += 1
            self._write(1, label, "label")
            cell = self.ws.cell(row=self.row, column=2)
            put(cell, value)
            number_format = None
            if isinstance(value, date):
                number_format = DATETIME.number_format if isinstance(value, datetime) else DATE.number_format
            self.styles.apply(cell, "field", number_format,
                              quote=isinstance(value, str) and starts_like_formula(value))
            self.ws.merge_cells(start_row=self.row, start_column=2, end_row=self.row, end_column=span + 1)

    def skip(self, rows: int = 1) -> None:
        self.row += rows

    def _header(self, labels: Sequence[str]) -> int:
        self.row += 1
        for c, label in enumerate(labels, start=1):
            self._write(c, label, "header", widest=HEADER_WIDTH)
        self.ws.row_dimensions[self.row].height = 30
        return self.row

    def table(self, table: Table, *, title: bool = True, main: bool = True,
              flagged: Callable[[tuple], bool] | None = None) -> Placed:
        """Title, header, one row per record, and the totals row (labelled in the first column) when the
        table has one. `flagged` rows are shaded (units to chase, errors). The sheet's `main` table
        gets the frozen header and the filter buttons."""
        columns = table.columns
        if title:
            self.title(table.title, len(columns))
        header_row = self._header([c.header for c in columns])
        for record in table.rows:
            self.row += 1
            role = "flagged" if flagged is not None and flagged(record) else "body"
            for c, (column, value) in enumerate(zip(columns, record), start=1):
                self._write(c, column.display(value), role, column.kind.number_format)
        last_row = self.row
        totals = table.totals
        if totals is not None:
            self.row += 1
            for c, column in enumerate(columns, start=1):
                value = table.total_label if c == 1 else totals.get(column.key)
                self._write(c, value, "total", column.kind.number_format)
        if main and self.main_header is None:
            self.main_header = header_row
            if last_row > header_row:
                self.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{last_row}"
        return Placed(header_row, header_row + 1, last_row)

    def transposed(self, table: Table, labels: tuple[str, str] = ("指标", "数值"), title_span: int = 2) -> Placed:
        """A one-row table turned on its side: one line per column, header on the left."""
        self.title(table.title, title_span)
        header_row = self._header(labels)
        record = table.rows[0] if table.rows else (None,) * len(table.columns)
        for column, value in zip(table.columns, record):
            self.row += 1
            self._write(1, column.header, "body")
            self._write(2, column.display(value), "body", column.kind.number_format)
        if self.main_header is None:
            self.main_header = header_row
        return Placed(header_row, header_row + 1, self.row)

    def finish(self, *, freeze: bool = True) -> None:
        """Column widths, frozen header, and the print setup: A4 landscape, one page wide, the title and
        header rows repeated on every page, page numbers in the footer."""
        ws = self.ws
        for column, width in self.widths.items():
            ws.column_dimensions[get_column_letter(column)].width = max(8, width + 2)
        if freeze and self.main_header is not None:
            ws.freeze_panes = ws.cell(row=self.main_header + 1, column=1)
            ws.print_title_rows = f"1:{self.main_header}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
