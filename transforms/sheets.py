"""Which sheets of a workbook are read, and as whose form (SPEC §2.3: several detail sheets in one workbook).

Each visible sheet with an activity table has a role: this campaign's, or another campaign's (its name or title
names another activity, 科技活动周 …, or another year) — another campaign's sheet never hides this campaign's and
is read only when the workbook has no other. When a workbook holds several of this campaign's tables with rows,
a sheet named or titled for a unit (「白沙镇」, 「东升街道2023年全国科普日活动统计表」) is that unit's form: its rows
name that unit as a forwarded table's unit column would (reporting_unit), and the core credits them to it within
the forwarder's district (SPEC §3.10: forwarding adds, never removes), or keeps them with the workbook's unit with
a warning when no unit of the registry has that name. Pure: grids in, decisions out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kepu.schemas.synonyms import SYNONYMS
from kepu.transforms.declared import Declared, read_title
from kepu.transforms.detail import TableHeader
from kepu.transforms.grid import Book

_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
_CAMPAIGN_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?=\s*年)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_UNIT_CHARS = 20


@dataclass(frozen=True, slots=True)
class SheetTable:
    """One sheet's activity table and what the workbook's sheets say about it."""

    header: TableHeader
    title: Declared | None
    other_campaign: str | None
    """What names it another campaign's (科技活动周, 2022年), or None for this campaign's."""


def other_campaign(texts: list[str], default_year: int) -> str | None:
    """The word or year in a sheet's name or title that makes it another campaign's, if any."""
    for text in texts:
        word = next((w for w in SYNONYMS.other_campaign_words if w in text), None)
        if word:
            return word
        years = {int(y) for y in _CAMPAIGN_YEAR.findall(text)}
        if years and default_year not in years:
            return f"{min(years)}年"
    return None


def unit_text(text: str | None) -> str | None:
    """The unit a sheet name or title names: the text before its first year or word that is no unit's
    (全国, 活动, 明细 …), when that leaves a short Chinese name; None for `活动明细`, `Sheet2`, `2023年统计表`."""
    if not text:
        return None
    text = "".join(text.split())
    cut = len(text)
    if (year := _YEAR.search(text)) is not None:
        cut = year.start()
    for word in SYNONYMS.not_unit_words:
        if (at := text.find(word)) >= 0:
            cut = min(cut, at)
    name = text[:cut]
    return name if name and _CJK.search(name) and len(name) <= MAX_UNIT_CHARS else None


def sheet_tables(book: Book, tables: list[TableHeader], default_year: int) -> list[SheetTable]:
    """Each located table with its title and role, this campaign's first (in the order located)."""
    out = []
    for header in tables:
        title = read_title(book, header)
        texts = [header.sheet.name, *([title.value] if title else [])]
        out.append(SheetTable(header, title, other_campaign(texts, default_year)))
    return sorted(out, key=lambda t: t.other_campaign is not None)


def sheet_unit(table: SheetTable) -> tuple[str, str | None] | None:
    """(the unit text, the cell it is written in — the title's, or None for the sheet's name) of a sheet named
    or titled for a unit."""
    if table.title is not None and (name := unit_text(table.title.value)) is not None:
        return name, table.title.cell
    name = unit_text(table.header.sheet.name)
    return (name, None) if name is not None else None
