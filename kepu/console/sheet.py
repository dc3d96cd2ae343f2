"""The cited cell in its original sheet: a few rows and columns around it, read from the kept original
(`files/` beside the warehouse) through the same reader a run uses (kepu.sources.books), so the clerk sees what
the unit typed where kepu read it, not kepu's reading of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path

from kepu.sources.books import ReadError, read_book
from kepu.transforms.decisions import cell_address
from kepu.transforms.grid import Book, column_letter
from kepu.warehouse import queries

ROWS_AROUND = 3
COLUMNS_BEFORE = 4
COLUMNS_AFTER = 2


@dataclass(frozen=True)
class Excerpt:
    """Rows of (address, text) around `cell` in `sheet`; `header` the column letters, `rows` each with its
    Excel row number. `problem` says in Chinese why nothing can be shown."""

    sheet: str = ""
    cell: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] = ()
    problem: str = ""


def shown(value) -> str:
    """A cell as text, as Excel would show it roughly (no formula is ever evaluated: it is text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time() else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@lru_cache(maxsize=16)
def _book(location: str, name: str, mtime: float) -> Book:
    return read_book(Path(location), name)


def excerpt(warehouse: Path, campaign_id: str, sha256: str, sheet: str | None, cell: str | None) -> Excerpt:
    """The neighbourhood of `sheet!cell` in the kept original of file `sha256`."""
    address = cell_address(cell)
    if address is None or not sheet:
        return Excerpt(problem="没有可显示的单元格。")
    _, letters, row_number = address
    kept = queries.kept_file(warehouse, campaign_id, sha256)
    if kept is None or not kept["stored_as"]:
        return Excerpt(sheet, cell, problem="该文件的原件未保存。")
    location = warehouse.parent / kept["stored_as"]
    try:
        book = _book(str(location), kept["path"], location.stat().st_mtime)
    except (OSError, ReadError) as exc:
        return Excerpt(sheet, cell, problem=f"原件无法读取：{getattr(exc, 'detail', None) or exc}")
    found = book.sheet(sheet)
    if found is None:
        return Excerpt(sheet, cell, problem=f"原件中没有名为“{sheet}”的工作表。")
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch) - 64)
    col -= 1
    row = row_number - 1
    first_col = max(0, col - COLUMNS_BEFORE)
    columns = range(first_col, col + COLUMNS_AFTER + 1)
    rows = []
    for absolute in range(max(0, row - ROWS_AROUND), row + ROWS_AROUND + 1):
        r = absolute - found.first_row
        rows.append((absolute + 1, tuple((f"{column_letter(c)}{absolute + 1}", shown(found.value(r, c - found.first_col)))
                                         for c in columns)))
    return Excerpt(sheet, f"{letters}{row_number}", tuple(column_letter(c) for c in columns), tuple(rows))
