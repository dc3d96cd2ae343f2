"""The city's tables (SPEC §5): what each sheet of 全市汇总.xlsx, each CSV and each Parquet file holds.

Pure: the marts of one campaign in, `Table`s out. Each table is named after the mart or audit table it
comes from, so `district_totals.csv` is `marts.district_totals`, shaped for people.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kepu.warehouse.queries import Marts
from kepu.deliverables.tables import (
    DATE,
    DATETIME,
    FLAG,
    INT,
    LIST,
    MONEY,
    ORDINAL,
    PERCENT,
    Column,
    Table,
    cell_ref,
    ordered,
)
from kepu.schemas.issues import CATALOGUE
from kepu.schemas.vocabulary import (
    ACTIVITY_TYPES,
    CHASED,
    COMPLETENESS_LABELS,
    MEASURES,
    SEVERITIES,
    SEVERITY_LABELS,
    SUBMISSION_STATUS_LABELS,
    UNIT_TYPE_LABELS,
    UNITEMIZED_TYPE,
    Campaign,
)

MEASURE_COLUMNS = tuple(Column(m.key, m.label, MONEY if m.money else INT, total=True) for m in MEASURES)
"""The city's measures as table columns, summed in the totals row."""
UNIT = (
    Column("district_name", "所属区县"),
    Column("unit_code", "单位代码"),
    Column("unit_name", "单位名称"),
)
UNIT_COUNTS = (
    Column("units_expected", "应报单位数", INT, total=True),
    Column("units_reported", "已报单位数", INT, total=True),
    Column("units_on_time", "按时报送单位数", INT, total=True),
    Column("units_late", "逾期报送单位数", INT, total=True),
    Column("reporting_rate", "报送率", PERCENT),
)
ACTIVITY_COLUMNS = (
    Column("activity_name", "活动名称"),
    Column("activity_type", "活动形式"),
    Column("start_date", "开始日期", DATE),
    Column("end_date", "结束日期", DATE),
    Column("venue", "活动地点"),
    Column("organizer", "主办单位"),
    Column("partners", "合作单位", LIST),
    Column("activity_count", "活动场次", INT, total=True),
    *MEASURE_COLUMNS[1:],
    Column("has_approximate", "含约数", FLAG),
    Column("note", "备注"),
    Column("source_file", "来源文件"),
    Column("source_sheet", "工作表"),
    Column("source_row", "行号", ORDINAL),
    Column("source_cell", "单元格"),
)
"""One counted activity (marts.activities) and the row of the file it came from."""
ISSUE_COLUMNS = (
    Column("severity", "严重程度", labels=SEVERITY_LABELS),
    Column("title", "问题类型"),
    Column("message", "问题说明"),
    Column("file_path", "文件"),
    Column("sheet", "工作表"),
    Column("location", "单元格"),
    Column("raw_value", "原始值"),
    Column("code", "问题代码"),
)
"""One issue (audit.issues, see `issue_rows`) and where it sits in the file the unit sent, the cell cited
as Excel shows it (活动明细!I12) with the value found there."""


@dataclass(frozen=True)
class CityTables:
    city_totals: Table
    district_totals: Table
    type_totals: Table
    unit_totals: Table
    activities: Table
    completeness: Table
    chase_list: Table
    year_over_year: Table
    issues: Table

    @property
    def workbook(self) -> list[Table]:
        """全市汇总.xlsx, one sheet each, in this order (the chase list leads the 报送情况 sheet)."""
        return [self.city_totals, self.district_totals, self.type_totals, self.unit_totals, self.activities,
                self.completeness, self.issues]

    @property
    def exports(self) -> list[Table]:
        """Written as CSV and Parquet."""
        return [*self.workbook, self.chase_list, self.year_over_year]


def with_unit_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds units_late and reporting_rate (已报 ÷ 应报; none when no unit is expected)."""
    expected = frame["units_expected"].astype("float64")
    return frame.assign(units_late=frame["units_reported"] - frame["units_on_time"],
                        reporting_rate=frame["units_reported"] / expected.where(expected > 0))


def completeness_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Units to chase first (missing, then held), then late, then on time; by district within each."""
    frame = frame.sort_values(["district_code", "unit_code"], kind="stable")
    return ordered(frame, "status", ("missing", "held", "late", "on_time"))


def issue_rows(issues: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """audit.issues with what people need beside it: the issue's title, the unit's district, and the
    cell as a reference (活动明细!I12)."""
    district = dict(zip(units["unit_code"], units["district_name"]))
    return issues.assign(
        title=[CATALOGUE[c].title if c in CATALOGUE else c for c in issues["code"]],
        district_name=[district.get(u) for u in issues["unit_code"]],
        location=[cell_ref(s, c) for s, c in zip(issues["sheet"], issues["cell"])],
    )


def city_tables(marts: Marts, campaign: Campaign) -> CityTables:
    name = campaign.name
    completeness = completeness_order(marts.completeness).assign(
        chase=lambda d: d["status"].isin(CHASED))
    counts = completeness["status"].value_counts()
    issues = ordered(issue_rows(marts.issues, marts.units), "severity", SEVERITIES)
    per_severity = issues["severity"].value_counts()
    return CityTables(
        city_totals=Table(
            "city_totals", "全市汇总", f"{name}活动情况全市汇总", (*UNIT_COUNTS, *MEASURE_COLUMNS),
            with_unit_counts(marts.city), total_label=None),
        district_totals=Table(
            "district_totals", "分区县", f"{name}活动情况分区县汇总",
            (Column("district_code", "区县代码"), Column("district_name", "区县"), *UNIT_COUNTS, *MEASURE_COLUMNS),
            with_unit_counts(marts.districts)),
        type_totals=Table(
            "type_totals", "分类型", f"{name}活动情况分类型汇总",
            (Column("activity_type", "活动形式"), *MEASURE_COLUMNS),
            ordered(marts.types, "activity_type", (*ACTIVITY_TYPES, UNITEMIZED_TYPE))),
        unit_totals=Table(
            "unit_totals", "单位明细", f"{name}各单位活动情况",
            (*UNIT, Column("unit_type", "单位类型", labels=UNIT_TYPE_LABELS), Column("expected", "应报", FLAG),
             Column("submission_status", "报送文件状态", labels=SUBMISSION_STATUS_LABELS),
             Column("received_at", "收到时间", DATETIME), Column("file_path", "文件"), *MEASURE_COLUMNS),
            marts.units),
        activities=Table(
            "activities", "活动清单", f"{name}活动清单（计入全市汇总的活动）",
            (*UNIT, *ACTIVITY_COLUMNS), marts.activities),
        completeness=Table(
            "completeness", "报送情况",
            f"{name}报送情况（截止 {campaign.deadline:%Y年%-m月%-d日}）：应报 {len(completeness)} 个，"
            + "，".join(f"{label} {int(counts.get(s, 0))} 个" for s, label in COMPLETENESS_LABELS.items())
            + "；需催报的单位列在表首",
            (*UNIT, Column("unit_type", "单位类型", labels=UNIT_TYPE_LABELS),
             Column("status", "报送情况", labels=COMPLETENESS_LABELS), Column("chase", "催报", FLAG),
             Column("received_at", "收到时间", DATETIME), Column("days_late", "逾期天数", ORDINAL),
             Column("file_path", "文件"), Column("held_reason", "待核实原因", labels=SUBMISSION_STATUS_LABELS)),
            completeness, total_label=None),
        chase_list=Table(
            "chase_list", "催报名单", f"{name}催报名单（未报送、待核实的应报单位）",
            (*UNIT, Column("unit_type", "单位类型", labels=UNIT_TYPE_LABELS),
             Column("status", "报送情况", labels=COMPLETENESS_LABELS),
             Column("held_reason", "待核实原因", labels=SUBMISSION_STATUS_LABELS), Column("file_path", "文件")),
            marts.chase_list, total_label=None),
        year_over_year=Table(
            "year_over_year", "同比", f"{name}与上一届对比",
            (Column("measure", "指标", labels={m.key: m.label for m in MEASURES}),
             Column("current_value", "本届", MONEY), Column("previous_campaign_id", "上一届"),
             Column("previous_value", "上一届数值", MONEY), Column("change", "增减", MONEY),
             Column("change_ratio", "增减幅度", PERCENT)),
            marts.year_over_year, total_label=None),
        issues=Table(
            "issues", "数据问题",
            f"{name}数据问题：共 {len(issues)} 条，"
            + "，".join(f"{SEVERITY_LABELS[s]} {int(per_severity.get(s, 0))} 条" for s in SEVERITIES),
            (Column("issue_no", "序号", ORDINAL), *UNIT, *ISSUE_COLUMNS, Column("row_number", "行号", ORDINAL)),
            issues, total_label=None),
    )
