"""Reading one received file into a `transforms.grid.Book`, whatever it was saved as.

The content decides the reader, never the name (kepu.sources.sniff): xlsx/xlsm, xlsb, ods and legacy xls
through calamine, after their structure was checked against the limits (kepu.sources.extents); HTML tables
and Excel 2003 XML through lxml with entities and the network off (kepu.sources.markup); CSV, TSV and
tab-separated text in the encodings offices use (kepu.sources.delimited). Work per file is bounded: a sheet
whose first rows hold no activity-table header is kept only as far as those rows (that is all the parser
looks at in such a sheet), so a 50,000-row station list costs its head, not its length.

Whatever goes wrong becomes a `ReadError` naming an issue code and saying, in Chinese, what the file is or
what is wrong with it; everything after the Book is pure.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from kepu.sources.delimited import read_delimited
from kepu.sources.documents import read_docx, text_paragraphs
from kepu.sources.extents import check_xls, check_zip_workbook
from kepu.sources.markup import read_html, read_xml2003
from kepu.sources.read_limits import DEFAULT_LIMITS, ReadError, ReadLimits, mb
from kepu.sources.sniff import HEAD_BYTES, office_document, sniff
from kepu.transforms.detail import HEAD_ROWS, header_in_head
from kepu.transforms.grid import Book, Sheet

__all__ = ["ReadError", "ReadLimits", "read_book", "formulas_without_value"]

CALAMINE_FORMATS = ("xlsx", "xlsb", "ods", "xls")
_FIGURE_DIGIT = re.compile(r"[0-9０-９]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
WORD_SUFFIXES = (".doc", ".docx", ".docm", ".wps", ".dot", ".dotx")
SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".et", ".ods", ".csv", ".tsv")
"""The names spreadsheets usually carry: used only where a name is all there is to go on (is a mail attachment a
submission or a cover letter?). A file that is taken in is judged by its content, whatever its name."""
NARRATIVE_SUFFIXES = (".docx", ".txt")
"""The names of the narrative reports (总结, SPEC §3.13) this reader reads: a Word document and plain text. A `.doc`,
`.docm` or PDF is refused with its reason when it comes alone, never read."""


def read_book(path: Path, name: str | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> Book:
    """The file at `path` as a Book; `name` is how the office knows it (`双流区/东升街道.csv`, a bundle member
    `汇总.zip/东升街道.csv`), which names the one sheet of a CSV or HTML file as Excel would. Raises ReadError
    for anything that is not a readable submission, whatever went wrong inside the readers."""
    stem = PurePosixPath(name or path.name).stem or path.stem
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
        fmt = sniff(path, head, size)
        if size > limits.max_file_bytes:
            raise ReadError("file_too_large", f"文件大小 {mb(size)}，超过 {mb(limits.max_file_bytes)}")
        if fmt in CALAMINE_FORMATS:
            with_formulas: frozenset[str] = frozenset()
            if fmt == "xls":
                check_xls(path, limits)
            else:
                with_formulas = check_zip_workbook(path, fmt, limits)
            if fmt == "xlsx":
                with _standard_package(path) as standard:
                    return _read_calamine(standard, fmt, limits, with_formulas)
            return _read_calamine(path, fmt, limits, with_formulas)
        if fmt == "docx":
            return read_docx(path, limits)
        if size > limits.max_text_bytes:
            raise ReadError("file_too_large", f"文本文件大小 {mb(size)}，超过 {mb(limits.max_text_bytes)}")
        data = path.read_bytes()
        if fmt == "html":
            if PurePosixPath(name or path.name).suffix.lower() in WORD_SUFFIXES:
                raise ReadError("document_unsupported", "网页（HTML）另存为 Word 文档")
            return read_html(data, stem, limits)
        if fmt == "xml2003":
            return read_xml2003(data, stem, limits)
        return _read_text(data, stem, limits, PurePosixPath(name or path.name).suffix.lower())
    except ReadError:
        raise
    except MemoryError:
        raise ReadError("file_too_large", "读取时内存不足") from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 — a reader failing on an odd file is that file's problem, not
        # the run's; calamine's Rust panics arrive as pyo3's PanicException, a BaseException
        raise ReadError("file_unreadable", _damage(exc)) from exc


@contextmanager
def _standard_package(path: Path) -> Iterator[Path]:
    """The xlsx at `path`, or, when its workbook part is not at `xl/workbook.xml` (valid: Excel follows the
    package's `_rels/.rels`), a copy beside it in a temporary folder with that part and its relationships at
    the names the reader expects. The part must sit in `xl/`, where its relationships' targets stay valid."""
    with zipfile.ZipFile(path) as zf:
        names = {info.filename.replace("\\", "/").lstrip("/").lower(): info.filename for info in zf.infolist()}
        if "xl/workbook.xml" in names:
            yield path
            return
        member = office_document(zf, names)
        if member is None:
            yield path
            return
        folder, _, part = member.replace("\\", "/").lstrip("/").rpartition("/")
        if folder.lower() != "xl":
            raise ReadError("file_unsupported", f"工作簿主体部件位于“{member}”（不在 xl/ 目录），请在 Excel 中另存为 xlsx")
        rels = names.get(f"xl/_rels/{part.lower()}.rels")
        renamed = {member: "xl/workbook.xml", **({rels: "xl/_rels/workbook.xml.rels"} if rels else {})}
        with tempfile.TemporaryDirectory(prefix="kepu-xlsx-") as folder_path:
            copy = Path(folder_path) / "book.xlsx"
            with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
                for info in zf.infolist():
                    out.writestr(renamed.get(info.filename, info.filename), zf.read(info))
            yield copy


def _read_text(data: bytes, stem: str, limits: ReadLimits, suffix: str) -> Book:
    """A CSV or TSV table, or plain text (a 总结 saved as .txt, SPEC §3.13): text no delimiter splits, or a .txt
    whose lines a delimiter splits into fewer than three cells (prose with a stray comma), is a narrative: its
    lines are its paragraphs. Under another name, text without a digit or without Chinese (a log file, a note)
    stays refused as plain text."""
    try:
        book = read_delimited(data, stem, limits)
    except ReadError as exc:
        if exc.code != "file_not_spreadsheet":
            raise
        paragraphs = text_paragraphs(data)
        if suffix != ".txt" and not (any(_FIGURE_DIGIT.search(p) for p in paragraphs)
                                     and any(_CJK.search(p) for p in paragraphs)):
            raise  # a log, a note with no number, under another name: plain text, not a report
        return Book((), paragraphs=paragraphs)
    if suffix == ".txt" and not any(sum(cell is not None for cell in row) >= 3 for sheet in book.sheets
                                    for row in sheet.rows):
        return Book((), paragraphs=text_paragraphs(data))
    return book


def _read_calamine(path: Path, fmt: str, limits: ReadLimits, with_formulas: frozenset[str] = frozenset()) -> Book:
    import python_calamine as calamine

    try:
        with open(path, "rb") as handle:
            workbook = calamine.CalamineWorkbook.from_filelike(handle)
    except calamine.PasswordError:
        raise ReadError("file_encrypted", "工作簿设有打开密码") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 — calamine raises unrelated types for damaged files, and panics
        raise ReadError("file_unreadable", _damage(exc)) from None
    try:
        metadata = workbook.sheets_metadata
        if len(metadata) > limits.max_sheets:
            raise ReadError("file_too_large", f"工作簿有 {len(metadata)} 张工作表，超过 {limits.max_sheets} 张")
        sheets = [_read_sheet(workbook, meta, limits) for meta in metadata
                  if meta.typ == calamine.SheetTypeEnum.WorkSheet]
    except ReadError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 — including pyo3's PanicException
        raise ReadError("file_unreadable", _damage(exc)) from None
    finally:
        workbook.close()
    formulas = formulas_without_value(path, with_formulas) if fmt == "xlsx" and with_formulas else ()
    return Book(tuple(sheets), formulas)


def _read_sheet(workbook, meta, limits: ReadLimits) -> Sheet:
    """One worksheet: its head always; all its rows only when the head holds an activity-table header.
    Hidden sheets (old copies) are kept as their head, flagged."""
    import python_calamine as calamine

    sheet = workbook.get_sheet_by_name(meta.name)
    start = sheet.start or (0, 0)
    merged_ranges = sheet.merged_cell_ranges or ()
    if len(merged_ranges) > limits.max_merged_ranges:
        raise ReadError("file_too_large", f"工作表“{meta.name}”含 {len(merged_ranges):,} 个合并单元格区域，"
                                          f"超出读取上限（{limits.max_merged_ranges:,} 个）")
    merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in merged_ranges)
    hidden = meta.visible != calamine.SheetVisibleEnum.Visible
    head = Sheet(meta.name, _cells(sheet.to_python(skip_empty_area=True, nrows=HEAD_ROWS), meta.name, limits),
                 start[0], start[1], merged, hidden)
    if hidden or sheet.height <= HEAD_ROWS or not header_in_head(head):
        return Sheet(meta.name, head.rows, start[0], start[1], merged, hidden,
                     rows_not_read=max(sheet.height - head.height, 0))
    return Sheet(meta.name, _cells(sheet.to_python(skip_empty_area=True), meta.name, limits),
                 start[0], start[1], merged, hidden)


def _cells(rows: list[list], sheet: str, limits: ReadLimits) -> tuple[tuple, ...]:
    """calamine's rows as grid rows: "" is an empty cell; a text longer than Excel itself allows refuses the
    file (no spreadsheet program wrote it)."""
    out = []
    for row in rows:
        cells = []
        for value in row:
            if value == "":
                cells.append(None)
                continue
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise ReadError("file_too_large", f"工作表“{sheet}”有单元格长达 {len(value):,} 个字符，"
                                                  f"超过 Excel 本身的上限（{limits.max_cell_chars:,} 个）")
            cells.append(value)
        out.append(tuple(cells))
    return tuple(out)


_DAMAGE = (
    (re.compile(r"password|encrypt", re.I), "工作簿设有打开密码或已加密"),
    (re.compile(r"zip|deflate|crc|central directory|eof|end of", re.I), "压缩结构已损坏，文件可能不完整或被截断"),
    (re.compile(r"xml|utf-?8|entity|tag|attribute|namespace", re.I), "工作簿中的 XML 内容已损坏"),
    (re.compile(r"cfb|ole|sector|fat|stream|biff|record|bof|sst", re.I), "Excel 97-2003 文件结构已损坏"),
    (re.compile(r"sheet|relationship|workbook|not found|missing|no entry|key", re.I), "工作簿缺少必要的组成部分（工作表或其目录）"),
)


def _damage(exc: BaseException) -> str:
    """What a reader's (English) exception means for the office, in Chinese; never the library's words."""
    text = f"{type(exc).__name__} {exc}"
    return next((said for pattern, said in _DAMAGE if pattern.search(text)), "文件内容已损坏，无法识别其中的表格")


# --- formulas saved without a cached value -----------------------------------------------------------------

_TAG_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>((?:(?!</?(?:\w+:)?c\b).)*)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?v>)")
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
MAX_FORMULAS_REPORTED = 200


def _attributes(tag: bytes) -> dict[str, str]:
    return {key.decode().split(":")[-1]: _xml_unescape(value.decode("utf-8", "replace")) for key, value in
            _TAG_ATTR.findall(tag)}


def formulas_without_value(source: Path | bytes, parts: frozenset[str] | None = None
                           ) -> tuple[tuple[str, str, str], ...]:
    """(sheet, A1, formula) of formula cells saved without a cached result (e.g. written by a script,
    never opened in Excel). calamine shows them as empty; the parser warns instead of silently counting 0.
    An empty text result (`t="str"` with an empty value) is a result, not a missing one. Linear in the
    sheet's size (a cell's content is never scanned past the next cell), at most MAX_FORMULAS_REPORTED; only
    the `parts` known to hold formulas are read, when given."""
    try:
        with zipfile.ZipFile(source if isinstance(source, Path) else _bytes_io(source)) as zf:
            workbook_xml = zf.read("xl/workbook.xml")
            rels_xml = zf.read("xl/_rels/workbook.xml.rels")
            targets = {a.get("Id"): a.get("Target", "") for a in map(_attributes, _REL_TAG.findall(rels_xml))}
            found = []
            for sheet in map(_attributes, _SHEET_TAG.findall(workbook_xml)):
                target = targets.get(sheet.get("id"), "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if parts is not None and part not in parts:
                    continue
                try:
                    xml = zf.read(part)
                except KeyError:
                    continue
                if _HAS_FORMULA.search(xml) is None:
                    continue
                for attrs, inner in _CELL.findall(xml):
                    formula = _FORMULA.search(inner or b"")
                    if formula is None:
                        continue
                    cell = _attributes(attrs)
                    value = _VALUE.search(inner)
                    if value is None or (not value.group(1) and cell.get("t") != "str"):
                        text = _xml_unescape((formula.group(1) or b"").decode("utf-8", "replace"))
                        found.append((sheet.get("name", ""), cell.get("r", ""), text))
                        if len(found) >= MAX_FORMULAS_REPORTED:
                            return tuple(found)
            return tuple(found)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        return ()


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))
