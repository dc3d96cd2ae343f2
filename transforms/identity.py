"""Which unit a submission belongs to (SPEC §3.1).

Sources, in order: the 单位代码 cell, the 填报单位 text, the title row naming a unit, the file name, the
parent folder name (a bundle counts as the folder of its members), the sender's address (the registry's
`email`). Codes and 填报单位 text must equal a code, name or alias after normalisation; file and folder names
must contain one (the longest wins, a tie is no match); a title must name exactly one unit (see
`UnitIndex.named_in_title`); an address must be one unit's. A source's `district` narrows every name match to
that district's units (a 「新华街道」 in two districts is no tie on that district's share). A code and a name
that point at two different units make a conflict; nothing found makes an unidentified submission.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
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


IdentifiedBy = Literal["code", "name", "title", "file_name", "folder", "sender"]
_BUNDLE_SUFFIX = re.compile(r"\.(zip|7z|rar)$", re.IGNORECASE)


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
        self._lengths = sorted({len(k) for k in names if len(k) >= MIN_CONTAINED_LENGTH}, reverse=True)
        self._by_length = sorted(
            ((k, v) for k, v in names.items() if len(k) >= MIN_CONTAINED_LENGTH), key=lambda kv: -len(kv[0])
        )
        self.district_of = dict(zip(units["unit_code"], units["district_code"])) if "district_code" in units else {}
        senders: dict[str, set[str]] = {}
        for code, addresses in zip(units["unit_code"], units["email"] if "email" in units else [None] * len(units)):
            for address in addresses if addresses is not None else ():
                senders.setdefault(str(address).strip().lower(), set()).add(code)
        self.senders = senders
        self.parents = {code: parent for code, parent in zip(units["unit_code"], units["parent_code"])
                        if isinstance(parent, str) and parent}
        self.cities = {code for code, kind in zip(units["unit_code"], units["unit_type"]) if kind == "city"}

    def ancestors(self, code: str) -> set[str]:
        found: set[str] = set()
        while (code := self.parents.get(code)) is not None and code not in found:
            found.add(code)
        return found

    def named_in_title(self, title, district: str | None = None) -> str | None:
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
        found = self._within(found, district)
        return next(iter(found)) if len(found) == 1 else None

    def _within(self, units: set[str], district: str | None) -> set[str]:
        """`units` narrowed to `district`'s (the district itself included); all of them without a district."""
        if district is None:
            return units
        return {u for u in units if self.district_of.get(u) == district}

    def by_code(self, text, district: str | None = None) -> str | None:
        key = normalize_code(text)
        if key in self.codes:
            return self.codes[key]
        return self.by_name(text, district)

    def by_name(self, text, district: str | None = None) -> str | None:
        units = self._within(self.names.get(normalize_unit_name(text), set()), district)
        return next(iter(units)) if len(units) == 1 else None

    def contained_in(self, text, district: str | None = None) -> str | None:
        """The unit whose normalised name or alias is the longest one contained in `text` (among `district`'s
        units when given); None on a tie.

        Looks up the text's substrings of each length a name has, longest first: the cost follows the
        length of the text, not the size of the registry."""
        haystack = normalize_unit_name(text)
        for length in self._lengths:
            if length > len(haystack):
                continue
            found: set[str] = set()
            for start in range(len(haystack) - length + 1):
                found |= self.names.get(haystack[start:start + length], set())
            found = self._within(found, district)
            if found:
                return next(iter(found)) if len(found) == 1 else None
        return None

    def by_sender(self, address: str | None) -> str | None:
        """The one unit whose registry `email` lists `address`; None when none or several do."""
        units = self.senders.get((address or "").strip().lower(), set())
        return next(iter(units)) if len(units) == 1 else None

    def resolve(self, declared_code: str | None, declared_name: str | None, relpath: str, *,
                title: str | None = None, sender: str | None = None, district: str | None = None) -> Resolution:
        """`relpath`: the file's path at its source (its name and its folder are evidence; a mail attachment
        gives its name only); `title`: the title row's text; `sender`: the address it was mailed from; `district`: its source's district."""
        code_unit = self.by_code(declared_code, district) if declared_code else None
        name_unit = self.by_name(declared_name, district) if declared_name else None
        unknown = declared_code if declared_code and code_unit is None else None
        if code_unit and name_unit and code_unit != name_unit:
            return Resolution(None, "conflict", None, code_unit, name_unit, unknown)
        if code_unit:
            return Resolution(code_unit, "identified", "code", code_unit, name_unit)
        if name_unit:
            return Resolution(name_unit, "identified", "name", None, name_unit, unknown)
        path = PurePosixPath(relpath)
        from_file = self.contained_in(path.stem, district)
        from_folder = (self.contained_in(_BUNDLE_SUFFIX.sub("", path.parent.name), district)
                       if len(path.parts) > 1 else None)
        title_unit = self.named_in_title(title, district) if title else None
        if title_unit:
            for below, by in ((from_file, "file_name"), (from_folder, "folder")):
                if below and title_unit in self.ancestors(below):
                    return Resolution(below, "identified", by, unknown_code=unknown)
            return Resolution(title_unit, "identified", "title", unknown_code=unknown)
        if from_file:
            return Resolution(from_file, "identified", "file_name", unknown_code=unknown)
        if from_folder:
            return Resolution(from_folder, "identified", "folder", unknown_code=unknown)
        from_sender = self.by_sender(sender) if sender else None
        if from_sender:
            return Resolution(from_sender, "identified", "sender", unknown_code=unknown)
        return Resolution(None, "unidentified", unknown_code=unknown)


RESOLUTION_COLUMNS = ["sha256", "unit_code", "resolution", "identified_by", "code_unit", "name_unit", "unknown_code"]


def resolve_files(index: UnitIndex, files: pd.DataFrame,
                  source_districts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Each file's unit, once per file (SPEC §3.1): from what it declares, then its file and folder names at its
    source, then the address it was mailed from, among its source's district's units when the source has one
    (`source_districts`: a source's name → its district). `files` has sha256, declared_code, declared_name,
    declared_title, path, source, source_path, sender, forwarded_from and subject; the result one row per file
    with its unit, how it was found (`resolution`: identified, unidentified or conflict; `identified_by`), the
    units its code cell and its 填报单位 point at, and a code the registry does not know."""
    rows = []
    districts = source_districts or {}
    for file in files.itertuples(index=False):
        relpath = _text(file.source_path) or file.path
        sender = _text(file.forwarded_from) or _text(file.sender)
        if sender or _text(file.subject):
            relpath = relpath.split("/", 1)[-1]  # a mail attachment: `<uid>/name`, the message is no folder
        found = index.resolve(_text(file.declared_code), _text(file.declared_name), relpath,
                              title=_text(file.declared_title), sender=sender,
                              district=districts.get(_text(file.source)))
        rows.append((file.sha256, found.unit_code, found.status, found.identified_by, found.code_unit,
                     found.name_unit, found.unknown_code))
    return pd.DataFrame.from_records(rows, columns=RESOLUTION_COLUMNS)


ROW_UNIT_COLUMNS = ["sha256", "reporting_unit", "row_unit", "row_unit_outcome"]


def resolve_row_units(index: UnitIndex, texts: pd.DataFrame, identities: pd.DataFrame | None = None,
                      source_districts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The unit each distinct text of a forwarded table's unit column names (SPEC §3.10), once per (file, text):
    matched like 填报单位 text — a code, or a name or alias exactly after normalization — among the units of
    one district when the file's source has one, or else when the file's own unit (`identities`,
    resolve_files's frame) belongs to a district: a district forwards its own towns' rows, so every district's
    「城关镇」 stays apart. `texts` has sha256, reporting_unit and source; the result one row per (sha256,
    reporting_unit) with the unit (`row_unit`) and `row_unit_outcome`: `named` (one unit), `unknown` (none) or
    `ambiguous` (several). Whether the unit is the forwarder itself, and what happens to a row whose text names
    no unit, is the rules' (rules/activities): re-attribution needs this match."""
    rows = []
    districts = source_districts or {}
    own = {} if identities is None else dict(zip(identities["sha256"], identities["unit_code"]))
    for item in texts.itertuples(index=False):
        text = _text(item.reporting_unit)
        if not text or not normalize_unit_name(text):
            continue
        district = districts.get(_text(item.source))
        if district is None and _text(own.get(item.sha256)) is not None:
            forwarder_district = index.district_of.get(own[item.sha256])
            district = forwarder_district if forwarder_district not in index.cities else None
        unit = index.by_code(text, district)
        if unit is not None:
            rows.append((item.sha256, text, unit, "named"))
            continue
        candidates = index._within(index.names.get(normalize_unit_name(text), set()), district)
        rows.append((item.sha256, text, None, "ambiguous" if len(candidates) > 1 else "unknown"))
    return pd.DataFrame.from_records(rows, columns=ROW_UNIT_COLUMNS)


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) else value
