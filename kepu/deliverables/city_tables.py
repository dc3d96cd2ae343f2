"""The city's tables (SPEC §5): what each sheet of the two workbooks, each CSV and each Parquet file holds.

Pure: the marts of one campaign in, `Table`s out. Each exported table is named after the mart or audit
table it comes from, so `district_totals.csv` is `marts.district_totals`, shaped for people: Chinese
headers and labels, units directly under the city shown as 「市直单位」 (the `[office]` label) rather than
as a district named after the city, listed after the districts. The marts keep the city's own code
(SPEC §4); only what people read changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

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
    is_missing,
    ordered,
)
from kepu.deliverables.wording import technical_detail
from kepu.schemas.issues import CATALOGUE, UNSUPPORTED_FILE_CODES
from kepu.schemas.vocabulary import (
    ACTIVITY_TYPES,
    CHASED,
    COMPLETENESS_LABELS,
    COUNTED_STATUSES,
    MEASURES,
    SEVERITIES,
    SEVERITY_LABELS,
    SUBMISSION_ROLE_LABELS,
    SUBMISSION_STATUS_LABELS,
    UNIT_TYPE_LABELS,
    UNITEMIZED_TYPE,
    Campaign,
    place_name,
)
from kepu.transforms.edition_text import COUNT_LABELS, LEVEL_LABELS, headline, number, signed_number
from kepu.transforms.notice_text import held_reason_text
from kepu.warehouse.queries import Marts

MEASURE_COLUMNS = tuple(Column(m.key, m.label, MONEY if m.money else INT, total=True, width=11)
                        for m in MEASURES)
"""The city's measures as table columns, summed in the totals row."""
UNIT = (
    Column("district_name", "所属区县", width=12),
    Column("unit_code", "单位代码", sheet=False),
    Column("unit_name", "单位名称", width=16),
)
UNIT_COUNTS = (
    Column("units_expected", "应报单位数", INT, total=True),
    Column("units_reported", "已报单位数", INT, total=True),
    Column("units_on_time", "按时报送单位数", INT, total=True),
    Column("units_late", "逾期报送单位数", INT, total=True),
    Column("reporting_rate", "报送率", PERCENT, ratio=("units_reported", "units_expected")),
)
ACTIVITY_COLUMNS = (
    Column("activity_name", "活动名称", width=22),
    Column("activity_type", "活动形式", width=10),
    Column("start_date", "开始日期", DATE, sheet=False),
    Column("end_date", "结束日期", DATE, sheet=False),
    Column("dates", "活动日期", width=15, export=False),
    Column("venue", "活动地点", width=13),
    Column("organizer", "主办单位", width=12),
    Column("partners", "合作单位", LIST, width=12),
    Column("activity_count", "场次", INT, total=True, width=6),
    *(Column(c.key, c.header, c.kind, total=True, width=9) for c in MEASURE_COLUMNS[1:]),
    Column("has_approximate", "含约数", FLAG, sheet=False),
    Column("note", "备注", width=10),
    Column("source_file", "来源文件", sheet=False, width=20),
    Column("source_sheet", "工作表", sheet=False),
    Column("source_row", "行号", ORDINAL, sheet=False),
    Column("source_cell", "单元格", sheet=False, width=10),
    Column("location", "来源单元格", sheet=False, export=False, width=14),
)
"""One counted activity (marts.activities) and the row of the file it came from. The sheet that goes
upward shows what happened; where it came from is the internal workbook's 活动来源 sheet."""
SOURCE_KEYS = ("unit_name", "activity_name", "start_date", "participants", "source_file", "location")
"""活动来源: each counted activity beside the file and cell it came from."""
ISSUE_COLUMNS = (
    Column("severity", "严重程度", labels=SEVERITY_LABELS, width=6),
    Column("title", "问题类型", width=11),
    Column("message", "问题说明", width=36),
    Column("file_path", "文件", width=18),
    Column("sheet", "工作表", sheet=False),
    Column("location", "单元格", width=12),
    Column("raw_value", "原始值", width=12),
    Column("code", "问题代码", sheet=False),
)
"""One issue (audit.issues, see `issue_rows`) and where it sits in the file the unit sent, the cell cited
as Excel shows it (活动明细!I12; a CSV's one sheet is named after the file, as in Excel) with the value found there."""
FILE_STATUS = {**SUBMISSION_STATUS_LABELS, "rejected": "未能计入"}


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
    district_completeness: Table
    files: Table
    as_of: object
    """The newest file the campaign holds was received then (数据截至), or None."""
    changes: Table | None = None
    """变更说明 (SPEC §3.12): each figure changed since the last signed edition; None before the first edition."""
    edition_headline: str = ""

    @property
    def exports(self) -> list[Table]:
        """Written as CSV and Parquet."""
        return [self.city_totals, self.district_totals, self.type_totals, self.unit_totals, self.activities,
                self.completeness, self.issues, self.chase_list, self.year_over_year]


# ------------------------------------------------------------------------------ shaping the frames


def city_codes(units: pd.DataFrame) -> set[str]:
    """Codes of the registry's city-level units: the district code their units are listed under."""
    if "unit_type" not in units.columns:
        return set()
    return set(units.loc[units["unit_type"] == "city", "unit_code"])


def label_city_units(frame: pd.DataFrame, codes: set[str], label: str) -> pd.DataFrame:
    """Districts by the place's name (「双流区」, not its association's 「双流区科协」: vocabulary.place_name),
    rows under the city's own code shown as `label` (市直单位) after the districts; the order within each
    part is kept. Codes stay as they are."""
    if "district_code" not in frame.columns or not len(frame):
        return frame
    names = frame["district_name"]
    places = {name: place_name(name) for name in names.dropna().unique()}
    frame = frame.assign(district_name=names.replace({k: v for k, v in places.items() if k != v}))
    if not codes:
        return frame
    is_city = frame["district_code"].isin(codes)
    frame = frame.assign(district_name=frame["district_name"].where(~is_city, label))
    return frame.iloc[is_city.to_numpy().argsort(kind="stable")]


def with_unit_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds units_late and reporting_rate (已报 ÷ 应报; none when no unit is expected)."""
    expected = frame["units_expected"].astype("float64")
    return frame.assign(units_late=frame["units_reported"] - frame["units_on_time"],
                        reporting_rate=frame["units_reported"] / expected.where(expected > 0))


HELD_STATUSES = ("rejected", "unidentified", "conflict")
"""core.submissions.status of a file that came but counts for nobody yet: what holds a unit (待核实)."""
FILE_KIND_CODES = (*UNSUPPORTED_FILE_CODES, "document_macro")
"""Issues whose raw value says what the file really is (「PDF 文档」): the short reason names it."""


@dataclass(frozen=True)
class HeldReason:
    """Why a unit is held (待核实): `short` for a table cell (「不是表格文件：PDF 文档」), `message` for the unit
    itself (the problems of its files, as its 回执 words them, with what to do)."""

    short: str
    message: str


def held_reasons(submissions: pd.DataFrame, issues: pd.DataFrame) -> dict[str, HeldReason]:
    """Each unit with a file that counts for nobody (rejected, unidentified, in conflict: marts.submissions),
    and why, from the errors found in those files (the file-level one when the file has one: 不是表格文件,
    文件加密, 单位信息矛盾…), oldest file first. A unit whose file has no error on record is held for its
    file's status (未能计入, 单位信息矛盾)."""
    if not len(submissions) or "status" not in submissions:
        return {}
    held = submissions[submissions["status"].isin(HELD_STATUSES) & submissions["unit_code"].notna()]
    if not len(held):
        return {}
    errors: dict[str, list[dict]] = {}
    if len(issues):
        found = issues[(issues["severity"] == "error") & issues["file_sha256"].isin(set(held["file_sha256"]))]
        for issue in found.to_dict("records"):
            errors.setdefault(issue["file_sha256"], []).append(issue)
    parts: dict[str, dict[str, str]] = {}
    for record in held.sort_values("received_at", kind="stable").to_dict("records"):
        file_errors = errors.get(record["file_sha256"], [])
        chosen = [i for i in file_errors if is_missing(i.get("row_number"))] or file_errors[:1]
        said = parts.setdefault(record["unit_code"], {})
        for issue in chosen:
            title = CATALOGUE[issue["code"]].title if issue["code"] in CATALOGUE else str(issue["code"])
            raw = issue.get("raw_value")
            if issue["code"] in FILE_KIND_CODES and not is_missing(raw) and raw:
                title = f"{title}：{raw}"
            said.setdefault(title, str(issue["message"]))
        if not chosen:
            reason = held_reason_text(record["status"])
            said.setdefault(reason, reason)
    return {unit: HeldReason("；".join(said), "".join(m if m.endswith("。") else m + "。" for m in said.values()))
            for unit, said in parts.items()}


REPORTED = "已报送"
NOT_REPORTED = "未报送"
NOT_EXPECTED = "非应报单位"
REPORTING_WORDS = {"on_time": REPORTED, "late": REPORTED, "missing": NOT_REPORTED, "held": "待核实",
                   "source_unavailable": "待核实（报送渠道暂时无法访问）"}
"""单位明细's 报送情况 by marts.completeness.status: whether the province reads a unit's row as reported."""


def with_reporting(units: pd.DataFrame, completeness: pd.DataFrame, held: dict[str, HeldReason]) -> pd.DataFrame:
    """Adds `reporting` (报送情况: 已报送, 未报送, 待核实（why）, 非应报单位; for print, `reporting_print` breaks
    the line before the bracket) to marts.unit_totals, and leaves
    the measures of a unit that has not reported blank rather than 0 — not reported is not reported nothing.
    A figure that counts is never blanked (rows a forwarder's table credited to a unit that sent nothing
    itself still show), so the rows still add up to the totals."""
    status = units["unit_code"].map(dict(zip(completeness["unit_code"], completeness["status"])))
    counted = units["submission_status"].isin(COUNTED_STATUSES) if "submission_status" in units else False
    words = status.map(REPORTING_WORDS).where(status.notna(), pd.Series(counted, index=units.index).map(
        {True: REPORTED, False: NOT_EXPECTED}))
    reasons = {code: f"待核实（{reason.short}）" for code, reason in held.items()}
    is_held = status == "held"
    words = words.where(~is_held, units["unit_code"].map(reasons).fillna("待核实"))
    keys = [m.key for m in MEASURES]
    nothing = (units[keys].fillna(0) == 0).all(axis=1) if len(units) else pd.Series(dtype=bool)
    blank = nothing & (words != REPORTED)
    measures = {k: units[k].astype(object).where(~blank, None) for k in keys}
    return units.assign(reporting=words, reporting_print=words.str.replace("（", "\n（", n=1, regex=False), **measures)


def completeness_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Units to chase first (missing, then held), then late, then on time; by district within each."""
    return ordered(frame, "status", ("missing", "held", "late", "on_time"))


def activity_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds `dates`, the activity's days as one short text for print: 9月17日, 9月17日—19日, 9月30日—10月2日."""
    def text(start, end) -> str | None:
        if start is None or pd.isna(start):
            return None
        first = f"{start.month}月{start.day}日"
        if end is None or pd.isna(end) or end == start:
            return first
        return first + "—" + (f"{end.day}日" if end.month == start.month else f"{end.month}月{end.day}日")

    return frame.assign(dates=[text(s, e) for s, e in zip(frame["start_date"], frame["end_date"])])


def issue_rows(issues: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """audit.issues with what people need beside it: the issue's title, the unit's district, the cell
    as a reference (活动明细!I12), and a library's own words about a file it could not read in Chinese."""
    district = dict(zip(units["unit_code"], units["district_name"]))
    return issues.assign(
        title=[CATALOGUE[c].title if c in CATALOGUE else c for c in issues["code"]],
        district_name=[district.get(u) for u in issues["unit_code"]],
        location=[cell_ref(s, c) for s, c in zip(issues["sheet"], issues["cell"])],
        raw_value=[technical_detail(code, raw, cell) for code, raw, cell in
                   zip(issues["code"], issues["raw_value"], issues["cell"])],
        version=["已被替代" if s else "现行" for s in issues["superseded"]],
    )


def file_rows(files: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """core.submissions with the unit each file is for, or whom a held file names."""
    def unit(code, claimed) -> str:
        if isinstance(code, str):
            return names.get(code, code)
        claims = [names.get(c, c) for c in (claimed if claimed is not None else ())]
        return f"待核实：{'、'.join(claims)}" if claims else "（无法识别）"

    return files.assign(unit_label=[unit(c, k) for c, k in zip(files["unit_code"], files["claimed_unit_codes"])],
                        counted=files["is_current"])


# ----------------------------------------------------------------------------------------- tables


def city_tables(marts: Marts, campaign: Campaign, city_units_label: str) -> CityTables:
    name = campaign.name
    codes = city_codes(marts.units)

    def labelled(frame: pd.DataFrame) -> pd.DataFrame:
        return label_city_units(frame, codes, city_units_label)

    held = held_reasons(marts.submissions, marts.issues)

    def with_held(frame: pd.DataFrame) -> pd.DataFrame:
        """Adds `held_detail`, why a held unit is held (HeldReason.short)."""
        detail = frame["unit_code"].map({code: reason.short for code, reason in held.items()})
        return frame.assign(held_detail=detail.where(frame["status"] == "held", None))

    units = with_reporting(labelled(marts.units), marts.completeness, held)
    completeness = with_held(completeness_order(labelled(marts.completeness))).assign(
        chase=lambda d: d["status"].isin(CHASED))
    counts = completeness["status"].value_counts()
    issues = issue_rows(marts.issues, units)
    issues = ordered(issues.assign(rank=issues["superseded"].astype(int)), "severity", SEVERITIES)
    issues = issues.iloc[issues["rank"].to_numpy().argsort(kind="stable")]
    current = issues[~issues["superseded"]]
    per_severity = current["severity"].value_counts()
    history = len(issues) - len(current)
    names = dict(zip(marts.units["unit_code"], marts.units["unit_name"]))
    files = labelled(file_rows(marts.files, names))
    as_of = marts.files["received_at"].max() if len(marts.files) else None
    by_district = labelled(marts.completeness_by_district)
    return CityTables(
        city_totals=Table(
            "city_totals", "全市汇总", f"{name}活动情况全市汇总表", (*UNIT_COUNTS, *MEASURE_COLUMNS),
            with_unit_counts(marts.city), total_label=None),
        district_totals=Table(
            "district_totals", "分区县", f"{name}活动情况分区县汇总表",
            (Column("district_code", "区县代码", sheet=False), Column("district_name", "区县", width=10),
             *(Column(c.key, c.header, c.kind, total=c.total, ratio=c.ratio, width=8,
                      sheet=c.key in ("units_expected", "units_reported", "reporting_rate"))
               for c in UNIT_COUNTS), *MEASURE_COLUMNS),
            with_unit_counts(labelled(marts.districts))),
        type_totals=Table(
            "type_totals", "分类型", f"{name}活动情况分类型汇总表",
            (Column("activity_type", "活动形式", width=10), *MEASURE_COLUMNS),
            ordered(marts.types, "activity_type", (*ACTIVITY_TYPES, UNITEMIZED_TYPE))),
        unit_totals=Table(
            "unit_totals", "单位明细", f"{name}各单位活动情况",
            (*UNIT[:2], Column("unit_name", "单位名称", width=22),
             Column("unit_type", "单位类型", labels=UNIT_TYPE_LABELS, width=7),
             Column("reporting", "报送情况", sheet=False), Column("reporting_print", "报送情况", width=19, export=False), Column("expected", "应报", FLAG, sheet=False),
             Column("submission_status", "报送文件状态", labels=SUBMISSION_STATUS_LABELS, sheet=False),
             Column("received_at", "收到时间", DATETIME, sheet=False), Column("file_path", "文件", sheet=False),
             *MEASURE_COLUMNS),
            units),
        activities=Table(
            "activities", "活动清单", f"{name}活动清单（计入全市汇总的活动）",
            (*UNIT, *ACTIVITY_COLUMNS),
            activity_dates(labelled(marts.activities)).assign(
                location=lambda d: [cell_ref(s, c) for s, c in zip(d["source_sheet"], d["source_cell"])])),
        completeness=Table(
            "completeness", "报送情况",
            f"{name}报送情况（截止 {campaign.deadline:%Y年%-m月%-d日}）：应报 {len(completeness)} 个，"
            + "，".join(f"{label} {int(counts.get(s, 0))} 个" for s, label in COMPLETENESS_LABELS.items())
            + "；需催报的单位列在表首",
            (*UNIT[:1], Column("unit_code", "单位代码", width=9), UNIT[2],
             Column("unit_type", "单位类型", labels=UNIT_TYPE_LABELS, width=7),
             Column("status", "报送情况", labels=COMPLETENESS_LABELS, width=8), Column("chase", "催报", FLAG),
             Column("received_at", "收到时间", DATETIME), Column("days_late", "逾期天数", ORDINAL, width=6),
             Column("held_reason", "待核实类别", labels=SUBMISSION_STATUS_LABELS, sheet=False),
             Column("held_detail", "待核实原因", width=18), Column("file_path", "文件", width=22)),
            completeness, total_label=None),
        chase_list=Table(
            "chase_list", "催报名单", f"{name}催报名单（未报送、待核实的应报单位）",
            (*UNIT, Column("unit_type", "单位类型", labels=UNIT_TYPE_LABELS),
             Column("status", "报送情况", labels=COMPLETENESS_LABELS),
             Column("held_reason", "待核实类别", labels=SUBMISSION_STATUS_LABELS),
             Column("held_detail", "待核实原因"), Column("file_path", "文件")),
            with_held(labelled(marts.chase_list)), total_label=None),
        year_over_year=Table(
            "year_over_year", "同比", f"{name}与上一届对比",
            (Column("measure", "指标", labels={m.key: m.label for m in MEASURES}),
             Column("current_value", "本届", MONEY), Column("previous_campaign_id", "上一届"),
             Column("previous_value", "上一届数值", MONEY), Column("change", "增减", MONEY),
             Column("change_ratio", "增减幅度", PERCENT)),
            marts.year_over_year, total_label=None),
        issues=Table(
            "issues", "数据问题",
            f"{name}数据问题：现行版本共 {len(current)} 条，"
            + "，".join(f"{SEVERITY_LABELS[s]} {int(per_severity.get(s, 0))} 条" for s in SEVERITIES)
            + (f"；另有已被新版本替代的文件的问题 {history} 条，列在表尾" if history else ""),
            (Column("issue_no", "问题编号", ORDINAL, sheet=False), *UNIT, *ISSUE_COLUMNS,
             Column("superseded", "已被替代", FLAG, sheet=False), Column("version", "文件版本", width=7),
             Column("row_number", "行号", ORDINAL, sheet=False)),
            issues, total_label=None),
        district_completeness=Table(
            "district_completeness", "分区县报送情况", f"{name}各区县报送情况",
            (Column("district_name", "区县", width=10), Column("expected", "应报", INT, total=True, width=7),
             *(Column(s, label, INT, total=True, width=8) for s, label in COMPLETENESS_LABELS.items()),
             Column("reporting_rate", "报送率", PERCENT)),
            by_district),
        files=Table(
            "files", "收到文件", f"{name}收到的文件（每个文件一行，含旧版本和未能计入的文件）",
            (Column("district_name", "所属区县", width=9), Column("unit_label", "单位", width=14),
             Column("file_path", "文件", width=24), Column("received_at", "收到时间", DATETIME),
             Column("reported_at", "填报日期", DATE), Column("version", "版本", ORDINAL),
             Column("role", "作用", labels=SUBMISSION_ROLE_LABELS, width=6),
             Column("status", "处理结果", labels=FILE_STATUS, width=10), Column("counted", "计入汇总", FLAG),
             Column("activity_rows", "明细行数", INT, width=6), Column("counted_rows", "计入行数", INT, width=6)),
            files, total_label=None),
        as_of=as_of,
        changes=change_table(marts, name, labelled),
        edition_headline=headline_of(marts),
    )


CHANGE_COLUMNS = (
    Column("district_name", "区县", width=10),
    Column("level", "层级", labels=LEVEL_LABELS, width=7),
    Column("code", "代码", sheet=False),
    Column("name", "名称", width=14),
    Column("measure", "指标", labels={**COUNT_LABELS, **{m.key: m.label for m in MEASURES}}, width=11),
    Column("signed_text", "报送时", width=10),
    Column("current_text", "当前", width=10),
    Column("delta_text", "变化", width=9),
    Column("causes", "原因", width=60),
)
"""One figure changed since the signed edition (marts.changes_since_signed), its causes beside it."""


def headline_of(marts: Marts) -> str:
    """「自第1版（9月30日）报送以来：…」 from the city-level changes and every cause; "" before any edition."""
    if marts.edition is None or not len(marts.edition):
        return ""
    edition = marts.edition.iloc[0].to_dict()
    changes = marts.changes if marts.changes is not None else pd.DataFrame()
    city = changes[changes["level"] == "city"].to_dict("records") if len(changes) else []
    causes = marts.causes["cause"].tolist() if marts.causes is not None and "cause" in marts.causes else []
    return headline(edition, city, causes)


def change_table(marts: Marts, name: str, labelled) -> Table | None:
    """变更说明: the city's changed figures first, then district by district (the district, then its units), then
    the activity forms."""
    if marts.edition is None or not len(marts.edition):
        return None
    edition_no = int(marts.edition.iloc[0]["edition_no"])
    frame = marts.changes.copy() if marts.changes is not None and len(marts.changes) else pd.DataFrame(
        columns=["level", "code", "name", "district_code", "measure", "signed_value", "current_value", "delta",
                 "causes"])
    districts = labelled(marts.districts) if len(marts.districts) else marts.districts
    district_names = dict(zip(districts.get("district_code", []), districts.get("district_name", [])))
    order = {code: i for i, code in enumerate(districts.get("district_code", []))}
    money = frame["measure"] == "funding_wan"
    frame = frame.assign(
        name=[district_names.get(code, name) if level == "district" else name
              for level, code, name in zip(frame["level"], frame["code"], frame["name"])],
        district_name=[("全市" if level == "city" else "活动形式" if level == "type"
                        else district_names.get(code, code)) for level, code in zip(frame["level"], frame["district_code"])],
        group=[(0 if level == "city" else 2 if level == "type" else 1, order.get(code, len(order)),
                0 if level == "district" else 1) for level, code in zip(frame["level"], frame["district_code"])],
        signed_text=[number(v, m) if pd.notna(v) else "—" for v, m in zip(frame["signed_value"], money)],
        current_text=[number(v, m) if pd.notna(v) else "—" for v, m in zip(frame["current_value"], money)],
        delta_text=[signed_number(v, m) for v, m in zip(frame["delta"], money)],
    )
    frame = frame.iloc[sorted(range(len(frame)), key=lambda i: frame["group"].iloc[i])] if len(frame) else frame
    return Table("changes_since_signed", "变更说明", f"{name}自第{edition_no}版报送以来的变更说明（按区县，每个变化的数字一行）",
                 CHANGE_COLUMNS, frame.reset_index(drop=True), total_label=None)


def city_summary_rows(table: Table) -> list[tuple[str, str, object, str | None]]:
    """The 全市汇总 sheet's lines, (指标, 计量单位, value, number format): how many units were to report, how
    many did and the share (the province reads the figures against it), then each measure."""
    record = dict(zip((c.key for c in table.columns), table.rows[0])) if table.rows else {}
    rows: list[tuple[str, str, object, str | None]] = [
        ("应报单位数", "个", record.get("units_expected") or 0, INT.number_format),
        ("已报单位数", "个", record.get("units_reported") or 0, INT.number_format),
        ("报送率", "%", None if record.get("reporting_rate") is None else round(record["reporting_rate"] * 100, 1),
         "0.0")]
    for measure in MEASURES:
        zero, kind = (Decimal("0.00"), MONEY) if measure.money else (0, INT)
        rows.append((measure.indicator, measure.unit, record.get(measure.key) or zero, kind.number_format))
    return rows
