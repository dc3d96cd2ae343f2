"""Read hand-filled spreadsheet cells as counts, money amounts, date spans and clean text.

Cells arrive as python-calamine returns them: None, str, int, float, bool, date,
datetime, time or timedelta.  People type numbers and dates in many informal ways
("约500人", "一千二", "1.5万元", "9月16日-18日", a float 9.16 meaning Sept 16), so
every public function here accepts any value, never raises, and reports what it
could not read through the result's ``kind`` so the caller decides how to flag it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    localcontext,
)
from typing import Literal

__all__ = [
    "DateKind",
    "NumberKind",
    "ParsedDateSpan",
    "ParsedNumber",
    "normalize_text",
    "parse_amount",
    "parse_count",
    "parse_date_span",
    "parse_end_date",
]

NumberKind = Literal["number", "blank", "placeholder", "invalid"]
DateKind = Literal["date", "range", "blank", "invalid"]


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A metric cell read as a number."""

    value: int | Decimal | None
    kind: NumberKind
    approximate: bool = False
    unit_hint: str | None = None
    spelled: bool = False
    """Written with Chinese numerals or a multiplier (三百, 1.2万, 两千五) rather than digits alone: read as a number,
    and worth a note saying which (as 约500 gets)."""


@dataclass(frozen=True, slots=True)
class ParsedDateSpan:
    """A date cell read as a single day or an inclusive range of days."""

    start: date | None
    end: date | None
    kind: DateKind


# --------------------------------------------------------------------------- text

ZERO_WIDTH_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"

CJK_RANGES = (
    ("\u2e80", "\u2fdf"),  # CJK radicals, Kangxi radicals
    ("\u3000", "\u303f"),  # CJK symbols and punctuation
    ("\u3040", "\u30ff"),  # kana
    ("\u3100", "\u312f"),  # bopomofo
    ("\u3400", "\u4dbf"),  # extension A
    ("\u4e00", "\u9fff"),  # unified ideographs
    ("\uf900", "\ufaff"),  # compatibility ideographs
    ("\uff00", "\uffef"),  # full-width forms left after NFKC
    ("\U00020000", "\U0003134f"),  # extensions B..G
)

_WHITESPACE_RUN = re.compile(r"\s+")
_ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH_CHARS}]")


def _is_cjk(char: str) -> bool:
    return any(low <= char <= high for low, high in CJK_RANGES)


def _collapse_whitespace(match: re.Match[str]) -> str:
    text = match.string
    before, after = match.start() - 1, match.end()
    if before >= 0 and after < len(text) and _is_cjk(text[before]) and _is_cjk(text[after]):
        return ""
    return " "


def normalize_text(value: object) -> str:
    """Canonical text of any cell: NFKC (full-width → half-width), zero-width
    characters dropped, trimmed, whitespace runs removed between CJK characters
    and reduced to one space elsewhere.  None → ""."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text).strip()
    return _WHITESPACE_RUN.sub(_collapse_whitespace, text)


# ------------------------------------------------------------------------ numbers

PLACEHOLDERS = frozenset(
    {"—", "-", "--", "——", "/", "//", "\\", "无", "没有", "空", "暂无", "n/a", "na", "×", "x"}
)
"""Cell texts (normalized, casefolded) that say "nothing to report"."""

_DASH_RUN = re.compile(r"[-\u2010-\u2015\u2212]+")

UNIT_WORDS = (
    "人次", "场次", "万元",
    "人", "名", "位", "份", "块", "张", "篇", "次", "场", "期", "个", "元",
    "册", "本", "幅", "套", "件", "项", "条",
)  # fmt: skip
"""Unit words that may trail a number; longest first so 人次 wins over 人."""

SCALED_MONEY_UNIT = "万元"
"""For amounts, 万 directly before 元 is kept as part of the unit, not multiplied."""
COUNT_UNIT_WORDS = tuple(unit for unit in UNIT_WORDS if unit != SCALED_MONEY_UNIT)

APPROXIMATE_PREFIXES = (
    "不少于", "不低于", "大约", "大概", "将近", "接近", "超过", "至少", "大于", "多于", "高于",
    "约", "近", "上", "逾", "超", "≥", "≧", ">", "~", "～",
)  # fmt: skip
APPROXIMATE_SUFFIXES = ("左右", "以上", "上下", "多", "余", "许", "+", "↑", "⬆")
"""`300+`, `300↑`, `≥300` are lower bounds people write for a crowd they did not count: the number, flagged."""
EXACT_PREFIXES = ("共计", "合计", "累计", "总计", "共")
"""Words around a number that are stripped; the approximate ones set ``approximate``."""

CHINESE_DIGITS = {
    "零": 0, "〇": 0,
    "一": 1, "壹": 1,
    "二": 2, "两": 2, "兩": 2, "贰": 2, "貳": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
SECTION_MULTIPLIERS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
GROUP_MULTIPLIERS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
SIGNS = {"-": -1, "\u2212": -1, "+": 1}

_ARABIC_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)

_BLANK_NUMBER = ParsedNumber(None, "blank")
_PLACEHOLDER_NUMBER = ParsedNumber(None, "placeholder")
_INVALID_NUMBER = ParsedNumber(None, "invalid")


@dataclass(frozen=True, slots=True)
class _Reading:
    """A number read from a cell before it is shaped into a count or an amount."""

    value: Decimal
    approximate: bool = False
    unit_hint: str | None = None
    spelled: bool = False


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["digits", "zero", "section", "group"]
    value: Decimal
    single_digit: bool = False


def parse_count(value: object) -> ParsedNumber:
    """Read a count metric (people, leaflets, boards, reports) as an int.

    Accepts any cell.  A non-integral number is rounded half-up and marked
    approximate.  万/千/百 always multiply, so "1.5万元" → 15000 with unit "元".
    """
    reading = _read_metric(value, scaled_money_unit=False)
    if isinstance(reading, ParsedNumber):
        return reading
    with localcontext(_EXACT):
        whole = reading.value.to_integral_value(rounding=ROUND_HALF_UP)
    return ParsedNumber(
        int(whole),
        "number",
        approximate=reading.approximate or whole != reading.value,
        unit_hint=reading.unit_hint,
        spelled=reading.spelled,
    )


def parse_amount(value: object) -> ParsedNumber:
    """Read a money metric as an unquantized Decimal, expressed in ``unit_hint``.

    Accepts any cell.  "1.5万元" → Decimal("1.5") with unit "万元" and
    "15000元" → Decimal("15000") with unit "元"; the caller converts.
    Float cells go through their repr so 0.1 stays Decimal("0.1").
    """
    reading = _read_metric(value, scaled_money_unit=True)
    if isinstance(reading, ParsedNumber):
        return reading
    return ParsedNumber(reading.value, "number", reading.approximate, reading.unit_hint, reading.spelled)


def _read_metric(value: object, *, scaled_money_unit: bool) -> _Reading | ParsedNumber:
    """A number from any cell, or the final non-number result (blank/placeholder/invalid)."""
    if value is None:
        return _BLANK_NUMBER
    if isinstance(value, bool):
        return _INVALID_NUMBER
    if isinstance(value, int):
        return _Reading(Decimal(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            return _INVALID_NUMBER
        return _Reading(_integral_if_whole(Decimal(repr(value))))
    if isinstance(value, Decimal):
        return _Reading(value) if value.is_finite() else _INVALID_NUMBER
    if isinstance(value, str):
        return _read_metric_text(normalize_text(value), scaled_money_unit=scaled_money_unit)
    return _INVALID_NUMBER


_FIGURE_NOTE = re.compile(r"^(?P<figure>[^（(]+?)\s*[（(](?P<note>[^（）()]+)[）)]\s*$")


def split_figure_note(value: object) -> tuple[str, str] | None:
    """A figure written with a note in brackets after it (`150（其中学生90）`, `约200（含线上）`, `300（线上）`):
    (the figure's text, the note), or None for any other cell. Whether the figure reads is the caller's test."""
    if not isinstance(value, str):
        return None
    match = _FIGURE_NOTE.match(normalize_text(value))
    return (match["figure"], match["note"]) if match else None


def _integral_if_whole(number: Decimal) -> Decimal:
    """Whole numbers without a fraction or exponent (3000.0 → 3000, 1E+16 → 10000000000000000)."""
    with localcontext(_EXACT):
        whole = number.to_integral_value()
    return Decimal(int(whole)) if whole == number else number


def _is_placeholder(text: str) -> bool:
    return text.casefold() in PLACEHOLDERS or _DASH_RUN.fullmatch(text) is not None


def _read_metric_text(text: str, *, scaled_money_unit: bool) -> _Reading | ParsedNumber:
    """A number from normalized text such as "约 1.2万余人" or "两千五"."""
    if not text:
        return _BLANK_NUMBER
    if _is_placeholder(text):
        return _PLACEHOLDER_NUMBER

    units = UNIT_WORDS if scaled_money_unit else COUNT_UNIT_WORDS
    text, approximate, unit = _strip_markers(text, units)
    number = _read_numeral(text)
    if number is None:
        return _INVALID_NUMBER
    if not approximate and text in BARE_MULTIPLIERS:
        return _INVALID_NUMBER
    spelled = _ARABIC_NUMBER.fullmatch(text[1:] if text[:1] in SIGNS else text) is None
    return _Reading(number, approximate, unit, spelled)


BARE_MULTIPLIERS = frozenset({"百", "佰", "千", "仟", "万", "萬", "亿", "億"})
"""A multiplier alone ("万", or "万元" once the unit is stripped) is a unit someone typed into the
number cell, not a figure; only with a marker (近千, 上万, 百余) does it state an approximate number."""


def _strip_markers(text: str, units: tuple[str, ...]) -> tuple[str, bool, str | None]:
    """The numeral left after removing approximation words, 共-style prefixes
    and at most one unit word; also whether it is approximate and the unit."""
    approximate = False
    unit: str | None = None
    while True:
        text = text.strip()
        if word := _starting_word(text, APPROXIMATE_PREFIXES):
            approximate = True
        elif not (word := _starting_word(text, EXACT_PREFIXES)):
            break
        text = text[len(word) :]
    while True:
        text = text.strip()
        if word := _ending_word(text, APPROXIMATE_SUFFIXES):
            approximate = True
        elif unit is None and (word := _ending_word(text, units)):
            unit = word
        else:
            break
        text = text[: -len(word)]
    return text, approximate, unit


def _starting_word(text: str, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if text.startswith(w)), None)


def _ending_word(text: str, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if text.endswith(w)), None)


def _read_numeral(text: str) -> Decimal | None:
    """Value of a numeral mixing Arabic digits and Chinese numerals
    ("3,000", "一千二", "1.5万", "3千5", "-5"), or None if it is not one."""
    sign = 1
    if text[:1] in SIGNS:
        sign = SIGNS[text[0]]
        text = text[1:]
        if not text[:1].isascii() or not text[:1].isdigit():
            return None
    tokens = _tokenize_numeral(text)
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0].kind == "digits":
        return tokens[0].value.copy_negate() if sign < 0 else tokens[0].value
    with localcontext(_EXACT):
        value = _evaluate_numeral(tokens)
        if value is None:
            return None
        whole = value.to_integral_value()
        return sign * (whole if whole == value else value.normalize())


def _tokenize_numeral(text: str) -> list[_Token] | None:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        char = text[position]
        arabic = _ARABIC_NUMBER.match(text, position)
        if arabic:
            digits = arabic.group().replace(",", "")
            tokens.append(_Token("digits", Decimal(digits), single_digit=len(digits) == 1))
            position = arabic.end()
            continue
        if char.isspace():
            pass
        elif char in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[char]
            tokens.append(_Token("zero", Decimal(0)) if digit == 0 else _Token("digits", Decimal(digit), True))
        elif char in SECTION_MULTIPLIERS:
            tokens.append(_Token("section", Decimal(SECTION_MULTIPLIERS[char])))
        elif char in GROUP_MULTIPLIERS:
            tokens.append(_Token("group", Decimal(GROUP_MULTIPLIERS[char])))
        else:
            return None
        position += 1
    return tokens


def _evaluate_numeral(tokens: list[_Token]) -> Decimal | None:
    """Combine numeral tokens the way Chinese numbers are read.

    十/百/千 multiply the digit before them within a 万/亿 group; a lone
    trailing digit means the next lower place (一千二 = 1200, 一万二 = 12000)
    unless a 零 came before it (一百零五 = 105).
    """
    total = Decimal(0)
    section = Decimal(0)
    pending: _Token | None = None
    last_section_unit: Decimal | None = None
    last_group_unit: Decimal | None = None
    after_zero = False

    for token in tokens:
        if token.kind == "zero":
            if pending is not None:
                return None
            after_zero = True
        elif token.kind == "digits":
            if pending is not None:
                return None
            pending = token
        elif token.kind == "section":
            if last_section_unit is not None and token.value >= last_section_unit:
                return None
            section += (pending.value if pending is not None else 1) * token.value
            pending, last_section_unit, after_zero = None, token.value, False
        else:
            if last_group_unit is not None and token.value >= last_group_unit:
                return None
            if pending is None and section == 0:
                if after_zero or total:
                    return None
                group = Decimal(1)
            else:
                group = section + (pending.value if pending is not None else 0)
            total += group * token.value
            section, pending, last_section_unit, after_zero = Decimal(0), None, None, False
            last_group_unit = token.value

    if pending is None:
        return total + section
    place = last_section_unit or last_group_unit
    if place is None or after_zero:
        return total + section + pending.value
    if pending.single_digit:
        return total + section + pending.value * (int(place) // 10)
    if pending.value < place:
        return total + section + pending.value
    return None


# -------------------------------------------------------------------------- dates

EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIAL_RANGE = range(20000, 80001)
YEAR_RANGE = range(1990, 2101)

_YEAR_MONTH_DAY_CN = re.compile(
    r"(?P<y>[0-9]{4})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})(?![0-9])\s*[日号]?"
)
_YEAR_MONTH_DAY_SEPARATED = re.compile(
    r"(?P<y>[0-9]{4})(?P<sep>[./-])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])"
)
_YEAR_MONTH_DAY_COMPACT = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?![0-9])")
_MONTH_DAY_CN = re.compile(r"(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})(?![0-9])\s*[日号]?")
_MONTH_DAY_SEPARATED = re.compile(r"(?P<m>[0-9]{1,2})[./-](?P<d>[0-9]{1,2})(?![0-9])")
_DAY_ONLY = re.compile(r"(?P<d>[0-9]{1,2})(?![0-9])\s*[日号]?")

START_PATTERNS = (
    _YEAR_MONTH_DAY_CN,
    _YEAR_MONTH_DAY_SEPARATED,
    _YEAR_MONTH_DAY_COMPACT,
    _MONTH_DAY_CN,
    _MONTH_DAY_SEPARATED,
)
"""Forms a single date or a range start may take, most specific first."""
END_PATTERNS = (*START_PATTERNS, _DAY_ONLY)
"""A range end may also omit year and month, inheriting them from the start."""

_RANGE_SEPARATOR = re.compile(r"\s*(?:[-\u2010-\u2015\u2212~\u301c]+|至|到)\s*")
_TIME_OF_DAY = re.compile(
    r"[0-9]{1,2}\s*(?::\s*[0-9]{1,2}(?:\s*:\s*[0-9]{1,2})?|[点时](?:\s*[0-9]{1,2}\s*分|半)?)"
)
_MONTH_DOT_DAY = re.compile(r"(?P<m>[0-9]{1,2})\.(?P<d>[0-9]{1,2})")

_BLANK_DATE = ParsedDateSpan(None, None, "blank")
_INVALID_DATE = ParsedDateSpan(None, None, "invalid")


def parse_date_span(value: object, default_year: int) -> ParsedDateSpan:
    """Read an activity date cell as one day or a range of days.

    Accepts date/datetime cells, Excel serial numbers, floats typed as
    month.day (9.16 → Sept 16) and text such as "2023年9月16日", "9.16",
    "9月16日-18日" or "2023/9/16-2023/9/18".  Dates without a year take
    ``default_year``; years outside 1990..2100 are invalid.  A range whose end
    precedes its start is still returned as a range for the caller to report.
    """
    if value is None:
        return _BLANK_DATE
    if isinstance(value, bool):
        return _INVALID_DATE
    if isinstance(value, datetime):
        return ParsedDateSpan(value.date(), None, "date")
    if isinstance(value, date):
        return ParsedDateSpan(value, None, "date")
    if isinstance(value, (time, timedelta)):
        return _INVALID_DATE
    if isinstance(value, int):
        return _date_from_integer(value)
    if isinstance(value, float):
        return _date_from_float(value, default_year)
    if isinstance(value, str):
        return _date_span_from_text(normalize_text(value), default_year)
    return _INVALID_DATE


def parse_end_date(value: object, start: date | None, default_year: int) -> ParsedDateSpan:
    """Read an end-date cell that follows a start date in its own column.

    As in a written range, the end may omit what it shares with the start: "22日" is a day of the
    start's month, "10月2日" a day of the start's year.  Anything else reads as ``parse_date_span``.
    """
    year = start.year if start is not None else default_year
    if start is not None and isinstance(value, str):
        text = normalize_text(value)
        day_only = _DAY_ONLY.fullmatch(text)
        if day_only is not None:
            return _single(_make_date(start.year, start.month, int(day_only["d"])))
    return parse_date_span(value, year)


def _single(day: date | None) -> ParsedDateSpan:
    return _INVALID_DATE if day is None else ParsedDateSpan(day, None, "date")


def _date_from_integer(number: int) -> ParsedDateSpan:
    """An Excel serial day number, or an 8-digit yyyymmdd typed as a number."""
    if number in EXCEL_SERIAL_RANGE:
        return ParsedDateSpan(EXCEL_EPOCH + timedelta(days=number), None, "date")
    if 10_000_000 <= number <= 99_999_999:
        return _single(_make_date(number // 10_000, number // 100 % 100, number % 100))
    return _INVALID_DATE


def _date_from_float(number: float, default_year: int) -> ParsedDateSpan:
    """A serial (fraction = time of day), or month.day as Excel displays it (9.16, 10.1)."""
    if not math.isfinite(number):
        return _INVALID_DATE
    if number.is_integer() or number >= EXCEL_SERIAL_RANGE.start:
        return _date_from_integer(math.floor(number))
    month_day = _MONTH_DOT_DAY.fullmatch(repr(number))
    if month_day is None:
        return _INVALID_DATE
    return _single(_make_date(default_year, int(month_day["m"]), int(month_day["d"])))


def _date_span_from_text(text: str, default_year: int) -> ParsedDateSpan:
    """A date or range at the start of the text; trailing notes without digits
    ("上午", "(周六)") and times of day are tolerated."""
    if not text or _is_placeholder(text):
        return _BLANK_DATE
    start_match = _match_first(START_PATTERNS, text, 0)
    if start_match is None:
        return _INVALID_DATE
    start_year = _year_of(start_match, default_year)
    start = _make_date(start_year, int(start_match["m"]), int(start_match["d"]))
    if start is None:
        return _INVALID_DATE

    position = start_match.end()
    end: date | None = None
    listed = _list_of_days(text, position, start)
    if listed is not None:
        end, position = listed
        if end is None or end < start:
            return _INVALID_DATE
    separator = None if listed is not None else _RANGE_SEPARATOR.match(text, position)
    if separator:
        end_match = _match_first(END_PATTERNS, text, separator.end())
        if end_match is None:
            return _INVALID_DATE
        groups = end_match.groupdict()
        end_year = int(groups["y"]) if groups.get("y") else start.year
        end_month = int(groups["m"]) if groups.get("m") else start.month
        end = _make_date(end_year, end_month, int(groups["d"]))
        if end is None:
            return _INVALID_DATE
        position = end_match.end()

    if re.search(r"[0-9]", _TIME_OF_DAY.sub("", text[position:])):
        return _INVALID_DATE
    if end is None:
        return ParsedDateSpan(start, None, "date")
    return ParsedDateSpan(start, end, "range")


_LIST_SEPARATOR = re.compile(r"\s*[、，,]\s*")
_DAYS_ONLY = re.compile(
    r"(?P<d>[0-9]{1,2})\s*[日号]?(?:\s*(?:[、，,]|[-\u2010-\u2015\u2212~\u301c]+|至|到)\s*(?P<e>[0-9]{1,2}))?\s*[日号]")
"""Days written without a month: `18日`, `18、19日`, `18-20号` (the 日/号 says they are days, not a figure)."""


def parse_days_without_month(value: object) -> tuple[int, int] | None:
    """(first day, last day) of a date cell that names days of a month it leaves out (`18、19日` → (18, 19),
    `20日` → (20, 20)); None for anything else. The month comes from elsewhere (the rows around it)."""
    if not isinstance(value, str):
        return None
    match = _DAYS_ONLY.fullmatch(normalize_text(value))
    if match is None:
        return None
    first = int(match["d"])
    last = int(match["e"]) if match["e"] else first
    return (first, last) if 1 <= first <= last <= 31 else None


def days_in_month(year: int, month: int, days: tuple[int, int]) -> tuple[date, date] | None:
    """The two days of `days` in that month, or None when either does not exist."""
    first, last = _make_date(year, month, days[0]), _make_date(year, month, days[1])
    return (first, last) if first is not None and last is not None else None


def _list_of_days(text: str, position: int, start: date) -> tuple[date | None, int] | None:
    """A list of days after the first (`9月18、19日`, `9月18日、9月20日`): the last day listed and where the
    list ends, None when no list follows; (None, …) when a listed day does not exist."""
    last, found = start, False
    while separator := _LIST_SEPARATOR.match(text, position):
        day = _match_first(END_PATTERNS, text, separator.end())
        if day is None:
            break
        groups = day.groupdict()
        last = _make_date(int(groups["y"]) if groups.get("y") else last.year,
                          int(groups["m"]) if groups.get("m") else last.month, int(groups["d"]))
        if last is None:
            return None, day.end()
        position, found = day.end(), True
    return (last, position) if found else None


def _match_first(patterns: tuple[re.Pattern[str], ...], text: str, position: int) -> re.Match[str] | None:
    return next((m for p in patterns if (m := p.match(text, position))), None)


def _year_of(match: re.Match[str], default_year: int) -> int:
    year = match.groupdict().get("y")
    return int(year) if year else default_year


def _make_date(year: int, month: int, day: int) -> date | None:
    """The calendar date, or None if it does not exist or the year is implausible."""
    if year not in YEAR_RANGE:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
