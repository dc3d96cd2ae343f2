"""A table the city receives, declared once and written three ways.

A `Table` is a frame plus the columns to show: each column's key in the frame, its Chinese header and
its `Kind` (how the value is typed, formatted and stored). The workbook writer (`sheets.py`), the CSV
writer and the Parquet writer (`exports.py`) all read the same declaration, so a column added here
appears in all three.

Values are normalised once (`Table.rows`): pandas' missing markers become None, integers `int`, money
`Decimal` with two places, dates `date`. Codes stay codes (`late`); a column's `labels` turn them into
Chinese only where people read them (workbook, CSV, HTML), never in Parquet.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

import pandas as pd
import pyarrow as pa

from kepu.schemas.vocabulary import TEXT_SHEET

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make Excel read a text as a formula (OWASP CSV injection)."""

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Kind:
    """How one column's values are typed: the Excel number format, the Parquet type, and the widest the
    column may grow on a printed sheet (Excel width units; longer text wraps)."""

    name: str
    number_format: str | None
    arrow_type: pa.DataType
    width: float


TEXT = Kind("text", None, pa.string(), 24)
INT = Kind("int", "#,##0", pa.int64(), 11)
ORDINAL = Kind("ordinal", "0", pa.int64(), 6)
MONEY = Kind("money", "#,##0.00", pa.decimal128(18, 2), 12)
PERCENT = Kind("percent", "0.0%", pa.float64(), 8)
DATE = Kind("date", "yyyy-mm-dd", pa.date32(), 11)
DATETIME = Kind("datetime", "yyyy-mm-dd hh:mm", pa.timestamp("s"), 16)
FLAG = Kind("flag", None, pa.bool_(), 5)
LIST = Kind("list", None, pa.list_(pa.string()), 24)
WRAPPED = (TEXT, LIST)
"""Kinds whose text wraps inside its column; numbers and dates never wrap."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an output table: the frame column, its Chinese header, its kind, whether the
    totals row adds it up, and Chinese labels for the codes it holds (codes joined with 、 are
    labelled one by one). `width` caps the column on a printed sheet (default: its kind's); `sheet`
    False keeps a column out of the workbook (codes, source cells) while CSV and Parquet still carry it;
    `export` False keeps a column made for print (活动日期 as one text) out of CSV and Parquet; `ratio` makes
    the totals row's value a quotient of two totals."""

    key: str
    header: str
    kind: Kind = TEXT
    total: bool = False
    labels: Mapping[str, str] | None = None
    width: float | None = None
    sheet: bool = True
    export: bool = True
    ratio: tuple[str, str] | None = None
    """(numerator, denominator): keys of two totalled columns whose quotient is this column's total (报送率 =
    已报 ÷ 应报), so the totals row states the whole's rate, not a sum of rates."""

    @property
    def max_width(self) -> float:
        return self.width if self.width is not None else self.kind.width

    def display(self, value):
        """The value as people read it: codes labelled, flags 是/否, lists joined with 、."""
        if value is None:
            return None
        if self.labels is not None:
            return "、".join(self.labels.get(code, code) for code in str(value).split("、"))
        if self.kind is FLAG:
            return "是" if value else "否"
        if self.kind is LIST:
            return "、".join(value)
        return value

    def text(self, value, *, grouped: bool = False) -> str:
        """The value as text people read: labelled, money with two places, rates as percentages, dates
        ISO, and counts with thousands separators when `grouped`."""
        value = self.display(value)
        if value is None:
            return ""
        if self.kind is PERCENT:
            return f"{value:.1%}"
        if self.kind is MONEY:
            return f"{value:,.2f}" if grouped else f"{value:.2f}"
        if self.kind is INT:
            return f"{value:,}" if grouped else str(value)
        if isinstance(value, datetime):
            return f"{value:%Y-%m-%d %H:%M}"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)


@dataclass(frozen=True)
class Table:
    """One output table. `name` is the stable file stem of its CSV and Parquet files; `sheet` and
    `title` are what the workbook shows."""

    name: str
    sheet: str
    title: str
    columns: tuple[Column, ...]
    frame: pd.DataFrame = field(repr=False)
    total_label: str | None = "合计"

    @classmethod
    def fixed(cls, name: str, sheet: str, title: str, columns: tuple[Column, ...], rows, *,
              total_label: str | None = "合计") -> Table:
        """A table of rows already normalised (a 回执 written in another process gets plain values)."""
        table = cls(name, sheet, title, columns, pd.DataFrame(), total_label)
        table.__dict__["rows"] = list(rows)
        return table

    @property
    def sheet_columns(self) -> tuple[Column, ...]:
        """The columns a worksheet shows."""
        return tuple(c for c in self.columns if c.sheet)

    @property
    def export_columns(self) -> tuple[Column, ...]:
        """The columns CSV and Parquet carry."""
        return tuple(c for c in self.columns if c.export)

    def index(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)

    @cached_property
    def rows(self) -> list[tuple]:
        """One tuple of normalised values per frame row, in column order."""
        missing = [c.key for c in self.columns if c.key not in self.frame.columns]
        if missing:
            raise KeyError(f"{self.name}: frame lacks {missing}")
        return list(zip(*(normalised(self.frame[c.key].tolist(), c.kind) for c in self.columns)))

    def where(self, key: str, value) -> Callable[[tuple], bool]:
        """A test on normalised rows: does the column `key` hold `value`?"""
        index = self.index(key)
        return lambda record: record[index] == value

    @cached_property
    def digest(self) -> str:
        """What the table says (title, headers, values), hashed: an output written from it is rewritten
        only when this changes."""
        return digest_of((self.name, self.title, [(c.key, c.header) for c in self.columns], self.rows))

    @cached_property
    def totals(self) -> dict[str, object] | None:
        """Sums of the `total` columns (exact: int or Decimal), or None when the table has no totals row."""
        if self.total_label is None or not self.rows:
            return None
        sums: dict[str, object] = {}
        for i, column in enumerate(self.columns):
            if column.total:
                start = Decimal("0.00") if column.kind is MONEY else 0
                sums[column.key] = sum((row[i] for row in self.rows if row[i] is not None), start)
        for column in self.columns:
            if column.ratio is not None:
                numerator, denominator = (sums.get(k) for k in column.ratio)
                sums[column.key] = float(numerator) / float(denominator) if numerator is not None and denominator else None
        return sums


def digest_of(content) -> str:
    """sha256 of a value's repr: plain values (str, int, Decimal, date, tuples and lists of them) repr
    the same in every process. Long lists and tuples are hashed item by item, never held as one text (the
    repr of a 200,000-row 活动清单 is ~100 MB): the same bytes, the same digest."""
    digest = hashlib.sha256()
    _hash_repr(content, digest.update)
    return digest.hexdigest()


_STREAMED_FROM = 256
"""Items from which a list or tuple is hashed item by item rather than repr'd whole."""


def _hash_repr(value, update: Callable[[bytes], object]) -> None:
    """Feed `repr(value)`'s UTF-8 bytes to `update`, a long list or tuple (or one holding one) a piece at
    a time."""
    kind = type(value)
    if (kind is list or kind is tuple) and (len(value) >= _STREAMED_FROM or any(
            type(v) in (list, tuple) and len(v) >= _STREAMED_FROM for v in value)):
        update(b"[" if kind is list else b"(")
        for n, item in enumerate(value):
            if n:
                update(b", ")
            _hash_repr(item, update)
        update(b"]" if kind is list else (b",)" if len(value) == 1 else b")"))
    else:
        update(repr(value).encode("utf-8"))


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def normalise(value, kind: Kind):
    """`value` from a DuckDB-made frame as a plain Python value of `kind` (None when missing)."""
    if kind is LIST:
        if value is None or (not isinstance(value, (str, bytes)) and not hasattr(value, "__iter__")):
            return None
        items = [value] if isinstance(value, str) else list(value)
        return [str(v) for v in items if not is_missing(v)]
    if is_missing(value):
        return None
    if kind is INT or kind is ORDINAL:
        return int(value)
    if kind is MONEY:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    if kind is PERCENT:
        return float(value)
    if kind is DATE:
        return value.date() if isinstance(value, datetime) else value
    if kind is DATETIME:
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, datetime):
            return value.replace(microsecond=0)
        return datetime(value.year, value.month, value.day)
    if kind is FLAG:
        return bool(value)
    return str(value)


def normalised(values: list, kind: Kind) -> list:
    """`normalise` over one column's values, each distinct value normalised once and shared: the unit's name,
    district, dates and source file repeated on each of its rows are one object each, not one per row (a
    200,000-row 活动清单 holds millions of cells)."""
    if kind is LIST:
        return [normalise(v, kind) for v in values]
    done: dict = {}
    result = []
    for value in values:
        key = (value.__class__, value)  # 1, 1.0 and True are equal keys but not equal texts
        try:
            found = done.get(key, _UNSEEN)
        except TypeError:  # unhashable
            result.append(normalise(value, kind))
            continue
        if found is _UNSEEN:
            found = normalise(value, kind)
            if found is not None:  # NaN is not equal to itself: missing values are not remembered
                done[key] = found
        result.append(found)
    return result


_UNSEEN = object()


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


_PLAIN_SHEET_NAME = re.compile(r"^\w+$")


def cell_ref(sheet: str | None, cell: str | None) -> str | None:
    """A cell as Excel writes a reference to it: `活动明细!I12`, `'Sheet 1'!B3`; just the cell when its
    sheet is unknown, and None without a cell. A figure read from a 总结's text (SPEC §3.13) is cited by its
    paragraph: `据总结（第3段）`."""
    if is_missing(cell) or cell == "":
        return None
    if sheet == TEXT_SHEET:
        return f"据总结（{cell}）"
    if is_missing(sheet) or sheet == "":
        return str(cell)
    sheet = str(sheet)
    if not _PLAIN_SHEET_NAME.match(sheet) or sheet[0].isdigit():
        sheet = "'" + sheet.replace("'", "''") + "'"
    return f"{sheet}!{cell}"


def ordered(frame: pd.DataFrame, key: str, order: Sequence[str]) -> pd.DataFrame:
    """`frame` sorted by `key` in the given order of values; values not listed go last, as they came."""
    rank = frame[key].map({v: i for i, v in enumerate(order)}).fillna(len(order))
    return frame.iloc[rank.to_numpy().argsort(kind="stable")]
