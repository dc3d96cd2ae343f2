"""Tables written as markup: an HTML table saved with an `.xls` name (what web systems export and Excel
opens as a sheet), and Excel 2003 XML ("XML 电子表格 2003", another web-export favourite).

Both are parsed by lxml with entity expansion, DTD loading and the network switched off, and a DOCTYPE that
declares entities is refused before parsing. `rowspan`/`colspan` and `ss:MergeAcross`/`ss:MergeDown` become
merged ranges with the value in their first cell, as Excel shows them; extents are checked against the limits
before any grid is built.
"""

from __future__ import annotations

import re
from datetime import datetime

from kepu.sources.delimited import decode_text
from kepu.sources.read_limits import ReadError, ReadLimits
from kepu.transforms.grid import Book, CellRange, CellValue, Sheet

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", re.I)
_SPACES = re.compile(r"[ \t\r\f\v]+")
MAX_COVERED_CELLS = 200_000
"""Cells hidden under row spans, all ranges together: a real table spans a few rows at a time."""


def _refuse_entities(data: bytes) -> None:
    if _ENTITY_DECLARATION.search(data) is not None:
        raise ReadError("file_unsafe", "文件")


def _decode_html(data: bytes) -> str:
    """HTML text: a BOM, else the charset its <meta> declares (GB2312/GBK read as GB18030), else UTF-8, else
    GB18030."""
    if data[:3] == b"\xef\xbb\xbf" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return decode_text(data)
    declared = _META_CHARSET.search(data[:4096])
    if declared is not None:
        charset = declared[1].decode("ascii").lower()
        if charset in ("gb2312", "gbk", "gb18030", "x-gbk", "cp936"):
            return data.decode("gb18030", "replace")
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


class _Grid:
    """Cells placed by (row, col) with spans, checked against the limits as they are placed."""

    def __init__(self, name: str, limits: ReadLimits) -> None:
        self.name = name
        self.limits = limits
        self.cells: dict[tuple[int, int], CellValue] = {}
        self.merged: list[CellRange] = []
        self.covered: set[tuple[int, int]] = set()
        self.height = 0
        self.width = 0

    def place(self, row: int, col: int, value: CellValue, down: int = 0, across: int = 0) -> None:
        limits = self.limits
        last_row, last_col = row + down, col + across
        if last_row >= limits.max_rows or last_col >= limits.max_columns:
            raise ReadError("file_too_large", f"表格“{self.name}”超过 {limits.max_rows:,} 行或 {limits.max_columns:,} 列")
        if isinstance(value, str) and len(value) > limits.max_cell_chars:
            raise ReadError("file_too_large", f"表格“{self.name}”有单元格长达 {len(value):,} 个字符，超过上限")
        if value is not None and value != "":
            self.cells[(row, col)] = value
        if down or across:
            covering = down * (across + 1)
            if len(self.merged) >= limits.max_merged_ranges or len(self.covered) + covering > MAX_COVERED_CELLS:
                raise ReadError("file_too_large", f"表格“{self.name}”的合并单元格超出读取上限")
            self.merged.append((row, col, last_row, last_col))
            if down:
                self.covered.update((r, c) for r in range(row + 1, last_row + 1) for c in range(col, last_col + 1))
        self.height = max(self.height, last_row + 1)
        self.width = max(self.width, last_col + 1)
        if self.height * self.width > limits.max_cells:
            raise ReadError("file_too_large", f"表格“{self.name}”超过 {limits.max_cells:,} 个单元格")

    def sheet(self, hidden: bool = False) -> Sheet:
        rows = tuple(tuple(self.cells.get((r, c)) for c in range(self.width)) for r in range(self.height))
        return Sheet(name=self.name, rows=rows, merged=tuple(self.merged), hidden=hidden)


# --- HTML ---------------------------------------------------------------------------------------------------

def read_html(data: bytes, name: str, limits: ReadLimits) -> Book:
    """Each top-level <table> of an HTML file as a sheet (the first named after the file, as Excel does)."""
    import lxml.html

    _refuse_entities(data)
    text = _decode_html(data)
    parser = lxml.html.HTMLParser(recover=True, no_network=True, remove_comments=True, remove_pis=True,
                                  huge_tree=False)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except Exception:  # noqa: BLE001 — lxml raises ParserError on empty documents
        raise ReadError("file_not_spreadsheet", "网页（HTML），其中没有表格") from None
    tables = [t for t in root.iter("table") if not any(a.tag == "table" for a in t.iterancestors())]
    if not tables:
        raise ReadError("file_not_spreadsheet", "网页（HTML），其中没有表格")
    sheets = []
    for n, table in enumerate(tables):
        title = name if n == 0 else f"{name} ({n + 1})"
        sheets.append(_html_table(table, title, limits))
    return Book(tuple(sheets))


def _html_table(table, name: str, limits: ReadLimits) -> Sheet:
    grid = _Grid(name, limits)
    r = 0
    for tr in table.iter("tr"):
        if next((a for a in tr.iterancestors("table")), None) is not table:
            continue
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in grid.covered:
                c += 1
            across = _span(td.get("colspan"), limits.max_columns) - 1
            down = _span(td.get("rowspan"), limits.max_rows) - 1
            grid.place(r, c, _html_value(td), down, across)
            c += across + 1
        r += 1
    return grid.sheet()


def _span(value: str | None, limit: int) -> int:
    digits = re.match(r"\s*([0-9]{1,7})", value or "")
    return min(max(int(digits[1]), 1), limit) if digits else 1


def _html_value(td) -> CellValue:
    """A cell's text (`<br>` a line break), or Excel's own number (`x:num`) when it wrote one."""
    number = td.get("x:num")
    if number not in (None, ""):
        try:
            return float(number)
        except ValueError:
            pass
    for br in td.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = [_SPACES.sub(" ", line).strip() for line in td.text_content().replace("\xa0", " ").split("\n")]
    text = "\n".join(line for line in lines if line)
    return text or None


# --- Excel 2003 XML -------------------------------------------------------------------------------------------

SS = "urn:schemas-microsoft-com:office:spreadsheet"
X = "urn:schemas-microsoft-com:office:excel"


def _ss(tag: str) -> str:
    return f"{{{SS}}}{tag}"


def safe_xml(data: bytes, damaged: str):
    """The root element of submitted XML, parsed with entities, DTDs and the network off; `damaged`: the
    reason given when it does not parse."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError:
        raise ReadError("file_unreadable", damaged) from None


def read_xml2003(data: bytes, name: str, limits: ReadLimits) -> Book:
    """Each <Worksheet> of an Excel 2003 XML workbook as a sheet."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ReadError("file_unsafe", "文件")
    root = safe_xml(data, "XML 表格文件已损坏（结构不完整）")
    sheets = []
    for n, worksheet in enumerate(root.iter(_ss("Worksheet"))):
        if n >= limits.max_sheets:
            raise ReadError("file_too_large", f"工作簿超过 {limits.max_sheets} 张工作表")
        title = worksheet.get(_ss("Name")) or f"Sheet{n + 1}"
        visible = worksheet.find(f"{{{X}}}WorksheetOptions/{{{X}}}Visible")
        hidden = visible is not None and (visible.text or "").strip() in ("SheetHidden", "SheetVeryHidden")
        grid = _Grid(title, limits)
        table = worksheet.find(_ss("Table"))
        if table is not None:
            _xml2003_rows(table, grid)
        sheets.append(grid.sheet(hidden))
    if not sheets:
        raise ReadError("file_unreadable", "XML 表格文件中没有工作表")
    return Book(tuple(sheets))


def _xml2003_rows(table, grid: _Grid) -> None:
    r = -1
    for row in table.iter(_ss("Row")):
        r = _index(row.get(_ss("Index")), r, grid)
        c = -1
        for cell in row.iter(_ss("Cell")):
            c = _index(cell.get(_ss("Index")), c, grid)
            while (r, c) in grid.covered:
                c += 1
            across = _span(cell.get(_ss("MergeAcross")), grid.limits.max_columns - 1) if cell.get(_ss("MergeAcross")) else 0
            down = _span(cell.get(_ss("MergeDown")), grid.limits.max_rows - 1) if cell.get(_ss("MergeDown")) else 0
            grid.place(r, c, _xml2003_value(cell.find(_ss("Data"))), down, across)
            c += across


def _index(written: str | None, previous: int, grid: _Grid) -> int:
    """The 0-based position of a Row or Cell: its ss:Index (1-based) or the one after the previous."""
    if written is None:
        return previous + 1
    digits = re.match(r"\s*([0-9]{1,9})", written)
    index = int(digits[1]) - 1 if digits else previous + 1
    if index >= max(grid.limits.max_rows, grid.limits.max_columns):
        raise ReadError("file_too_large", f"表格“{grid.name}”的位置超出读取上限（第 {index + 1:,} 行或列）")
    return max(index, previous + 1)


def _xml2003_value(data) -> CellValue:
    if data is None:
        return None
    text = "".join(data.itertext())
    kind = data.get(_ss("Type"), "String")
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text.strip() or None
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(text.strip()[:19])
        except ValueError:
            return text.strip() or None
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    return text if text.strip() else None
