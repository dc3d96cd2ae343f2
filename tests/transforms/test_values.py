"""Tests for transforms.values: reading hand-filled cells as numbers, dates and text."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kepu.transforms.values import (
    ParsedDateSpan,
    ParsedNumber,
    normalize_text,
    parse_amount,
    parse_count,
    parse_date_span,
    parse_end_date,
)

FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
EXCEL_EPOCH = date(1899, 12, 30)
CHINESE_DIGITS = "零一二三四五六七八九"
CHINESE_PLACES = ((10_000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, ""))


def to_chinese_numeral(n: int, *, bare_ten: bool = True) -> str:
    """0..99_999 written in Chinese numerals: 2500 → 二千五百, 105 → 一百零五, 10 → 十 (or 一十)."""
    if n == 0:
        return "零"
    parts: list[str] = []
    started = zero_gap = False
    for place, name in CHINESE_PLACES:
        digit = n // place % 10
        if digit == 0:
            zero_gap = started
            continue
        if zero_gap:
            parts.append("零")
            zero_gap = False
        if place == 10 and digit == 1 and not started and bare_ten:
            parts.append(name)
        else:
            parts.append(CHINESE_DIGITS[digit] + name)
        started = True
    return "".join(parts)


def excel_serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


def test_chinese_numeral_helper() -> None:
    assert to_chinese_numeral(2500) == "二千五百"
    assert to_chinese_numeral(105) == "一百零五"
    assert to_chinese_numeral(10) == "十"
    assert to_chinese_numeral(10, bare_ten=False) == "一十"
    assert to_chinese_numeral(10010) == "一万零一十"
    assert to_chinese_numeral(99_999) == "九万九千九百九十九"


# ------------------------------------------------------------------ normalize_text

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        ("  科普日  ", "科普日"),
        ("科普  日", "科普日"),
        ("科 普\u3000日", "科普日"),
        ("科普日 ABC", "科普日 ABC"),
        ("ABC   def", "ABC def"),
        ("a\t\n b", "a b"),
        ("２５０", "250"),
        ("３，０００", "3,000"),
        ("（周六）", "(周六)"),
        ("时间：上午", "时间:上午"),
        ("ＡＢＣ", "ABC"),
        ("\u200b300\ufeff", "300"),
        ("\xa0300\xa0人", "300 人"),
        (250, "250"),
    ],
)
def test_normalize_text(value: object, expected: str) -> None:
    assert normalize_text(value) == expected


# ------------------------------------------------------------------------- numbers

COUNT_CASES = [
    # value, kind, value, approximate, unit_hint
    (None, "blank", None, False, None),
    ("", "blank", None, False, None),
    ("   ", "blank", None, False, None),
    ("\u3000", "blank", None, False, None),
    ("—", "placeholder", None, False, None),
    ("-", "placeholder", None, False, None),
    ("--", "placeholder", None, False, None),
    ("——", "placeholder", None, False, None),
    ("/", "placeholder", None, False, None),
    ("／", "placeholder", None, False, None),
    ("无", "placeholder", None, False, None),
    ("没有", "placeholder", None, False, None),
    ("空", "placeholder", None, False, None),
    ("N/A", "placeholder", None, False, None),
    ("n/a", "placeholder", None, False, None),
    ("×", "placeholder", None, False, None),
    ("x", "placeholder", None, False, None),
    (" — ", "placeholder", None, False, None),
    (300, "number", 300, False, None),
    (0, "number", 0, False, None),
    (300.0, "number", 300, False, None),
    (2.5, "number", 3, True, None),
    (2.4, "number", 2, True, None),
    (float("nan"), "invalid", None, False, None),
    (float("inf"), "invalid", None, False, None),
    (float("-inf"), "invalid", None, False, None),
    (True, "invalid", None, False, None),
    (False, "invalid", None, False, None),
    (date(2023, 9, 16), "invalid", None, False, None),
    (datetime(2023, 9, 16, 9, 0), "invalid", None, False, None),
    (time(9, 0), "invalid", None, False, None),
    (timedelta(days=1), "invalid", None, False, None),
    ("300", "number", 300, False, None),
    ("3,000", "number", 3000, False, None),
    ("3，000", "number", 3000, False, None),
    ("２５０", "number", 250, False, None),
    ("３，０００", "number", 3000, False, None),
    ("300人", "number", 300, False, "人"),
    ("300 人次", "number", 300, False, "人次"),
    ("12块", "number", 12, False, "块"),
    ("500份", "number", 500, False, "份"),
    ("8篇", "number", 8, False, "篇"),
    ("3场次", "number", 3, False, "场次"),
    ("15000元", "number", 15000, False, "元"),
    ("1.5万元", "number", 15000, False, "元"),
    ("4000多", "number", 4000, True, None),
    ("300余", "number", 300, True, None),
    ("300余人", "number", 300, True, "人"),
    ("300多人", "number", 300, True, "人"),
    ("约500", "number", 500, True, None),
    ("约 500 人", "number", 500, True, "人"),
    ("大约500", "number", 500, True, None),
    ("近千", "number", 1000, True, None),
    ("近500", "number", 500, True, None),
    ("500左右", "number", 500, True, None),
    ("300人左右", "number", 300, True, "人"),
    ("上千", "number", 1000, True, None),
    ("上万人", "number", 10000, True, "人"),
    ("逾300", "number", 300, True, None),
    ("超过300人", "number", 300, True, "人"),
    ("300以上", "number", 300, True, None),
    ("300+", "number", 300, True, None),
    ("300+人", "number", 300, True, "人"),
    ("300人+", "number", 300, True, "人"),
    ("500↑", "number", 500, True, None),
    ("≥150人", "number", 150, True, "人"),
    (">80", "number", 80, True, None),
    ("大于200", "number", 200, True, None),
    ("不少于200人次", "number", 200, True, "人次"),
    ("1.5万+", "number", 15000, True, None),
    ("+300", "number", 300, False, None),
    ("3+2", "invalid", None, False, None),
    ("共300人", "number", 300, False, "人"),
    ("1万", "number", 10000, False, None),
    ("1万余", "number", 10000, True, None),
    ("1万余人", "number", 10000, True, "人"),
    ("1.2万", "number", 12000, False, None),
    ("1.2万人次", "number", 12000, False, "人次"),
    ("1万2000", "number", 12000, False, None),
    ("一万二", "number", 12000, False, None),
    ("三百", "number", 300, False, None),
    ("一千二", "number", 1200, False, None),
    ("两千五百", "number", 2500, False, None),
    ("两千五", "number", 2500, False, None),
    ("三百五", "number", 350, False, None),
    ("三十", "number", 30, False, None),
    ("十二", "number", 12, False, None),
    ("十", "number", 10, False, None),
    ("一十", "number", 10, False, None),
    ("一百零五", "number", 105, False, None),
    ("一千零五十", "number", 1050, False, None),
    ("零", "number", 0, False, None),
    ("0", "number", 0, False, None),
    ("3千", "number", 3000, False, None),
    ("2.5千", "number", 2500, False, None),
    ("一千多", "number", 1000, True, None),
    ("五百余名", "number", 500, True, "名"),
    ("壹仟贰佰", "number", 1200, False, None),
    ("1.5", "number", 2, True, None),
    ("-5", "number", -5, False, None),
    ("数百", "invalid", None, False, None),
    ("几百", "invalid", None, False, None),
    ("很多", "invalid", None, False, None),
    ("若干", "invalid", None, False, None),
    ("见附件", "invalid", None, False, None),
    ("abc", "invalid", None, False, None),
    ("1.2.3", "invalid", None, False, None),
    ("1e3", "invalid", None, False, None),
    ("3,00", "invalid", None, False, None),
    ("3 000", "invalid", None, False, None),
    ("约", "invalid", None, False, None),
    ("人", "invalid", None, False, None),
    ("一二三", "invalid", None, False, None),
    ("百千", "invalid", None, False, None),
    ("1万25000", "invalid", None, False, None),
    ("--5", "invalid", None, False, None),
]


@pytest.mark.parametrize(("value", "kind", "expected", "approximate", "unit"), COUNT_CASES)
def test_parse_count(value: object, kind: str, expected: int | None, approximate: bool, unit: str | None) -> None:
    parsed = parse_count(value)
    spelled = kind == "number" and isinstance(value, str) and any(ch in SPELLED_MARKS for ch in value)
    assert parsed == ParsedNumber(expected, kind, approximate, unit, spelled)  # type: ignore[arg-type]
    assert expected is None or type(parsed.value) is int


SPELLED_MARKS = set("零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟")
"""A count written with any of these (三百, 1.2万, 上千) is read with the `spelled` note (as 约500 gets its own)."""


AMOUNT_CASES = [
    # value, kind, value, approximate, unit_hint
    (None, "blank", None, False, None),
    ("  ", "blank", None, False, None),
    ("—", "placeholder", None, False, None),
    ("无", "placeholder", None, False, None),
    (1500, "number", Decimal("1500"), False, None),
    (1500.0, "number", Decimal("1500"), False, None),
    (0.1, "number", Decimal("0.1"), False, None),
    (1234.56, "number", Decimal("1234.56"), False, None),
    (float("nan"), "invalid", None, False, None),
    (True, "invalid", None, False, None),
    (date(2023, 9, 16), "invalid", None, False, None),
    ("1.5万元", "number", Decimal("1.5"), False, "万元"),
    ("15000元", "number", Decimal("15000"), False, "元"),
    ("1,200.50", "number", Decimal("1200.50"), False, None),
    ("１，２００．５０元", "number", Decimal("1200.50"), False, "元"),
    ("约0.5", "number", Decimal("0.5"), True, None),
    ("约0.5万元", "number", Decimal("0.5"), True, "万元"),
    ("1万余元", "number", Decimal("10000"), True, "元"),
    ("3千元", "number", Decimal("3000"), False, "元"),
    ("一千二百元", "number", Decimal("1200"), False, "元"),
    ("2.5千", "number", Decimal("2500"), False, None),
    ("1.2万", "number", Decimal("12000"), False, None),
    ("1.5", "number", Decimal("1.5"), False, None),
    ("-5", "number", Decimal("-5"), False, None),
    ("若干", "invalid", None, False, None),
    ("1.2.3", "invalid", None, False, None),
]


@pytest.mark.parametrize(("value", "kind", "expected", "approximate", "unit"), AMOUNT_CASES)
def test_parse_amount(
    value: object, kind: str, expected: Decimal | None, approximate: bool, unit: str | None
) -> None:
    parsed = parse_amount(value)
    assert (parsed.kind, parsed.value, parsed.approximate, parsed.unit_hint) == (kind, expected, approximate, unit)
    if expected is not None:
        assert type(parsed.value) is Decimal
        assert str(parsed.value) == str(expected)


@pytest.mark.parametrize(("value", "spelled"), [
    ("三百", True), ("1.2万", True), ("两千五", True), ("1.2万人次", True), ("1千份", True), ("3千5", True),
    ("300", False), ("3,000", False), ("300人", False), ("约500", False), ("-5", False), (300, False), (1.5, False),
])
def test_spelled_numbers_are_marked(value: object, spelled: bool) -> None:
    """三百 and 1.2万 are read as numbers and marked, so the reader notes them as it notes 约500 (#23)."""
    assert parse_count(value).kind == "number"
    assert parse_count(value).spelled is spelled
    assert parse_amount("1.2万元").spelled is False  # 万元 is the column's unit, not a spelled numeral


def test_huge_int_cell_is_kept_exactly() -> None:
    huge = 10**5000 + 7
    assert parse_count(huge).value == huge
    assert parse_amount(huge).value == Decimal(huge)
    digits = "9" * 5000
    assert parse_count(digits).value == int(Decimal(digits))
    assert parse_amount(digits).value == Decimal(digits)


# --------------------------------------------------------------------------- dates

YEAR = 2023
D = date


DATE_CASES = [
    # value, kind, start, end
    (None, "blank", None, None),
    ("", "blank", None, None),
    ("   ", "blank", None, None),
    ("—", "blank", None, None),
    ("/", "blank", None, None),
    (date(2023, 9, 16), "date", D(2023, 9, 16), None),
    (datetime(2023, 9, 16, 14, 30), "date", D(2023, 9, 16), None),
    (45185, "date", D(2023, 9, 16), None),
    (45185.0, "date", D(2023, 9, 16), None),
    (45185.625, "date", D(2023, 9, 16), None),
    (20000, "date", EXCEL_EPOCH + timedelta(days=20000), None),
    (80000, "date", EXCEL_EPOCH + timedelta(days=80000), None),
    (80001, "invalid", None, None),
    (19999, "invalid", None, None),
    (9.16, "date", D(2023, 9, 16), None),
    (9.5, "date", D(2023, 9, 5), None),
    (10.1, "date", D(2023, 10, 1), None),
    (12.31, "date", D(2023, 12, 31), None),
    (9.31, "invalid", None, None),
    (13.1, "invalid", None, None),
    (9, "invalid", None, None),
    (12, "invalid", None, None),
    (1, "invalid", None, None),
    (9.0, "invalid", None, None),
    (20230916, "date", D(2023, 9, 16), None),
    (float("nan"), "invalid", None, None),
    (float("inf"), "invalid", None, None),
    (True, "invalid", None, None),
    (time(9, 0), "invalid", None, None),
    (timedelta(days=3), "invalid", None, None),
    ("2023.9.16", "date", D(2023, 9, 16), None),
    ("2023/9/16", "date", D(2023, 9, 16), None),
    ("2023-09-16", "date", D(2023, 9, 16), None),
    ("2023-9-16", "date", D(2023, 9, 16), None),
    ("2023年9月16日", "date", D(2023, 9, 16), None),
    ("2023年9月16号", "date", D(2023, 9, 16), None),
    ("2023 年 9 月 16 日", "date", D(2023, 9, 16), None),
    ("２０２３年９月１６日", "date", D(2023, 9, 16), None),
    ("20230916", "date", D(2023, 9, 16), None),
    ("9月16日", "date", D(2023, 9, 16), None),
    ("9月16号", "date", D(2023, 9, 16), None),
    ("9.16", "date", D(2023, 9, 16), None),
    ("9/16", "date", D(2023, 9, 16), None),
    ("9-16", "date", D(2023, 9, 16), None),
    ("  9月16日  ", "date", D(2023, 9, 16), None),
    ("9月16日上午", "date", D(2023, 9, 16), None),
    ("9月16日（周六）", "date", D(2023, 9, 16), None),
    ("2023年9月16日 全天", "date", D(2023, 9, 16), None),
    ("9月16日 9:00-11:30", "date", D(2023, 9, 16), None),
    ("2023-09-16 00:00:00", "date", D(2023, 9, 16), None),
    ("9月16日-18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16日—18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16日——18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16日至18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16日到18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16日~9月18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16日～9月18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16日〜9月18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16日–18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16日―18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月16-18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9.16-9.18", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9.16 - 9.18", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9.16-18", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("2023.9.16—9.18", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("2023年9月16日至2023年9月18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("2023/9/16-2023/9/18", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月30日-10月2日", "range", D(2023, 9, 30), D(2023, 10, 2)),
    ("2022年9月16日-18日", "range", D(2022, 9, 16), D(2022, 9, 18)),
    ("9月18日-16日", "range", D(2023, 9, 18), D(2023, 9, 16)),
    ("9月16日-18日（周末）", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月31日", "invalid", None, None),
    ("2023.13.1", "invalid", None, None),
    ("2023年2月29日", "invalid", None, None),
    ("9月16日-31日", "invalid", None, None),
    ("9月16日-", "invalid", None, None),
    # a list of days (SPEC §2.3): the first is the start, the last the end
    ("9月16日、17日", "range", D(2023, 9, 16), D(2023, 9, 17)),
    ("9月18、19日", "range", D(2023, 9, 18), D(2023, 9, 19)),
    ("9月16、17、18日", "range", D(2023, 9, 16), D(2023, 9, 18)),
    ("9月18日、9月20日", "range", D(2023, 9, 18), D(2023, 9, 20)),
    ("2023年9月18、19日", "range", D(2023, 9, 18), D(2023, 9, 19)),
    ("9月19、18日", "invalid", None, None),
    ("9月18、32日", "invalid", None, None),
    ("9月18、19日、20", "range", D(2023, 9, 18), D(2023, 9, 20)),
    ("待定", "invalid", None, None),
    ("九月中旬", "invalid", None, None),
    ("9月", "invalid", None, None),
    ("23.9.16", "invalid", None, None),
    ("23年9月16日", "invalid", None, None),
    ("1989.9.16", "invalid", None, None),
    ("2101年1月1日", "invalid", None, None),
    ("2023.9.161", "invalid", None, None),
    ("abc", "invalid", None, None),
]


@pytest.mark.parametrize(("value", "kind", "start", "end"), DATE_CASES)
def test_parse_date_span(value: object, kind: str, start: date | None, end: date | None) -> None:
    assert parse_date_span(value, YEAR) == ParsedDateSpan(start, end, kind)  # type: ignore[arg-type]


def test_leap_day_uses_default_year() -> None:
    assert parse_date_span("2月29日", 2024).start == date(2024, 2, 29)
    assert parse_date_span("2月29日", 2023).kind == "invalid"


# ---------------------------------------------------------------- never raise

NUMERIC_ALPHABET = st.sampled_from(
    list("0123456789０１２３,.，．-—~～/ 人次万千百十亿零一二两三九元约近多余上左右年月日号至到()（）周六:")
)
cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(NUMERIC_ALPHABET, max_size=20),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
    st.decimals(allow_nan=True, allow_infinity=True),
)


def assert_well_formed_number(parsed: ParsedNumber, value_type: type) -> None:
    assert parsed.kind in ("number", "blank", "placeholder", "invalid")
    assert (parsed.value is None) == (parsed.kind != "number")
    assert parsed.value is None or type(parsed.value) is value_type
    assert parsed.kind == "number" or (not parsed.approximate and parsed.unit_hint is None)


def assert_well_formed_span(parsed: ParsedDateSpan) -> None:
    assert parsed.kind in ("date", "range", "blank", "invalid")
    assert (parsed.start is None) == (parsed.kind in ("blank", "invalid"))
    assert (parsed.end is not None) == (parsed.kind == "range")


@given(cell_values)
def test_parsers_never_raise(value: object) -> None:
    assert_well_formed_number(parse_count(value), int)
    assert_well_formed_number(parse_amount(value), Decimal)
    assert_well_formed_span(parse_date_span(value, YEAR))
    assert isinstance(normalize_text(value), str)


@given(st.text())
def test_parsers_never_raise_on_text(text: str) -> None:
    assert_well_formed_number(parse_count(text), int)
    assert_well_formed_number(parse_amount(text), Decimal)
    assert_well_formed_span(parse_date_span(text, YEAR))


@given(st.floats())
def test_parsers_never_raise_on_floats(number: float) -> None:
    assert_well_formed_number(parse_count(number), int)
    assert_well_formed_number(parse_amount(number), Decimal)
    assert_well_formed_span(parse_date_span(number, YEAR))


@given(st.integers())
def test_parsers_never_raise_on_ints(number: int) -> None:
    assert parse_count(number) == ParsedNumber(number, "number")
    assert parse_amount(number) == ParsedNumber(Decimal(number), "number")
    assert_well_formed_span(parse_date_span(number, YEAR))


# ------------------------------------------------------------- round trips

counts = st.integers(min_value=0, max_value=99_999_999)


def written_forms(n: int) -> list[str]:
    return [
        str(n),
        f"{n:,}",
        str(n).translate(FULL_WIDTH_DIGITS),
        f"{n:,}".translate(FULL_WIDTH_DIGITS).replace(",", "，"),
        f"{n}人",
        f"{n} 人次",
    ]


@given(counts)
def test_written_counts_parse_back(n: int) -> None:
    for text in written_forms(n):
        assert parse_count(text).value == n, text
        assert not parse_count(text).approximate, text
        assert parse_amount(text).value == Decimal(n), text


@given(counts)
def test_approximate_counts_parse_back(n: int) -> None:
    for text in (f"约{n}", f"{n}余人", f"{n}多"):
        parsed = parse_count(text)
        assert (parsed.value, parsed.approximate) == (n, True), text


@given(st.integers(min_value=0, max_value=99_999), st.booleans())
def test_chinese_numerals_parse_back(n: int, bare_ten: bool) -> None:
    text = to_chinese_numeral(n, bare_ten=bare_ten)
    assert parse_count(text) == ParsedNumber(n, "number", spelled=True), text
    assert parse_count(text.replace("二千", "两千")).value == n


@given(st.integers(min_value=0, max_value=999_999))
def test_ten_thousands_parse_back(hundreds: int) -> None:
    n = hundreds * 100
    text = f"{n // 10_000}.{n % 10_000:04d}".rstrip("0").rstrip(".") + "万"
    assert parse_count(text) == ParsedNumber(n, "number", spelled=True), text
    assert parse_amount(text).value == Decimal(n), text


dates_2000s = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(dates_2000s)
def test_written_dates_parse_back(day: date) -> None:
    expected = ParsedDateSpan(day, None, "date")
    other_year = 2001 if day.year != 2001 else 2002
    for value in (
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}.{day.month}.{day.day}",
        day.isoformat(),
        excel_serial(day),
        day,
        datetime.combine(day, time(10, 30)),
    ):
        assert parse_date_span(value, other_year) == expected, value
    assert parse_date_span(f"{day.month}月{day.day}日", day.year) == expected


@given(dates_2000s, st.integers(min_value=0, max_value=60))
def test_written_ranges_parse_back(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    expected = ParsedDateSpan(start, end, "range")
    full = f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    assert parse_date_span(full, 2000) == expected, full
    if end.year == start.year:
        month_day = f"{start.month}月{start.day}日-{end.month}月{end.day}日"
        assert parse_date_span(month_day, start.year) == expected, month_day


START = date(2023, 9, 20)


@pytest.mark.parametrize(("value", "start", "expected"), [
    ("22日", START, ParsedDateSpan(date(2023, 9, 22), None, "date")),
    ("22", START, ParsedDateSpan(date(2023, 9, 22), None, "date")),
    ("１８号", START, ParsedDateSpan(date(2023, 9, 18), None, "date")),
    ("10月2日", date(2023, 9, 30), ParsedDateSpan(date(2023, 10, 2), None, "date")),
    ("2023-09-21", START, ParsedDateSpan(date(2023, 9, 21), None, "date")),
    (date(2023, 9, 21), START, ParsedDateSpan(date(2023, 9, 21), None, "date")),
    ("31日", START, ParsedDateSpan(None, None, "invalid")),
    ("22日", None, ParsedDateSpan(None, None, "invalid")),
    ("9月22日", None, ParsedDateSpan(date(2024, 9, 22), None, "date")),
    ("待定", START, ParsedDateSpan(None, None, "invalid")),
    (None, START, ParsedDateSpan(None, None, "blank")),
])
def test_parse_end_date(value, start, expected) -> None:
    assert parse_end_date(value, start, 2024) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(min_value=0, max_value=27))
def test_day_only_end_parses_back(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    if end.month == start.month:
        assert parse_end_date(f"{end.day}日", start, 2000) == ParsedDateSpan(end, None, "date")


@pytest.mark.parametrize("text, days", [
    ("18日", (18, 18)), ("18、19日", (18, 19)), ("18-20号", (18, 20)), (" 18 、 19 日", (18, 19)), ("18至19日", (18, 19)),
    ("9月18日", None), ("18", None), ("18、19", None), ("2018日", None), ("32日", None), ("19、18日", None), (18, None),
])
def test_days_without_a_month(text, days):
    """`18、19日` names days of a month it leaves out (the reader takes the month from the rows around); a bare
    number, a date with its month, or days that cannot be are not such days."""
    from kepu.transforms.values import parse_days_without_month

    assert parse_days_without_month(text) == days
