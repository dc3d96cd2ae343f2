"""kepu's domain vocabulary, defined once and read by every other layer: what the office counts (the
measures), how it classifies what it receives (activity forms, unit types, statuses, severities), its
clock, and the campaign a run consolidates.

Codes (`participants`, `late`, `school`) are what tables and code use; the Chinese labels beside them are
what people read in the CLI, the workbook, the 回执 and the HTML report. How people *write* these words in
the files they send (column headers, activity-form synonyms) is data in `synonyms.toml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from kepu.schemas.synonyms import SYNONYMS

# ------------------------------------------------------------------------------------------- clock

OFFICE_TIMEZONE = "Asia/Shanghai"
OFFICE_TZ = ZoneInfo(OFFICE_TIMEZONE)
"""The office's clock: received_at, the deadline, run times and the nightly schedule are Beijing time."""


def office_time(timestamp: float) -> datetime:
    """A Unix timestamp (a file's modification time) as the office's wall-clock time, naive, to the second."""
    return datetime.fromtimestamp(timestamp, OFFICE_TZ).replace(tzinfo=None, microsecond=0)


def office_now() -> datetime:
    """Now on the office's clock, naive, to the second."""
    return datetime.now(OFFICE_TZ).replace(tzinfo=None, microsecond=0)


# ---------------------------------------------------------------------------------------- campaign


@dataclass(frozen=True, slots=True)
class Campaign:
    """One year's 全国科普日 as `kepu.toml` declares it: the activity window [start, end] and the day after
    which a file is late (still accepted)."""

    campaign_id: str
    name: str
    start: date
    end: date
    deadline: date

    @property
    def window_text(self) -> str:
        return f"{self.start:%Y年%-m月%-d日}至{self.end:%-m月%-d日}"


# ---------------------------------------------------------------------------------------- measures


@dataclass(frozen=True, slots=True)
class Measure:
    """One figure the city adds up. `label` names it in tables and on screen (参与人次, 发放资料（份）);
    `noun` names it in a sentence about one row or cell (参与人数, 发放资料); `unit` is its 计量单位 (a
    total over activities counts people once per activity: volunteers add up to 人次, not 人)."""

    @property
    def indicator(self) -> str:
        """The 指标名称 beside a 计量单位 column: the label without its bracketed unit (发放资料)."""
        return self.label.split("（")[0]

    key: str
    label: str
    noun: str
    unit: str
    money: bool = False


MEASURES: tuple[Measure, ...] = (
    Measure("activities", "活动场次", "活动场次", "场次"),
    Measure("participants", "参与人次", "参与人数", "人次"),
    Measure("volunteers", "志愿者（人次）", "志愿者人数", "人次"),
    Measure("materials", "发放资料（份）", "发放资料", "份"),
    Measure("boards", "展板（块）", "展板", "块"),
    Measure("media_reports", "媒体报道（篇）", "媒体报道", "篇"),
    Measure("funding_wan", "经费（万元）", "经费", "万元", money=True),
)
"""Every total kepu publishes, in display order (marts.city_totals and the workbook list them so)."""

MEASURE: dict[str, Measure] = {m.key: m for m in MEASURES}

METRICS: tuple[str, ...] = tuple(m.key for m in MEASURES if m.key != "activities")
"""The measures one detail row reports (activities is what the rows count)."""
COUNT_METRICS: tuple[str, ...] = tuple(m.key for m in MEASURES if m.key in METRICS and not m.money)
"""The whole-number metrics; funding_wan, in 万元 with two decimals, is the one money metric."""
MONEY_METRIC = "funding_wan"

# --------------------------------------------------------------------------------- activity forms

ACTIVITY_TYPES: tuple[str, ...] = tuple(SYNONYMS.activity_types)
"""Canonical activity forms (SPEC §2.3) in the form's order; the last is 其他."""
OTHER_TYPE = "其他"
UNITEMIZED_TYPE = "未分项"
"""activity_type of the one record a summary-only submission contributes (SPEC §3.4)."""

TEXT_SHEET = "正文"
"""The 'sheet' of a figure read from a narrative report's running text (SPEC §3.13); its 'cell' is its paragraph."""
PARAGRAPH_CITATION = r"第[1-9][0-9]*段"
"""How a paragraph is cited where a sheet's cell would be: 第3段."""

# ------------------------------------------------------------------------------------------ units

UNIT_TYPE_LABELS: dict[str, str] = {
    "city": "市级", "district": "区县", "town": "镇", "street": "街道", "school": "学校", "society": "学会/协会",
    "other": "其他",
}
UNIT_TYPES: tuple[str, ...] = tuple(UNIT_TYPE_LABELS)
"""unit_type values of the registry (SPEC §2.1)."""
ORGANISATION_SUFFIXES = ("科学技术协会", "科协")
"""What makes a place's name the name of its 科协: 「双流区科协」 is the 科协 of 「双流区」."""


def place_name(unit_name: str) -> str:
    """The place a 科协 is the association of, as a province lists districts: 「双流区科协」 → 「双流区」,
    「清溪县科学技术协会」 → 「清溪县」. A name without the suffix (or nothing but it) is returned as it is. For
    display only: the unit keeps its registered name and code everywhere else."""
    for suffix in ORGANISATION_SUFFIXES:
        if unit_name.endswith(suffix) and len(unit_name) > len(suffix):
            return unit_name[: -len(suffix)]
    return unit_name

# ------------------------------------------------------------------------------------------ statuses

SUBMISSION_STATUS_LABELS: dict[str, str] = {
    "accepted": "已接收", "partial": "部分接收", "rejected": "未能计入（文件无法读取或无有效记录）",
    "unidentified": "单位无法识别", "conflict": "单位信息矛盾",
    "forwarded": "仅转报其他单位的活动",
}
SUBMISSION_STATUSES: tuple[str, ...] = tuple(SUBMISSION_STATUS_LABELS)
"""core.submissions.status: what became of one received file for one unit (`forwarded`: a forwarding unit's
own part of a table whose every row it forwarded for other units, SPEC §3.10 — not a version of its own)."""
COUNTED_STATUSES = ("accepted", "partial")
"""Submission statuses whose rows can count: a unit's current version is one of these."""
SUBMISSION_ROLE_LABELS: dict[str, str] = {"version": "版本", "supplement": "补报", "forwarded": "转报（追加）"}
"""core.submissions.role (SPEC §3.2, §3.10): a version replaces the unit's earlier version and its supplements; a
supplement (补报, 补充, 增报, 续报) adds its rows to the version before it; the rows a forwarder's current table
credits to a unit that has a current version of another stream (its own files, or another forwarder's) add to
that version like a supplement (`forwarded`): forwarding never removes."""

COMPLETENESS_LABELS: dict[str, str] = {"on_time": "按时报送", "late": "逾期报送", "held": "待核实", "missing": "未报送",
                                       "source_unavailable": "来源不可用"}
"""marts.completeness.status of an expected unit (SPEC §3.8), in the order the office reads them.
source_unavailable: nothing came, and every source its files could come from failed in the last run."""
CHASED = ("missing", "held")
"""Completeness statuses that put a unit on the 催报名单."""

RUN_OUTCOME_LABELS: dict[str, str] = {"published": "已发布", "unchanged": "无新内容，未改写", "failed": "失败",
                                      "rolled_back": "已回滚"}
"""audit.runs.outcome: what one run did — published a new state, found nothing new (wrote nothing), or failed
(published nothing)."""

# ---------------------------------------------------------------------------------------- severities

Severity = Literal["error", "warning", "info"]
SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
"""Most serious first: an error keeps a row or file out of the totals, a warning asks to check, info tells."""
