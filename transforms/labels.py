"""Recognising labels people write: header cells, activity forms, total and footer rows.

Header cells are compared through `label_key`, so `参与人数（人次）`, ` 参与人数(人次) ` and
`参与\n人数` are the same label. Row labels (合计, 填表人：) keep their colons and brackets, which tell a
label (`负责人：张三`) from words that merely start alike (`负责人培训班`). The tables themselves live in
schemas/synonyms.toml.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from kepu.schemas.synonyms import SYNONYMS, UNIT_COLUMN_FIELD
from kepu.schemas.vocabulary import MONEY_METRIC, OTHER_TYPE

_DROP = re.compile(r"[\s\u3000:：*＊※★☆_]+")
_TRAILING_UNIT = re.compile(r"(\((?:[^()]*)\)|（[^（）]*）|\[[^\]]*\]|【[^】]*】)$")
_UNIT_WORDS = ("人次", "万元", "场次", "人", "份", "块", "篇", "元", "次", "场", "期", "个", "名", "张")

TEXT_CACHE = 1 << 14
"""How many distinct cell texts each label test remembers. A submission repeats its texts (the same header,
the same 合计 and 填表人 lines in every file of a campaign), so the tests below run once per distinct text,
not once per cell; the bound keeps a parse's memory flat whatever the texts are."""
CACHED_TEXT_CHARS = 120
"""Longer texts (a 备注, a pasted paragraph) are tested without being remembered."""


def text_cache(test):
    """`test(text)` remembered per distinct short text (a pure function of its argument)."""
    cached = lru_cache(maxsize=TEXT_CACHE)(test)

    def remembered(text: str):
        return cached(text) if len(text) <= CACHED_TEXT_CHARS else test(text)

    remembered.__doc__, remembered.__name__, remembered.cache_clear = test.__doc__, test.__name__, cached.cache_clear
    return remembered


def label_key(value) -> str:
    """Text reduced for comparison: NFKC (full-width → half-width), lower case, no spaces or colons."""
    if value is None:
        return ""
    return _text_key(value if isinstance(value, str) else str(value))


@text_cache
def _text_key(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text)).lower()


@text_cache
def strip_units(key: str) -> str:
    """A label key without trailing units, bracketed or not: `发放资料(份)`, `发放资料/份` → `发放资料`."""
    previous = None
    while key and key != previous:
        previous = key
        key = _TRAILING_UNIT.sub("", key)
        for word in _UNIT_WORDS:
            if key.endswith(word) and len(key) > len(word) + 1:
                key = key[: -len(word)]
                break
        key = key.rstrip("/／-")
    return key


@cache
def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in SYNONYMS.detail_fields:
        for label in (f.header, *f.synonyms):
            for key in (label_key(label), strip_units(label_key(label))):
                index.setdefault(key, f.field)
    for label in SYNONYMS.yuan_headers:
        index.setdefault(label_key(label), MONEY_METRIC)
        index.setdefault(strip_units(label_key(label)), MONEY_METRIC)
    for label in SYNONYMS.unit_column_labels:
        index.setdefault(label_key(label), UNIT_COLUMN_FIELD)
    return index


MAX_LABEL_CHARS = 60
"""No label is longer: a longer cell (a 备注, a pasted paragraph) is never compared, so a 30,000-character
cell costs nothing to pass over."""


def header_field(value) -> str | None:
    """The detail field a header cell names, or None."""
    if isinstance(value, str):
        return None if len(value) > MAX_LABEL_CHARS else _header_field_of(value)
    return _header_field_of_key(label_key(value))


@text_cache
def _header_field_of(text: str) -> str | None:
    return _header_field_of_key(label_key(text))


def _header_field_of_key(key: str) -> str | None:
    if not key:
        return None
    index = _header_index()
    return index.get(key) or index.get(strip_units(key))


def header_in_yuan(value) -> bool:
    """Whether a money header names 元 rather than 万元 (the column is converted)."""
    key = label_key(value)
    return "元" in key and "万元" not in key




@cache
def _summary_headings() -> frozenset[str]:
    return frozenset(label_key(label) for label in SYNONYMS.summary_name_headers)


def is_summary_heading(value) -> bool:
    """A summary block's heading (指标名称, 指标): where a block beside a detail table begins."""
    return isinstance(value, str) and len(value) <= MAX_LABEL_CHARS and label_key(value) in _summary_headings()


@cache
def _sub_labels() -> frozenset[str]:
    return frozenset(label_key(label) for label in SYNONYMS.header_sub_labels)


def is_header_continuation(value) -> bool:
    """A second header-row cell: a unit in brackets (`（份）`), a unit word (`人次`) or a sub-label (`开始`)."""
    if isinstance(value, str):
        return _is_header_continuation(value)
    return _is_header_continuation(str(value)) if value is not None else True


@text_cache
def _is_header_continuation(value: str) -> bool:
    key = label_key(value)
    if not key:
        return True
    bare = key.strip("()（）[]【】")
    return bare in _UNIT_WORDS or bare in _sub_labels() or header_field(value) is not None


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
    return _activity_type_of_key(label_key(value))


@text_cache
def _activity_type_of_key(key: str) -> str | None:
    if not key:
        return None
    exact, contained = _type_index()
    if key in exact:
        return exact[key]
    for synonym, canonical in contained:
        if canonical != OTHER_TYPE and synonym in key:
            return canonical
    return None


def _label_text(value) -> str:
    """Cell text as written labels are compared: NFKC, no spaces or stars, colons and brackets kept."""
    return _LABEL_NOISE.sub("", unicodedata.normalize("NFKC", str(value or "")))


_LABEL_NOISE = re.compile(r"[\s*＊※★☆_]+")
_AFTER_LABEL = ":([【0123456789"


def _opens_with_label(value, labels: tuple[str, ...]) -> bool:
    """Whether a cell begins with one of `labels` used as a label: the label alone, or followed by a
    colon, a bracket or a figure (`填表人：张三`, `合计(9月)`), never by more words (`负责人培训班`)."""
    text = _label_text(value)
    for label in _label_texts(labels):
        if text.startswith(label) and (len(text) == len(label) or text[len(label)] in _AFTER_LABEL):
            return True
    return False


@cache
def _label_texts(labels: tuple[str, ...]) -> tuple[str, ...]:
    """The labels as `_opens_with_label` compares them (computed once per table of labels)."""
    texts = (_label_text(label).rstrip(":") for label in labels)
    return tuple(text for text in texts if text)


@cache
def _total_label_texts() -> tuple[str, ...]:
    return tuple(_label_text(label) for label in SYNONYMS.total_labels)


def is_total_label(value) -> bool:
    """合计/小计/总计 and the like, also as the last word of a longer label (`全镇合计`, `本页小计`)."""
    return isinstance(value, str) and _is_total_text(value)


@text_cache
def _is_total_text(value: str) -> bool:
    text = _label_text(value).rstrip(":")
    return _opens_with_label(value, SYNONYMS.total_labels) or any(
        text.endswith(label) for label in _total_label_texts())


@cache
def _footer_labels() -> tuple[str, ...]:
    """Signature-line labels, and the identity labels a unit may repeat under its table."""
    return (*SYNONYMS.footer_labels, *SYNONYMS.unit_name_labels, *SYNONYMS.unit_code_labels,
            *SYNONYMS.reported_on_labels)


def is_footer_label(value) -> bool:
    return isinstance(value, str) and _is_footer_text(value)


@text_cache
def _is_footer_text(value: str) -> bool:
    return _opens_with_label(value, _footer_labels())


def is_note_label(value) -> bool:
    """注：… / 说明：… / 填表说明 — a line of commentary under the table."""
    return isinstance(value, str) and _is_note_text(value)


@text_cache
def _is_note_text(value: str) -> bool:
    text = unicodedata.normalize("NFKC", value).strip()
    return any(text.startswith(unicodedata.normalize("NFKC", n)) for n in SYNONYMS.note_labels if len(n) > 1) or (
        text.startswith("注") and len(text) > 1 and text[1] in ":：1１、.")
