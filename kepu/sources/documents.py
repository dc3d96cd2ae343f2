"""Narrative reports (总结, SPEC §3.13): a Word `.docx` or a plain `.txt` as a `Book` of paragraphs and tables.

A `.docx` is a zip of XML, like an xlsx, and gets the same checks before a byte is parsed: its zip directory
(sizes, ratios, member count: a zip bomb is refused unopened), then every XML part as it is inflated (a DOCTYPE
or ENTITY declaration refuses the file), then the body's size. A macro-enabled document (`.docm`, a
`vbaProject.bin` part) is refused, whatever its name. The body is parsed by lxml with entities, DTDs and the
network off; its paragraphs keep their order (`Book.paragraphs`, the 1st non-empty paragraph is 第1段) and each
table becomes a sheet (`表1`, `表2` …) read by the same header and row rules as a worksheet.

A `.txt` is decoded as UTF-8, UTF-16 or GB18030 (GBK is its subset); each non-empty line is a paragraph.

`.doc` (Word 97-2003), RTF, HTML saved as `.doc` and PDF are refused with a reason (kepu.sources.sniff): no
library installed here reads them reliably.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from kepu.sources.bundles import zip_directory_problem
from kepu.sources.delimited import decode_text
from kepu.sources.extents import inflate
from kepu.sources.markup import safe_xml
from kepu.sources.read_limits import ReadError, ReadLimits, mb
from kepu.transforms.grid import Book, Sheet

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCTYPE = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")
MAX_PARAGRAPHS = 20_000
"""A 科普日 summary has tens of paragraphs; a file with more is not one."""


def is_macro_document(names: list[str], content_types: bytes) -> bool:
    """Whether a Word zip carries macros: a VBA project part, or a macro-enabled main part declared."""
    return any(name.lower().rsplit("/", 1)[-1] in _MACRO_PARTS for name in names) \
        or b"macroEnabled" in content_types


def read_docx(path: Path, limits: ReadLimits) -> Book:
    """The paragraphs and tables of a Word document's body, in document order."""
    try:
        with zipfile.ZipFile(path) as zf:
            problem = zip_directory_problem(zf, path.stat().st_size, limits.zip)
            if problem is not None:
                over = any(word in problem for word in ("上限", "压缩比", "过多"))
                raise ReadError("file_too_large" if over else "file_unreadable", f"Word 文档中的{problem}"
                                if problem.startswith("“") else problem)
            infos = [info for info in zf.infolist() if not info.is_dir()]
            names = [info.filename.replace("\\", "/").lstrip("/") for info in infos]
            content_types = b""
            body = None
            for info, name in zip(infos, names):
                lower = name.lower()
                if not lower.endswith((".xml", ".rels")):
                    continue
                data = inflate(zf, info, limits.zip.max_member_bytes, package="Word 文档")
                if any(marker in data for marker in _DOCTYPE):
                    raise ReadError("file_unsafe", f"Word 文档中的“{name}”")
                if lower == "[content_types].xml":
                    content_types = data
                elif lower == "word/document.xml":
                    body = data
            if is_macro_document(names, content_types):
                raise ReadError("document_macro", "启用宏的 Word 文档（.docm）")
            if body is None:
                raise ReadError("file_unreadable", "Word 文档缺少正文部分（word/document.xml）")
            if len(body) > limits.max_text_bytes:
                raise ReadError("file_too_large", f"Word 文档正文 {mb(len(body))}，超过 {mb(limits.max_text_bytes)}")
    except zipfile.BadZipFile:
        raise ReadError("file_unreadable", "压缩结构已损坏，文件可能不完整或被截断") from None
    except (NotImplementedError, RuntimeError):
        raise ReadError("file_unreadable", "文件使用了不支持的压缩方式或已加密") from None
    except (EOFError, OSError, ValueError):
        raise ReadError("file_unreadable", "Word 文档中的部件已损坏（解压出错）") from None
    return _body_book(body, limits)


def _body_book(xml: bytes, limits: ReadLimits) -> Book:
    root = safe_xml(xml, "Word 文档正文的 XML 内容已损坏")
    body = root.find(f"{_W}body")
    if body is None:
        raise ReadError("file_unreadable", "Word 文档缺少正文（w:body）")
    paragraphs: list[str] = []
    sheets: list[Sheet] = []
    for element in _blocks(body):
        if element.tag == f"{_W}p":
            text = _paragraph_text(element).strip()
            if text:
                paragraphs.append(text)
                if len(paragraphs) > MAX_PARAGRAPHS:
                    raise ReadError("file_too_large", f"Word 文档超过 {MAX_PARAGRAPHS:,} 段")
        else:
            sheets.append(_table_sheet(element, f"表{len(sheets) + 1}", limits))
            if len(sheets) > limits.max_sheets:
                raise ReadError("file_too_large", f"Word 文档有超过 {limits.max_sheets} 个表格")
    return Book(tuple(sheets), paragraphs=tuple(paragraphs))


def _blocks(container):
    """Body paragraphs and top-level tables in document order (content controls opened)."""
    for child in container:
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _blocks(content)


def _paragraph_text(p) -> str:
    parts = []
    for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        else:
            parts.append(" ")
    return "".join(parts)


def _table_sheet(tbl, name: str, limits: ReadLimits) -> Sheet:
    """A Word table as a grid: `gridSpan` merges across, `vMerge` down, the value in the first cell."""
    rows: list[list[str | None]] = []
    merged: list[list[int]] = []
    vertical: dict[int, list[int]] = {}
    for r, tr in enumerate(tbl.iterchildren(f"{_W}tr")):
        if r >= limits.max_rows:
            raise ReadError("file_too_large", f"{name}超过 {limits.max_rows:,} 行")
        row: list[str | None] = []
        for tc in tr.iterchildren(f"{_W}tc"):
            props = tc.find(f"{_W}tcPr")
            span, v_merge = 1, None
            if props is not None:
                grid_span = props.find(f"{_W}gridSpan")
                if grid_span is not None:
                    try:
                        span = max(1, min(int(grid_span.get(f"{_W}val", "1")), limits.max_columns))
                    except ValueError:
                        span = 1
                v = props.find(f"{_W}vMerge")
                if v is not None:
                    v_merge = v.get(f"{_W}val", "continue")
            c = len(row)
            text = "\n".join(t for t in (_paragraph_text(p).strip() for p in tc.iter(f"{_W}p")) if t) or None
            if v_merge == "continue" and c in vertical:
                vertical[c][2] = r
                text = None
            else:
                box = [r, c, r, c + span - 1]
                merged.append(box)
                if v_merge == "restart":
                    vertical[c] = box
                else:
                    vertical.pop(c, None)
            row.append(text)
            row.extend([None] * (span - 1))
            if len(row) > limits.max_columns or len(merged) > limits.max_merged_ranges:
                raise ReadError("file_too_large", f"{name}超过 {limits.max_columns:,} 列或合并单元格过多")
        rows.append(row)
    width = max((len(row) for row in rows), default=0)
    if len(rows) * width > limits.max_cells:
        raise ReadError("file_too_large", f"{name}超过 {limits.max_cells:,} 个单元格")
    return Sheet(name=name, rows=tuple(tuple(row) + (None,) * (width - len(row)) for row in rows),
                 merged=tuple(tuple(box) for box in merged if box[2] > box[0] or box[3] > box[1]))


def text_paragraphs(data: bytes) -> tuple[str, ...]:
    """The non-empty lines of a plain text (UTF-8, UTF-16 with BOM, GB18030/GBK), each one paragraph."""
    text = decode_text(data)
    if "\x00" in text:
        raise ReadError("file_unreadable", "文本文件中夹杂二进制内容，文件可能已损坏")
    lines = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(lines) > MAX_PARAGRAPHS:
        raise ReadError("file_too_large", f"文本超过 {MAX_PARAGRAPHS:,} 行")
    return lines
