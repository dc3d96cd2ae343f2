"""A submission as a plain grid of cells that remembers where each cell sat in the original sheet.

Reading a file (kepu.sources.books) ends here; everything after this is pure. A `Sheet` holds the
rectangle of cells a reader found (calamine skips the empty area above and left of the data),
plus the offset of that rectangle, so a cell can always be cited exactly as Excel shows it
(`活动明细!I12`), also when the data starts at C7.
"""

from __future__ import annotations

from bisect import bisect_right
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




@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: `rows[r][c]` is the cell at original 0-based (first_row + r, first_col + c).

    `rows_not_read` counts rows the reader did not take because the sheet's first rows showed it holds no
    activity table (a station list of 50,000 rows is kept as its head; nothing looks further in such a sheet).
    Width and the merged-range lookup are computed once: every query is O(1) or O(log n), so work on a sheet
    stays linear in its size.
    """

    name: str
    rows: tuple[tuple[CellValue, ...], ...]
    first_row: int = 0
    first_col: int = 0
    merged: tuple[CellRange, ...] = ()
    hidden: bool = False
    rows_not_read: int = 0
    _width: int = field(default=-1, init=False, repr=False, compare=False)
    _merged_by_row: dict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        if self._width < 0:
            object.__setattr__(self, "_width", max((len(r) for r in self.rows), default=0))
        return self._width

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

    def merged_range_at(self, r: int, c: int) -> CellRange | None:
        """The merged range (original coordinates) covering grid position (r, c), its first cell included."""
        if not self.merged:
            return None
        ar, ac = self.first_row + r, self.first_col + c
        found = self._merged_index().get(ar)
        if found is None:
            return None
        starts, ranges = found
        i = bisect_right(starts, ac) - 1
        if i >= 0 and ac <= ranges[i][3]:
            return ranges[i]
        return None

    def merged_origin(self, r: int, c: int) -> tuple[int, int] | None:
        """For a cell covered by a merged range (not its top-left), the grid position of the top-left."""
        found = self.merged_range_at(r, c)
        if found is None or (found[0], found[1]) == (self.first_row + r, self.first_col + c):
            return None
        return found[0] - self.first_row, found[1] - self.first_col

    def _merged_index(self) -> dict[int, tuple[list[int], list[CellRange]]]:
        """Merged ranges by original row, sorted by first column; clipped to the rows the grid holds, so a range
        written as A1:XFD1048576 costs what the sheet has, not what it claims."""
        if self._merged_by_row is None:
            lo, hi = self.first_row, self.first_row + len(self.rows) - 1
            by_row: dict[int, list[CellRange]] = {}
            for box in self.merged:
                r0, c0, r1, c1 = box
                if r1 < r0 or c1 < c0:
                    continue
                for ar in range(max(r0, lo), min(r1, hi) + 1):
                    by_row.setdefault(ar, []).append(box)
            index = {}
            for ar, boxes in by_row.items():
                boxes.sort(key=lambda b: b[1])
                index[ar] = ([b[1] for b in boxes], boxes)
            object.__setattr__(self, "_merged_by_row", index)
        return self._merged_by_row


@dataclass(frozen=True, slots=True)
class Book:
    """A whole submission as read: its sheets in workbook order (hidden ones flagged, not dropped).

    `formulas_without_value` lists (sheet, A1, formula) of formula cells that carry no cached value,
    which a reader can only see as empty. `paragraphs` is the running text of a narrative report (a Word
    document's body paragraphs, a text file's lines; the 1st is 第1段), its tables being the sheets.
    """

    sheets: tuple[Sheet, ...]
    formulas_without_value: tuple[tuple[str, str, str], ...] = field(default=())
    paragraphs: tuple[str, ...] = field(default=())

    def visible_sheets(self) -> tuple[Sheet, ...]:
        return tuple(s for s in self.sheets if not s.hidden)

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)


def is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
