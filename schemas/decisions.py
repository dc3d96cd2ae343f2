"""The office's decisions (SPEC §3.9): the kinds a line of decisions.csv may be, what each needs, and the cells
a `correct_value` may change. Defined once here; the reader (transforms.decisions), the SQL that applies them
(warehouse/sql/core/rules/decisions_*.sql), `kepu decide` and `kepu status` read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from kepu.schemas.vocabulary import MEASURE, METRICS

FILE_NAME = "decisions.csv"
"""Beside kepu.toml."""

COLUMNS: tuple[str, ...] = ("kind", "file", "cell", "unit_code", "value", "other_file", "other_cell", "reason",
                            "decided_by", "decided_at")
"""The header of decisions.csv, in this order (UTF-8 with BOM, so Excel opens it)."""

COLUMN_LABELS: dict[str, str] = {
    "kind": "决定类型", "file": "文件", "cell": "单元格", "unit_code": "单位代码", "value": "新值",
    "other_file": "另一文件", "other_cell": "另一单元格", "reason": "理由", "decided_by": "决定人",
    "decided_at": "决定时间",
}


@dataclass(frozen=True, slots=True)
class DecisionKind:
    code: str
    label: str
    """What the office decides, in a few words (Chinese)."""
    needs: tuple[str, ...]
    """The columns a line of this kind must fill (besides kind and reason)."""
    row: bool = False
    """Whether `cell` names a row (any cell of it) rather than nothing."""


KINDS: tuple[DecisionKind, ...] = (
    DecisionKind("assign_unit", "将文件归入单位", ("file", "unit_code")),
    DecisionKind("supplement", "认定为补报（追加到本单位现行版本）", ("file",)),
    DecisionKind("same_event", "认定两行为同一活动（只计一次）", ("file", "cell", "other_file", "other_cell"), row=True),
    DecisionKind("different_events", "认定两行为不同活动（分别计入）", ("file", "cell", "other_file", "other_cell"),
                 row=True),
    DecisionKind("exclude_row", "不计入某一行", ("file", "cell"), row=True),
    DecisionKind("exclude_file", "不计入整个文件", ("file",)),
    DecisionKind("accept_on_time", "逾期文件按时计", ("file",)),
    DecisionKind("correct_value", "更正单元格的值", ("file", "cell", "value"), row=True),
    DecisionKind("confirm", "核实无误（数字不变）", ("file",)),  # cell, when given: the row or 总结 paragraph checked
)
KIND: dict[str, DecisionKind] = {k.code: k for k in KINDS}

CORRECTABLE: dict[str, str] = {"activity_name": "活动名称", "start_date": "开始日期", "end_date": "结束日期",
                               "venue": "活动地点", "activity_type": "活动形式", "organizer": "主办单位",
                               "partners": "合作单位", **{m: MEASURE[m].noun for m in METRICS}}
"""The fields a `correct_value` may change — every column of the form — with the word a sentence names them by:
the cells the reader records for each row (raw.activity_rows.<field>_cell). In this order the SQL applies them
(a corrected start date moves a one-day activity's end, then a corrected end date is set)."""

TEXT_CORRECTABLE: tuple[str, ...] = ("activity_name", "venue", "organizer", "partners")
"""Correctable fields that take any non-empty text (partners: several names split at 、，,;；/ as the reader
splits them); the dates take a date, activity_type one of the forms (vocabulary.ACTIVITY_TYPES), the others a
number."""
DATE_CORRECTABLE: tuple[str, ...] = ("start_date", "end_date")
PARTNER_SEPARATORS = r"[、，,;；/／\n]+"
"""Where the reader splits a 合作单位 cell into names (transforms.detail), and a corrected one is split too."""

OUTCOMES: dict[str, str] = {"applied": "已执行", "recorded": "已记录", "stale": "目标已不存在，未执行",
                            "invalid": "无效，未执行"}
"""audit.decisions.outcome: applied (the decision changed what it names), recorded (it changes nothing itself: a
supplement, which the version rule reads; a confirm, the office's word that a figure stands), stale (its target is
gone: decision_stale), invalid (the line could not be read: decision_invalid)."""

SHA_PREFIX_MIN = 8
"""The shortest sha256 prefix `kepu decide` resolves (and decisions.csv accepts in `file`)."""

VALUE_CODES: tuple[str, ...] = (
    "outlier_value", "implausible_value", "implausible_participants", "invalid_participants", "missing_participants",
    "negative_value", "volunteers_exceed_participants", "invalid_start_date", "outside_window", "invalid_value",
    "unit_slip_funding", "unit_slip_count", "bound_exceeded", "duplicate_row", "impossible_duration",
    "impossible_boards", "impossible_shifted_column", "impossible_same_column", "invalid_end_date",
)
"""Issues on one cell a person settles by telephone: `kepu status` lists each (of a current version) with the
`kepu decide correct_value` (or exclude_row) that settles it, naming the cell that holds the value in question
(the end date of an activity too long, the 展板 of a unit without exhibitions, the first cell of a shifted or
repeated column)."""
