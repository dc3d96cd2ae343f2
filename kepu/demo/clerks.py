"""A district's one workbook for its towns (issue #20, SPEC §2.3 "What people actually send"): a 汇总 sheet by unit
and a sheet per town — the first named for its town, the others titled for theirs — the towns sending nothing
themselves. kepu reads each town's sheet as that town's form, forwarded by the district (SPEC §3.10).

The other clerks' habits of issue #20 (ditto marks, section rows, last May's 科技活动周 sheet) are layouts of one
office's own form: kepu.demo.layouts (SHOWCASES `dittos`, `sections`, `two_campaigns`).

Pure: rows in, a `writers.BookSpec` out, with each part's rows as they now stand.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date

from kepu.demo.layouts import Layout, TypedTable, _Cells, reported_on_text, type_rows
from kepu.demo.writers import BookSpec, SheetSpec
from kepu.schemas.vocabulary import COUNT_METRICS

SUMMARY_SHEET = "汇总"
SUMMARY_COLUMNS = (("activities", "活动场次"), ("participants", "参与人次"), ("volunteers", "志愿者人数"),
                   ("materials", "发放资料（份）"))


def sheet_per_unit_book(rng: random.Random, forwarder: str, reported_on: date,
                        parts: Sequence[tuple[str, Sequence[Mapping[str, object]]]], *, campaign_name: str,
                        last_day: date) -> tuple[BookSpec, list[tuple[dict, ...]]]:
    """A district's one workbook for its towns: a 汇总 sheet by unit (its title and 填报单位 the district's), then a
    sheet per town — the first named for its town under the campaign's title, the others `Sheet2`… titled for
    theirs. Returns the book and each part's rows as they now stand."""
    layout = Layout()
    typed: list[TypedTable] = [type_rows(rng, layout, rows, last_day) for _, rows in parts]
    summary = _Cells()
    width = len(SUMMARY_COLUMNS)
    summary.put(0, 0, f"{forwarder}{campaign_name}活动汇总表", to_col=width)
    summary.put(1, 0, f"填报单位：{forwarder}\u3000\u3000填报日期：{reported_on_text(reported_on)}", to_col=width)
    summary.put(2, 0, "单位")
    for i, (_, label) in enumerate(SUMMARY_COLUMNS, start=1):
        summary.put(2, i, label)
    for r, ((name, _), table) in enumerate(zip(parts, typed), start=3):
        summary.put(r, 0, name)
        values = {"activities": len(table.rows),
                  **{m: sum(row.get(m) or 0 for row in table.rows) for m in COUNT_METRICS}}
        for i, (key, _) in enumerate(SUMMARY_COLUMNS, start=1):
            summary.put(r, i, values[key])
    sheets = [summary.sheet(SUMMARY_SHEET, merges=True)]
    for n, ((name, _), table) in enumerate(zip(parts, typed)):
        out = _Cells()
        last = len(layout.columns) - 1
        title = f"{campaign_name}活动情况统计表" if n == 0 else f"{name}{campaign_name}活动情况统计表"
        out.put(0, 0, title, to_col=last)
        for i, label in enumerate(layout.labels):
            out.put(1, i, label)
        for r, line in enumerate(table.lines, start=2):
            for i, column in enumerate(layout.columns):
                out.put(r, i, line.cells.get(column))
        sheets.append(out.sheet(name if n == 0 else f"Sheet{n + 2}", merges=True))
    return BookSpec("xlsx", tuple(sheets)), [t.rows for t in typed]
