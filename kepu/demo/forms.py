"""The official form filled in as a reporting unit would send it back: what the demo city's orderly offices
send, and what the tests build their small cities from. The blank form itself is `kepu.form.template`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl.worksheet.worksheet import Worksheet

from kepu.form.template import (
    DETAIL_SHEET,
    FIELD_COLUMN,
    FIELD_NAMES,
    FIRST_DATA_ROW,
    REPORTED_ON_CELL,
    SUMMARY_FIRST_ROW,
    SUMMARY_SHEET,
    UNIT_CODE_CELL,
    UNIT_NAME_CELL,
    build_form,
    save_workbook,
)
from kepu.schemas.synonyms import SUMMARY_INDICATORS
from kepu.schemas.vocabulary import COUNT_METRICS, MONEY_METRIC


def fill_form(
    path: Path,
    *,
    campaign_name: str,
    unit_name: str,
    unit_code: str,
    reported_on: date,
    activities: Sequence[Mapping[str, object]],
    summary: Mapping[str, object] | None = None,
    with_total_row: bool = False,
    with_detail: bool = True,
) -> Path:
    """Save a completed form to `path`, as a reporting unit would send it back.

    Each activity maps DETAIL_FIELDS field names to cell values, written as given (numbers, dates, or
    text such as "约500"); absent keys stay blank and `seq` is numbered when absent. The 合计 row holds
    plain numbers, the sums of the numeric values above it, so readers need no formula engine.
    `summary` maps SUMMARY_INDICATORS keys to the 汇总表 数量 cells. `with_detail=False` writes no
    activity rows: a summary-only submission.
    """
    rows = [dict(a) for a in activities] if with_detail else []
    for activity in rows:
        unknown = set(activity) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown activity fields: {sorted(unknown)}")
    wb = build_form(campaign_name, activity_rows=len(rows), with_total_row=with_total_row)

    ws = wb[DETAIL_SHEET]
    ws[UNIT_NAME_CELL] = unit_name
    ws[UNIT_CODE_CELL] = str(unit_code)
    ws[REPORTED_ON_CELL] = reported_on
    for offset, activity in enumerate(rows):
        activity.setdefault("seq", offset + 1)
        for field, value in activity.items():
            if value is not None:
                ws.cell(FIRST_DATA_ROW + offset, FIELD_COLUMN[field], value)
    if with_total_row:
        total_row = FIRST_DATA_ROW + len(rows)
        for field, value in column_sums(rows).items():
            ws.cell(total_row, FIELD_COLUMN[field], value)

    if summary is not None:
        _fill_summary(wb[SUMMARY_SHEET], summary)
    return save_workbook(wb, path)


def column_sums(activities: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """The 合计 row's numbers: per summed column, the total of the numeric values (text is skipped);
    经费 as a Decimal rounded to 2 places."""
    sums: dict[str, object] = {}
    for field in (*COUNT_METRICS, MONEY_METRIC):
        values = [a.get(field) for a in activities]
        numbers = [v for v in values if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)]
        if field == MONEY_METRIC:
            sums[field] = sum((Decimal(str(v)) for v in numbers), Decimal("0")).quantize(Decimal("0.01"))
        else:
            sums[field] = sum(numbers)
    return sums


def _fill_summary(ws: Worksheet, summary: Mapping[str, object]) -> None:
    rows = {indicator.key: row for row, indicator in enumerate(SUMMARY_INDICATORS, start=SUMMARY_FIRST_ROW)}
    unknown = set(summary) - set(rows)
    if unknown:
        raise ValueError(f"unknown summary indicators: {sorted(unknown)}")
    for key, value in summary.items():
        if value is not None:
            ws.cell(rows[key], 3, value)
