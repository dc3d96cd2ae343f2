"""The official form (SPEC §2.3) the city sends out each September: `kepu template`.

Sheets, in order: 活动明细 (a title, the 填报单位/单位代码/填报日期 line with the campaign's 统计时段 and
报送截止 at its right, the header row, one row per activity, an optional 合计 row and the signature
footer), 汇总表 (one row per indicator) and 填表说明. Headers break before a bracket, never inside it,
and every row of 填表说明 is as tall as its text. A form made for one unit (`kepu template --per-unit`)
has its 填报单位 and 单位代码 filled in and locked (the sheet protected without a password, every cell a
unit fills in left open), so the file names its unit whatever else happens to it.
Column labels and indicators come from `schemas.synonyms`, activity forms and units from
`schemas.vocabulary`. Saving is deterministic: the same inputs give the same bytes, so a form can be
content-addressed like any received file. (Forms filled in as a unit would are the demo's and the
tests' business: `kepu.demo.forms`.)
"""

from __future__ import annotations

import io
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from kepu.deliverables.sheets import LINE_POINTS, header_label, lines_needed
from kepu.schemas.synonyms import DETAIL_FIELDS, SUMMARY_INDICATORS
from kepu.schemas.vocabulary import ACTIVITY_TYPES, COUNT_METRICS, MEASURE, MONEY_METRIC

DETAIL_SHEET = "活动明细"
SUMMARY_SHEET = "汇总表"
INSTRUCTIONS_SHEET = "填表说明"

TITLE_ROW = 1
HEADER_BLOCK_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = 4
BLANK_TEMPLATE_ROWS = 30

UNIT_NAME_LABEL, UNIT_NAME_CELL, UNIT_NAME_MERGE = "A2", "B2", "B2:D2"
UNIT_CODE_LABEL, UNIT_CODE_CELL, UNIT_CODE_MERGE = "E2", "F2", "F2:G2"
REPORTED_ON_LABEL, REPORTED_ON_CELL = "H2", "I2"
SCHEDULE_CELL, SCHEDULE_MERGE = "N2", "N2:O2"
"""The campaign's 统计时段 and 报送截止, right of the header block: beyond the cells a reader looks in for
the value of 填报日期 (transforms.declared.NEIGHBOUR_CELLS), so a blank 填报日期 is never read as them."""

TOTAL_LABEL = "合计"
FOOTER_LABELS = ("填表人：", "联系电话：", "审核人：")

SUMMARY_HEADER = ("指标名称", "计量单位", "数量")
SUMMARY_FIRST_ROW = 3

DATE_FIELDS = ("start_date", "end_date")

DATE_FORMAT = "yyyy-mm-dd"
REPORTED_ON_FORMAT = 'yyyy"年"m"月"d"日"'
INT_FORMAT = "#,##0"
MONEY_FORMAT = "0.00"

FIXED_TIMESTAMP = datetime(2023, 1, 1)
"""Written as the workbook's created/modified time and every zip member's time, so output is reproducible."""

FIELD_NAMES = tuple(f.field for f in DETAIL_FIELDS)
FIELD_COLUMN = {f.field: i for i, f in enumerate(DETAIL_FIELDS, start=1)}
LAST_COLUMN = get_column_letter(len(DETAIL_FIELDS))

COLUMN_WIDTHS = {
    "seq": 11,
    "activity_name": 26,
    "activity_type": 11,
    "start_date": 11.5,
    "end_date": 11.5,
    "venue": 16,
    "organizer": 14,
    "partners": 16,
    "participants": 11,
    "volunteers": 11,
    "materials": 10,
    "boards": 8,
    "media_reports": 10,
    "funding_wan": 9,
    "note": 14,
}
"""Widths that print the sheet one A4 page wide at about 70 %; text wraps inside its cell. 序号 is wide
enough for the 填报单位： label above it."""

FIELD_NOTES = {
    "seq": "按 1、2、3…顺序填写，可不填。",
    "activity_name": "必填。活动的名称或主题，如“节约能源资源 保护生态环境”科普讲座。",
    "activity_type": "从下拉列表中选择：{types}；列表中没有的形式可直接填写。",
    "start_date": "必填。活动开始日期，应在本次科普日活动期间内，如 2023-09-17。",
    "end_date": "活动结束日期；当天结束的活动可不填（视同开始日期），不得早于开始日期。",
    "venue": "活动举办的具体地点，如社区广场、镇文化站、学校礼堂。",
    "organizer": "主办本次活动的单位。",
    "partners": "联合主办、协办的单位，多个单位用顿号“、”分隔。",
    "participants": "必填。参与活动的群众人次，填整数，不要写“约”“余”“多”等字。",
    "volunteers": "参与服务的志愿者人数，填整数，不应超过参与人数。",
    "materials": "发放的科普资料份数，填整数；没有的填 0。",
    "boards": "展出的展板块数，填整数；没有的填 0。",
    "media_reports": "报纸、电视、网站、公众号等媒体报道篇数，填整数。",
    "funding_wan": "本次活动投入的经费，单位为万元，保留两位小数（如 5000 元填 0.50）。",
    "note": "需要说明的其他情况。",
}

GENERAL_NOTES = (
    f"一项活动填一行，从“{DETAIL_SHEET}”表第 {FIRST_DATA_ROW} 行起填写；行数不够可在合计行之前插入行。",
    "请勿修改工作表名称，不要删除、合并或调整表头各列。",
    "活动日期应在本次科普日活动期间内；人数、份数、块数、篇数均填整数；经费以万元为单位。",
    f"表格末尾可填写“{TOTAL_LABEL}”行，合计数应等于以上各行之和。",
    f"无法逐项填写活动明细的单位，可只填写“{SUMMARY_SHEET}”的各项数量。",
    "同一活动由多个单位联合举办的，在“合作单位”中写明。",
    "填写完毕后请于截止日期前报送市科协。",
)

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
TOTAL_FILL = PatternFill("solid", start_color="F2F2F2")
TITLE_FONT = Font(name="宋体", size=16, bold=True)
BOLD_FONT = Font(name="宋体", size=11, bold=True)
BODY_FONT = Font(name="宋体", size=11)
CENTER_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
LEFT = Alignment(horizontal="left", vertical="center")


class StyleCache:
    """Cell styles of one form, each combination built once and its style array copied onto later
    cells: openpyxl hashes every style object on assignment, which would dominate a large sheet.
    Pass the same style objects (module constants) for the cache to recognise a combination."""

    def __init__(self, font: Font | None = None) -> None:
        self.font = font
        self._arrays: dict[tuple, object] = {}

    def apply(self, cell: Cell, *, font: Font | None = None, fill: PatternFill | None = None,
              border: Border | None = None, alignment: Alignment | None = None,
              number_format: str | None = None, protection: Protection | None = None) -> None:
        font = font or self.font
        key = (id(font), id(fill), id(border), id(alignment), number_format, id(protection))
        cached = self._arrays.get(key)
        if cached is not None:
            cell._style = copy(cached)
            return
        for name, value in (("font", font), ("fill", fill), ("border", border), ("alignment", alignment),
                            ("number_format", number_format), ("protection", protection)):
            if value is not None:
                setattr(cell, name, value)
        self._arrays[key] = copy(cell._style)


@dataclass(frozen=True, slots=True)
class Schedule:
    """What the form tells a unit about the campaign's dates (from kepu.toml)."""

    start: date
    end: date
    deadline: date

    @property
    def window(self) -> str:
        end = f"{self.end:%-m月%-d日}" if self.end.year == self.start.year else f"{self.end:%Y年%-m月%-d日}"
        return f"{self.start:%Y年%-m月%-d日}至{end}"

    @property
    def text(self) -> str:
        return f"统计时段：{self.window}\n报送截止：{self.deadline:%Y年%-m月%-d日}"

    @classmethod
    def of(cls, campaign) -> Schedule:
        return cls(campaign.start, campaign.end, campaign.deadline)


@dataclass(frozen=True, slots=True)
class UnitIdentity:
    """The unit a form is made for: its 填报单位 and 单位代码, filled in and locked."""

    name: str
    code: str


def build_template(campaign_name: str, schedule: Schedule | None = None,
                   unit: UnitIdentity | None = None) -> openpyxl.Workbook:
    """The blank form: all three sheets, with ~30 formatted empty activity rows; with the campaign's dates
    when known, and made out to `unit` when given."""
    return build_form(campaign_name, activity_rows=BLANK_TEMPLATE_ROWS, with_total_row=False, schedule=schedule,
                      unit=unit)


def write_template(path: Path, campaign_name: str, schedule: Schedule | None = None,
                   unit: UnitIdentity | None = None) -> Path:
    """Save the blank form to `path` (parent folders created) and return the path. A file already at `path`
    is only ever replaced by the same bytes (FormExists otherwise): it may be the office's own, a filled form."""
    return write_forms([(path, campaign_name, schedule, unit)])[0]


class FormExists(Exception):
    """A form would replace a different file already there; nothing was written. Its message is for the user."""


def write_forms(plan: list[tuple[Path, str, Schedule | None, UnitIdentity | None]]) -> list[Path]:
    """Each (path, campaign name, schedule, unit) form written, after checking that none would replace a
    different file: all or nothing."""
    made = [(Path(path), workbook_bytes(build_template(name, schedule, unit))) for path, name, schedule, unit in plan]
    taken = [path for path, data in made if path.exists() and (not path.is_file() or path.read_bytes() != data)]
    if taken:
        more = f" 等 {len(taken)} 个文件" if len(taken) > 1 else ""
        raise FormExists(f"{taken[0]}{more} 已存在且不是本次生成的模板，未覆盖任何文件；请换一个 --output 或先移走它们。")
    for path, data in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return [path for path, _ in made]


def save_workbook(wb: openpyxl.Workbook, path: Path) -> Path:
    """Write `wb` to `path` byte-for-byte reproducibly and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(wb))
    return path


def workbook_bytes(wb: openpyxl.Workbook) -> bytes:
    """The .xlsx bytes of `wb` with fixed document and zip timestamps (openpyxl's own save stamps
    the current time into both)."""
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    buffer = io.BytesIO()
    ExcelWriter(wb, _StableZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True)).save()
    return buffer.getvalue()


class _StableZipFile(ZipFile):
    """A zip archive whose members all carry FIXED_TIMESTAMP instead of the clock or a temp file's mtime."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, ZipInfo):
            zinfo = ZipInfo(zinfo_or_arcname, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            zinfo.compress_type = self.compression
            zinfo.external_attr = 0o600 << 16
            zinfo_or_arcname = zinfo
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        self.writestr(arcname or str(filename), Path(filename).read_bytes(), compress_type, compresslevel)


def build_form(campaign_name: str, *, activity_rows: int, with_total_row: bool, schedule: Schedule | None = None,
               unit: UnitIdentity | None = None) -> openpyxl.Workbook:
    """The form with `activity_rows` formatted activity rows (from FIRST_DATA_ROW) and, if asked, a 合计 row
    under them, every cell empty but the unit's identity when the form is made out to one."""
    wb = openpyxl.Workbook()
    wb.properties.creator = "kepu"
    wb.properties.title = f"{campaign_name}活动情况统计表"
    styles = StyleCache(font=BODY_FONT)
    _build_detail_sheet(wb.active, styles, campaign_name, activity_rows, with_total_row, schedule)
    _build_summary_sheet(wb.create_sheet(SUMMARY_SHEET), styles, campaign_name)
    _build_instructions_sheet(wb.create_sheet(INSTRUCTIONS_SHEET), styles, schedule)
    if unit is not None:
        _make_out_to(wb[DETAIL_SHEET], unit)
    return wb


UNLOCKED = Protection(locked=False)


def _make_out_to(ws: Worksheet, unit: UnitIdentity) -> None:
    """填报单位 and 单位代码 filled in and locked: the sheet is protected (no password: it guards against a
    slip, not a person), every other cell a unit fills in stays open, and rows can still be inserted."""
    ws[UNIT_NAME_CELL] = unit.name
    ws[UNIT_CODE_CELL] = unit.code
    ws[UNIT_CODE_CELL].number_format = "@"
    ws[UNIT_NAME_CELL].protection = ws[UNIT_CODE_CELL].protection = Protection(locked=True)
    ws[REPORTED_ON_CELL].protection = UNLOCKED
    footer = ws.max_row
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW, max_row=footer, max_col=len(DETAIL_FIELDS)):
        for cell in row:
            if not (cell.row == footer and isinstance(cell.value, str)):
                cell.protection = UNLOCKED
    protection = ws.protection
    protection.sheet = True
    for name in ("formatCells", "formatColumns", "formatRows", "insertRows", "deleteRows", "sort", "autoFilter"):
        setattr(protection, name, False)


def _build_detail_sheet(
    ws: Worksheet, styles: StyleCache, campaign_name: str, activity_rows: int, with_total_row: bool,
    schedule: Schedule | None = None,
) -> None:
    """活动明细: title, header block, header row, `activity_rows` formatted rows, optional 合计 row, footer."""
    ws.title = DETAIL_SHEET
    width = len(DETAIL_FIELDS)

    ws.merge_cells(f"A{TITLE_ROW}:{LAST_COLUMN}{TITLE_ROW}")
    styles.apply(ws.cell(TITLE_ROW, 1, f"{campaign_name}活动情况统计表"), font=TITLE_FONT, alignment=CENTER_WRAP)
    ws.row_dimensions[TITLE_ROW].height = 32

    for label_cell, label in (
        (UNIT_NAME_LABEL, "填报单位："),
        (UNIT_CODE_LABEL, "单位代码："),
        (REPORTED_ON_LABEL, "填报日期："),
    ):
        ws[label_cell] = label
        styles.apply(ws[label_cell], font=BOLD_FONT, alignment=RIGHT)
    ws.merge_cells(UNIT_NAME_MERGE)
    ws.merge_cells(UNIT_CODE_MERGE)
    styles.apply(ws[UNIT_NAME_CELL], alignment=LEFT)
    styles.apply(ws[UNIT_CODE_CELL], alignment=LEFT, number_format="@")
    styles.apply(ws[REPORTED_ON_CELL], alignment=LEFT, number_format=REPORTED_ON_FORMAT)
    ws.row_dimensions[HEADER_BLOCK_ROW].height = 22
    if schedule is not None:
        ws.merge_cells(SCHEDULE_MERGE)
        styles.apply(ws.cell(HEADER_BLOCK_ROW, ws[SCHEDULE_CELL].column, schedule.text), alignment=LEFT_WRAP)
        span = sum(COLUMN_WIDTHS[f.field] for f in DETAIL_FIELDS[ws[SCHEDULE_CELL].column - 1:])
        ws.row_dimensions[HEADER_BLOCK_ROW].height = lines_needed(schedule.text, span) * LINE_POINTS + 4

    lines = 1
    for column, field in enumerate(DETAIL_FIELDS, start=1):
        column_width = COLUMN_WIDTHS.get(field.field, 12)
        label = header_label(field.header, column_width)
        cell = ws.cell(HEADER_ROW, column, label)
        styles.apply(cell, font=BOLD_FONT, fill=HEADER_FILL, border=BORDER, alignment=CENTER_WRAP)
        ws.column_dimensions[get_column_letter(column)].width = column_width
        lines = max(lines, sum(lines_needed(part, column_width) for part in label.split("\n")))
    ws.row_dimensions[HEADER_ROW].height = max(2, lines) * LINE_POINTS + 6
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1).coordinate

    formats = [_number_format(f.field) for f in DETAIL_FIELDS]
    alignments = [LEFT_WRAP if fmt is None else RIGHT for fmt in formats]
    alignments[FIELD_COLUMN["seq"] - 1] = CENTER_WRAP
    last_data_row = FIRST_DATA_ROW + activity_rows - 1
    for row in range(FIRST_DATA_ROW, last_data_row + 1):
        for column in range(1, width + 1):
            styles.apply(ws.cell(row, column), border=BORDER, alignment=alignments[column - 1],
                         number_format=formats[column - 1])
    if activity_rows:
        _add_validations(ws, FIRST_DATA_ROW, last_data_row)

    next_row = last_data_row + 1
    if with_total_row:
        label_columns = {FIELD_COLUMN["seq"], FIELD_COLUMN["activity_name"]}
        for column in range(1, width + 1):
            cell = ws.cell(next_row, column, TOTAL_LABEL if column in label_columns else None)
            styles.apply(cell, font=BOLD_FONT, fill=TOTAL_FILL, border=BORDER,
                         alignment=CENTER_WRAP if column in label_columns else alignments[column - 1],
                         number_format=formats[column - 1])
        next_row += 1

    footer_row = next_row + 1
    step = max(width // len(FOOTER_LABELS), 1)
    for i, label in enumerate(FOOTER_LABELS):
        styles.apply(ws.cell(footer_row, 1 + i * step, label), font=BOLD_FONT, alignment=LEFT)

    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _print_a4_landscape(ws)


def _number_format(field: str) -> str | None:
    if field in DATE_FIELDS:
        return DATE_FORMAT
    if field == MONEY_METRIC:
        return MONEY_FORMAT
    if field in COUNT_METRICS:
        return INT_FORMAT
    return None


def _non_negative(kind: str, title: str, message: str) -> DataValidation:
    """A number ≥ 0 check that warns but lets people keep what they typed (约500 is still read)."""
    return DataValidation(type=kind, operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                          errorStyle="warning", showErrorMessage=True, errorTitle=title, error=message)


def _add_validations(ws: Worksheet, first_row: int, last_row: int) -> None:
    """A drop-down of the activity forms (other text still allowed) and soft checks on the numbers."""
    def column_range(field: str) -> str:
        letter = get_column_letter(FIELD_COLUMN[field])
        return f"{letter}{first_row}:{letter}{last_row}"

    forms = DataValidation(
        type="list",
        formula1='"' + ",".join(ACTIVITY_TYPES) + '"',
        allow_blank=True,
        showErrorMessage=False,
        showInputMessage=True,
        promptTitle="活动形式",
        prompt="从列表中选择，也可直接填写其他形式",
    )
    forms.add(column_range("activity_type"))

    counts = _non_negative("whole", "请填写整数", "人数、份数、块数、篇数应为不小于 0 的整数。")
    for field in COUNT_METRICS:
        counts.add(column_range(field))
    money = _non_negative("decimal", "请填写金额", "经费以万元为单位，填不小于 0 的数字。")
    money.add(column_range(MONEY_METRIC))

    for validation in (forms, counts, money):
        ws.add_data_validation(validation)


def _build_summary_sheet(ws: Worksheet, styles: StyleCache, campaign_name: str) -> None:
    """汇总表: a title, the header `指标名称 | 计量单位 | 数量`, one row per indicator with an empty 数量."""
    ws.merge_cells(f"A{TITLE_ROW}:C{TITLE_ROW}")
    styles.apply(ws.cell(TITLE_ROW, 1, f"{campaign_name}活动汇总表"), font=TITLE_FONT, alignment=CENTER_WRAP)
    ws.row_dimensions[TITLE_ROW].height = 32

    header_row = SUMMARY_FIRST_ROW - 1
    for column, label in enumerate(SUMMARY_HEADER, start=1):
        styles.apply(ws.cell(header_row, column, label), font=BOLD_FONT, fill=HEADER_FILL, border=BORDER,
                     alignment=CENTER_WRAP)
    for row, indicator in enumerate(SUMMARY_INDICATORS, start=SUMMARY_FIRST_ROW):
        styles.apply(ws.cell(row, 1, indicator.name), border=BORDER, alignment=LEFT)
        styles.apply(ws.cell(row, 2, MEASURE[indicator.key].unit), border=BORDER, alignment=CENTER_WRAP)
        styles.apply(ws.cell(row, 3), border=BORDER, alignment=RIGHT,
                     number_format=MONEY_FORMAT if indicator.key == MONEY_METRIC else INT_FORMAT)
    for letter, width in zip("ABC", (24, 12, 16)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(SUMMARY_FIRST_ROW, 1).coordinate
    _print_a4_landscape(ws)


INSTRUCTION_WIDTHS = (18, 90)


def general_notes(schedule: Schedule | None) -> tuple[str, ...]:
    """GENERAL_NOTES, with the campaign's dates where the form knows them."""
    if schedule is None:
        return GENERAL_NOTES
    notes = list(GENERAL_NOTES)
    notes[2] = (f"活动日期应在本次科普日活动期间（{schedule.window}）内；人数、份数、块数、篇数均填整数；"
                "经费以万元为单位。")
    notes[-1] = f"填写完毕后请于{schedule.deadline:%Y年%-m月%-d日}前报送市科协，逾期报送的也请报送。"
    return tuple(notes)


def _fit_row(ws: Worksheet, row: int, texts: tuple[str, ...]) -> None:
    """The row as tall as its wrapped texts, one per column of INSTRUCTION_WIDTHS."""
    lines = max(lines_needed(text, width) for text, width in zip(texts, INSTRUCTION_WIDTHS) if text)
    ws.row_dimensions[row].height = lines * LINE_POINTS + 4


def _build_instructions_sheet(ws: Worksheet, styles: StyleCache, schedule: Schedule | None = None) -> None:
    """填表说明: general rules, then what goes in each column of 活动明细; each row as tall as its text."""
    styles.apply(ws.cell(1, 1, INSTRUCTIONS_SHEET), font=TITLE_FONT)
    ws.row_dimensions[1].height = 28
    row = 2
    for number, note in enumerate(general_notes(schedule), start=1):
        styles.apply(ws.cell(row, 1, f"{number}."), alignment=RIGHT)
        styles.apply(ws.cell(row, 2, note), alignment=LEFT_WRAP)
        _fit_row(ws, row, ("", note))
        row += 1

    row += 1
    for column, label in enumerate(("栏目", "填写要求"), start=1):
        styles.apply(ws.cell(row, column, label), font=BOLD_FONT, fill=HEADER_FILL, border=BORDER,
                     alignment=CENTER_WRAP)
    _fit_row(ws, row, ("栏目", "填写要求"))
    types = "、".join(ACTIVITY_TYPES)
    for field in DETAIL_FIELDS:
        row += 1
        styles.apply(ws.cell(row, 1, field.header), border=BORDER, alignment=LEFT_WRAP)
        note = FIELD_NOTES.get(field.field, "").format(types=types)
        styles.apply(ws.cell(row, 2, note), border=BORDER, alignment=LEFT_WRAP)
        _fit_row(ws, row, (field.header, note))
    for letter, width in zip("AB", INSTRUCTION_WIDTHS):
        ws.column_dimensions[letter].width = width
    _print_a4_landscape(ws)


def _print_a4_landscape(ws: Worksheet) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
