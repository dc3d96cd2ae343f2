"""Supplements (SPEC §3.2): the files that say they add activities to their unit's version (补报, 补充, 增报,
续报) rather than replace it.

A mark is evidence that re-attributes rows (they add instead of replace), so it must be written as a mark:
in the file's name, its title row, or a line of commentary (above the table or a note row under it) — never
an activity's own name (「补充营养讲座」) or its 备注 cell (a full revision may note which row it added). And
a word is a mark only where it reads as one (synonyms.toml `[supplements]`): 补报, 增报, 续报 anywhere except
after an instruction in the same clause (「如需补报」, 「请于9月30日前补报」) or a word
saying a full table includes it (「本表含补报活动」); 补充, an ordinary word too, only standing alone
(「气象学会（补充）」) or followed by a reporting word (补充报送, 补充活动), not in 补充营养 or 补充说明; and a
registered unit's name holding such a word (a 「补充村」) is masked first.

Two steps, both pure: `read_note` (while a file is parsed, no registry at hand) keeps the first commentary
line holding a marker word; `find_marks` (once per file when the core is rebuilt) judges the file's name,
title and that line with the registry's names masked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import PurePosixPath
from typing import Literal

import pandas as pd

from kepu.schemas.synonyms import SYNONYMS
from kepu.transforms.declared import Declared
from kepu.transforms.grid import Sheet
from kepu.transforms.identity import UnitIndex

MarkedBy = Literal["file_name", "title", "note"]
MARK_COLUMNS = ["sha256", "marked_by", "mark_word", "mark_text", "mark_sheet", "mark_cell"]
"""find_marks's frame: the file, where its mark was found, the word, the text it stands in, and its cell."""


@cache
def _words() -> re.Pattern[str]:
    words = sorted({_nfkc(w) for w in (*SYNONYMS.supplement_words, *SYNONYMS.supplement_plain_words)},
                   key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


_CLAUSE_BREAK = re.compile(r"[,，。.;；:：!！?？\n]")
"""What ends a clause: an instruction word (请, 如需 …) earlier in the same clause makes a word no mark."""


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def supplement_word(text, masked: Iterable[str] = ()) -> str | None:
    """The marker word `text` holds as a mark (see the module), or None. `masked`: texts (normalised unit
    names) removed first."""
    if not isinstance(text, str) or not text:
        return None
    value = _nfkc(text)
    for name in masked:
        if name:
            value = value.replace(name, " ")
    plain = {_nfkc(w) for w in SYNONYMS.supplement_plain_words}
    followers = tuple(_nfkc(w) for w in SYNONYMS.supplement_followers)
    instructions = tuple(_nfkc(w) for w in SYNONYMS.supplement_instructions)
    for found in _words().finditer(value):
        clause = _CLAUSE_BREAK.split(value[:found.start()])[-1]
        if any(word in clause for word in instructions):
            continue
        word = found.group()
        after = value[found.end():]
        if word in plain and after and _is_han(after[0]) and not after.startswith(followers):
            continue
        return word
    return None


def read_note(sheet: Sheet, above_rows: int, notes: Sequence[tuple[str, str]],
              title: Declared | None) -> Declared | None:
    """The first line of commentary on the detail sheet holding a marker word: a text cell above the table's
    header (`above_rows` grid rows; the title row aside, judged on its own) or a note row under it (`notes`:
    (cell, text) as detail.read_rows kept them)."""
    above = ((sheet.address(r, c), sheet.value(r, c)) for r in range(above_rows) for c in range(sheet.width))
    for cell, value in (*above, *notes):
        if not isinstance(value, str) or (title is not None and cell == title.cell and sheet.name == title.sheet):
            continue
        if supplement_word(value) is not None:
            text = " ".join(value.split())
            return Declared(text, sheet.name, cell, text)
    return None


def masked_names(index: UnitIndex) -> tuple[str, ...]:
    """The registry's normalised names and aliases that hold a marker word: a place, not a mark."""
    words = tuple(_nfkc(w) for w in (*SYNONYMS.supplement_words, *SYNONYMS.supplement_plain_words))
    return tuple(sorted((name for name in index.names if any(w in name for w in words)), key=len, reverse=True))


def find_marks(files: pd.DataFrame, index: UnitIndex) -> pd.DataFrame:
    """One row per file that marks itself a supplement (MARK_COLUMNS), judged on its file name (at its source),
    then its title, then its note line, the registry's names masked. `files` has sha256, path, source_path,
    declared_title (+ _sheet, _cell) and supplement_note (+ _sheet, _cell)."""
    masked = masked_names(index)
    rows = []
    for file in files.itertuples(index=False):
        name = PurePosixPath(_text(file.source_path) or file.path).name
        stem = name.rsplit(".", 1)[0] if "." in name else name
        candidates = (
            ("file_name", stem, name, None, None),
            ("title", _text(file.declared_title), _text(file.declared_title),
             _text(file.declared_title_sheet), _text(file.declared_title_cell)),
            ("note", _text(file.supplement_note), _text(file.supplement_note),
             _text(file.supplement_note_sheet), _text(file.supplement_note_cell)),
        )
        for marked_by, judged, shown, sheet, cell in candidates:
            word = supplement_word(judged, masked)
            if word is not None:
                rows.append((file.sha256, marked_by, word, shown, sheet, cell))
                break
    return pd.DataFrame.from_records(rows, columns=MARK_COLUMNS)


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else str(value)
