"""A submission as a plain grid of cells that remembers where each cell sat in the original sheet.

Reading a file (kepu.sources.books) ends here; everything after this is pure. A `Sheet` holds the
rectangle of cells a reader found (calamine skips the empty area above and left of the data),
plus the offset of that rectangle, so a cell can always be cited exactly as Excel shows it
(`活动明细!I12`), also when the data starts at C7.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Union

CellValue = Union[str, int, float, bool, date, datetime, time, timedelta, None]

CellRange = tuple[int, int, int, int]
"""A merged range as 0-based (first_row, first_col, last_row, last_col) in the original sheet, inclusive."""


def column_letter(col: int) -> str:
    """0-based column index → Excel letters (0 → A, 25 → Z, 26 → AA)."""
    letters = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based absolute (row, col) → A1 address."""
    return f"{column_letter(col)}{row + 1}"


CSV_SHEET = ""
"""The name of a CSV's one sheet: a CSV has none, so a cell in it is cited by its address alone (`I12`),
never by the name of the file it was stored as."""


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: `rows[r][c]` is the cell at original 0-based (first_row + r, first_col + c)."""

    name: str
    rows: tuple[tuple[CellValue, ...], ...]
    first_row: int = 0
    first_col: int = 0
    merged: tuple[CellRange, ...] = ()
    hidden: bool = False

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def value(self, r: int, c: int) -> CellValue:
        """The cell at grid position (r, c); None outside the rectangle."""
        if 0 <= r < len(self.rows):
            row = self.rows[r]
            if 0 <= c < len(row):
                return row[c]
        return None

    def address(self, r: int, c: int) -> str:
        """The A1 address Excel shows for grid position (r, c)."""
        return a1(self.first_row + r, self.first_col + c)

    def row_number(self, r: int) -> int:
        """The 1-based row number Excel shows for grid row r."""
        return self.first_row + r + 1

    def merged_origin(self, r: int, c: int) -> tuple[int, int] | None:
        """For a cell covered by a merged range (not its top-left), the grid position of the top-left."""
        ar, ac = self.first_row + r, self.first_col + c
        for r0, c0, r1, c1 in self.merged:
            if r0 <= ar <= r1 and c0 <= ac <= c1 and (ar, ac) != (r0, c0):
                return r0 - self.first_row, c0 - self.first_col
        return None


@dataclass(frozen=True, slots=True)
class Book:
    """A whole submission as read: its sheets in workbook order (hidden ones flagged, not dropped).

    `formulas_without_value` lists (sheet, A1, formula) of formula cells that carry no cached value,
    which a reader can only see as empty.
    """

    sheets: tuple[Sheet, ...]
    formulas_without_value: tuple[tuple[str, str, str], ...] = field(default=())

    def visible_sheets(self) -> tuple[Sheet, ...]:
        return tuple(s for s in self.sheets if not s.hidden)

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)


def is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
