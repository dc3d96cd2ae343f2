"""How offices really fill in the form: the layouts, typed values and file formats of the demo's messy files.

The city sends out one official form (kepu.form.template), but much of what comes back has been retyped,
rearranged or saved in another format (SPEC §2.3 "What people actually send"). A `Layout` is one office's
habits, drawn at planning time. `type_rows` writes a unit's rows the way that office types them, `lay_out`
places them on sheets as plain cells (a `writers.BookSpec`), and `writers.book_bytes` saves the result as
.xlsx, .xls or .csv.

Every cell is written so that SPEC §3 reads it back as the generator's figure: `约500` is 500, `三百` is 300,
`1.2万` is 12000, `—` is 0, 3850 in a `经费（元）` column is 0.39 万元 (half-up). Where a way of writing
cannot say a figure exactly (`1.2万` for 437), the figure is changed before it is written, never the
reading: `type_rows` returns the rows as they now stand, and those are what the answer key sums.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from openpyxl.utils import get_column_letter

from kepu.demo.writers import BookSpec, SheetSpec
from kepu.form.template import FIELD_NAMES
from kepu.schemas.vocabulary import COUNT_METRICS

CONTACT = "contact"
"""An extra column (联系人) kepu does not read."""
GAP = ""
"""An unlabelled empty column inside the table."""
DATE = "date"
"""One 活动日期 column instead of 开始日期/结束日期: multi-day events are written as a range."""
YUAN = "funding_yuan"
"""The money column kept in 元 instead of 万元."""

OFFICIAL_SHEET = "活动明细"
RENAMED_SHEETS = ("Sheet1", "科普日活动", "活动统计", "2023科普日", "活动明细表")
OLD_COPY_SHEETS = ("活动明细（旧）", "Sheet2", "初稿")
NOTES_SHEET = "说明"
NOTES_LINES = (
    "填表说明",
    "1. 本表由本单位科协汇总填写，一项活动填一行。",
    "2. 参与人数按人次统计，含线上观看的请在备注中注明。",
    "3. 活动照片和新闻稿请另行打包报送。",
    "4. 请于9月28日前报送市科协科普部。",
)
TITLES = (
    "{campaign}活动情况统计表",
    "{unit}{campaign}活动开展情况统计表",
    "{campaign}系列活动登记表",
)
ATTACHMENT_LINE = "附件2"

REORDERINGS = (
    ("seq", "start_date", "end_date", "activity_name", "activity_type", "venue", "participants", "volunteers",
     "materials", "boards", "media_reports", "funding_wan", "organizer", "partners", "note"),
    ("seq", "activity_name", "venue", "start_date", "end_date", "activity_type", "organizer", "partners",
     "participants", "materials", "boards", "volunteers", "media_reports", "funding_wan", "note"),
    ("seq", "activity_type", "activity_name", "start_date", "end_date", "venue", "participants", "volunteers",
     "materials", "boards", "media_reports", "funding_wan", "organizer", "partners", "note"),
)
"""Column orders offices use instead of the official one (FIELD_NAMES); start and end dates stay adjacent."""

LABELS: dict[str, tuple[str, ...]] = {
    "seq": ("序号",),
    "activity_name": ("活动名称", "活动主题", "活动名称/主题"),
    "activity_type": ("活动形式", "活动类型"),
    "start_date": ("开始日期", "开始时间"),
    "end_date": ("结束日期", "结束时间"),
    DATE: ("活动日期", "活动时间"),
    "venue": ("活动地点", "地点", "举办地点"),
    "organizer": ("主办单位", "承办单位"),
    "partners": ("合作单位", "协办单位"),
    "participants": ("参与人数（人次）", "参加人数", "受众人次", "参与群众", "参与人次"),
    "volunteers": ("志愿者人数", "志愿者（人）"),
    "materials": ("发放资料（份）", "发放资料", "宣传资料（份）"),
    "boards": ("展板（块）", "展版", "展板"),
    "media_reports": ("媒体报道（篇）", "新闻报道（篇）"),
    "funding_wan": ("经费（万元）", "经费投入（万元）"),
    YUAN: ("经费（元）", "活动经费（元）"),
    "note": ("备注",),
    CONTACT: ("联系人",),
    GAP: ("",),
}
"""Header texts per column; the first is the official one, the others are what offices rename it to."""

SPLIT_LABELS: dict[str, tuple[str, str]] = {
    "start_date": ("活动时间", "开始"),
    "end_date": ("活动时间", "结束"),
    "participants": ("参与人数", "（人次）"),
    "materials": ("发放资料", "（份）"),
    "boards": ("展板", "（块）"),
    "media_reports": ("媒体报道", "（篇）"),
    "funding_wan": ("经费", "（万元）"),
    YUAN: ("经费", "（元）"),
}
"""Two-line headers: a group label over a unit or sub-label; other columns span both lines."""

UNIT_WORDS = {"participants": "人", "volunteers": "人", "materials": "份", "boards": "块", "media_reports": "篇"}
TYPE_WORDS = {
    "讲座报告": ("讲座", "专题报告"),
    "培训": ("培训班", "技术培训"),
    "展览展示": ("展览", "科普展"),
    "竞赛": ("知识竞赛", "比赛"),
    "参观开放": ("开放日", "参观"),
    "义诊咨询": ("义诊", "健康咨询"),
    "科技下乡": ("送科技下乡",),
    "宣传活动": ("宣传", "街头宣传"),
    "互动体验": ("体验活动", "科普大篷车"),
    "启动仪式": ("启动式",),
    "其他": ("其他",),
}
"""How people write an activity form instead of its canonical name."""
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = ("伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "霞", "晓燕", "志强")
NOTE_LINES = (
    "注：1.本表活动均在科普日期间开展；2.参与人数含线上观看人次。",
    "注：活动照片及新闻报道链接另行报送。",
    "注：经费含上级补助资金。",
)

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CHINESE_DIGITS = "零一二三四五六七八九"
CENT = Decimal("0.01")

CountForm = Literal[
    "number", "text", "about", "over_yu", "over_duo", "wan", "full_width", "chinese", "with_unit", "thousands",
    "dash", "slash", "none_word", "blank", "zero",
]
PLACEHOLDER_FORMS: tuple[CountForm, ...] = ("dash", "slash", "none_word", "blank", "zero")
PLACEHOLDER_TEXT = {"dash": "—", "slash": "/", "none_word": "无", "blank": None, "zero": 0}
TEXT_FORMS: tuple[CountForm, ...] = (
    "text", "about", "over_yu", "over_duo", "wan", "full_width", "chinese", "with_unit", "thousands",
)
EVERY_COUNT_FORM: tuple[CountForm, ...] = (
    "wan", "thousands", "chinese", "about", "over_yu", "over_duo", "full_width", "with_unit",
    "dash", "slash", "none_word", "blank",
)
"""What a `numbers="every"` layout shows at least once: each way of typing a figure, and each placeholder."""

DateForm = Literal["cell", "dots", "slashes", "chinese", "month_day", "month_dot", "number", "range"]
SINGLE_DATE_FORMS: tuple[DateForm, ...] = ("dots", "slashes", "chinese", "month_day", "month_dot", "number")
EVERY_DATE_FORM: tuple[DateForm, ...] = ("range", "cell", "dots", "slashes", "chinese", "month_day", "month_dot")


# ----------------------------------------------------------------------------------------------
# Layouts


@dataclass(frozen=True, slots=True)
class Layout:
    """How one office fills in its report. `columns` are field names (plus CONTACT, GAP, DATE, YUAN) in the
    order written, with `labels` their header texts; `header_row` and `first_col` place the header (0-based)."""

    showcase: str = ""
    file_format: Literal["xlsx", "xls", "csv"] = "xlsx"
    encoding: str = ""
    sheet_name: str = OFFICIAL_SHEET
    notes_sheet: bool = False
    old_copy: str = ""
    """Name of a hidden sheet holding an earlier draft with other figures; "" for none."""
    attachment_line: bool = False
    title: str = TITLES[0]
    identity: Literal["cells", "one_cell", "name_only"] = "cells"
    header_row: int = 2
    first_col: int = 0
    columns: tuple[str, ...] = FIELD_NAMES
    labels: tuple[str, ...] = tuple(LABELS[f][0] for f in FIELD_NAMES)
    split_header: bool = False
    numbers: Literal["plain", "typed", "every"] = "plain"
    dates: Literal["cells", "typed", "every"] = "cells"
    type_words: bool = False
    totals: Literal["none", "total", "subtotals"] = "none"
    total_in_seq: bool = False
    blank_row: bool = False
    note_row: bool = False
    footer: Literal["none", "row", "one_cell", "lines"] = "none"
    odd_rows: tuple[str, ...] = ()
    """Rows that must not count: "missing_name" (rejected), "outside_window" (dated before the week)."""
    dittos: bool = False
    """同上 / 〃 wherever 开始日期, 活动形式, 地点 or 主办单位 repeats the activity row above (DITTO_COLUMNS)."""
    sections: bool = False
    """No 活动形式 column: the rows grouped by form, each group under a section row naming it (「一、讲座报告」)."""
    other_campaign_sheet: bool = False
    """Last May's 科技活动周 sheet, the same office's form, left before this campaign's."""

    @property
    def money_column(self) -> str:
        return YUAN if YUAN in self.columns else "funding_wan"

    @property
    def single_date(self) -> bool:
        return DATE in self.columns

    def traits(self) -> tuple[str, ...]:
        """The SPEC §2.3 habits this layout shows, by name (for tests and the report)."""
        found = {
            "sheet_renamed": self.sheet_name != OFFICIAL_SHEET,
            "notes_sheet_first": self.notes_sheet,
            "hidden_old_copy": bool(self.old_copy),
            "title_rows": self.attachment_line or self.header_row > 2,
            "header_moved": self.header_row >= 4 or self.first_col > 0,
            "blank_columns": self.first_col > 0 or GAP in self.columns,
            "blank_rows": self.blank_row or self.header_row > 3,
            "split_header": self.split_header,
            "reordered_columns": [c for c in self.columns if c in FIELD_NAMES] != [
                f for f in FIELD_NAMES if f in self.columns],
            "renamed_headers": any(label not in (LABELS[c][0], "") for c, label in zip(self.columns, self.labels)),
            "contact_column": CONTACT in self.columns,
            "single_date_column": self.single_date,
            "numbers_as_text": self.numbers != "plain",
            "dates_as_text": self.dates != "cells",
            "money_in_yuan": self.money_column == YUAN,
            "total_row": self.totals != "none",
            "subtotal_rows": self.totals == "subtotals",
            "note_row": self.note_row,
            "footer": self.footer != "none",
            "xls": self.file_format == "xls",
            "csv_utf8_bom": self.file_format == "csv" and self.encoding == "utf-8-sig",
            "csv_gbk": self.file_format == "csv" and self.encoding == "gbk",
            "ditto_marks": self.dittos,
            "section_rows": self.sections,
            "other_campaign_sheet": self.other_campaign_sheet,
        }
        return tuple(name for name, present in found.items() if present)


SHOWCASES: dict[str, dict[str, object]] = {
    "sheets": dict(sheet_name="Sheet1", notes_sheet=True, old_copy="活动明细（旧）", file_format="xlsx"),
    "offset": dict(sheet_name="科普日活动", attachment_line=True, header_row=9, first_col=2, gap=True,
                   blank_row=True, labels={"participants": "参与群众"}, file_format="xlsx"),
    "split_header": dict(split_header=True, single_date=False, order=1, contact=True, file_format="xlsx",
                         labels={"participants": "参加人数"}),
    "renamed": dict(single_date=True, renamed=True, split_header=False,
                    labels={"participants": "受众人次", "boards": "展版", "activity_type": "活动类型", DATE: "活动日期"}),
    "numbers": dict(numbers="every"),
    "dates": dict(dates="every", single_date=True),
    "totals": dict(totals="subtotals", note_row=True, footer="lines"),
    "yuan": dict(yuan=True),
    "odd_rows": dict(odd_rows=("missing_name", "outside_window")),
    "xls": dict(file_format="xls", old_copy="Sheet2"),
    "csv_bom": dict(file_format="csv", encoding="utf-8-sig"),
    "csv_gbk": dict(file_format="csv", encoding="gbk"),
    "dittos": dict(dittos=True, file_format="xlsx"),
    "sections": dict(sections=True, file_format="xlsx", type_words=False),
    "two_campaigns": dict(other_campaign_sheet=True, file_format="xlsx"),
}
"""Layouts the demo city always holds, one unit each, so that every habit of SPEC §2.3 shows up at any seed:
each entry fixes the choices that define it and leaves the rest to chance."""
CLERK_SHOWCASES = ("dittos", "sections", "two_campaigns")
"""The clerks' habits of issue #20: each is played by a town or district (it has at least two rows to ditto or
to group), chosen among the units that would otherwise have drawn an ordinary layout."""
DITTO_MARKS = ("同上", "〃")
DITTO_COLUMNS = ("start_date", DATE, "activity_type", "venue", "organizer")
"""The columns a clerk dittos: dates and text, never a figure (a ditto there is not read as the figure above)."""
SECTION_ORDINALS = "一二三四五六七八九十"
OTHER_CAMPAIGN = "{year}年科技活动周"
OTHER_CAMPAIGN_SHEET = "科技活动周"
OTHER_CAMPAIGN_START = (5, 20)
"""(month, day) the other campaign's week began: its sheet's events fall in the days after."""
MIN_ROWS = {"numbers": 4, "dates": len(EVERY_DATE_FORM), "totals": 4}
"""Activities a showcase needs to show everything it is for."""


def draw_layout(rng: random.Random, showcase: str = "") -> Layout:
    """One office's habits, each drawn at a plausible rate, then those `showcase` defines fixed. Every choice
    is drawn whatever the showcase, so a showcase changes no other file of the city."""
    choice = {
        "file_format": rng.choices(("xlsx", "xls", "csv"), weights=(88, 6, 6))[0],
        "encoding": rng.choice(("utf-8-sig", "gbk")),
        "sheet_name": rng.choice(RENAMED_SHEETS) if rng.random() < 0.4 else OFFICIAL_SHEET,
        "notes_sheet": rng.random() < 0.2,
        "old_copy": rng.choice(OLD_COPY_SHEETS) if rng.random() < 0.1 else "",
        "attachment_line": rng.random() < 0.3,
        "title": rng.choice(TITLES),
        "identity": rng.choices(("cells", "one_cell", "name_only"), weights=(45, 30, 25))[0],
        "header_row": rng.randint(4, 11) if rng.random() < 0.4 else None,
        "first_col": rng.randint(1, 3) if rng.random() < 0.3 else 0,
        "order": rng.randrange(len(REORDERINGS)) if rng.random() < 0.5 else None,
        "renamed": rng.random() < 0.5,
        "labels": {},
        "contact": rng.random() < 0.25,
        "gap": rng.random() < 0.15,
        "single_date": rng.random() < 0.3,
        "split_header": rng.random() < 0.2,
        "numbers": "typed" if rng.random() < 0.5 else "plain",
        "dates": "typed" if rng.random() < 0.5 else "cells",
        "type_words": rng.random() < 0.4,
        "yuan": rng.random() < 0.08,
        "totals": rng.choices(("none", "total", "subtotals"), weights=(50, 35, 15))[0],
        "total_in_seq": rng.random() < 0.5,
        "blank_row": rng.random() < 0.25,
        "note_row": rng.random() < 0.25,
        "footer": rng.choice(("row", "one_cell", "lines")) if rng.random() < 0.6 else "none",
        "odd_rows": tuple(kind for kind in ("missing_name", "outside_window") if rng.random() < 0.05),
        "label_draws": {f: rng.choice(labels) for f, labels in LABELS.items()},
        "gap_after": rng.choice(("activity_name", "venue")),
        "dittos": False,
        "sections": False,
        "other_campaign_sheet": False,
    }
    choice.update(SHOWCASES.get(showcase, {}))
    if choice["file_format"] == "csv":
        choice.update(notes_sheet=False, old_copy="", split_header=False)
    if choice["identity"] == "name_only" and choice["footer"] == "none":
        choice["footer"] = "lines"

    columns = list(FIELD_NAMES if choice["order"] is None else REORDERINGS[choice["order"]])
    if choice["single_date"]:
        columns[columns.index("start_date")] = DATE
        columns.remove("end_date")
    if choice["yuan"]:
        columns[columns.index("funding_wan")] = YUAN
    if choice["contact"]:
        columns.insert(columns.index("note"), CONTACT)
    if choice["gap"]:
        columns.insert(columns.index(choice["gap_after"]) + 1, GAP)
    if choice["sections"]:
        columns.remove("activity_type")
    drawn = choice["label_draws"] if choice["renamed"] else {f: labels[0] for f, labels in LABELS.items()}
    labels = [choice["labels"].get(c, drawn[c]) for c in columns]

    header_row = choice["header_row"]
    if header_row is None:
        header_row = 3 if choice["attachment_line"] else 2
    return Layout(
        showcase=showcase,
        file_format=choice["file_format"],
        encoding=choice["encoding"] if choice["file_format"] == "csv" else "",
        sheet_name=choice["sheet_name"],
        notes_sheet=choice["notes_sheet"],
        old_copy=choice["old_copy"],
        attachment_line=choice["attachment_line"],
        title=choice["title"],
        identity=choice["identity"],
        header_row=header_row,
        first_col=choice["first_col"],
        columns=tuple(columns),
        labels=tuple(labels),
        split_header=choice["split_header"],
        numbers=choice["numbers"],
        dates=choice["dates"],
        type_words=choice["type_words"],
        totals=choice["totals"],
        total_in_seq=choice["total_in_seq"],
        blank_row=choice["blank_row"],
        note_row=choice["note_row"],
        footer=choice["footer"],
        odd_rows=choice["odd_rows"],
        dittos=choice["dittos"],
        sections=choice["sections"],
        other_campaign_sheet=choice["other_campaign_sheet"],
    )


# ----------------------------------------------------------------------------------------------
# Typed values


def chinese_numeral(n: int) -> str:
    """1 ≤ n < 10000 in Chinese numerals as people write them: 35 → 三十五, 300 → 三百, 1050 → 一千零五十,
    2500 → 两千五百."""
    if not 0 < n < 10000:
        raise ValueError(n)
    text, zero = "", False
    for digit, place in zip((n // 1000, n // 100 % 10, n // 10 % 10, n % 10), ("千", "百", "十", "")):
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        if place == "十" and digit == 1 and not text:
            text += "十"
        elif place == "千" and digit == 2:
            text += "两千"
        else:
            text += CHINESE_DIGITS[digit] + place
    return text


def _two_significant(n: int) -> bool:
    return len(str(n).rstrip("0")) <= 2


def count_fits(value: int | None, form: CountForm) -> bool:
    """Whether `form` can write exactly `value` (None and 0 are what placeholders stand for)."""
    v = value or 0
    if form in PLACEHOLDER_FORMS:
        return v == 0
    if form == "number":
        return True
    if v == 0:
        return False
    return {
        "about": v >= 100,
        "over_yu": v >= 100 and v % 10 == 0,
        "over_duo": v >= 100 and v % 10 == 0,
        "wan": v >= 10000 and v % 1000 == 0,
        "chinese": v < 10000 and _two_significant(v),
        "thousands": v >= 1000,
    }.get(form, True)


def count_cell(value: int | None, form: CountForm, unit: str) -> object:
    """`value` as typed in `form` (the caller checked `count_fits`)."""
    if form in PLACEHOLDER_FORMS:
        return PLACEHOLDER_TEXT[form]
    if form == "number":
        return value
    v = value or 0
    if form == "chinese":
        return chinese_numeral(v)
    if form == "wan":
        return f"{v / 10000:g}万"
    if form == "full_width":
        return str(v).translate(FULL_WIDTH)
    if form == "thousands":
        return f"{v:,}"
    return {"text": "{}", "about": "约{}", "over_yu": "{}余", "over_duo": "{}多", "with_unit": "{}" + unit}[form].format(v)


def _made_to_fit(value: int | None, form: CountForm, metric: str) -> int | None:
    """The nearest figure `form` can write, when changing `metric` that way keeps the row plausible; else None."""
    crowd = metric in ("participants", "materials")
    v = value or 0
    if form in PLACEHOLDER_FORMS:
        return 0 if metric in ("boards", "media_reports") else None
    if form == "wan":
        return 12000 if crowd else None
    if form == "thousands":
        return v + 1000 if crowd else None
    if form in ("about", "over_yu", "over_duo"):
        return max(100, round(v, -1)) if crowd else None
    if form == "chinese" and v:
        digits = len(str(v))
        return round(v, 2 - digits) if digits > 2 else v
    return None


def date_cell(start: date, end: date | None, form: DateForm) -> object:
    """A date written in `form`; "range" writes start and end in one cell (9月18日-20日)."""
    y, m, d = start.year, start.month, start.day
    if form == "range":
        assert end is not None
        if end.month == m:
            return f"{m}月{d}日-{end.day}日"
        return f"{m}月{d}日-{end.month}月{end.day}日"
    return {
        "cell": start,
        "dots": f"{y}.{m}.{d}",
        "slashes": f"{y}/{m}/{d}",
        "chinese": f"{y}年{m}月{d}日",
        "month_day": f"{m}月{d}日",
        "month_dot": f"{m}.{d}",
        "number": float(f"{m}.{d:02d}"),
    }[form]


def _date_fits(day: date, form: DateForm) -> bool:
    """A date typed as the number 9.18 is read as month.day; 9.20 would have become 9.2, so tens are typed as text."""
    return form != "number" or day.day % 10 != 0


def reported_on_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True, slots=True)
class TableRow:
    """One line under the header: an activity (with its 序号), a 小计 or 合计 line, a blank line, or a section
    row naming the form of the rows under it (kepu.demo.clerks)."""

    kind: Literal["activity", "subtotal", "total", "blank", "section"]
    cells: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TypedTable:
    """What `type_rows` returns: the rows as they now stand (figures changed only where a way of writing
    needed it) and the table lines to write; `old_lines` is the hidden earlier draft, if the layout has one."""

    rows: tuple[dict[str, object], ...]
    lines: tuple[TableRow, ...]
    old_lines: tuple[TableRow, ...] = ()


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 10**9 - 1):09d}"


def type_rows(rng: random.Random, layout: Layout, rows: Sequence[Mapping[str, object]], last_day: date
              ) -> TypedTable:
    """`rows` (activity dicts in file order, counted or not) written the way `layout`'s office types;
    `last_day` is the campaign's, which no event may be stretched beyond."""
    rows = [dict(r) for r in rows]
    yuan = _yuan_amounts(rng, rows) if layout.money_column == YUAN else None
    count_forms = _count_forms(rng, layout, rows)
    date_forms = _date_forms(rng, layout, rows, last_day)
    contact = _person(rng)

    lines = []
    for i, row in enumerate(rows):
        cells: dict[str, object] = {"seq": i + 1, CONTACT: contact}
        for column in ("activity_name", "venue", "organizer", "partners", "note"):
            cells[column] = row.get(column)
        kind = row.get("activity_type")
        cells["activity_type"] = rng.choice(TYPE_WORDS[kind]) if layout.type_words and kind in TYPE_WORDS else kind
        for metric in COUNT_METRICS:
            cells[metric] = count_cell(row.get(metric), count_forms[i, metric], UNIT_WORDS[metric])
        cells.update(_money_cells(rng, layout, row, None if yuan is None else yuan[i]))
        cells.update(_date_cells(row, date_forms[i], layout.single_date))
        lines.append(TableRow("activity", cells))

    lines = _with_totals(layout, rows, yuan, lines)
    if layout.blank_row and len(lines) > 2:
        lines.insert(rng.randint(1, len(lines) - 1), TableRow("blank"))
    if layout.dittos:
        lines = _with_dittos(lines)
    if layout.sections:
        lines = _with_sections(rows, lines)
    old = _old_draft(rng, rows) if layout.old_copy else ()
    return TypedTable(tuple(rows), tuple(lines), old)


def _with_dittos(lines: list[TableRow]) -> list[TableRow]:
    """Each DITTO_COLUMNS cell equal to the same cell of the activity line above becomes a ditto mark (同上 and
    〃 in turn), as a clerk saves typing; what a ditto stands for is what the line above says."""
    out, above, marks = [], None, 0
    for line in lines:
        if line.kind != "activity":
            out.append(line)
            continue
        cells = dict(line.cells)
        for column in DITTO_COLUMNS:
            value = cells.get(column)
            if above is not None and value not in (None, "") and above.get(column) == value:
                cells[column] = DITTO_MARKS[marks % len(DITTO_MARKS)]
                marks += 1
        above = line.cells
        out.append(TableRow("activity", cells))
    return out


def _with_sections(rows: Sequence[Mapping[str, object]], lines: list[TableRow]) -> list[TableRow]:
    """A section row in the 序号 column before each run of activity lines of one form: 「一、讲座报告」, every
    other one written 「（二）宣传活动」. The rows come grouped by form (the city orders them so)."""
    out: list[TableRow] = []
    current, n, i = None, 0, 0
    for line in lines:
        if line.kind == "activity":
            form = rows[i]["activity_type"]
            i += 1
            if form != current:
                current = form
                label = f"（{SECTION_ORDINALS[n]}）{form}" if n % 2 else f"{SECTION_ORDINALS[n]}、{form}"
                out.append(TableRow("section", {"seq": label}))
                n += 1
        out.append(line)
    return out


def sections_order(rows: Sequence[tuple[Mapping[str, object], str]]) -> list[tuple[Mapping[str, object], str]]:
    """Rows (with their reason) grouped by form in the order the forms first occur, dates in order within a form."""
    forms = list(dict.fromkeys(a.get("activity_type") for a, _ in rows))
    return sorted(rows, key=lambda r: forms.index(r[0].get("activity_type")))


def _count_forms(rng: random.Random, layout: Layout, rows: list[dict]) -> dict[tuple[int, str], CountForm]:
    """A form per metric cell. With `numbers="every"`, every form in EVERY_COUNT_FORM is placed first (in a
    cell it fits, or one whose figure is changed to fit); the other cells are drawn."""
    forms: dict[tuple[int, str], CountForm] = {}
    free = [(i, m) for i in range(len(rows)) for m in COUNT_METRICS]
    if layout.numbers == "every":
        for form in EVERY_COUNT_FORM:
            spot = next((s for s in free if count_fits(rows[s[0]].get(s[1]), form)), None)
            if spot is None:
                changes = [(abs(made - (rows[i].get(m) or 0)), (i, m), made) for i, m in free
                           if (made := _made_to_fit(rows[i].get(m), form, m)) is not None]
                if not changes:
                    continue
                _, spot, made = min(changes)
                rows[spot[0]][spot[1]] = made
            forms[spot] = form
            free.remove(spot)
    for i, metric in free:
        value = rows[i].get(metric)
        if layout.numbers == "plain":
            forms[i, metric] = "number"
        elif not value:
            forms[i, metric] = rng.choice(PLACEHOLDER_FORMS)
        elif rng.random() < 0.4:
            forms[i, metric] = rng.choice([f for f in TEXT_FORMS if count_fits(value, f)])
        else:
            forms[i, metric] = "number"
    return forms


def _date_forms(rng: random.Random, layout: Layout, rows: list[dict], last_day: date) -> list[DateForm]:
    """A form per row. A single date column writes multi-day events as ranges. `dates="every"` shows each
    form in EVERY_DATE_FORM: one multi-day event as the range (one is made two days long if none is) and
    the others on single-day events (extra multi-day events are shortened to make room)."""
    def multi_day(row: dict) -> bool:
        return row.get("end_date") not in (None, row["start_date"])

    required: list[DateForm] = []
    if layout.dates == "every":
        if not any(multi_day(r) for r in rows):
            row = next((r for r in rows if r["start_date"] < last_day), rows[0])
            row["end_date"] = row["start_date"] + timedelta(days=1)
        spans = [r for r in rows if multi_day(r)]
        for row in spans[1:]:
            if len(rows) - len(spans) >= len(EVERY_DATE_FORM) - 1:
                break
            row["end_date"] = row["start_date"]
            spans.remove(row)
        required = [f for f in EVERY_DATE_FORM if f != "range"]
    chosen: list[DateForm] = []
    for row in rows:
        if layout.single_date and multi_day(row):
            form: DateForm = "range"
        elif required:
            form = required.pop(0)
        elif layout.dates == "cells":
            form = "cell"
        else:
            form = rng.choice(SINGLE_DATE_FORMS)
        chosen.append(form if _date_fits(row["start_date"], form) else "month_dot")
    return chosen


def _date_cells(row: Mapping[str, object], form: DateForm, single: bool) -> dict[str, object]:
    start, end = row["start_date"], row.get("end_date")
    if single:
        return {DATE: date_cell(start, end, form)}
    if form == "range":
        form = "month_day"
    cells = {"start_date": date_cell(start, None, form)}
    if end is not None:
        cells["end_date"] = date_cell(end, None, form if _date_fits(end, form) else "month_dot")
    return cells


def _yuan_amounts(rng: random.Random, rows: list[dict]) -> list[int]:
    """What a unit that keeps its books in 元 writes, and the 万元 each amount becomes (half-up, 2 places).
    The first non-zero amount ends in 50 over an even hundredths digit (3850 → 0.39), where half-up and
    banker's rounding differ."""
    amounts = []
    for row in rows:
        fen = int(Decimal(str(row.get("funding_wan") or 0)) * 100)
        amounts.append(0 if fen == 0 else max(10, fen * 100 + rng.choice((0, 0, 50, -50, 80, -20, 150))))
    first = next((i for i, a in enumerate(amounts) if a), None)
    if first is not None:
        amounts[first] = (amounts[first] // 200) * 200 + 50
    for row, amount in zip(rows, amounts):
        row["funding_wan"] = (Decimal(amount) / 10000).quantize(CENT, rounding=ROUND_HALF_UP)
    return amounts


def _money_cells(rng: random.Random, layout: Layout, row: Mapping[str, object], yuan: int | None) -> dict:
    column = layout.money_column
    typed = layout.numbers != "plain"
    if yuan is not None:
        if not yuan:
            return {column: rng.choice(("—", None, 0)) if typed else 0}
        return {column: rng.choice((f"{yuan:,}", f"{yuan}元", yuan)) if typed else yuan}
    wan = row.get("funding_wan")
    if not wan:
        return {column: rng.choice(("—", "/", None, 0)) if typed else wan}
    if typed and rng.random() < 0.3:
        return {column: rng.choice((str(wan), f"{int(Decimal(str(wan)) * 10000)}元"))}
    return {column: Decimal(str(wan))}


def _sums(rows: Sequence[Mapping[str, object]], yuan: Sequence[int] | None, column: str) -> dict[str, object]:
    """A 合计/小计 line's figures: what the rows above add up to, as the office would total them."""
    sums: dict[str, object] = {m: sum(r.get(m) or 0 for r in rows) for m in COUNT_METRICS}
    if yuan is not None:
        sums[column] = sum(yuan)
    else:
        sums[column] = sum((Decimal(str(r.get("funding_wan") or 0)) for r in rows), Decimal(0))
    return sums


def _with_totals(layout: Layout, rows: list[dict], yuan: list[int] | None, lines: list[TableRow]
                 ) -> list[TableRow]:
    """The activity lines with a 合计 line after them, and with `subtotals` a 小计 after each half."""
    if layout.totals == "none" or not rows:
        return lines
    label_column = "seq" if layout.total_in_seq else "activity_name"
    out: list[TableRow] = []
    if layout.totals == "subtotals" and len(rows) >= 2:
        half = len(rows) // 2
        for lo, hi in ((0, half), (half, len(rows))):
            out += lines[lo:hi]
            subtotal = _sums(rows[lo:hi], None if yuan is None else yuan[lo:hi], layout.money_column)
            out.append(TableRow("subtotal", {label_column: "小计", **subtotal}))
    else:
        out = list(lines)
    out.append(TableRow("total", {label_column: "合计", **_sums(rows, yuan, layout.money_column)}))
    return out


def _old_draft(rng: random.Random, rows: list[dict]) -> tuple[TableRow, ...]:
    """An earlier draft left in a hidden sheet: the same events, one fewer, with figures not yet checked."""
    lines = []
    for i, row in enumerate(rows[:-1] or rows):
        cells = {key: row.get(key) for key in FIELD_NAMES if key != "seq"}
        cells.update(seq=i + 1, participants=(row.get("participants") or 0) * 2 + 100,
                     materials=(row.get("materials") or 0) + rng.randint(1, 9) * 100)
        cells[DATE] = row["start_date"]
        cells[YUAN] = int(Decimal(str(row.get("funding_wan") or 0)) * 10000)
        lines.append(TableRow("activity", cells))
    return tuple(lines)


# ----------------------------------------------------------------------------------------------
# Placing it on sheets


@dataclass(frozen=True, slots=True)
class Identity:
    """What a file says about its sender: 填报单位 and 单位代码 as written ("" when left blank) and 填报日期."""

    name: str
    code: str
    reported_on: date | None


class _Cells:
    """Cells and merges of one sheet being written, 0-based."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], object] = {}
        self.merged: list[tuple[int, int, int, int]] = []

    def put(self, r: int, c: int, value: object, *, to_col: int | None = None, to_row: int | None = None) -> None:
        if value is not None and value != "":
            self.cells[r, c] = value
        if (to_col is not None and to_col > c) or (to_row is not None and to_row > r):
            self.merged.append((r, c, to_row if to_row is not None else r, to_col if to_col is not None else c))

    def sheet(self, name: str, *, merges: bool, hidden: bool = False) -> SheetSpec:
        """The sheet as rows from A1, every row as wide as the widest (as a CSV export writes them)."""
        height = max((r for r, _ in self.cells), default=-1) + 1
        width = max((c for _, c in self.cells), default=-1) + 1
        rows: list[list[object]] = [[None] * width for _ in range(height)]
        for (r, c), value in self.cells.items():
            rows[r][c] = value
        ranges = [f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
                  for r0, c0, r1, c1 in self.merged] if merges else []
        return SheetSpec(name, rows, merged=ranges, hidden=hidden)


def lay_out(layout: Layout, identity: Identity, table: TypedTable, *, campaign_name: str, rng: random.Random
            ) -> BookSpec:
    """The file as sheets of cells: [说明], [hidden earlier draft], then the activity table."""
    merges = layout.file_format != "csv"
    extras = _Extras(rng.choice(NOTE_LINES), _person(rng), _person(rng), _phone(rng))
    sheets = []
    if layout.notes_sheet:
        notes = _Cells()
        for r, line in enumerate(NOTES_LINES):
            notes.put(r, 0, line)
        sheets.append(notes.sheet(NOTES_SHEET, merges=merges))
    if layout.old_copy:
        old = _table_sheet(layout, identity, table.old_lines, campaign_name, None)
        sheets.append(old.sheet(layout.old_copy, merges=merges, hidden=True))
    if layout.other_campaign_sheet:
        sheets.append(_other_campaign_sheet(layout, identity, table, campaign_name, merges))
    detail = _table_sheet(layout, identity, table.lines, campaign_name, extras)
    sheets.append(detail.sheet(layout.sheet_name, merges=merges))
    return BookSpec(layout.file_format, tuple(sheets), layout.encoding)


def _other_campaign_sheet(layout: Layout, identity: Identity, table: TypedTable, campaign_name: str,
                          merges: bool) -> SheetSpec:
    """Last May's 科技活动周 form of the same office: up to three of its events, dated in that week."""
    year = int(campaign_name[:4]) if campaign_name[:4].isdigit() else (identity.reported_on or date(2023, 1, 1)).year
    month, day = OTHER_CAMPAIGN_START
    lines = []
    for i, line in enumerate([x for x in table.lines if x.kind == "activity"][:3]):
        held = date(year, month, day + 1 + i)
        cells = {**line.cells, "start_date": held, "end_date": held, DATE: held,
                 "activity_name": f"科技活动周：{line.cells.get('activity_name') or '科普活动'}"}
        lines.append(TableRow("activity", cells))
    may = Identity(identity.name, identity.code, date(year, month, day + 8))
    sheet = _table_sheet(layout, may, lines, OTHER_CAMPAIGN.format(year=year), None)
    return sheet.sheet(OTHER_CAMPAIGN_SHEET, merges=merges)


@dataclass(frozen=True, slots=True)
class _Extras:
    """What goes under the table: the 注 line and the footer's signatures."""

    note: str
    filler: str
    checker: str
    phone: str


def _table_sheet(layout: Layout, identity: Identity, lines: Sequence[TableRow], campaign_name: str,
                 extras: _Extras | None) -> _Cells:
    """Title block, identity line, header (one or two lines), the lines, then (with `extras`) the note
    and signature footer."""
    out = _Cells()
    c0 = layout.first_col
    last = c0 + len(layout.columns) - 1
    r = 0
    if layout.attachment_line:
        out.put(r, c0, ATTACHMENT_LINE)
        r += 1
    out.put(r, c0, layout.title.format(campaign=campaign_name, unit=identity.name), to_col=last)
    r += 1
    _identity_line(out, layout, identity, r, c0)
    r = max(r + 1, layout.header_row)

    r = _header(out, layout, r, c0)
    for line in lines:
        if line.kind != "blank":
            for i, column in enumerate(layout.columns):
                if column != GAP:
                    out.put(r, c0 + i, line.cells.get(column))
        r += 1
    if extras is None:
        return out

    if layout.note_row:
        r += 1
        out.put(r, c0, extras.note, to_col=last)
        r += 1
    _footer(out, layout, identity, r + 1, c0, extras)
    return out


def _identity_line(out: _Cells, layout: Layout, identity: Identity, r: int, c0: int) -> None:
    """填报单位 / 单位代码 / 填报日期: in neighbouring cells, all in one cell, or the name alone (then 填报日期
    goes in the footer). Blank values are left blank, as when a unit forgets them."""
    reported = reported_on_text(identity.reported_on) if identity.reported_on else ""
    if layout.identity == "one_cell":
        parts = [f"填报单位：{identity.name}"]
        if identity.code:
            parts.append(f"单位代码：{identity.code}")
        if reported:
            parts.append(f"填报日期：{reported}")
        out.put(r, c0, "\u3000\u3000".join(parts), to_col=c0 + 6)
    elif layout.identity == "name_only":
        out.put(r, c0, f"填报单位（盖章）：{identity.name}", to_col=c0 + 4)
    else:
        out.put(r, c0, "填报单位：")
        out.put(r, c0 + 1, identity.name, to_col=c0 + 3)
        out.put(r, c0 + 4, "单位代码：")
        out.put(r, c0 + 5, identity.code)
        out.put(r, c0 + 7, "填报日期：")
        out.put(r, c0 + 8, identity.reported_on)


def _header(out: _Cells, layout: Layout, r: int, c0: int) -> int:
    """Write the header at row r; return the first row under it."""
    if not layout.split_header:
        for i, label in enumerate(layout.labels):
            out.put(r, c0 + i, label)
        return r + 1
    columns = layout.columns
    i = 0
    while i < len(columns):
        column, c = columns[i], c0 + i
        if column == "start_date" and i + 1 < len(columns) and columns[i + 1] == "end_date":
            out.put(r, c, SPLIT_LABELS["start_date"][0], to_col=c + 1)
            out.put(r + 1, c, SPLIT_LABELS["start_date"][1])
            out.put(r + 1, c + 1, SPLIT_LABELS["end_date"][1])
            i += 2
            continue
        if column in SPLIT_LABELS and column not in ("start_date", "end_date"):
            upper, lower = SPLIT_LABELS[column]
            if column == "participants":
                upper = layout.labels[i].split("（")[0]
            out.put(r, c, upper)
            out.put(r + 1, c, lower)
        elif column != GAP:
            out.put(r, c, layout.labels[i], to_row=r + 1)
        i += 1
    return r + 2


def _footer(out: _Cells, layout: Layout, identity: Identity, r: int, c0: int, extras: _Extras) -> None:
    labelled = [f"填表人：{extras.filler}", f"审核人：{extras.checker}", f"联系电话：{extras.phone}"]
    if layout.footer == "row":
        for i, text in enumerate(labelled):
            out.put(r, c0 + 4 * i, text)
        r += 1
    elif layout.footer == "one_cell":
        out.put(r, c0, "\u3000\u3000".join(labelled))
        r += 1
    elif layout.footer == "lines":
        for text in labelled:
            out.put(r, c0, text)
            r += 1
    if layout.identity == "name_only" and identity.reported_on:
        out.put(r, c0, f"填报日期：{reported_on_text(identity.reported_on)}")
