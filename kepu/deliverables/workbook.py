"""全市汇总.xlsx: the workbook the city office sends upward, one sheet per city table.

全市汇总 shows the city row on its side (指标 | 数值) with the 情况说明 paragraph below it; 分区县 carries
bar charts of participants and activities by district; 报送情况 shades the units to chase, 数据问题 the
errors.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from kepu.deliverables.city_tables import CityTables
from kepu.deliverables.sheets import Placed, SheetWriter, Styles
from kepu.deliverables.tables import Table

CHART_WIDTH_CM = 16
CHART_HEIGHT_CM = 8
CHART_ROWS = 18
"""Rows a chart covers at the default row height, to stack the second below the first."""
PARAGRAPH_SPAN = 12
"""Columns the 情况说明 paragraph spreads over on the 全市汇总 sheet: wide enough that the paragraph
prints on the first page under the figures."""
PARAGRAPH_CHARS_PER_LINE = 50
"""Chinese characters a line of the paragraph holds across those columns, to size its row."""


def district_chart(ws: Worksheet, table: Table, placed: Placed, key: str, title: str, anchor: str) -> BarChart:
    """A bar chart of one measure by district, read from the table's cells on the sheet."""
    keys = [c.key for c in table.columns]
    names = keys.index("district_name") + 1
    values = keys.index(key) + 1
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.legend = None
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    chart.y_axis.numFmt = "#,##0"
    chart.y_axis.majorGridlines = None
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.add_data(Reference(ws, min_col=values, min_row=placed.header_row, max_row=placed.last_row),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=names, min_row=placed.first_row, max_row=placed.last_row))
    ws.add_chart(chart, anchor)
    return chart


def city_workbook(tables: CityTables, paragraph: str) -> Workbook:
    wb = Workbook()
    styles = Styles()
    wb.remove(wb.active)
    for table in tables.workbook:
        writer = SheetWriter(wb.create_sheet(table.sheet), styles)
        if table is tables.city_totals:
            writer.transposed(table, title_span=PARAGRAPH_SPAN)
            writer.skip()
            writer.title("情况说明", PARAGRAPH_SPAN, role="subtitle")
            writer.paragraph(paragraph, PARAGRAPH_SPAN, lines=max(4, len(paragraph) // PARAGRAPH_CHARS_PER_LINE + 2))
        elif table is tables.district_totals:
            placed = writer.table(table)
            if placed.last_row >= placed.first_row:
                below = placed.last_row + 3
                district_chart(writer.ws, table, placed, "participants", "各区县参与人次", f"A{below}")
                district_chart(writer.ws, table, placed, "activities", "各区县活动场次", f"A{below + CHART_ROWS}")
        elif table is tables.completeness:
            writer.table(table, flagged=table.where("chase", True))
        elif table is tables.issues:
            writer.table(table, flagged=table.where("severity", "error"))
        else:
            writer.table(table)
        writer.finish()
    wb.properties.creator = "kepu"
    wb.properties.title = tables.city_totals.title
    return wb
