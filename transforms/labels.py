"""Recognising labels people write: header cells, activity forms, total and footer rows.

Every comparison goes through `label_key`, so `参与人数（人次）`, ` 参与人数(人次) ` and
`参与\n人数` are the same label. The tables themselves live in schemas/synonyms.toml.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from schemas.synonyms import OTHER_TYPE, SYNONYMS

_DROP = re.compile(r"[\s\u3000:：*＊※★☆_]+")
_TRAILING_UNIT = re.compile(r"(\((?:[^()]*)\)|（[^（）]*）|\[[^\]]*\]|【[^】]*】)$")
_UNIT_WORDS = ("人次", "万元", "场次", "人", "份", "块", "篇", "元", "次", "场", "期", "个", "名", "张")


def label_key(value) -> str:
    """Text reduced for comparison: NFKC (full-width → half-width), lower case, no spaces or colons."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _DROP.sub("", text).lower()


def strip_units(key: str) -> str:
    """A label key without trailing bracketed units or unit words: `发放资料(份)` → `发放资料`."""
    previous = None
    while key and key != previous:
        previous = key
        key = _TRAILING_UNIT.sub("", key)
        for word in _UNIT_WORDS:
            if key.endswith(word) and len(key) > len(word) + 1:
                key = key[: -len(word)]
                break
    return key


@cache
def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in SYNONYMS.detail_fields:
        for label in (f.header, *f.synonyms):
            for key in (label_key(label), strip_units(label_key(label))):
                index.setdefault(key, f.field)
    for label in SYNONYMS.yuan_headers:
        index.setdefault(label_key(label), "funding_wan")
        index.setdefault(strip_units(label_key(label)), "funding_wan")
    return index


def header_field(value) -> str | None:
    """The detail field a header cell names, or None."""
    key = label_key(value)
    if not key:
        return None
    index = _header_index()
    return index.get(key) or index.get(strip_units(key))


def header_in_yuan(value) -> bool:
    """Whether a money header names 元 rather than 万元 (the column is converted)."""
    key = label_key(value)
    return "元" in key and "万元" not in key


_SUB_LABELS = {"开始", "结束", "起", "止", "始", "终", "开始日期", "结束日期", "起始", "截止"}


def is_header_continuation(value) -> bool:
    """A second header-row cell: a unit in brackets (`（份）`), a unit word (`人次`) or a sub-label (`开始`)."""
    key = label_key(value)
    if not key:
        return True
    bare = key.strip("()（）[]【】")
    return bare in _UNIT_WORDS or bare in _SUB_LABELS or bare in {"单位", "数量"} or header_field(value) is not None


@cache
def _type_index() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    exact: dict[str, str] = {}
    contained: list[tuple[str, str]] = []
    for canonical, synonyms in SYNONYMS.activity_types.items():
        for label in (canonical, *synonyms):
            key = label_key(label)
            exact.setdefault(key, canonical)
            contained.append((key, canonical))
    contained.sort(key=lambda kv: -len(kv[0]))
    return exact, tuple(contained)


def activity_type_of(value) -> str | None:
    """The canonical activity form a cell names (exact synonym, else the longest synonym it contains)."""
    key = label_key(value)
    if not key:
        return None
    exact, contained = _type_index()
    if key in exact:
        return exact[key]
    for synonym, canonical in contained:
        if canonical != OTHER_TYPE and synonym in key:
            return canonical
    return None


def _starts_with_any(value, labels: tuple[str, ...]) -> bool:
    key = label_key(value)
    return bool(key) and any(key.startswith(label_key(label)) for label in labels)


def is_total_label(value) -> bool:
    key = label_key(value)
    return bool(key) and any(key == label_key(t) or key.startswith(label_key(t)) for t in SYNONYMS.total_labels)


def is_footer_label(value) -> bool:
    return _starts_with_any(value, SYNONYMS.footer_labels)


def is_note_label(value) -> bool:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return any(text.startswith(unicodedata.normalize("NFKC", n)) for n in SYNONYMS.note_labels if len(n) > 1) or (
        text.startswith("注") and len(text) > 1 and text[1] in ":：1１、.")
