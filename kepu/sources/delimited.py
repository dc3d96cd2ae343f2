"""CSV, TSV and tab-separated text as a one-sheet Book.

Text is UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text", tab-separated), or GBK/GB18030,
its lines ending in CRLF, LF or CR alone (Excel for Mac); a web system's tab-separated export saved as `.xls` is
read the same way (sniff judges by content);
the delimiter is the one of comma, tab or semicolon that splits the first lines into the most fields. Text
that no delimiter splits (a note, a letter, a list of names) is not a table, and is refused as plain text.
"""

from __future__ import annotations

import csv
import io

from kepu.sources.read_limits import ReadError, ReadLimits
from kepu.sources.sniff import UNKNOWN_ENCODING
from kepu.transforms.grid import Book, Sheet

_ENCODINGS = ("utf-8-sig", "gb18030")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DELIMITERS = (",", "\t", ";")


def read_delimited(data: bytes, name: str, limits: ReadLimits) -> Book:
    text = decode_text(data)
    if "\x00" in text:
        raise ReadError("file_unreadable", "文本文件中夹杂二进制内容，文件可能已损坏")
    delimiter = max(_DELIMITERS, key=lambda d: _fields_split(text, d))
    if _fields_split(text, delimiter) <= 0:
        raise ReadError("file_not_spreadsheet", "纯文本")
    csv.field_size_limit(limits.max_cell_chars)
    rows = []
    width = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(tuple(cell if cell.strip() else None for cell in row))
            width = max(width, len(row))
            if len(rows) > limits.max_rows or width > limits.max_columns:
                raise ReadError("file_too_large", f"文本表格超过 {limits.max_rows:,} 行或 {limits.max_columns:,} 列")
    except csv.Error:
        raise ReadError("file_unreadable", f"文本表格的格式有误（如引号不成对，或单元格超过 {limits.max_cell_chars:,} 个字符）") from None
    return Book((Sheet(name=name, rows=tuple(rows)),))


def decode_text(data: bytes) -> str:
    """Text in the encodings offices use: a UTF-16 BOM, else UTF-8 (BOM or not), else GB18030."""
    if data[:2] in _UTF16_BOMS:
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError("file_unreadable", "无法识别的文字编码") from None
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError("file_unreadable", UNKNOWN_ENCODING)


def _fields_split(text: str, delimiter: str) -> int:
    """How many extra fields `delimiter` makes in the first lines (quoted text not counted)."""
    try:
        # newline="": a line may end in CR alone (Excel for Mac's "CSV (Macintosh)"), as the reader allows
        return sum(len(row) - 1 for row, _ in zip(csv.reader(io.StringIO(text[:8192], newline=""), delimiter=delimiter),
                                                   range(50)))
    except csv.Error:
        return -1
