"""decisions.csv as text → the office's decisions, each line checked on its own (SPEC §3.9).

Pure: the file's bytes come from kepu.decisions (the one place that reads and appends the file). A line that
cannot be a decision becomes an `Invalid` with its line number and a Chinese reason, and the other lines still
apply. What can only be judged against the warehouse (does the file exist, is the cell a row, is the value a
number for that column) is judged by the SQL that applies the decisions (warehouse/sql/core/rules/decisions_*.sql).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

import pandas as pd

from kepu.schemas.decisions import COLUMN_LABELS, COLUMNS, KIND, KINDS, SHA_PREFIX_MIN

ENCODINGS = ("utf-8-sig", "gb18030")
"""What Excel writes: `CSV UTF-8` (with a BOM), or plain `CSV` in the system's code page (GBK on a Chinese
Windows, read as its superset GB18030)."""

CELL = re.compile(r"^(?:(?P<sheet>.+)!)?\$?(?P<column>[A-Za-z]{1,3})\$?(?P<row>[1-9][0-9]{0,6})$")
"""A cell as Excel shows it (`I12`), optionally with its sheet (`活动明细!I12`)."""
TEXT_CELL = re.compile(r"^(?:正文!)?第(?P<paragraph>[1-9][0-9]{0,5})段\s*(?:[“\"「『](?P<phrase>.+)[”\"」』])?$")
"""A figure of a narrative report (SPEC §3.13) as `correct_value` and `exclude_row` cite it: its paragraph and the
phrase that states it (`第3段“听众600余人”`); `kepu decide` writes the phrase as the reader recorded it. A `confirm`
cites the paragraph it checked (`第3段`)."""
SHA = re.compile(r"^[0-9a-fA-F]+$")
LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+\Z")
"""A line as CSV ends one (CR LF, LF or CR) — not at every character str.splitlines breaks at (\x1e, \u2028…),
which may sit inside a reason pasted from elsewhere."""


@dataclass(frozen=True, slots=True)
class Invalid:
    line: int
    reason: str
    text: str = ""


@dataclass
class DecisionLines:
    """The lines of decisions.csv: `valid` (a frame with `line` and COLUMNS, in file order), `invalid` the others,
    `encoding` what the file was written in (a line appended keeps it)."""

    valid: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["line", *COLUMNS]))
    invalid: list[Invalid] = field(default_factory=list)
    encoding: str = "utf-8-sig"

    @property
    def invalid_frame(self) -> pd.DataFrame:
        return pd.DataFrame([(i.line, i.reason, i.text) for i in self.invalid], columns=["line", "reason", "text"])


def decode(data: bytes) -> tuple[str, str]:
    """The text of decisions.csv and the encoding it was written in."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), "utf-8-sig"


def parse_decisions(data: bytes) -> DecisionLines:
    """Every line of decisions.csv checked; the header is line 1 and a blank line is skipped."""
    text, encoding = decode(data)
    result = DecisionLines(encoding=encoding)
    if "\0" in text:
        result.invalid.append(Invalid(1, "文件不是文本（CSV）文件，请用 Excel 另存为“CSV UTF-8”格式"))
        return result
    reader = csv.reader(LINE.findall(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return result
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        result.invalid.append(Invalid(1, "表头缺少列 " + "、".join(missing) + "（应为 " + ",".join(COLUMNS) + "）",
                                      ",".join(header)))
        return result
    position = {c: names.index(c) for c in COLUMNS}
    rows, line = [], 1
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.invalid.append(Invalid(start, f"无法按 CSV 读取（{exc}）"))
            line = reader.line_num
            continue
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        record = {c: (values[i].strip() if i < len(values) else "") for c, i in position.items()}
        reason = check_record(record)
        if reason:
            result.invalid.append(Invalid(start, reason, ",".join(values)))
        else:
            rows.append({"line": start, **{c: record[c] or None for c in COLUMNS}})
    if rows:
        result.valid = pd.DataFrame(rows, columns=["line", *COLUMNS])
    return result


def check_record(record: dict[str, str]) -> str | None:
    """Why a line cannot be a decision, in Chinese; None when it can."""
    kind = KIND.get(record.get("kind", "").strip())
    if kind is None:
        written = record.get("kind", "")
        return (f"决定类型“{written}”无效" if written else "未填写决定类型") + "，应为 " + "、".join(k.code for k in KINDS) + " 之一"
    for column in (*kind.needs, "reason"):
        if not record.get(column, "").strip():
            return f"{kind.code}（{kind.label}）须填写{COLUMN_LABELS[column]}（{column}）"
    for column in ("file", "other_file"):
        value = record.get(column, "")
        if value and SHA.match(value) and len(value) < SHA_PREFIX_MIN and "/" not in value and "." not in value:
            return f"{COLUMN_LABELS[column]}“{value}”过短：请写文件路径，或 sha256 的至少前{SHA_PREFIX_MIN}位"
    for column in ("cell", "other_cell"):
        value = record.get(column, "")
        if column == "cell" and kind.code in ("correct_value", "exclude_row", "confirm") and TEXT_CELL.match(value):
            continue
        if value and not CELL.match(value):
            return f"{COLUMN_LABELS[column]}“{value}”不是 Excel 的单元格地址（如 I12 或 活动明细!I12）"
    if kind.code in ("same_event", "different_events") and (
            record["file"], cell_address(record["cell"])) == (record["other_file"], cell_address(record["other_cell"])):
        return "两个单元格指向同一行"
    return None


def text_citation(cell: str | None) -> tuple[int, str | None] | None:
    """(paragraph, phrase or None) of a narrative figure's citation; None when `cell` is not one."""
    match = TEXT_CELL.match((cell or "").strip())
    if not match:
        return None
    return int(match["paragraph"]), (match["phrase"] or "").strip() or None


def cell_address(cell: str | None) -> tuple[str | None, str, int] | None:
    """(sheet or None, column letters, row number) of a cell as written; None when it is not one."""
    match = CELL.match(cell or "")
    if not match:
        return None
    return match["sheet"], match["column"].upper(), int(match["row"])


def format_line(record: dict[str, str | None]) -> str:
    """One decision as a line of decisions.csv (CRLF, as Excel writes it; a field quoted when it must be)."""
    return ",".join(_quoted(record.get(c) or "") for c in COLUMNS) + "\r\n"


def _quoted(value: str) -> str:
    if any(ch in value for ch in ',"\r\n') or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


HEADER = ",".join(COLUMNS) + "\r\n"
