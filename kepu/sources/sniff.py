"""What a received file really is, told from its bytes, never from its name.

Offices rename files (a Word `.doc` saved as `报表.xlsx`), web systems export HTML as `.xls`, a 0-byte
`.xlsx` is as empty as a 0-byte `.ods`. `sniff` looks at the content and answers with the format a reader
takes (`xlsx`, `xlsb`, `ods`, `xls`, `html`, `xml2003`, `text`) or refuses the file with what it is, in
Chinese (「该文件实为PDF」), so the same bytes always get the same reason whatever they were called.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kepu.sources.read_limits import ReadError

Format = Literal["xlsx", "xlsb", "ods", "xls", "html", "xml2003", "text", "docx"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 64 * 1024

_BINARY_KINDS = (
    (b"%PDF", "PDF 文档"),
    (b"\x89PNG\r\n\x1a\n", "图片（PNG）"),
    (b"\xff\xd8\xff", "图片（JPEG）"),
    (b"GIF87a", "图片（GIF）"),
    (b"GIF89a", "图片（GIF）"),
    (b"II*\x00", "图片（TIFF）"),
    (b"MM\x00*", "图片（TIFF）"),
    (b"Rar!\x1a\x07", "压缩包（RAR）"),
    (b"7z\xbc\xaf\x27\x1c", "压缩包（7z）"),
    (b"\x1f\x8b", "压缩包（gzip）"),
    (b"BZh", "压缩包（bzip2）"),
    (b"\xfd7zXZ\x00", "压缩包（xz）"),
    (b"{\\rtf", "RTF 文档（常见于另存为 .doc 的文件）"),
    (b"ID;P", "SYLK 表格（.slk）"),
    (b"\x7fELF", "程序文件"),
    (b"MZ", "Windows 程序文件"),
    (b"OggS", "音频（Ogg）"),
    (b"ID3", "音频（MP3）"),
    (b"fLaC", "音频（FLAC）"),
)

_ZIP_DOCUMENTS = (
    ("ppt/presentation.xml", "PowerPoint 演示文稿（.pptx）"),
    ("visio/document.xml", "Visio 绘图"),
)
_ODF_KINDS = {
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    "application/vnd.oasis.opendocument.text": "ODF 文字文档（.odt）",
    "application/vnd.oasis.opendocument.presentation": "ODF 演示文稿（.odp）",
    "application/vnd.oasis.opendocument.graphics": "ODF 绘图（.odg）",
}
_OLE_DOCUMENTS = (
    ("powerpoint document", "PowerPoint 演示文稿（.ppt）"),
    ("visiodocument", "Visio 绘图"),
    ("__properties_version1.0", "Outlook 邮件（.msg）"),
    ("wksssworkbook", "Microsoft Works 表格"),
)


@dataclass(frozen=True)
class XlsEncryption:
    """How a legacy .xls is protected, from its FILEPASS record."""

    label: str


UNKNOWN_ENCODING = "无法识别的文字编码（不是 UTF-8、UTF-16 或 GBK/GB18030，可能是 Latin-1 等西文编码），请另存为 UTF-8 的 CSV 或 xlsx"
"""The one reason for a text file in no encoding kepu reads (a Latin-1 CSV, whether its first bytes or a later
line give it away)."""


def not_a_spreadsheet(kind: str) -> ReadError:
    return ReadError("file_not_spreadsheet", kind)


def sniff(path: Path, head: bytes, size: int) -> Format:
    """The format the file at `path` holds (its first bytes `head`, its `size`), or a ReadError saying what it
    is instead."""
    if size == 0 or not head.strip(b" \t\r\n\x00\x0b\x0c"):
        raise ReadError("file_empty")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_format(path)
    if head.startswith(OLE_MAGIC):
        return _ole_format(path, size)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        raise not_a_spreadsheet("图片（HEIC）" if brand in (b"heic", b"heix", b"mif1") else "视频或音频文件")
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        raise not_a_spreadsheet({b"WEBP": "图片（WebP）", b"WAVE": "音频（WAV）", b"AVI ": "视频（AVI）"}[head[8:12]])
    if head.startswith(b"BM") and len(head) >= 14 and struct.unpack_from("<I", head, 2)[0] == size:
        raise not_a_spreadsheet("图片（BMP）")
    for magic, kind in _BINARY_KINDS:
        if head.startswith(magic):
            raise not_a_spreadsheet(kind)
    old_excel = _old_excel_worksheet(head)
    if old_excel is not None:
        raise ReadError("file_unsupported", f"{old_excel}（20 世纪 80、90 年代的旧格式）")
    return _text_format(head)


_OLD_EXCEL_BOF = {b"\x09\x00": "Excel 2.x 工作表", b"\x09\x02": "Excel 3.0 工作表", b"\x09\x04": "Excel 4.0 工作表"}


def _old_excel_worksheet(head: bytes) -> str | None:
    """An Excel 2.x, 3.0 or 4.0 worksheet (not an OLE file: its BIFF records start the file), named as such.
    Its BOF record: the version's record id, a length of 4 to 16, then (from 3.0) version and sheet type."""
    if len(head) < 8 or head[:2] not in _OLD_EXCEL_BOF:
        return None
    length = int.from_bytes(head[2:4], "little")
    if not 4 <= length <= 16:
        return None
    if head[:2] == b"\x09\x04" and int.from_bytes(head[6:8], "little") == 0x0100:
        return "Excel 4.0 工作簿"
    return _OLD_EXCEL_BOF[head[:2]]


# --- zip-based documents ----------------------------------------------------------------------------------

def _zip_format(path: Path) -> Format:
    try:
        with zipfile.ZipFile(path) as zf:
            names = {info.filename.replace("\\", "/").lstrip("/"): info for info in zf.infolist()}
            lower = {name.lower(): name for name in names}
            if "xl/workbook.xml" in lower:
                return "xlsx"
            if "xl/workbook.bin" in lower:
                return "xlsb"
            if office_document(zf, lower) is not None:
                return "xlsx"
            if "mimetype" in lower:
                mimetype = _small_member(zf, names[lower["mimetype"]]).decode("ascii", "replace").strip()
                kind = _ODF_KINDS.get(mimetype)
                if kind == "ods":
                    _refuse_encrypted_odf(zf, names, lower)
                    return "ods"
                raise not_a_spreadsheet(kind or "OpenDocument 文档（不是表格）")
            if "content.xml" in lower and b"office:spreadsheet" in _small_member(zf, names[lower["content.xml"]], 4096):
                _refuse_encrypted_odf(zf, names, lower)
                return "ods"
            if "word/document.xml" in lower:
                return "docx"
            for member, kind in _ZIP_DOCUMENTS:
                if member in lower:
                    raise not_a_spreadsheet(kind)
            if "[content_types].xml" in lower:
                raise not_a_spreadsheet("Office 文档（不是 Excel 工作簿）")
            if not names:
                raise not_a_spreadsheet("空的压缩包（zip）")
            raise not_a_spreadsheet("压缩包（zip）")
    except zipfile.BadZipFile:
        raise ReadError("file_unreadable", "压缩结构已损坏，文件可能不完整或被截断") from None
    except (NotImplementedError, RuntimeError):
        raise ReadError("file_unreadable", "文件使用了不支持的压缩方式或已加密") from None


_OFFICE_DOCUMENT = re.compile(
    rb"<Relationship\b[^>]*?\bType=\"[^\"]*/officeDocument\"[^>]*>|<Relationship\b[^>]*?\bTarget=\"[^\"]*\"[^>]*?"
    rb"\bType=\"[^\"]*/officeDocument\"[^>]*>")
_TARGET = re.compile(rb"\bTarget=\"([^\"]*)\"")


def office_document(zf: zipfile.ZipFile, lower: dict[str, str]) -> str | None:
    """The member holding an OOXML package's main part when it is a workbook that is not at `xl/workbook.xml`:
    where the package's `_rels/.rels` points its officeDocument relationship, as Excel follows it — when that
    part exists and is a workbook (`<workbook`). None otherwise."""
    rels = lower.get("_rels/.rels")
    if rels is None:
        return None
    found = _OFFICE_DOCUMENT.search(_small_member(zf, zf.getinfo(rels), 1 << 16))
    target = _TARGET.search(found.group(0)) if found else None
    if target is None:
        return None
    name = target.group(1).decode("utf-8", "replace").replace("\\", "/").lstrip("/").lower()
    member = lower.get(name)
    if member is None or not name.endswith(".xml"):
        return None
    return member if b"<workbook" in _small_member(zf, zf.getinfo(member), 4096) else None


def _refuse_encrypted_odf(zf: zipfile.ZipFile, names: dict, lower: dict) -> None:
    """A password-protected OpenDocument file keeps its manifest readable and says there which parts are
    encrypted (`manifest:encryption-data`): it is encrypted, not damaged."""
    manifest = lower.get("meta-inf/manifest.xml")
    if manifest is not None and b"encryption-data" in _small_member(zf, names[manifest], 1 << 16):
        raise ReadError("file_encrypted", "设有密码的 OpenDocument 表格（.ods）")


def _small_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int = 256) -> bytes:
    try:
        with zf.open(info) as stream:
            return stream.read(limit)
    except Exception:  # noqa: BLE001 — a damaged member is only a hint lost
        return b""


# --- OLE compound files (.xls, .doc, encrypted OOXML, WPS) ---------------------------------------------------

def _ole_format(path: Path, size: int) -> Format:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=False)}
            if "encryptedpackage" in streams or "encryptioninfo" in streams:
                raise ReadError("file_encrypted", "加密的 Office 2007 及以上文件")
            workbook = next((name for name in ("workbook", "book") if name in streams), None)
            if workbook is not None:
                encryption = xls_encryption(ole.openstream(workbook).read(HEAD_BYTES))
                if encryption is not None:
                    raise ReadError("file_encrypted", encryption.label)
                return "xls"
            if "worddocument" in streams:
                raise ReadError("document_unsupported", "Word 97-2003 文档（.doc）")
            for stream, kind in _OLE_DOCUMENTS:
                if stream in streams:
                    raise not_a_spreadsheet(kind)
            if str(path).lower().endswith(".et"):
                raise ReadError("file_unsupported", "WPS 表格专用格式（.et）")
            raise not_a_spreadsheet("Office 复合文档（不是 Excel 工作簿）")
    except ReadError:
        raise
    except Exception:  # noqa: BLE001 — olefile raises OSError, struct.error, IndexError… on damaged files
        raise ReadError("file_unreadable", "Excel 97-2003 文件结构已损坏，文件可能不完整或被截断") from None


_FILEPASS = 0x002F
_BOUNDSHEET = 0x0085
_EOF = 0x000A


def xls_encryption(globals_head: bytes) -> XlsEncryption | None:
    """The encryption a BIFF workbook-globals substream declares in its FILEPASS record (which comes right
    after the BOF, before the sheets), or None."""
    offset = 0
    while offset + 4 <= len(globals_head):
        kind, length = struct.unpack_from("<HH", globals_head, offset)
        body = globals_head[offset + 4:offset + 4 + length]
        if kind == _FILEPASS:
            if len(body) < 2 or struct.unpack_from("<H", body)[0] == 0:
                return XlsEncryption("Excel 97-2003 文件，XOR 加密")
            major = struct.unpack_from("<H", body, 2)[0] if len(body) >= 4 else 1
            return XlsEncryption("Excel 97-2003 文件，RC4 加密" if major == 1 else
                                 "Excel 97-2003 文件，RC4 CryptoAPI 加密")
        if kind in (_BOUNDSHEET, _EOF):
            return None
        offset += 4 + length
    return None


# --- text: HTML, XML, delimited tables ---------------------------------------------------------------------

_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_TAG_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?P<tag>[!?]?[A-Za-z][\w:-]*)", re.S)
_HTML_TAGS = {b"!doctype", b"html", b"head", b"body", b"table", b"meta", b"title", b"style", b"div", b"tr",
              b"link", b"script"}


def _text_format(head: bytes) -> Format:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = _utf16_as_utf8(head)
    opening_text = head[:512]
    if b"\x00" in opening_text[:16] or len(_CONTROL.findall(opening_text)) * 10 > len(opening_text):
        raise ReadError("file_unsupported", "无法识别的二进制文件")
    if not _decodes(opening_text):
        raise ReadError("file_unreadable", UNKNOWN_ENCODING)
    if b"\x00" in head:
        raise ReadError("file_unreadable", "文本文件中夹杂二进制内容，文件可能已损坏")
    opening = _TAG_START.match(head[:4096])
    if opening is not None:
        tag = opening["tag"].lower()
        if tag == b"?xml":
            return _xml_format(head)
        if tag in _HTML_TAGS:
            return "html"
    if re.match(rb"(?:MIME-Version|Content-Type|From|Received|Return-Path|Date|Subject):", head, re.I) \
            and re.search(rb"^Content-Type:\s*multipart/related", head, re.I | re.M):
        raise not_a_spreadsheet("网页存档（.mht）")
    if re.match(rb"(?:Received|Return-Path|From|Message-ID|MIME-Version):", head, re.I) \
            and re.search(rb"^Subject:", head, re.I | re.M):
        raise not_a_spreadsheet("电子邮件（.eml）")
    if head.startswith(b"TABLE\r\n0,1") or head.startswith(b"TABLE\n0,1"):
        raise not_a_spreadsheet("DIF 表格")
    return "text"


def _xml_format(head: bytes) -> Format:
    window = head[:8192]
    if b"urn:schemas-microsoft-com:office:spreadsheet" in window:
        return "xml2003"
    if b"opendocument.spreadsheet" in window or b"office:spreadsheet" in window:
        raise not_a_spreadsheet("LibreOffice 单文件表格（.fods）")
    if b"schemas.microsoft.com/office/word" in window or b"w:wordDocument" in window:
        raise not_a_spreadsheet("Word XML 文档")
    if b"<html" in window.lower() or b"xhtml" in window:
        return "html"
    raise not_a_spreadsheet("XML 数据文件（不是表格）")


def _utf16_as_utf8(head: bytes) -> bytes:
    """A UTF-16 text's head (Excel's "Unicode text" export), as UTF-8 for the checks that follow."""
    decoder = codecs.getincrementaldecoder("utf-16")()
    try:
        return decoder.decode(head, final=False).encode("utf-8")
    except UnicodeDecodeError:
        raise ReadError("file_unreadable", "无法识别的文字编码（UTF-16 文本已损坏）") from None


def _decodes(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False
