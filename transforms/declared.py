"""What a submission says about itself: 填报单位, 单位代码 and 填报日期 from the lines around the table,
and the figures of its 汇总表 (unit summary) sheet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Callable
from functools import cache

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import INDICATOR, SYNONYMS
from kepu.schemas.vocabulary import MONEY_METRIC
from kepu.transforms.detail import CENT, HEAD_ROWS, TableHeader, plausible
from kepu.transforms.grid import Book, CellValue, Sheet, is_blank
from kepu.transforms.labels import MAX_LABEL_CHARS, header_field, header_in_yuan, label_key, strip_units
from kepu.transforms.values import parse_amount, parse_count, parse_date_span

HEADER_BLOCK_ROWS = 15
FOOTER_BLOCK_ROWS = 10
NEIGHBOUR_CELLS = 5
UNMISTAKABLE_LABEL = 4
"""Labels this long (填报单位, 单位代码) are labels even with the value typed straight after them."""
TEN_THOUSAND = Decimal(10000)


@dataclass(frozen=True, slots=True)
class Declared:
    """A value the file declares, where it sits (`cell` holds the value, or the label and the value
    together), and the cell's raw content."""

    value: str
    sheet: str
    cell: str
    raw: CellValue = None


@dataclass(frozen=True, slots=True)
class DeclaredIdentity:
    """单位代码, 填报单位 and 填报日期 as the file declares them, and its title row (which may name the unit:
    「白沙镇科协2023年全国科普日活动统计表」)."""

    unit_code: Declared | None = None
    unit_name: Declared | None = None
    reported_on: date | None = None
    reported_on_raw: Declared | None = None
    title: Declared | None = None


_SEAL = re.compile(r"[(（]\s*[盖公印]\s*章\s*[)）]|[盖公]章处?$")


@cache
def _label_groups() -> dict[str, tuple[str, ...]]:
    return {
        "unit_name": SYNONYMS.unit_name_labels,
        "unit_code": SYNONYMS.unit_code_labels,
        "reported_on": SYNONYMS.reported_on_labels,
    }


@cache
def _label_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern finding any identity label in a text, with an optional bracketed remark after it
    (`填报单位（盖章）`) and an optional colon; and which group each label belongs to."""
    group_of: dict[str, str] = {}
    for group, labels in _label_groups().items():
        for label in labels:
            group_of.setdefault(_compact(label), group)
    alternatives = sorted(group_of, key=len, reverse=True)
    spelled = "|".join(r"\s*".join(re.escape(ch) for ch in label) for label in alternatives)
    pattern = re.compile(
        rf"(?:^|(?<=[\s,;、|]))(?P<label>{spelled})\s*(?:\([^()]{{0,8}}\))?\s*(?P<colon>:)?")
    return pattern, group_of


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).rstrip(":")


def _labelled_values(text: str) -> list[tuple[str, str]]:
    """(group, value) for each identity label a cell holds: `填报单位：东升街道  单位代码：T0101` gives
    two. A label opens the cell, or comes later in the text with a colon; its value runs to the next
    label. Opening the cell, a short label (`日期`, `代码`) must be followed by a colon, a space or
    nothing, so that `日期请按…` is not one. An empty value means "look to the right"."""
    if len(text) > MAX_LABEL_CHARS * 4:
        return []
    text = unicodedata.normalize("NFKC", text).strip()
    pattern, group_of = _label_pattern()
    found = [m for m in pattern.finditer(text) if m["colon"] or (m.start() == 0 and _opens_cell(m, text))]
    if not found or found[0].start() != 0:
        return []
    values = []
    for i, match in enumerate(found):
        stop = found[i + 1].start() if i + 1 < len(found) else len(text)
        value = _NEXT_FIELD.split(text[match.end():stop], maxsplit=1)[0]
        values.append((group_of[_compact(match["label"])], " ".join(value.split())))
    return values


def _opens_cell(match: re.Match[str], text: str) -> bool:
    """A label without colon at the start of a cell: alone, followed by a space, or unmistakable."""
    end = match.end()
    return end == len(text) or text[end - 1].isspace() or len(_compact(match["label"])) >= UNMISTAKABLE_LABEL


_NEXT_FIELD = re.compile(r"\s+[^\s:]{2,8}:")
"""Where another labelled field starts inside a value (`东升街道  联系人：张三`)."""


def _is_label_cell(value: CellValue) -> bool:
    return isinstance(value, str) and bool(_labelled_values(value))


def _text(value: CellValue) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def _neighbour(sheet: Sheet, r: int, c: int) -> tuple[int, CellValue] | None:
    """The value written to the right of a label cell: the next non-blank cell, unless that is a label."""
    for c2 in range(c + 1, min(c + 1 + NEIGHBOUR_CELLS, sheet.width)):
        value = sheet.value(r, c2)
        if is_blank(value):
            continue
        return None if _is_label_cell(value) or header_field(value) is not None else (c2, value)
    return None


TABLE_HEADER_CELLS = 3


def _is_table_header_row(sheet: Sheet, r: int) -> bool:
    """A row naming several detail columns (活动名称 | 日期 | 地点 …): its `日期` is a column, not the 填报日期
    label of a header block."""
    named = 0
    for c in range(sheet.width):
        if header_field(sheet.value(r, c)) is not None:
            named += 1
            if named >= TABLE_HEADER_CELLS:
                return True
    return False


def _declarations_in(sheet: Sheet, r: int, c: int) -> list[tuple[str, Declared]]:
    raw = sheet.value(r, c)
    if not isinstance(raw, str):
        return []
    found = []
    parts = _labelled_values(raw)
    for i, (group, value) in enumerate(parts):
        if value:
            found.append((group, Declared(value, sheet.name, sheet.address(r, c), value)))
        elif i == len(parts) - 1 and (beside := _neighbour(sheet, r, c)) is not None:
            c2, cell = beside
            if _bare_short_label(raw) and not _fits(group, cell):
                continue
            found.append((group, Declared(_text(cell), sheet.name, sheet.address(r, c2), cell)))
    return found


_CJK = re.compile(r"[\u3400-\u9fff]")


def _bare_short_label(text: str) -> bool:
    """A cell that is only a short label, no colon (`日期`, `代码`): as likely a table's column as a header
    block's label, so the value beside it must look the part."""
    compact = _compact(text)
    return len(compact) < UNMISTAKABLE_LABEL and ":" not in unicodedata.normalize("NFKC", text)


def _fits(group: str, value: CellValue) -> bool:
    """Whether the value beside a bare short label is what that label announces: a date for `日期`, a code
    (no Chinese words) for `代码`."""
    if group == "reported_on":
        return parse_date_span(value, 2000).kind in ("date", "range")
    if group == "unit_code":
        return not (isinstance(value, str) and _CJK.search(value))
    return True


def _clean_unit_name(declared: Declared) -> Declared | None:
    """The 填报单位 text without a seal remark (`东升街道办事处（盖章）` → `东升街道办事处`)."""
    name = " ".join(_SEAL.sub("", declared.value).split())
    return Declared(name, declared.sheet, declared.cell, declared.raw) if name else None


def read_identity(book: Book, table: TableHeader | None, default_year: int) -> DeclaredIdentity:
    """填报单位/单位代码/填报日期 declared in the file: above the table on its sheet first, then in the
    first rows of the other visible sheets, then in the rows under the table (the footer). Rows that are a
    table's header are not a header block. And the title row above the table (or atop the first sheet)."""
    regions: list[tuple[Sheet, range]] = []
    if table is not None:
        regions.append((table.sheet, range(0, table.first_row)))
    for sheet in book.visible_sheets():
        if table is None or sheet is not table.sheet:
            regions.append((sheet, range(0, min(HEADER_BLOCK_ROWS, sheet.height))))
    if table is not None:
        height = table.sheet.height
        regions.append((table.sheet, range(max(table.last_row + 1, height - FOOTER_BLOCK_ROWS), height)))
    found: dict[str, Declared] = {}
    for sheet, rows in regions:
        for r in rows:
            if _is_table_header_row(sheet, r):
                continue
            for c in range(sheet.width):
                for group, declared in _declarations_in(sheet, r, c):
                    if group == "unit_name":
                        declared = _clean_unit_name(declared)
                    if declared is not None and group not in found:
                        found[group] = declared
    reported_on = None
    if "reported_on" in found:
        span = parse_date_span(found["reported_on"].raw, default_year)
        reported_on = span.start if span.kind in ("date", "range") else None
    return DeclaredIdentity(found.get("unit_code"), found.get("unit_name"), reported_on, found.get("reported_on"),
                            read_title(book, table))


TITLE_MIN_CHARS = 6


def read_title(book: Book, table: TableHeader | None) -> Declared | None:
    """The title row: the first text above the table (on the first visible sheet's first rows when there is no
    table) that reads as a title — it holds a title word (统计表, 情况表, 科普日 …) and is not a labelled line."""
    if table is not None:
        sheet, rows = table.sheet, range(0, table.first_row)
    else:
        visible = book.visible_sheets()
        if not visible:
            return None
        sheet, rows = visible[0], range(0, min(HEADER_BLOCK_ROWS, visible[0].height))
    for r in rows:
        for c in range(sheet.width):
            value = sheet.value(r, c)
            if not isinstance(value, str) or not TITLE_MIN_CHARS <= len(value.strip()) <= MAX_LABEL_CHARS * 2:
                continue
            if _is_label_cell(value) or not any(word in value for word in SYNONYMS.title_words):
                continue
            text = " ".join(value.split())
            return Declared(text, sheet.name, sheet.address(r, c), text)
    return None


@dataclass(slots=True)
class SummarySheet:
    """The 汇总表 figures a unit declared, keyed by indicator (activities, participants, …)."""

    sheet: str
    values: dict[str, int | Decimal | None] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def has_figures(self) -> bool:
        return any(v is not None for v in self.values.values())


@cache
def _indicator_index() -> dict[str, str]:
    index = {}
    for ind in SYNONYMS.summary_indicators:
        for name in (ind.name, *ind.synonyms):
            index.setdefault(label_key(name), ind.key)
            index.setdefault(strip_units(label_key(name)), ind.key)
    return index


def _indicator(value: CellValue) -> str | None:
    if isinstance(value, str) and len(value) > MAX_LABEL_CHARS:
        return None
    key = label_key(value)
    if not key or not isinstance(value, str):
        return None
    index = _indicator_index()
    return index.get(key) or index.get(strip_units(key))


Region = Callable[[int, int], bool]
"""Which grid cells of a sheet a summary may be read from."""


def read_summary(book: Book, table: TableHeader | None = None) -> SummarySheet | None:
    """The unit's summary figures: the first visible sheet other than the detail table's that lists at least
    two summary indicators (指标名称 | 计量单位 | 数量) in its first rows; else a summary block on the detail
    sheet itself, above or beside the table (never the table's own header or rows). Money in 元 (by the
    计量单位 cell, the indicator's label or the value's own unit) is converted to 万元. A sheet that merely
    names indicators (填表说明, a copy of the detail header) is not a summary: it has neither a 数量 column nor
    any figure."""
    candidates: list[tuple[Sheet, Region]] = [
        (sheet, _everywhere) for sheet in book.visible_sheets() if table is None or sheet is not table.sheet]
    if table is not None:
        candidates.append((table.sheet, _outside(table)))
    for sheet, region in candidates:
        quantity_col = _column_headed(sheet, SYNONYMS.summary_quantity_headers, region)
        summary = _read_summary_sheet(sheet, quantity_col, region)
        if len(summary.values) >= 2 and (quantity_col is not None or summary.has_figures or summary.issues):
            return summary
    return None


def _everywhere(r: int, c: int) -> bool:
    return True


def _outside(table: TableHeader) -> Region:
    """Cells above the table's header, or left or right of its columns."""
    return lambda r, c: r < table.first_row or not table.first_col <= c <= table.last_col


def _read_summary_sheet(sheet: Sheet, quantity_col: int | None, region: Region) -> SummarySheet:
    summary = SummarySheet(sheet.name)
    unit_col = _column_headed(sheet, SYNONYMS.summary_unit_headers, region)
    for r in range(min(HEAD_ROWS, sheet.height)):
        for c in range(sheet.width):
            if not region(r, c):
                continue
            key = _indicator(sheet.value(r, c))
            if key is None or key in summary.values:
                continue
            value_col = quantity_col if quantity_col is not None and quantity_col > c and region(r, quantity_col) \
                else _summary_value_cell(sheet, r, c, region)
            if value_col is None:
                summary.values[key] = None
                break
            unit_cell = (unit_col if unit_col is not None and c < unit_col < value_col else None)
            _read_figure(summary, sheet, r, c, key, value_col, unit_cell)
            break
    return summary


def _read_figure(summary: SummarySheet, sheet: Sheet, r: int, c: int, key: str, value_col: int,
                 unit_col: int | None) -> None:
    raw = sheet.value(r, value_col)
    address = sheet.address(r, value_col)
    label = INDICATOR[key].name
    summary.cells[key] = address
    summary.values[key] = None
    parsed = parse_amount(raw) if key == MONEY_METRIC else parse_count(raw)
    if parsed.kind in ("blank", "placeholder"):
        return
    if parsed.kind != "number" or parsed.value < 0:
        summary.issues.append(make_issue("summary_unparseable", sheet=sheet.name, cell=address, raw=_text(raw),
                                         label=label, row=sheet.row_number(r)))
        return
    value = parsed.value
    if key == MONEY_METRIC:
        value, yuan_at = _summary_money(sheet, r, c, unit_col, parsed)
        if yuan_at is not None:
            summary.issues.append(make_issue("summary_funding_in_yuan", sheet=sheet.name,
                                             cell=sheet.address(r, yuan_at[0]), raw=_text(yuan_at[1])))
    if not plausible(key, value):
        summary.issues.append(make_issue("implausible_value", sheet=sheet.name, cell=address, raw=_text(raw),
                                         row=sheet.row_number(r), label=label))
        return
    summary.values[key] = value.quantize(CENT, rounding=ROUND_HALF_UP) if key == MONEY_METRIC else value
    if parsed.approximate:
        summary.issues.append(make_issue("approximate_value", sheet=sheet.name, cell=address, raw=_text(raw),
                                         row=sheet.row_number(r), label=label, value=value))
    elif parsed.spelled:
        summary.issues.append(make_issue("spelled_value", sheet=sheet.name, cell=address, raw=_text(raw),
                                         row=sheet.row_number(r), label=label, value=value))


def _summary_money(sheet: Sheet, r: int, c: int, unit_col: int | None, parsed
                   ) -> tuple[Decimal, tuple[int, CellValue] | None]:
    """The 经费 figure in 万元, and (column, text) of what said it was in 元, if it was."""
    value = Decimal(parsed.value)
    if parsed.unit_hint in ("元", "万元"):
        in_yuan = parsed.unit_hint == "元"
        said_by = None
    else:
        said_by = next(((col, sheet.value(r, col)) for col in (unit_col, c) if col is not None
                        and header_in_yuan(sheet.value(r, col))), None)
        in_yuan = said_by is not None
    if in_yuan:
        value = value / TEN_THOUSAND
    return value, said_by


def _column_headed(sheet: Sheet, labels: tuple[str, ...], region: Region) -> int | None:
    """The column headed by one of `labels` in the summary's first rows, if any."""
    keys = {label_key(label) for label in labels}
    for r in range(min(HEADER_BLOCK_ROWS, sheet.height)):
        for c in range(sheet.width):
            value = sheet.value(r, c)
            if isinstance(value, str) and len(value) <= MAX_LABEL_CHARS and label_key(value) in keys \
                    and region(r, c):
                return c
    return None


def _summary_value_cell(sheet: Sheet, r: int, c: int, region: Region) -> int | None:
    """The 数量 cell of an indicator row: the last non-blank cell right of the name that is neither its
    unit nor another label."""
    candidates = [c2 for c2 in range(c + 1, sheet.width) if region(r, c2) and not is_blank(value := sheet.value(r, c2))
                  and _indicator(value) is None and header_field(value) is None]
    numeric = [c2 for c2 in candidates if not isinstance(sheet.value(r, c2), str)
               or parse_count(sheet.value(r, c2)).kind == "number"]
    if numeric:
        return numeric[-1]
    return candidates[-1] if len(candidates) >= 2 else None
