"""情况说明.md and 情况说明.docx: the paragraph the city writes, as Markdown and as the Word file an office
opens, laid out as official documents are (GB/T 9704): A4 with the standard margins, the title in
方正小标宋简体 二号 centred, the body in 仿宋_GB2312 三号 with a two-character first-line indent at a fixed
28-point line spacing, and the office's name and the date at the foot, right-aligned.

Fonts are named, not embedded: Word uses them where installed and substitutes where not.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from kepu.deliverables.files import write_if_changed, write_text
from kepu.deliverables.tables import digest_of

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
TITLE_SIZE = Pt(22)
"""二号."""
BODY_SIZE = Pt(16)
"""三号."""
LINE_SPACING = Pt(28)
MARGINS = {"top_margin": Mm(37), "bottom_margin": Mm(35), "left_margin": Mm(28), "right_margin": Mm(26)}


def markdown(title: str, paragraph: str) -> str:
    return f"# {title}\n\n{paragraph}\n"


def _font(run, name: str, size) -> None:
    run.font.size = size
    run.font.name = LATIN_FONT
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _spacing(paragraph, *, indent_chars: int = 0) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_SPACING
    fmt.space_before = fmt.space_after = Pt(0)
    if indent_chars:
        fmt.first_line_indent = Pt(BODY_SIZE.pt * indent_chars)
        paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(indent_chars * 100))


def statement_document(title: str, paragraph: str, signer: str, signed_on: date):
    """The Word document: title, the paragraph, a blank line, the signer and the date."""
    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        for name, value in MARGINS.items():
            setattr(section, name, value)
    normal = document.styles["Normal"]
    normal.font.size = BODY_SIZE
    normal.font.name = LATIN_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_after = Pt(BODY_SIZE.pt * 1.75)
    heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    heading.paragraph_format.line_spacing = Pt(36)
    _font(heading.add_run(title), TITLE_FONT, TITLE_SIZE)

    for text in [p for p in paragraph.split("\n") if p.strip()]:
        body = document.add_paragraph()
        body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        _spacing(body, indent_chars=2)
        _font(body.add_run(text), BODY_FONT, BODY_SIZE)

    document.add_paragraph()
    for text in [signer, f"{signed_on.year}年{signed_on.month}月{signed_on.day}日"]:
        if not text:
            continue
        line = document.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _spacing(line)
        line.paragraph_format.right_indent = Pt(BODY_SIZE.pt * 4)
        _font(line.add_run(text), BODY_FONT, BODY_SIZE)

    properties = document.core_properties
    properties.title = title
    properties.author = signer or "kepu"
    properties.comments = "由 kepu 根据全市汇总数据生成"
    return document


_IDENTIFIER = re.compile(r"<dc:identifier>([0-9a-f]{64})</dc:identifier>")


def written_digest(path: Path) -> str | None:
    """The content digest kept in a .docx kepu wrote (dc:identifier), or None."""
    try:
        with zipfile.ZipFile(path) as zf:
            match = _IDENTIFIER.search(zf.read("docProps/core.xml").decode("utf-8"))
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return match.group(1) if match else None


def write_statement(folder: Path, stem: str, title: str, paragraph: str, signer: str, signed_on: date) -> list[Path]:
    """`<stem>.md` and `<stem>.docx` in `folder`, each rewritten only when what it says changed (the
    .docx keeps the day it was first written for this content)."""
    digest = digest_of((title, paragraph, signer))

    def write_docx(path: Path) -> None:
        document = statement_document(title, paragraph, signer, signed_on)
        document.core_properties.identifier = digest
        document.save(str(path))

    return [write_text(folder / f"{stem}.md", markdown(title, paragraph)),
            write_if_changed(folder / f"{stem}.docx", digest, written_digest, write_docx)]
