"""The reader's recognizers: one small, pure, named step per habit of the clerks who fill the form in.

Each step takes the table's header and the lines under it (a grid row with what it was recognised as) and
returns new lines; `detail.read_rows` composes them in one visible order (detail.RECOGNIZERS):

1. header block      detail.best_header: the header on one row or two; `sub_column` decides, on the second
                     row, which column of a figure split into `合计 | 其中：…` is the figure
2. row kinds         detail.classify_lines: activity, total, footer, note — a header repeated where a printed
                     page begins is a note, a 小计 per page a total
3. section labels    label_sections: 「一、科普讲座」「（二）展览类」, or a merged row with one text naming a form,
                     is a section row: never an activity, never an error; its form is the form of the rows under
                     it whose 活动形式 is blank or missing
4. ditto fill        fill_dittos: 「同上」「〃」「″」「同前」 alone in a cell take the same column's value from the
                     activity row above (after that row's own); a ditto in the first row, or in a figure column,
                     is an issue with its cell, never a guess

The next habit is one more step here, with its tests beside the others (tests/transforms/test_recognizers.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import DETAIL_FIELD, SYNONYMS
from kepu.schemas.vocabulary import METRICS
from kepu.transforms.grid import is_blank
from kepu.transforms.labels import activity_type_of, header_field, is_note_label, label_key


@dataclass(frozen=True, slots=True)
class Line:
    """One grid row under a table's header and what the recognizers made of it: its kind (activity, rejected
    later by its reading, total, footer, note, section), the activity form a section row above gives it, and
    the issues a step raised about it."""

    row: Any
    """detail._Row: the grid row number, the value of each field, the non-blank cells."""
    kind: str | None
    section_type: str | None = None
    issues: tuple[Issue, ...] = ()


# ------------------------------------------------------------------------------------------ sub-columns


@cache
def _sub_totals() -> frozenset[str]:
    return frozenset(label_key(t) for t in SYNONYMS.header_sub_totals)


def sub_column(upper: str, lower: str) -> str | None:
    """What a second-row label under a figure header means: `total` (合计, 总数: the figure itself), `part`
    (其中：学生, 含线上: a part of it, never added), or None (anything else: read as before)."""
    if not lower or header_field(upper) not in METRICS:
        return None
    key = label_key(lower)
    if key in _sub_totals():
        return "total"
    if any(key.startswith(label_key(p)) for p in SYNONYMS.header_sub_parts):
        return "part"
    return None


# ------------------------------------------------------------------------------------------ section rows

_ENUMERATOR = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十]+\s*[）)]|[一二三四五六七八九十]+\s*[、.．]|第[一二三四五六七八九十]+[类项部分]*[、.．:：\s])\s*")
MAX_SECTION_CHARS = 20
"""A section label is a short heading: a longer text in a merged row is a note."""


def section_label(header, row) -> tuple[str, str | None] | None:
    """(cell, activity form or None) when the row is a section label: one text cell, short, either opening with
    an enumerator (一、 （二） 第三类) or merged across columns and naming an activity form. An enumerated
    heading naming no form (「二、永福村」) gives (cell, None): it ends the section above, and stays what it was."""
    if len(row.cells) != 1:
        return None
    c, value = row.cells[0]
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or len(text) > MAX_SECTION_CHARS or is_note_label(text):
        return None
    enumerated = _ENUMERATOR.match(text)
    rest = text[enumerated.end():] if enumerated else text
    if not rest or re.search(r"[0-9０-９]", rest):
        return None
    form = activity_type_of(rest)
    if not enumerated:
        box = header.sheet.merged_range_at(row.r, c)
        if box is None or box[1] >= box[3] or form is None:
            return None
    return header.sheet.address(row.r, c), form


def label_sections(header, lines: list[Line]) -> list[Line]:
    """Section rows, and the form each gives the activity rows under it (until the next section row)."""
    out: list[Line] = []
    form: str | None = None
    for line in lines:
        if line.kind in ("activity", "note") and (found := section_label(header, line.row)) is not None:
            form = found[1]
            out.append(replace(line, kind="section") if form else line)
            continue
        if line.kind == "footer":
            form = None
        out.append(replace(line, section_type=form) if line.kind == "activity" and form else line)
    return out


# ------------------------------------------------------------------------------------------ ditto marks


UNIT_COLUMN_LABEL = "单位名称"
"""How an issue names a forwarded table's unit column (it is no field of the form)."""


@cache
def _ditto_marks() -> frozenset[str]:
    return frozenset("".join(m.split()) for m in SYNONYMS.ditto_marks)


def is_ditto(value) -> bool:
    """A cell holding only a ditto mark (同上, 〃, ″, 同前), spaces aside; 「同上级要求」 is text."""
    return isinstance(value, str) and "".join(value.split()) in _ditto_marks()


def fill_dittos(header, lines: list[Line]) -> list[Line]:
    """Each ditto in an activity row takes the same column's value from the activity row above, after that
    row's own dittos. In a figure column, or with no activity row above (or a blank there), it is not guessed:
    the cell reads as blank and an issue cites it."""
    out: list[Line] = []
    above: dict | None = None
    sheet = header.sheet
    for line in lines:
        if line.kind != "activity":
            out.append(line)
            continue
        values = dict(line.row.values)
        issues = list(line.issues)
        for f, value in line.row.values.items():
            if not is_ditto(value):
                continue
            cell = {"sheet": sheet.name, "cell": sheet.address(line.row.r, header.columns[f]),
                    "row": sheet.row_number(line.row.r), "raw": " ".join(value.split())}
            label = DETAIL_FIELD[f].header if f in DETAIL_FIELD else UNIT_COLUMN_LABEL
            if f in METRICS:
                issues.append(make_issue("ditto_in_figure", label=label, **cell))
                values[f] = None
            elif above is None or is_blank(above.get(f)) or is_ditto(above.get(f)):
                issues.append(make_issue("ditto_without_row_above", label=label, **cell))
                values[f] = None
            else:
                values[f] = above[f]
        above = values
        out.append(replace(line, row=replace(line.row, values=values), issues=tuple(issues)))
    return out
