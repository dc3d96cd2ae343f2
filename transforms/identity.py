"""Which unit a submission belongs to (SPEC §3.1).

Sources, in order: the 单位代码 cell, the 填报单位 text, the title row naming a unit, the file name, the
parent folder name.
Codes and 填报单位 text must equal a code, name or alias after normalisation; file and folder names
must contain one (the longest wins, a tie is no match). A code and a name that point at two
different units make a conflict; nothing found makes an unidentified submission.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

import pandas as pd

from kepu.schemas.synonyms import SYNONYMS

PUNCTUATION = re.compile(r"[\s()（）\[\]【】〔〕<>《》〈〉“”\"'‘’「」『』·・,，.。、:：;；!！?？\-—_~～/／]+")
"""Spaces, brackets, quotes and punctuation: dropped before names are compared."""
MIN_CONTAINED_LENGTH = 2


def normalize_unit_name(value) -> str:
    """A unit name reduced for comparison: NFKC, no spaces or brackets, no 盖章, no trailing 科协/办事处/办."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).lower()
    for word in SYNONYMS.unit_strip_words:
        text = text.replace(unicodedata.normalize("NFKC", word), "")
    text = PUNCTUATION.sub("", text)
    changed = True
    while changed:
        changed = False
        for suffix in SYNONYMS.unit_strip_suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
    return text


def normalize_code(value) -> str:
    """A unit code as compared: NFKC, no spaces, upper case; a numeric code that Excel stored as a
    number (`1023.0`) is its integer."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()
    return _WHOLE_NUMBER.sub(r"\1", text)


_WHOLE_NUMBER = re.compile(r"^([0-9]+)\.0+$")


IdentifiedBy = Literal["code", "name", "title", "file_name", "folder"]


@dataclass(frozen=True, slots=True)
class Resolution:
    unit_code: str | None
    status: Literal["identified", "unidentified", "conflict"]
    identified_by: IdentifiedBy | None = None
    code_unit: str | None = None
    name_unit: str | None = None
    unknown_code: str | None = None


class UnitIndex:
    """Lookups from codes, names and aliases to unit codes, built once per run from core.units."""

    def __init__(self, units: pd.DataFrame) -> None:
        self.codes = {normalize_code(c): c for c in units["unit_code"]}
        names: dict[str, set[str]] = {}
        for code, name, aliases in zip(units["unit_code"], units["unit_name"], units["aliases"]):
            for label in (name, *(aliases if aliases is not None else ())):
                key = normalize_unit_name(label)
                if key:
                    names.setdefault(key, set()).add(code)
        self.names = names
        self._by_length = sorted(
            ((k, v) for k, v in names.items() if len(k) >= MIN_CONTAINED_LENGTH), key=lambda kv: -len(kv[0])
        )
        self.parents = {code: parent for code, parent in zip(units["unit_code"], units["parent_code"])
                        if isinstance(parent, str) and parent}
        self.cities = {code for code, kind in zip(units["unit_code"], units["unit_type"]) if kind == "city"}

    def ancestors(self, code: str) -> set[str]:
        found: set[str] = set()
        while (code := self.parents.get(code)) is not None and code not in found:
            found.add(code)
        return found

    def named_in_title(self, title) -> str | None:
        """The unit a title row names (「白沙镇科协2023年全国科普日活动统计表」): of the units whose name or alias
        the title contains, those named only inside a longer name found there are dropped, then the ancestors
        of another one found (「双流区东升街道…」 names 东升街道), then the city (its own form's heading names it,
        whoever fills it in); exactly one must be left."""
        haystack = normalize_unit_name(title)
        if not haystack:
            return None
        matched = [(key, units) for key, units in self._by_length if key in haystack]
        keys = [key for key, _ in matched]
        found = {unit for key, units in matched for unit in units
                 if not any(key != longer and key in longer for longer in keys)}
        found -= self.cities
        found -= {a for unit in found for a in self.ancestors(unit)}
        return next(iter(found)) if len(found) == 1 else None

    def by_code(self, text) -> str | None:
        key = normalize_code(text)
        if key in self.codes:
            return self.codes[key]
        return self.by_name(text)

    def by_name(self, text) -> str | None:
        units = self.names.get(normalize_unit_name(text))
        return next(iter(units)) if units and len(units) == 1 else None

    def contained_in(self, text) -> str | None:
        """The unit whose normalised name or alias is the longest one contained in `text`; None on a tie."""
        haystack = normalize_unit_name(text)
        if not haystack:
            return None
        best_len, best_units = 0, set()
        for key, units in self._by_length:
            if len(key) < best_len:
                break
            if key in haystack:
                best_len = len(key)
                best_units |= units
        return next(iter(best_units)) if len(best_units) == 1 else None

    def resolve(self, declared_code: str | None, declared_name: str | None, relpath: str,
                title: str | None = None) -> Resolution:
        code_unit = self.by_code(declared_code) if declared_code else None
        name_unit = self.by_name(declared_name) if declared_name else None
        unknown = declared_code if declared_code and code_unit is None else None
        if code_unit and name_unit and code_unit != name_unit:
            return Resolution(None, "conflict", None, code_unit, name_unit, unknown)
        if code_unit:
            return Resolution(code_unit, "identified", "code", code_unit, name_unit)
        if name_unit:
            return Resolution(name_unit, "identified", "name", None, name_unit, unknown)
        path = PurePosixPath(relpath)
        from_file = self.contained_in(path.stem)
        from_folder = self.contained_in(path.parent.name) if len(path.parts) > 1 else None
        title_unit = self.named_in_title(title) if title else None
        if title_unit:
            for below, by in ((from_file, "file_name"), (from_folder, "folder")):
                if below and title_unit in self.ancestors(below):
                    return Resolution(below, "identified", by, unknown_code=unknown)
            return Resolution(title_unit, "identified", "title", unknown_code=unknown)
        if from_file:
            return Resolution(from_file, "identified", "file_name", unknown_code=unknown)
        if from_folder:
            return Resolution(from_folder, "identified", "folder", unknown_code=unknown)
        return Resolution(None, "unidentified", unknown_code=unknown)
