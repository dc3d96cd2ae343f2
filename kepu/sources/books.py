"""Reading one received file into a `transforms.grid.Book`: xlsx/xlsm/xls through calamine (with a scan
for formulas saved without a result), CSV in any of the encodings offices use. Whatever goes wrong inside
the readers becomes a `ReadError` naming an issue code; everything after the Book is pure.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from kepu.transforms.grid import CSV_SHEET, Book, Sheet

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES + (".csv",)


class ReadError(Exception):
    """A file that cannot be read as a submission; `code` is an issue code from schemas.issues."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


def read_book(path: Path) -> Book:
    """The file at `path` as a Book. Raises ReadError for anything that is not a readable submission,
    whatever went wrong inside the readers."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError("file_unsupported", suffix or "无扩展名")
    try:
        data = path.read_bytes()
        if not data.strip():
            raise ReadError("file_empty")
        if suffix == ".csv":
            return _read_csv(data)
        return _read_spreadsheet(data, suffix)
    except ReadError:
        raise
    except Exception as exc:  # a reader failing on an odd file is that file's problem, not the run's
        raise ReadError("file_unreadable", _short(exc)) from exc


def _read_spreadsheet(data: bytes, suffix: str) -> Book:
    import python_calamine as calamine

    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise ReadError("file_encrypted", str(exc)) from exc
    except Exception as exc:  # calamine raises several unrelated types for corrupt files
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and suffix != ".xls":
            raise ReadError("file_encrypted", "加密的 Office 文件") from exc
        raise ReadError("file_unreadable", _short(exc)) from exc
    sheets = []
    try:
        for meta in workbook.sheets_metadata:
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=True)
            start = sheet.start or (0, 0)
            merged = tuple(
                (r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ())
            )
            sheets.append(
                Sheet(
                    name=meta.name,
                    rows=tuple(tuple(None if v == "" else v for v in row) for row in rows),
                    first_row=start[0],
                    first_col=start[1],
                    merged=merged,
                    hidden=meta.visible != calamine.SheetVisibleEnum.Visible,
                )
            )
    except Exception as exc:
        raise ReadError("file_unreadable", _short(exc)) from exc
    formulas = _formulas_without_value(data) if suffix in (".xlsx", ".xlsm") else ()
    return Book(tuple(sheets), formulas)


_CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CSV_DELIMITERS = (",", "\t", ";")


def _read_csv(data: bytes) -> Book:
    """A CSV file as a Book of one sheet without a name (grid.CSV_SHEET). Text is UTF-8 (with or without BOM),
    UTF-16 with BOM (Excel's "Unicode text"), or GBK/GB18030; the delimiter is the one that splits
    the lines into the most fields."""
    text = _decode_csv(data)
    if "\x00" in text:
        raise ReadError("file_unreadable", "文件含有二进制内容，不是文本表格")
    delimiter = max(_CSV_DELIMITERS, key=lambda d: _fields_split(text, d))
    try:
        rows = tuple(
            tuple(cell if cell.strip() else None for cell in row)
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        )
    except csv.Error as exc:
        raise ReadError("file_unreadable", _short(exc)) from exc
    return Book((Sheet(name=CSV_SHEET, rows=rows),))


def _decode_csv(data: bytes) -> str:
    if data[:2] in _UTF16_BOMS:
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReadError("file_unreadable", "无法识别的文字编码") from exc
    for encoding in _CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError("file_unreadable", "无法识别的文字编码")


def _fields_split(text: str, delimiter: str) -> int:
    """How many extra fields `delimiter` makes in the first lines (quoted text not counted)."""
    try:
        return sum(len(row) - 1 for row, _ in zip(csv.reader(io.StringIO(text[:8192]), delimiter=delimiter),
                                                   range(50)))
    except csv.Error:
        return -1


_TAG_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)


def _attributes(tag: bytes) -> dict[str, str]:
    return {key.decode().split(":")[-1]: _xml_unescape(value.decode("utf-8")) for key, value in
            _TAG_ATTR.findall(tag)}


def _formulas_without_value(data: bytes) -> tuple[tuple[str, str, str], ...]:
    """(sheet, A1, formula) of formula cells saved without a cached result (e.g. written by a script,
    never opened in Excel). calamine shows them as empty; the parser warns instead of silently counting 0.
    An empty text result (`t="str"` with an empty value) is a result, not a missing one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            workbook_xml = zf.read("xl/workbook.xml")
            rels_xml = zf.read("xl/_rels/workbook.xml.rels")
            targets = {a.get("Id"): a.get("Target", "") for a in map(_attributes, _REL_TAG.findall(rels_xml))}
            found = []
            for sheet in map(_attributes, _SHEET_TAG.findall(workbook_xml)):
                target = targets.get(sheet.get("id"), "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                try:
                    xml = zf.read(part)
                except KeyError:
                    continue
                for attrs, inner in _CELL.findall(xml):
                    formula = _FORMULA.search(inner or b"")
                    if formula is None:
                        continue
                    cell = _attributes(attrs)
                    value = _VALUE.search(inner)
                    if value is None or (not value.group(1) and cell.get("t") != "str"):
                        text = _xml_unescape((formula.group(1) or b"").decode("utf-8"))
                        found.append((sheet.get("name", ""), cell.get("r", ""), text))
            return tuple(found)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return ()


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
