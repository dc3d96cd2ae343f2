"""Reading an end-date cell in its own column, after the start date it may abbreviate against."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kepu.transforms.values import ParsedDateSpan, parse_end_date

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
