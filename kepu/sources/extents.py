"""How large each sheet of a workbook is, read from the file's own structure before calamine builds it.

calamine holds a sheet as one dense rectangle spanning its values: a value in A1 and another in XFD1048576
make it allocate 17 billion cells, and the process dies (Rust aborts on a failed allocation; no exception is
raised). So before calamine sees a workbook, every sheet's values are located cheaply — cell references in
the XML (xlsx/xlsm), repeat counts in content.xml (ods), record headers (xlsb, xls) — and a sheet whose
rectangle is over the limits refuses the file. The same pass inflates each XML part under a byte cap that
holds even when the zip directory lies, and refuses any part that declares a DOCTYPE or entities (no
spreadsheet program writes one; expanding them is how an XML bomb works).
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from kepu.sources.bundles import zip_directory_problem
from kepu.sources.read_limits import ReadError, ReadLimits, mb
from kepu.transforms.grid import a1


@dataclass
class Extent:
    """The rectangle a sheet's values span, 0-based and inclusive; empty while no value was seen."""

    first_row: int = -1
    first_col: int = -1
    last_row: int = -1
    last_col: int = -1

    def add(self, row: int, col: int, last_row: int | None = None, last_col: int | None = None) -> None:
        last_row = row if last_row is None else last_row
        last_col = col if last_col is None else last_col
        if self.first_row < 0:
            self.first_row, self.first_col, self.last_row, self.last_col = row, col, last_row, last_col
            return
        self.first_row = min(self.first_row, row)
        self.first_col = min(self.first_col, col)
        self.last_row = max(self.last_row, last_row)
        self.last_col = max(self.last_col, last_col)

    @property
    def rows(self) -> int:
        return 0 if self.first_row < 0 else self.last_row - self.first_row + 1

    @property
    def columns(self) -> int:
        return 0 if self.first_col < 0 else self.last_col - self.first_col + 1

    def check(self, limits: ReadLimits) -> None:
        """Refuse the file when this sheet's rectangle is beyond what a report can be."""
        rows, columns = self.rows, self.columns
        if rows <= limits.max_rows and columns <= limits.max_columns and rows * columns <= limits.max_cells:
            return
        raise ReadError("file_too_large", f"有工作表的数据区域达 {rows:,} 行 × {columns:,} 列（{a1(self.first_row, self.first_col)}"
                                          f" 至 {a1(self.last_row, self.last_col)}），超出读取上限"
                                          f"（{limits.max_rows:,} 行、{limits.max_columns:,} 列、"
                                          f"{limits.max_cells:,} 个单元格）")


# --- zip-based workbooks ------------------------------------------------------------------------------------

XLSB_MAX_SHEET_BYTES = 16 * 1024 * 1024
"""Binary sheets are walked record by record in Python: a tighter cap keeps that walk within a second or two."""

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DOCTYPE = (b"<!DOCTYPE", b"<!ENTITY")


def _has_formula(data: bytes) -> bool:
    """Whether a sheet part holds a formula (`<f>`, `<f t="shared" …/>`, `<x:f>`), by plain byte search."""
    for opening in (b"<f", b":f"):
        at = data.find(opening)
        while at >= 0:
            if data[at + 2:at + 3] in (b" ", b">", b"/"):
                return True
            at = data.find(opening, at + 2)
    return False


def check_zip_workbook(path: Path, fmt: str, limits: ReadLimits) -> frozenset[str]:
    """Refuse a zip-based workbook (xlsx, xlsb, ods) over a limit: first its zip directory (sizes, ratios,
    counts, before inflating anything), then each XML part as it is inflated (a DOCTYPE, more bytes than the
    directory said) and the extent of every sheet. Returns the worksheet parts holding formulas (the only
    ones worth a look for formulas saved without a result)."""
    with_formulas: set[str] = set()
    try:
        with zipfile.ZipFile(path) as zf:
            problem = zip_directory_problem(zf, path.stat().st_size, limits.zip)
            if problem is not None:
                over = any(word in problem for word in ("上限", "压缩比", "过多"))
                raise ReadError("file_too_large" if over else "file_unreadable",
                                f"工作簿中的{problem}" if problem.startswith("“") else problem)
            for info in zf.infolist():
                name = info.filename.lower()
                if info.is_dir():
                    continue
                if fmt == "xlsb" and name.startswith("xl/worksheets/") and name.endswith(".bin"):
                    _xlsb_sheet_extent(inflate(zf, info, min(XLSB_MAX_SHEET_BYTES, limits.zip.max_member_bytes)),
                                       info.filename).check(limits)
                    continue
                if not name.endswith(_XML_SUFFIXES):
                    continue
                data = inflate(zf, info, limits.zip.max_member_bytes)
                if any(marker in data for marker in _DOCTYPE):
                    raise ReadError("file_unsafe", f"工作簿中的“{info.filename}”")
                if fmt == "xlsx" and name.startswith("xl/worksheets/"):
                    _xlsx_sheet_extent(data, limits).check(limits)
                    _check_merged(data.count(b"mergeCell "), limits)
                    if _has_formula(data):
                        with_formulas.add(info.filename)
                elif fmt == "ods" and name == "content.xml":
                    for extent in _ods_extents(data):
                        extent.check(limits)
    except zipfile.BadZipFile:
        raise ReadError("file_unreadable", "压缩结构已损坏，文件可能不完整或被截断") from None
    except (NotImplementedError, RuntimeError):
        raise ReadError("file_unreadable", "文件使用了不支持的压缩方式或已加密") from None
    except (EOFError, OSError, ValueError, struct.error):
        raise ReadError("file_unreadable", "工作簿中的部件已损坏（解压出错）") from None
    return frozenset(with_formulas)


def inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, package: str = "工作簿") -> bytes:
    """A member's bytes, never more than `cap` nor more than the directory declared (a lying directory is
    caught here, not inside the reader). `package`: what the office calls the file (工作簿, Word 文档)."""
    with zf.open(info) as stream:
        data = stream.read(min(cap, info.file_size) + 1)
    if len(data) > info.file_size:
        raise ReadError("file_too_large", f"{package}中的“{info.filename}”解压后比压缩目录所记的更大（疑似压缩炸弹）")
    if len(data) > cap:
        raise ReadError("file_too_large", f"{package}中的“{info.filename}”解压后超过 {mb(cap)}")
    return data


def _check_merged(count: int, limits: ReadLimits) -> None:
    if count > limits.max_merged_ranges:
        raise ReadError("file_too_large", f"有工作表含 {count:,} 个合并单元格区域，超出读取上限（{limits.max_merged_ranges:,} 个）")


_NS = rb"(?:[\w.-]+:)?"
_VALUE_CELL = re.compile(
    rb"<" + _NS + rb"c\s[^>]*?\br=\"([A-Za-z]{1,4})([0-9]{1,9})\"[^>]*>"
    rb"(?:<" + _NS + rb"f\b[^>]*?(?:/>|>[^<]*</" + _NS + rb"f>))?<" + _NS + rb"(?:v|is)\b")
_CELL_WITHOUT_REF = re.compile(rb"<" + _NS + rb"c(?:\s(?:(?!\br=)[^>])*)?/?>")
_SHEET_TOKEN = re.compile(rb"<(/?)" + _NS + rb"(row|c|v|is)\b([^>]*?)(/?)>")
_ROW_REF = re.compile(rb"\br=\"([0-9]{1,9})\"")
_CELL_REF = re.compile(rb"\br=\"([A-Za-z]{1,4})([0-9]{1,9})\"")


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


_PLAIN_VALUE_CELL = re.compile(rb'<c r="([A-Z]{1,4})([0-9]{1,9})"[^>]*>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?<(?:v|is)\b')


_ROW_TAG = re.compile(rb'<row r="([0-9]{1,9})"')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,4})')


def _plain_bound(data: bytes, limits: ReadLimits) -> Extent | None:
    """An upper bound on a plainly written sheet's extent — its row tags × the columns of all its cells,
    formatted empty ones included — in two quick passes, when that bound is within the limits; else None, and
    the values themselves are located (a formatted but empty row 1,048,576 is no reason to refuse a file)."""
    rows = list(map(int, _ROW_TAG.findall(data)))
    if not rows:
        return Extent()
    columns = [_column_index(letters) for letters in set(_CELL_COLUMN.findall(data))] or [0]
    extent = Extent()
    extent.add(min(rows) - 1, min(columns), max(rows) - 1, max(columns))
    fits = extent.rows <= limits.max_rows and extent.columns <= limits.max_columns \
        and extent.rows * extent.columns <= limits.max_cells
    return extent if fits else None


def _xlsx_sheet_extent(data: bytes, limits: ReadLimits) -> Extent:
    """Where a worksheet part's values are. Cells written the way Excel, WPS and every library write them
    (`<c r="B7" …>`, reference first, no namespace prefix) are found by one pass of one pattern, the extremes
    taken in C; a part with cells written otherwise (a prefix, the reference later, or none: positional) is
    walked tag by tag."""
    extent = Extent()
    cells = data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/>")
    plain = cells == data.count(b'<c r="') and b":c " not in data and b":c>" not in data
    if plain and data.count(b"<row ") + data.count(b"<row>") == data.count(b'<row r="'):
        bound = _plain_bound(data, limits)
        if bound is not None:
            return bound
    if plain:
        found = _PLAIN_VALUE_CELL.findall(data)
        if found:
            letters, digits = zip(*found)
            rows = list(map(int, digits))
            columns = [_column_index(column) for column in set(letters)]
            extent.add(min(rows) - 1, min(columns), max(rows) - 1, max(columns))
        return extent
    if _CELL_WITHOUT_REF.search(data) is None:
        for letters, digits in _VALUE_CELL.findall(data):
            extent.add(int(digits) - 1, _column_index(letters))
        return extent
    row, col, cell_at, opened = -1, -1, (0, 0), False
    for closing, tag, attrs, empty in _SHEET_TOKEN.findall(data):
        if tag == b"row" and not closing:
            ref = _ROW_REF.search(attrs)
            row, col = (int(ref[1]) - 1 if ref else row + 1), -1
        elif tag == b"c" and not closing:
            ref = _CELL_REF.search(attrs)
            col = _column_index(ref[1]) if ref else col + 1
            cell_at, opened = (int(ref[2]) - 1 if ref else max(row, 0), col), not empty
        elif tag in (b"v", b"is") and not closing and opened:
            extent.add(*cell_at)
    return extent


_ODS_TOKEN = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)\b([^>]*?)(/?)>")
_ROWS_REPEATED = re.compile(rb"number-rows-repeated=\"([0-9]{1,12})\"")
_COLUMNS_REPEATED = re.compile(rb"number-columns-repeated=\"([0-9]{1,12})\"")


def _ods_extents(data: bytes) -> list[Extent]:
    """Each table's extent in content.xml. A cell with content repeated 16,384 times across a row repeated a
    million times is what LibreOffice would expand: repeats count; empty cells (self-closing, no value type)
    do not, since calamine skips them."""
    extents: list[Extent] = []
    extent = Extent()
    row = col = 0
    row_repeat = 1
    row_cols: tuple[int, int] | None = None
    depth = 0
    for closing, tag, attrs, empty in _ODS_TOKEN.findall(data):
        if tag == b"table":
            if closing:
                depth -= 1
                if depth == 0:
                    extents.append(extent)
            elif not empty:
                depth += 1
                if depth == 1:
                    extent, row = Extent(), 0
        elif tag == b"table-row":
            if closing:
                if row_cols is not None:
                    extent.add(row, row_cols[0], row + row_repeat - 1, row_cols[1])
                row += row_repeat
            else:
                repeat = _ROWS_REPEATED.search(attrs)
                row_repeat = int(repeat[1]) if repeat else 1
                col, row_cols = 0, None
                if empty:
                    row += row_repeat
        elif not closing:
            repeat = _COLUMNS_REPEATED.search(attrs)
            count = int(repeat[1]) if repeat else 1
            if not empty or b"value-type" in attrs:
                first, last = col, col + count - 1
                row_cols = (first, last) if row_cols is None else (min(row_cols[0], first), max(row_cols[1], last))
            col += count
    return extents


_XLSB_ROW_HEADER = 0x0000
_XLSB_VALUE_CELLS = range(0x0002, 0x000C)
"""BrtCellRk … BrtFmlaError: cells with a value (BrtCellBlank, 0x0001, holds only a format)."""


def _xlsb_sheet_extent(data: bytes, name: str) -> Extent:
    extent = Extent()
    view = memoryview(data)
    offset, end, row = 0, len(data), 0
    try:
        while offset < end:
            kind = view[offset]
            offset += 1
            if kind & 0x80:
                kind = (kind & 0x7F) | ((view[offset] & 0x7F) << 7)
                offset += 1
            size = shift = 0
            for _ in range(4):
                byte = view[offset]
                offset += 1
                size |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            if kind == _XLSB_ROW_HEADER and size >= 4:
                row = struct.unpack_from("<I", view, offset)[0]
            elif kind in _XLSB_VALUE_CELLS and size >= 4:
                extent.add(row, struct.unpack_from("<I", view, offset)[0])
            offset += size
    except (IndexError, struct.error):
        raise ReadError("file_unreadable", f"工作簿中的“{name}”已损坏（记录不完整）") from None
    return extent


# --- legacy .xls ---------------------------------------------------------------------------------------------

XLS_MAX_STREAM_BYTES = 48 * 1024 * 1024
_BOF = 0x0809
_XLS_EOF = 0x000A
_MULRK = 0x00BD
_MERGEDCELLS = 0x00E5
_XLS_VALUE_CELLS = frozenset({0x0006, 0x0406, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6})
"""FORMULA, NUMBER, LABEL, BOOLERR, RK, LABELSST, RSTRING (BLANK and MULBLANK hold only a format)."""


def check_xls(path: Path, limits: ReadLimits) -> None:
    """Refuse a BIFF workbook whose sheets span more than the limits, from its cell records' row and
    column, before calamine (which reads every sheet when the file is opened) allocates them."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            _check_sector_chains(ole)
            name = next(n for n in ("Workbook", "Book", "WORKBOOK", "BOOK") if ole.exists(n))
            if ole.get_size(name) > XLS_MAX_STREAM_BYTES:
                raise ReadError("file_too_large", f"Excel 97-2003 工作簿数据达 {mb(ole.get_size(name))}，超过 {mb(XLS_MAX_STREAM_BYTES)}")
            stream = ole.openstream(name).read()
    except ReadError:
        raise
    except Exception:  # noqa: BLE001 — olefile on a damaged file
        raise ReadError("file_unreadable", "Excel 97-2003 文件结构已损坏，文件可能不完整或被截断") from None
    for extent, merged in _xls_extents(stream):
        extent.check(limits)
        _check_merged(merged, limits)


_END_OF_CHAINS = 0xFFFFFFFA
"""FAT values from here up end a chain (ENDOFCHAIN, FREESECT, FATSECT, DIFSECT, reserved)."""


def _check_sector_chains(ole) -> None:
    """Refuse a compound file whose sector chains (the directory's, the mini FAT's, each stream's) loop or run
    off the FAT: calamine follows a chain until its end marker, so a loop (a zeroed FAT points every sector at
    sector 0) grows its buffer until the process is killed."""
    fat = ole.fat
    size = len(fat)
    starts = [ole.first_dir_sector]
    if ole.num_mini_fat_sectors:
        starts.append(ole.first_mini_fat_sector)
    for entry in ole.direntries:
        if entry is not None and (entry.entry_type == 5 or entry.size >= ole.mini_stream_cutoff_size):
            starts.append(entry.isectStart)
    steps = 0
    for start in starts:
        seen: set[int] = set()
        sector = start
        while sector < _END_OF_CHAINS:
            steps += 1
            if sector >= size or sector in seen or steps > 4 * size + 64:
                raise ReadError("file_unreadable", "Excel 97-2003 文件结构已损坏（扇区链循环或越界）")
            seen.add(sector)
            sector = fat[sector]


def _xls_extents(stream: bytes) -> list[tuple[Extent, int]]:
    found: list[tuple[Extent, int]] = []
    extent, merged = Extent(), 0
    offset, end = 0, len(stream)
    while offset + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, offset)
        body = offset + 4
        offset = body + length
        if kind == _BOF:
            extent, merged = Extent(), 0
        elif kind == _XLS_EOF:
            found.append((extent, merged))
        elif kind in _XLS_VALUE_CELLS and length >= 4:
            row, col = struct.unpack_from("<HH", stream, body)
            extent.add(row, col)
        elif kind == _MULRK and length >= 6 and body + length <= end:
            row, first = struct.unpack_from("<HH", stream, body)
            (last,) = struct.unpack_from("<H", stream, body + length - 2)
            extent.add(row, first, row, max(first, last))
        elif kind == _MERGEDCELLS and length >= 2:
            merged += struct.unpack_from("<H", stream, body)[0]
    found.append((extent, merged))
    return found
