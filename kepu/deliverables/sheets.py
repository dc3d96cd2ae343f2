"""Writing tables into openpyxl worksheets the way the office expects: a title, Chinese headers,
a frozen header row, widths that fit Chinese text, thousands separators, and submitted text that
never turns into a formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an output table: the frame column, its Chinese header, and its number format."""

    key: str
    header: str
    number_format: str | None = None
    total: bool = False


INT = "#,##0"
MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"


def csv_safe(value: str) -> str:
    """Text for a CSV that Excel opens: a value Excel would run as a formula is prefixed with a single
    quote (OWASP CSV-injection guidance); other text is unchanged."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def cell_value(value):
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        listed = value.tolist()
        return "、".join(str(v) for v in listed) if isinstance(listed, list) else listed
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (int, float, Decimal)):
        return len(f"{value:,.2f}") if isinstance(value, float) else len(f"{value:,}")
    if isinstance(value, (date, datetime)):
        return 16 if isinstance(value, datetime) else 10
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value))


def write_table(ws: Worksheet, frame: pd.DataFrame, columns: list[Column], *, title: str | None = None,
                total_label: str | None = None) -> int:
    """Write `frame` as a table (title row, header row, data rows, optional totals row); returns the
    header's row number."""
    row = 1
    if title:
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(columns)))
        ws.row_dimensions[1].height = 24
        row = 2
    header_row = row
    widths = [_display_width(c.header) for c in columns]
    for c, col in enumerate(columns, start=1):
        cell = ws.cell(row=header_row, column=c, value=col.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for record in frame.to_dict("records"):
        row += 1
        for c, col in enumerate(columns, start=1):
            value = cell_value(record.get(col.key))
            cell: Cell = ws.cell(row=row, column=c)
            if isinstance(value, str):
                cell.value = value
                cell.data_type = "s"  # stored as text even when it starts with "=": never a live formula
            else:
                cell.value = value
            cell.border = BORDER
            if col.number_format and value is not None:
                cell.number_format = col.number_format
            widths[c - 1] = max(widths[c - 1], _display_width(value))
    if total_label is not None and len(frame):
        row += 1
        ws.cell(row=row, column=1, value=total_label)
        for c, col in enumerate(columns, start=1):
            cell = ws.cell(row=row, column=c)
            if col.total:
                total = sum((cell_value(v) or 0) for v in frame[col.key])
                cell.value = round(total, 2) if isinstance(total, float) else total
                cell.number_format = col.number_format or INT
            cell.font = Font(bold=True)
            cell.fill = TOTAL_FILL
            cell.border = BORDER
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(60, max(8, width + 2))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return header_row
