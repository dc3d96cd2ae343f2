"""Spreadsheet files from plain grids of cells, the way offices produce them: .xlsx/.xlsm (openpyxl), legacy
.xls (xlwt) and CSV bytes. The demo city writes its hand-made files with these, and the tests their fixture
workbooks: one writer, so what the tests prove about reading holds for what the demo sends.

A `SheetSpec` is one worksheet: a block of rows placed at an origin cell, merged ranges, number formats,
visibility and, for formula cells, the result Excel would have cached when saving (openpyxl never computes
formulas, so a formula written by it has no cached value unless one is given here). A `BookSpec` is a whole
file: its format, its sheets in workbook order and, for CSV, the text encoding. The same spec always gives
the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

import openpyxl
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries

from kepu.form.template import workbook_bytes

Row = Sequence[object]
DATE_FORMAT = "yyyy-mm-dd"
"""How a date cell is shown unless the spec gives a format."""


@dataclass(frozen=True)
class SheetSpec:
    """One worksheet: `rows` written from `origin` down and right; None leaves a cell empty. `merged` are
    A1 ranges (`A1:C1`), `formats` and `cached` map A1 cells to a number format and a formula's result."""

    name: str
    rows: Sequence[Row] = ()
    origin: str = "A1"
    merged: Sequence[str] = ()
    formats: Mapping[str, str] = field(default_factory=dict)
    cached: Mapping[str, object] = field(default_factory=dict)
    hidden: bool = False

    def cells(self) -> list[tuple[int, int, object]]:
        """(1-based row, 1-based column, value) of every non-empty cell."""
        letters, row0 = coordinate_from_string(self.origin)
        col0 = column_index_from_string(letters)
        return [
            (row0 + i, col0 + j, value)
            for i, row in enumerate(self.rows)
            for j, value in enumerate(row)
            if value is not None
        ]

    def merged_boxes(self) -> list[tuple[int, int, int, int]]:
        """The merged ranges as 1-based (first_row, first_col, last_row, last_col)."""
        boxes = []
        for ref in self.merged:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            boxes.append((min_row, min_col, max_row, max_col))
        return boxes


@dataclass(frozen=True)
class BookSpec:
    """A whole file: its format, its sheets in workbook order and, for CSV, the text encoding (`utf-8-sig`
    writes the BOM Excel puts in front). A CSV holds its one visible sheet."""

    file_format: Literal["xlsx", "xls", "csv"]
    sheets: tuple[SheetSpec, ...]
    encoding: str = ""

    @property
    def suffix(self) -> str:
        return f".{self.file_format}"


def book_bytes(book: BookSpec) -> bytes:
    if book.file_format == "csv":
        (sheet,) = [s for s in book.sheets if not s.hidden]
        return csv_bytes(sheet.rows, book.encoding)
    if book.file_format == "xls":
        return xls_bytes(book.sheets)
    return xlsx_bytes(book.sheets)


def _value(value: object) -> object:
    """A cell value as the writers take it: money as a float, as Excel stores it."""
    return float(value) if isinstance(value, Decimal) else value


def _number_format(spec: SheetSpec, ref: str, value: object) -> str | None:
    if ref in spec.formats:
        return spec.formats[ref]
    return DATE_FORMAT if isinstance(value, date) and not isinstance(value, datetime) else None


def _active(sheets: Sequence[SheetSpec]) -> int:
    """The sheet Excel opens on: the last visible one, where people left off."""
    return max((i for i, s in enumerate(sheets) if not s.hidden), default=0)


def xlsx_bytes(sheets: Sequence[SheetSpec]) -> bytes:
    """An .xlsx (also used for .xlsm: the reader goes by content, not by name) holding `sheets`."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for r, c, value in spec.cells():
            cell = ws.cell(r, c, _value(value))
            number_format = _number_format(spec, cell.coordinate, value)
            if number_format:
                cell.number_format = number_format
        for ref, number_format in spec.formats.items():
            ws[ref].number_format = number_format
        for ref in spec.merged:
            ws.merge_cells(ref)
        if spec.hidden:
            ws.sheet_state = "hidden"
    wb.active = _active(sheets)
    return _with_cached_results(workbook_bytes(wb), [spec.cached for spec in sheets])


def _with_cached_results(data: bytes, cached: list[Mapping[str, object]]) -> bytes:
    """The workbook with each given formula cell's cached result filled in, as Excel leaves it."""
    if not any(cached):
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", item.filename)
            if match and cached[int(match[1]) - 1]:
                content = _fill_values(content.decode("utf-8"), cached[int(match[1]) - 1]).encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def _fill_values(xml: str, values: Mapping[str, object]) -> str:
    for ref, value in values.items():
        pattern = re.compile(rf'(<c r="{ref}"[^>]*>)(<f>.*?</f>)(?:<v\s*/>|<v>\s*</v>)(</c>)')
        xml, count = pattern.subn(lambda m: f"{m[1]}{m[2]}<v>{value}</v>{m[3]}", xml)
        if count != 1:
            raise ValueError(f"no formula cell {ref} to give a cached value")
    return xml


def xls_bytes(sheets: Sequence[SheetSpec]) -> bytes:
    """A legacy BIFF8 workbook, as offices still save from old Excel and WPS versions."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, object] = {}

    def style(number_format: str):
        if number_format not in styles:
            styles[number_format] = xlwt.easyxf(num_format_str=number_format)
        return styles[number_format]

    active = _active(sheets)
    for index, spec in enumerate(sheets):
        ws = wb.add_sheet(spec.name, cell_overwrite_ok=True)
        spans = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in spec.merged_boxes()}
        for r, c, value in spec.cells():
            ref = f"{openpyxl.utils.get_column_letter(c)}{r}"
            number_format = spec.formats.get(ref) or (DATE_FORMAT if isinstance(value, date) else None)
            args = (_value(value), style(number_format)) if number_format else (_value(value),)
            if (r, c) in spans:
                last_row, last_col = spans.pop((r, c))
                ws.write_merge(r - 1, last_row - 1, c - 1, last_col - 1, *args)
            else:
                ws.write(r - 1, c - 1, *args)
        for (r, c), (last_row, last_col) in spans.items():
            ws.merge(r - 1, last_row - 1, c - 1, last_col - 1)
        if spec.hidden:
            ws.visibility = 1
        ws.selected = index == active
    wb.active_sheet = active
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _csv_text(value: object) -> str:
    """A value as Excel's CSV export writes it: dates as 2023/9/16, nothing as an empty field."""
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value.year}/{value.month}/{value.day}"
    return str(value)


def csv_bytes(rows: Sequence[Row], encoding: str, delimiter: str = ",") -> bytes:
    """Rows as CSV text in `encoding` (`utf-8-sig` writes the BOM Excel puts in front)."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return text.getvalue().encode(encoding)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
