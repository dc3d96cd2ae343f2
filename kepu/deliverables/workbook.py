"""The two workbooks of a campaign.

全市汇总.xlsx goes upward, signed: 全市汇总 (the city's figures with their 计量单位 and the 情况说明
paragraph), 分区县 (with charts of participants and activities by district), 分类型, 单位明细 and 活动清单
(every counted activity). Each sheet carries the header block an office signs — 填报单位（盖章）,
填报日期, 数据截至 above the table; 填表人, 审核人, 联系电话 under it — from `[office]` in kepu.toml.

内部核查.xlsx stays in the office: 报送情况 (units to chase first), 分区县报送情况 (with the paragraph
that also says how many units reported), 数据问题 (current versions first, then history), 收到文件 (every
file, old versions and rejected ones included) and 活动来源 (each counted activity's file and cell).

Both are written row by row in constant memory (活动清单 can run to hundreds of thousands of rows), and
only when what they say has changed: the content digest is kept in the file's properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from kepu.deliverables.city_tables import SOURCE_KEYS, CityTables, city_summary_rows
from kepu.deliverables.files import write_if_changed
from kepu.deliverables.sheets import (
    DEFAULT_ROW_POINTS,
    Placed,
    SheetWriter,
    WorkbookWriter,
    text_width,
    write_workbook,
    written_digest,
)
from kepu.deliverables.tables import Table, digest_of

UPWARD = "全市汇总.xlsx"
INTERNAL = "内部核查.xlsx"
CHART_WIDTH_PIXELS = 380
CHART_HEIGHT_PIXELS = 270
CHART_GAP_PIXELS = 20
"""Two charts side by side under the 分区县 table, on its page when they fit there, else on a page of their own."""
CHARTS_TITLE = "各区县参与人次和活动场次"
PAGE_SLACK = 0.92
"""The share of a page counted on: a printer's fonts make rows a little taller than Excel's."""
SUMMARY_WIDTHS = (6, 30, 12, 20)
"""序号, 指标, 计量单位, 数值 on the 全市汇总 sheet: one A4 page upright, the paragraph under the figures."""


@dataclass(frozen=True)
class OfficeBlock:
    """What an office signs on each sheet that goes upward. Blank fields print as blanks to fill in."""

    name: str
    reported_on: date
    as_of: date | None
    preparer: str
    reviewer: str
    phone: str
    edition: str = ""
    """Which signed edition this is (SPEC §3.12): 「第N版」, 「第N版后更新（未报送）」, or "" before the first."""

    @property
    def header(self) -> list[str]:
        as_of = f"{self.as_of:%Y年%-m月%-d日}" if self.as_of else "　　年　月　日"
        return [f"填报单位（盖章）：{self.name or '　' * 8}", f"填报日期：{self.reported_on:%Y年%-m月%-d日}",
                f"数据截至：{as_of}", *([f"报送版本：{self.edition}"] if self.edition else [])]

    @property
    def footer(self) -> list[str]:
        return [f"填表人：{self.preparer or '　' * 4}", f"审核人：{self.reviewer or '　' * 4}",
                f"联系电话：{self.phone or '　' * 6}"]

    @property
    def signed(self) -> tuple:
        """What the digest covers: everything but the day the workbook is written."""
        return (self.name, self.as_of, self.preparer, self.reviewer, self.phone, self.edition)


def office_block(office, units: pd.DataFrame, as_of, today: date, edition: str = "") -> OfficeBlock:
    """The block from `[office]`; without a name, the registry's one city-level unit signs."""
    name = office.name
    if not name and "unit_type" in units.columns:
        cities = units.loc[units["unit_type"] == "city", "unit_name"].tolist()
        name = cities[0] if len(cities) == 1 else ""
    if as_of is not None and not pd.isna(as_of):
        as_of = as_of.date() if isinstance(as_of, datetime) else as_of
    else:
        as_of = None
    return OfficeBlock(name, today, as_of, office.preparer, office.reviewer, office.phone, edition)


def block_lines(writer: SheetWriter, texts: list[str]) -> None:
    """Texts side by side across the sheet's columns when they fit, else one under the other."""
    widths = writer.widths
    count = len(widths)
    for per_row in range(len(texts), 0, -1):
        groups = [texts[i:i + per_row] for i in range(0, len(texts), per_row)]
        spans = _spans(widths, per_row)
        if all(text_width(t) + 2 <= sum(widths[a:a + n]) for g in groups for t, (a, n) in zip(g, spans)):
            for group in groups:
                writer.line([(a, n, t) for t, (a, n) in zip(group, spans)])
            return
    for text in texts:
        writer.line([(0, count, text)])


def _spans(widths: list[float], parts: int) -> list[tuple[int, int]]:
    """`parts` runs of adjacent columns of about equal width: (first column, number of columns)."""
    count = len(widths)
    if parts <= 1 or count < parts:
        return [(0, count)]
    total = sum(widths)
    spans, first, running = [], 0, 0.0
    for part in range(1, parts):
        target = total * part / parts
        last = first
        while last < count - (parts - part) and running + widths[last] <= target:
            running += widths[last]
            last += 1
        last = max(last, first + 1)
        running = sum(widths[:last])
        spans.append((first, last - first))
        first = last
    spans.append((first, count - first))
    return spans


# ----------------------------------------------------------------------------------- upward


def upward_digest(tables: CityTables, paragraph: str, office: OfficeBlock) -> str:
    return digest_of(("upward", office.signed, paragraph, tables.city_totals.digest, tables.district_totals.digest,
                      tables.type_totals.digest, tables.unit_totals.digest, tables.activities.digest))


def upward_workbook(book: WorkbookWriter, tables: CityTables, paragraph: str, office: OfficeBlock) -> str:
    summary = book.sheet(tables.city_totals.sheet)
    summary.layout(SUMMARY_WIDTHS)
    summary.title(tables.city_totals.title, len(SUMMARY_WIDTHS))
    block_lines(summary, office.header)
    summary.transposed(city_summary_rows(tables.city_totals))
    summary.skip()
    summary.title("情况说明", len(SUMMARY_WIDTHS), role="subtitle")
    summary.paragraph(paragraph, len(SUMMARY_WIDTHS))
    summary.skip()
    block_lines(summary, office.footer)
    summary.finish(portrait=True)

    for table in (tables.district_totals, tables.type_totals, tables.unit_totals, tables.activities):
        sheet = book.sheet(table.sheet)
        sheet.layout(sheet.table_widths(table))
        sheet.title(table.title, len(sheet.widths))
        block_lines(sheet, office.header)
        placed = sheet.table(table, title=False)
        sheet.skip()
        block_lines(sheet, office.footer)
        repeat = True
        if table is tables.district_totals and placed.last_row >= placed.first_row:
            repeat = district_charts(book, sheet, table, placed)
        sheet.finish(repeat=repeat)
    return tables.city_totals.title


def district_charts(book: WorkbookWriter, sheet: SheetWriter, table: Table, placed: Placed) -> bool:
    """The two charts under the 分区县 table: on the table's page when they fit there, else on the next page
    under a title of their own. Returns whether the title and header rows are to be repeated on every printed
    page: not when the table fits its first page and the charts have the next one (a header repeated above
    charts heads an empty table)."""
    page = sheet.page_points() * PAGE_SLACK
    charts = CHART_HEIGHT_PIXELS * 0.75 + DEFAULT_ROW_POINTS
    repeat = True
    if sheet.height_points + charts > page:
        repeat = sheet.height_points > page
        sheet.ws.set_h_pagebreaks([sheet.row])
        sheet.title(CHARTS_TITLE, len(sheet.widths), role="subtitle")
    below = sheet.row + 1
    district_chart(book, sheet, table, placed, "participants", "各区县参与人次", below, 0)
    district_chart(book, sheet, table, placed, "activities", "各区县活动场次", below,
                   CHART_WIDTH_PIXELS + CHART_GAP_PIXELS)
    return repeat


def district_chart(book: WorkbookWriter, sheet: SheetWriter, table: Table, placed: Placed, key: str, title: str,
                   row: int, x_offset: int) -> None:
    """A column chart of one measure by district, read from the table's cells on the sheet."""
    name = sheet.ws.get_name()
    names, values = placed.columns["district_name"], placed.columns[key]
    chart = book.book.add_chart({"type": "column"})
    chart.add_series({
        "name": [name, placed.header_row, values],
        "categories": [name, placed.first_row, names, placed.last_row, names],
        "values": [name, placed.first_row, values, placed.last_row, values],
        "fill": {"color": "#4A86C5"},
        "data_labels": {"value": True, "num_format": "#,##0"},
    })
    chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": False}})
    chart.set_size({"width": CHART_WIDTH_PIXELS, "height": CHART_HEIGHT_PIXELS})
    sheet.ws.insert_chart(row, 0, chart, {"x_offset": x_offset, "object_position": 2})


# --------------------------------------------------------------------------------- internal


def internal_digest(tables: CityTables, paragraph: str, lead: str | None = None) -> str:
    return digest_of(("internal", paragraph, tables.completeness.digest, tables.district_completeness.digest,
                      tables.issues.digest, tables.files.digest, tables.activities.digest,
                      tables.changes.digest if tables.changes is not None else None, tables.edition_headline,
                      lead or ""))


def internal_workbook(book: WorkbookWriter, tables: CityTables, paragraph: str, lead: str | None = None) -> str:
    """`lead`: the open items and the biggest figures under question (wording.open_items_lead), the first line
    the office reads, above its first table."""
    completeness = tables.completeness
    sheet = book.sheet(completeness.sheet)
    sheet.layout(sheet.table_widths(completeness))
    if lead:
        sheet.lead(f"{lead}上报前请逐项核实（kepu status 列出每一项及决定它的命令；全部问题见“数据问题”表）。",
                        len(sheet.widths))
        sheet.skip()
    sheet.table(completeness, flagged=completeness.where("chase", True))
    sheet.finish()

    by_district = tables.district_completeness
    sheet = book.sheet(by_district.sheet)
    sheet.layout(sheet.table_widths(by_district, extra=[(1, 24)]))
    sheet.table(by_district)
    sheet.skip()
    sheet.title("情况说明（内部）", len(sheet.widths), role="subtitle")
    sheet.paragraph(paragraph, len(sheet.widths))
    sheet.finish()

    changes = tables.changes
    if changes is not None:
        sheet = book.sheet(changes.sheet)
        sheet.layout(sheet.table_widths(changes))
        sheet.paragraph(tables.edition_headline, len(sheet.widths))
        if len(changes.frame):
            sheet.table(changes)
        sheet.finish()

    issues = tables.issues
    sheet = book.sheet(issues.sheet)
    sheet.layout(sheet.table_widths(issues))
    error, current = issues.where("severity", "error"), issues.where("superseded", False)
    sheet.table(issues, flagged=lambda record: error(record) and current(record))
    sheet.finish()

    files = tables.files
    sheet = book.sheet(files.sheet)
    sheet.layout(sheet.table_widths(files))
    sheet.table(files, flagged=files.where("counted", False))
    sheet.finish()

    activities = tables.activities
    sheet = book.sheet("活动来源")
    sheet.layout(sheet.table_widths(activities, SOURCE_KEYS))
    sheet.table(activities, keys=SOURCE_KEYS, title=f"{activities.title.split('（')[0]}来源（每项活动所在的文件和单元格）")
    sheet.finish()
    return f"{tables.city_totals.title.removesuffix('全市汇总表')}内部核查表"


# ------------------------------------------------------------------------------------ writing


def write_workbooks(folder: Path, tables: CityTables, upward_paragraph: str, internal_paragraph: str,
                    office: OfficeBlock, lead: str | None = None) -> list[Path]:
    """Both workbooks in `folder`, each rewritten only when what it says changed."""
    upward = upward_digest(tables, upward_paragraph, office)
    internal = internal_digest(tables, internal_paragraph, lead)
    return [
        write_if_changed(folder / UPWARD, upward, written_digest, lambda path: write_workbook(
            path, lambda book: upward_workbook(book, tables, upward_paragraph, office), digest=upward,
            streaming=True)),
        write_if_changed(folder / INTERNAL, internal, written_digest, lambda path: write_workbook(
            path, lambda book: internal_workbook(book, tables, internal_paragraph, lead), digest=internal,
            streaming=True)),
    ]
