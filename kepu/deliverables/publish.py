"""Writing the city's deliverables for a campaign into out/<campaign_id>/ from the published marts.

The one place that writes output files. Each file is written beside its final name and renamed into
place, so a reader never opens a half-written workbook.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from kepu.deliverables.sheets import DATETIME, INT, MONEY, Column, write_table
from kepu.settings import Settings
from warehouse.publisher import read_only

MEASURES = [
    Column("activities", "活动场次", INT, total=True),
    Column("participants", "参与人次", INT, total=True),
    Column("volunteers", "志愿者人数", INT, total=True),
    Column("materials", "发放资料（份）", INT, total=True),
    Column("boards", "展板（块）", INT, total=True),
    Column("media_reports", "媒体报道（篇）", INT, total=True),
    Column("funding_wan", "经费（万元）", MONEY, total=True),
]
STATUS_LABELS = {"on_time": "按时报送", "late": "逾期报送", "missing": "未报送", "held": "已报送待核实"}
UNIT_TYPE_LABELS = {"city": "市级", "district": "区县", "town": "镇", "street": "街道", "school": "学校",
                    "society": "学会/协会", "other": "其他"}


def _frames(settings: Settings) -> dict[str, pd.DataFrame]:
    cid = settings.campaign.campaign_id
    con = read_only(settings.warehouse)
    try:
        q = lambda sql: con.execute(sql, [cid]).df()  # noqa: E731
        return {
            "city": q("select * from marts.city_totals where campaign_id = ?"),
            "districts": q("select * from marts.district_totals where campaign_id = ? order by district_code"),
            "completeness": q("""select * from marts.completeness where campaign_id = ?
                                 order by case status when 'missing' then 0 when 'held' then 1 when 'late' then 2
                                 else 3 end, district_code, unit_code"""),
        }
    finally:
        con.close()


def _atomic_save(workbook: Workbook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=path.suffix)
    os.close(fd)
    try:
        workbook.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def city_workbook(settings: Settings, frames: dict[str, pd.DataFrame]) -> Workbook:
    name = settings.campaign.name
    wb = Workbook()
    ws = wb.active
    ws.title = "全市汇总"
    city = frames["city"]
    if len(city):
        city = city.assign(reporting_rate=lambda d: d["units_reported"] / d["units_expected"].where(
            d["units_expected"] > 0))
    write_table(ws, city, [
        Column("units_expected", "应报单位数", INT), Column("units_reported", "已报单位数", INT),
        Column("units_on_time", "按时报送单位数", INT), Column("reporting_rate", "报送率", "0.0%"), *MEASURES,
    ], title=f"{name}活动情况全市汇总")

    districts = wb.create_sheet("分区县")
    write_table(districts, frames["districts"], [
        Column("district_code", "区县代码"), Column("district_name", "区县"),
        Column("units_expected", "应报单位数", INT, total=True), Column("units_reported", "已报单位数", INT, total=True),
        Column("units_on_time", "按时报送单位数", INT, total=True), *MEASURES,
    ], title=f"{name}活动情况分区县汇总", total_label="合计")

    done = wb.create_sheet("报送情况")
    completeness = frames["completeness"].assign(
        status_label=lambda d: d["status"].map(STATUS_LABELS),
        unit_type_label=lambda d: d["unit_type"].map(UNIT_TYPE_LABELS))
    write_table(done, completeness, [
        Column("district_name", "所属区县"), Column("unit_code", "单位代码"), Column("unit_name", "单位名称"),
        Column("unit_type_label", "单位类型"), Column("status_label", "报送情况"),
        Column("received_at", "收到时间", DATETIME), Column("days_late", "逾期天数", INT),
        Column("file_path", "文件"), Column("held_reason", "待核实原因"),
    ], title=f"{name}报送情况（截止日期 {settings.campaign.deadline:%Y年%-m月%-d日}）")
    return wb


def write_all(settings: Settings) -> list[Path]:
    """Every deliverable of the campaign; returns their paths."""
    frames = _frames(settings)
    folder = settings.campaign_out
    return [_atomic_save(city_workbook(settings, frames), folder / "全市汇总.xlsx")]
