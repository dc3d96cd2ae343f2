"""A realistic, deterministic demo city: its unit registry, campaign config and an inbox of reports.

`plan_demo_city` decides everything (pure, from one `random.Random(seed)`); `build_demo_city` writes
the plan to disk and returns the answer key: the city totals a correct pipeline must publish in
`marts.city_totals`. The inbox holds what a city office meets in a real September: most units on time,
some late, some missing, one resubmission, one broken workbook, one stray Word file, messy file names,
合计 rows, a summary-only form, reports from societies that were not asked to report, and, from about
half of the units, forms filled in their own way (kepu.demo.layouts: renamed and moved sheets, headers
further down or over two rows, figures typed as `约500` or `三百`, dates as `9月18日`, 元 instead of
万元, .xls and .csv). Some files and rows must not count, and the answer key leaves them out exactly as
SPEC §3 does: a file whose unit cannot be told or is contradicted, a row without a name or dated outside
the week, and the partner's copy of a joint activity (the organizer's copy counts).
"""

from __future__ import annotations

import csv
import io
import os
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Literal
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from kepu.demo import clerks
from kepu.demo.forms import column_sums, fill_form
from kepu.demo.layouts import (
    CLERK_SHOWCASES,
    MIN_ROWS,
    SHOWCASES,
    Identity,
    Layout,
    draw_layout,
    lay_out,
    sections_order,
    type_rows,
)
from kepu.demo.writers import BookSpec, book_bytes
from kepu.schemas.errors import ConfigError
from kepu.schemas.synonyms import SUMMARY_INDICATORS, SYNONYMS
from kepu.schemas.vocabulary import COUNT_METRICS, OFFICE_TZ

CAMPAIGN_ID = "2023-science-day"
CAMPAIGN_NAME = "2023年全国科普日"
CAMPAIGN_START = date(2023, 9, 17)
CAMPAIGN_END = date(2023, 9, 23)
DEADLINE = date(2023, 9, 28)

CONFIG_TOML = f"""\
[campaign]
id = "{CAMPAIGN_ID}"
name = "{CAMPAIGN_NAME}"
start = {CAMPAIGN_START.isoformat()}
end = {CAMPAIGN_END.isoformat()}
deadline = {DEADLINE.isoformat()}

[paths]
inbox = "inbox"
registry = "units.csv"
warehouse = "warehouse/kepu.duckdb"
out = "out"

[office]
name = "江源市科学技术协会"
preparer = "王丽"
reviewer = "李强"
phone = "0833-1234567"
email = "kpb@jiangyuan-kx.example.org"
city_units_label = "市直单位"
"""

REGISTRY_HEADER = ("unit_code", "unit_name", "unit_type", "parent_code", "aliases", "expected")

CITY = "江源市"
CITY_CODE = "C000"
CITY_FOLDER = "市直单位"
DISTRICTS = ("双流区", "龙泉区", "清溪县", "白沙县")
TOWNS_PER_DISTRICT = {
    "双流区": ("东升街道", "西航港街道", "九江街道", "黄甲街道", "怡心街道", "彭镇", "黄龙溪镇", "永安镇", "黄水镇", "金桥镇"),
    "龙泉区": ("龙泉街道", "大面街道", "十陵街道", "同安街道", "柏合街道", "洛带镇", "黄土镇", "山泉镇", "茶店镇", "万兴镇"),
    "清溪县": ("城关镇", "清溪镇", "石桥镇", "马家镇", "河口镇", "新场镇", "白果镇", "桂花镇", "回龙镇", "太平镇"),
    "白沙县": ("白沙街道", "江南街道", "玉河镇", "古城镇", "双河镇", "金鸡镇", "龙潭镇", "柳溪镇", "三合镇", "东林镇"),
}
STEM_FIRST = "东西南北金银石白青红黄龙凤马杨柳桃李花竹松梅兰新安永太长平福宁和兴隆丰顺德华明光高古双三五九万宝云"
STEM_SECOND = "桥河山湾坝坪场溪口林庄园塘岭沟池井铺湖洲阳泉田店寺关堡"
STEM_MIDDLE = "家子水台"

CITY_SCHOOL_KINDS = ("第一中学", "实验小学", "第二中学", "外国语学校", "实验中学", "职业技术学校", "第三中学", "第一小学")
DISTRICT_SCHOOL_KINDS = ("实验小学", "第一中学", "实验中学", "第二中学", "第一小学", "职业中学", "第二小学", "外国语学校", "第三中学", "特殊教育学校")
TOWN_SCHOOL_KINDS = ("小学", "中学", "中心小学", "初级中学")
CHINESE_DIGITS = "零一二三四五六七八九"

SOCIETIES = (
    ("医学会", ("市医学会",)),
    ("老科协", ("老科技工作者协会", "市老科协")),
    ("农学会", ()),
    ("药学会", ()),
    ("护理学会", ()),
    ("气象学会", ()),
    ("科普作家协会", ()),
    ("青少年科技教育协会", ()),
    ("中医药学会", ()),
    ("林学会", ()),
    ("预防医学会", ()),
    ("营养学会", ()),
    ("地震学会", ()),
    ("水利学会", ()),
    ("畜牧兽医学会", ()),
    ("园艺学会", ()),
    ("计算机学会", ()),
    ("电子学会", ()),
    ("环境科学学会", ()),
    ("土木建筑学会", ()),
    ("地质学会", ()),
    ("心理学会", ()),
    ("抗癌协会", ()),
    ("口腔医学会", ()),
    ("养蜂协会", ()),
    ("茶叶学会", ()),
    ("天文学会", ()),
    ("航空模型运动协会", ()),
    ("无线电运动协会", ()),
    ("农业机械学会", ()),
)
"""City societies, most common first; an alias starting with 市 is written as is, others get the city prefix."""
RURAL_PRODUCTS = ("柑橘", "蔬菜", "茶叶", "核桃", "食用菌", "养蜂", "水产", "生猪", "花卉", "猕猴桃", "中药材", "葡萄")

THEMES = (
    "节约能源资源 保护生态环境",
    "科学健身 健康生活",
    "防灾减灾 守护平安",
    "垃圾分类 从我做起",
    "科学用药 安全用药",
    "反对邪教 崇尚科学",
    "防范电信网络诈骗",
    "提升全民科学素质",
)

NOTES = ("", "", "", "", "", "线上线下同步开展", "联合开展", "活动照片已报送", "含线上直播观看人次")


@dataclass(frozen=True, slots=True)
class ActivityKind:
    """A kind of event units hold, with the figures such an event plausibly has.

    Ranges are inclusive; `funding_fen` is in 分 of 万元 (hundredths), `roles` the venue roles it fits,
    `groups` the unit groups (district, town, school, society) that hold it, `weight` how common it is.
    """

    activity_type: str
    names: tuple[str, ...]
    participants: tuple[int, int]
    volunteers: tuple[int, int]
    materials: tuple[int, int]
    boards: tuple[int, int]
    media_reports: tuple[int, int]
    funding_fen: tuple[int, int]
    max_days: int
    roles: tuple[str, ...]
    groups: tuple[str, ...]
    weight: float = 1.0


LAUNCH = ActivityKind(
    activity_type="启动仪式",
    names=("{place}2023年全国科普日启动仪式", "全国科普日主场活动启动仪式"),
    participants=(300, 3000), volunteers=(20, 60), materials=(500, 5000),
    boards=(10, 60), media_reports=(1, 5), funding_fen=(50, 300), max_days=1,
    roles=("square",),
    groups=(),
)
"""Every district opens its week with one; it is not drawn at random like the kinds below."""
KINDS = (
    ActivityKind(
        activity_type="讲座报告",
        names=(
            "“{theme}”科普讲座", "健康生活方式专题讲座", "院士专家科普报告会", "科学用药知识讲座",
            "防灾减灾科普讲座", "食品安全知识讲座", "心理健康专题讲座", "“{theme}”专题报告会",
        ),
        participants=(50, 400), volunteers=(2, 20), materials=(50, 600),
        boards=(0, 8), media_reports=(0, 2), funding_fen=(10, 150), max_days=1,
        roles=("hall",),
        groups=("district", "town", "school", "society"),
        weight=3,
    ),
    ActivityKind(
        activity_type="培训",
        names=("实用农业技术培训班", "柑橘病虫害防治技术培训", "蔬菜栽培技术培训", "老年人智能手机使用培训", "应急救护技能培训", "电商直播技能培训"),
        participants=(30, 300), volunteers=(2, 15), materials=(50, 800),
        boards=(0, 5), media_reports=(0, 2), funding_fen=(20, 300), max_days=2,
        roles=("hall", "village"),
        groups=("district", "town", "society"),
        weight=2,
    ),
    ActivityKind(
        activity_type="展览展示",
        names=("科普展板巡展", "“{theme}”科普展览", "节能减排低碳生活科普展", "青少年科技创新成果展", "科普画廊主题展示"),
        participants=(200, 2000), volunteers=(3, 30), materials=(200, 3000),
        boards=(10, 60), media_reports=(0, 3), funding_fen=(20, 250), max_days=3,
        roles=("square", "venue", "hall"),
        groups=("district", "town", "school", "society"),
        weight=2,
    ),
    ActivityKind(
        activity_type="竞赛",
        names=("青少年科技创新竞赛", "环保知识竞赛", "科普知识竞答活动", "科幻画比赛", "航模制作比赛"),
        participants=(50, 600), volunteers=(5, 40), materials=(50, 800),
        boards=(0, 10), media_reports=(0, 2), funding_fen=(10, 200), max_days=1,
        roles=("hall", "venue"),
        groups=("district", "town", "school"),
        weight=1.5,
    ),
    ActivityKind(
        activity_type="参观开放",
        names=("科技馆免费开放日", "科普教育基地开放日", "组织学生参观污水处理厂", "气象站开放日", "实验室开放日"),
        participants=(50, 1500), volunteers=(5, 40), materials=(100, 2000),
        boards=(0, 20), media_reports=(0, 3), funding_fen=(0, 100), max_days=2,
        roles=("venue",),
        groups=("district", "school", "society"),
    ),
    ActivityKind(
        activity_type="义诊咨询",
        names=("老科协专家义诊", "健康咨询义诊进社区", "“关注食品药品安全”用药咨询", "中医药健康咨询"),
        participants=(80, 600), volunteers=(5, 40), materials=(200, 2000),
        boards=(0, 10), media_reports=(0, 2), funding_fen=(10, 150), max_days=1,
        roles=("square", "village"),
        groups=("district", "town", "society"),
        weight=1.5,
    ),
    ActivityKind(
        activity_type="科技下乡",
        names=("送科技下乡", "科技进村入户技术指导", "科技特派员田间指导", "农业专家送技术下乡"),
        participants=(100, 800), volunteers=(5, 40), materials=(300, 3000),
        boards=(0, 20), media_reports=(0, 3), funding_fen=(20, 250), max_days=1,
        roles=("village",),
        groups=("district", "town", "society"),
        weight=2,
    ),
    ActivityKind(
        activity_type="宣传活动",
        names=("“全国科普日”街头宣传", "垃圾分类集中宣传", "防范电信诈骗科普宣传", "科普宣传进社区", "“{theme}”主题宣传"),
        participants=(300, 3000), volunteers=(5, 60), materials=(500, 5000),
        boards=(5, 40), media_reports=(0, 4), funding_fen=(10, 200), max_days=1,
        roles=("square",),
        groups=("district", "town", "school", "society"),
        weight=3,
    ),
    ActivityKind(
        activity_type="互动体验",
        names=("科普大篷车进社区", "科普游园活动", "VR科技体验活动", "趣味科学实验体验", "机器人互动体验"),
        participants=(300, 3000), volunteers=(10, 60), materials=(200, 3000),
        boards=(5, 30), media_reports=(0, 4), funding_fen=(30, 300), max_days=1,
        roles=("square", "venue"),
        groups=("district", "town", "school"),
        weight=2,
    ),
    ActivityKind(
        activity_type="其他",
        names=("科普手抄报评比", "科普志愿服务活动", "科普微视频征集展播"),
        participants=(30, 500), volunteers=(2, 20), materials=(0, 500),
        boards=(0, 10), media_reports=(0, 2), funding_fen=(0, 80), max_days=1,
        roles=("hall", "venue", "square"),
        groups=("town", "school", "society"),
        weight=0.5,
    ),
)
ACTIVITY_COUNT = {"district": (6, 12), "town": (2, 8), "school": (1, 6), "society": (1, 5)}
KIND_BY_TYPE = {k.activity_type: k for k in KINDS}

MESSY_NAMES = (
    "{signed}-科普日报表(终).xlsx",
    "附件2：{name}2023年全国科普日活动统计表.xlsx",
    "{name} 科普日活动情况 (1).xlsx",
    "{name}科普日统计表（修改版）.xlsx",
    "2023科普日-{name}.xlsx",
)
RESUBMISSION_NAME = "{name}（更正）.xlsx"
SUPPLEMENT_NAME = "{name}（补报）.xlsx"
STRAY_FILE = "活动照片说明.docx"
FALLBACK_FILE_NAME = "{name}科普日活动统计表.xlsx"
"""A form whose 填报单位 and 单位代码 are blank: only its file name says who sent it."""
FOLDER_ONLY_NAME = "2023年科普日活动统计表.xlsx"
"""The same form, named like everyone's: only the folder it was collected in says who sent it."""
OUTSIDERS = ("蓝天应急救援队", "启明星科技兴趣小组", "晨曦科普志愿服务队", "青禾读书会")
"""Organisations not in the registry that send a form anyway; the first whose name holds no registry name is used."""
MESSY_SHARE = 0.5
"""Share of the ordinary reporting units that fill the form in their own way (kepu.demo.layouts)."""
JOINT_NOTE = "与区科协联合举办"


@dataclass(frozen=True, slots=True)
class Unit:
    """One row of units.csv, plus what the generator needs: the unit's inbox folder and place names."""

    code: str
    name: str
    unit_type: str
    parent_code: str
    aliases: tuple[str, ...]
    expected: bool
    folder: str
    place: str
    villages: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        return "town" if self.unit_type == "street" else self.unit_type

    def csv_row(self) -> tuple[str, ...]:
        return (self.code, self.name, self.unit_type, self.parent_code, ";".join(self.aliases),
                "true" if self.expected else "false")


@dataclass(frozen=True, slots=True)
class UncountedRow:
    """A row a counted file holds that must not reach the totals: `missing_name` (rejected, SPEC §3.3),
    `outside_window` (dated before the week, §3.3), `joint_copy` (a partner's copy of a joint activity
    whose organizer's copy counts, §3.5) or `supplement_repeat` (a 补报's row repeating one its unit's version
    already counts, §3.2)."""

    reason: Literal["missing_name", "outside_window", "joint_copy", "supplement_repeat"]
    activity: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class DemoFile:
    """One file put in the inbox: a filled form, a form whose bytes are broken, or a stray non-spreadsheet.

    `activities` are the rows that count when the file is `current` (its unit's countable, newest version, or
    a supplement — trait `supplement` — added to it);
    `uncounted` are rows it also holds that never count. `book` holds the cells of a form filled in an
    office's own way; without it the official form is written. `declared_code` and `signed_as` are the
    单位代码 and 填报单位 as written ("" when left blank). `traits` name what the file shows, for tests.
    """

    relpath: str
    received_at: datetime
    kind: Literal["form", "corrupt", "other"]
    unit: Unit | None = None
    signed_as: str = ""
    declared_code: str = ""
    reported_on: date | None = None
    activities: tuple[Mapping[str, object], ...] = ()
    uncounted: tuple[UncountedRow, ...] = ()
    summary: Mapping[str, object] | None = None
    with_detail: bool = True
    with_total_row: bool = False
    current: bool = False
    book: BookSpec | None = None
    traits: tuple[str, ...] = ()
    forwarded: tuple[tuple[Unit, tuple[Mapping[str, object], ...]], ...] = ()
    """Rows the file carries for other units that send nothing themselves (a district's sheet per town): each
    counts as that unit's, reported when this file was received (SPEC §3.10)."""

    def records(self) -> list[Mapping[str, object]]:
        """What the file contributes to the totals: its detail rows, or its 汇总表 as one record."""
        if not self.current:
            return []
        if self.with_detail:
            return list(self.activities)
        return [dict(self.summary or {})]

    def written_rows(self) -> list[Mapping[str, object]]:
        """Every activity row the file holds, counted or not, in date order (as an office lists them)."""
        rows = [*self.activities, *(u.activity for u in self.uncounted)]
        return sorted(rows, key=lambda a: a["start_date"])


@dataclass(frozen=True, slots=True)
class DemoPlan:
    """The whole demo city before it is written: registry rows in units.csv order, inbox files by path."""

    units: tuple[Unit, ...]
    files: tuple[DemoFile, ...]


@dataclass(frozen=True)
class DemoCity:
    """A demo city on disk and its answer key: `expected` is the marts.city_totals row (SPEC §4),
    `expected_units` what marts.unit_totals must show per unit code (units contributing nothing omitted)."""

    root: Path
    config_path: Path
    expected: dict[str, object]
    units: int
    files: int
    expected_units: dict[str, dict[str, object]] = field(default_factory=dict)


DEMO_MARK = ".kepu-demo"
"""The marker `kepu demo` writes into a folder it made: the entries it (and the demo's run) created there."""
DEMO_ENTRIES = ("kepu.toml", "units.csv", "inbox", "warehouse", "out")
"""Everything a demo city and its run write sits under one of these (CONFIG_TOML's paths)."""


def prepare_demo_folder(root: Path) -> None:
    """Make `root` ready for a new demo city: a new or empty folder is used as it is; a folder `kepu demo` made
    itself (its marker names what it wrote) loses those entries and nothing else. Anything else, or a made
    folder holding other files too, is refused with ConfigError before anything is touched."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise ConfigError(f"{root} 是一个文件，不是文件夹；请换一个 --path。")
    if not root.exists() or not any(root.iterdir()):
        root.mkdir(parents=True, exist_ok=True)
        _write_mark(root)
        return
    mark = root / DEMO_MARK
    if not mark.is_file():
        raise ConfigError(f"{root} 已有文件且不是 kepu demo 生成的文件夹，未改动任何文件；请换一个新的或空的 --path。")
    made = {line.strip() for line in mark.read_text(encoding="utf-8").splitlines()} & set(DEMO_ENTRIES)
    others = sorted(p.name for p in root.iterdir() if p.name != DEMO_MARK and p.name not in made)
    if others:
        raise ConfigError(f"{root} 中有不是 kepu demo 生成的文件（{'、'.join(others[:5])}"
                          f"{' 等' if len(others) > 5 else ''}），未改动任何文件；请移走它们或换一个 --path。")
    import shutil

    for name in sorted(made):
        entry = root / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        elif entry.exists() or entry.is_symlink():
            entry.unlink()
    _write_mark(root)


def _write_mark(root: Path) -> None:
    (root / DEMO_MARK).write_text("# kepu demo 生成的文件夹；kepu demo 再次运行时只删除下列条目\n"
                                  + "\n".join(DEMO_ENTRIES) + "\n", encoding="utf-8")


def build_demo_city(root: Path, *, seed: int = 2023, scale: float = 1.0) -> DemoCity:
    """Write kepu.toml, units.csv and the inbox under `root`; return the paths and the answer key.

    Refuses a root whose inbox already holds files, since those would change the totals.
    """
    root = Path(root)
    inbox = root / "inbox"
    if inbox.exists() and any(p.is_file() for p in inbox.rglob("*")):
        raise FileExistsError(f"{inbox} already holds files; build the demo city in an empty folder")
    plan = plan_demo_city(seed=seed, scale=scale)

    root.mkdir(parents=True, exist_ok=True)
    config_path = root / "kepu.toml"
    config_path.write_text(CONFIG_TOML, encoding="utf-8")
    write_registry(root / "units.csv", plan.units)
    for demo_file in plan.files:
        write_demo_file(inbox, demo_file)
    return DemoCity(
        root=root,
        config_path=config_path,
        expected=expected_totals(plan),
        units=len(plan.units),
        files=len(plan.files),
        expected_units=expected_unit_totals(plan),
    )


def _measures(records: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """activities, the counts and funding_wan (2 places) summed over records; a record without
    `activities` is one detail row."""
    totals: dict[str, object] = {"activities": sum(r.get("activities", 1) for r in records)}
    for measure in COUNT_METRICS:
        totals[measure] = sum(r.get(measure) or 0 for r in records)
    funding = sum((Decimal(str(r.get("funding_wan") or 0)) for r in records), Decimal(0))
    totals["funding_wan"] = funding.quantize(Decimal("0.01"))
    return totals


def expected_totals(plan: DemoPlan) -> dict[str, object]:
    """The answer key (SPEC §4 marts.city_totals) computed from the plan: a unit's current version and the
    supplements added to it count; whether it reported, and on time, is its version's."""
    current = [f for f in plan.files if f.current]
    reported = [(f.unit, f) for f in current if f.unit.expected and f.records() and "supplement" not in f.traits]
    reported += [(unit, f) for f in plan.files for unit, rows in f.forwarded if unit.expected and rows]
    return {
        "campaign_id": CAMPAIGN_ID,
        "units_expected": sum(u.expected for u in plan.units),
        "units_reported": len(reported),
        "units_on_time": sum(f.received_at.date() <= DEADLINE for _, f in reported),
        **_measures([r for f in current for r in f.records()]
                    + [r for f in plan.files for _, rows in f.forwarded for r in rows]),
    }


def expected_unit_totals(plan: DemoPlan) -> dict[str, dict[str, object]]:
    """Per unit code, what its current version and its supplements contribute (the measures of
    marts.unit_totals)."""
    records: dict[str, list[Mapping[str, object]]] = {}
    for f in plan.files:
        if f.current:
            records.setdefault(f.unit.code, []).extend(f.records())
        for unit, rows in f.forwarded:
            records.setdefault(unit.code, []).extend(rows)
    return {code: _measures(rows) for code, rows in records.items()}


def write_registry(path: Path, units: Sequence[Unit]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REGISTRY_HEADER)
    writer.writerows(u.csv_row() for u in units)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_demo_file(inbox: Path, demo_file: DemoFile) -> Path:
    """Write one planned file and set its mtime to its receipt time (that is its received_at)."""
    path = inbox / demo_file.relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if demo_file.kind == "other":
        path.write_bytes(_stray_docx_bytes())
    elif demo_file.book is not None:
        path.write_bytes(book_bytes(demo_file.book))
    else:
        fill_form(
            path,
            campaign_name=CAMPAIGN_NAME,
            unit_name=demo_file.signed_as,
            unit_code=demo_file.declared_code,
            reported_on=demo_file.reported_on,
            activities=demo_file.written_rows(),
            summary=demo_file.summary,
            with_total_row=demo_file.with_total_row,
            with_detail=demo_file.with_detail,
        )
        if demo_file.kind == "corrupt":
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
    stamp = demo_file.received_at.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _stray_docx_bytes() -> bytes:
    """A small Word-like zip: the kind of file people drop into the inbox next to their forms."""
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types/>'),
            ("word/document.xml", "<document><body><p>科普日活动照片说明：共 12 张，见附件。</p></body></document>"),
        ):
            info = ZipInfo(name, date_time=(2023, 9, 25, 10, 0, 0))
            info.compress_type = ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------
# Planning: registry


def plan_demo_city(*, seed: int = 2023, scale: float = 1.0) -> DemoPlan:
    """Everything the demo city holds, decided from `random.Random(seed)` without touching disk."""
    rng = random.Random(seed)
    units = _plan_registry(rng, scale)
    files = _Submissions(rng, units).plan()
    return DemoPlan(units=tuple(units), files=tuple(files))


def _plan_registry(rng: random.Random, scale: float) -> list[Unit]:
    """The city, 4 districts, ~40×scale towns/streets, ~30×scale schools and ~10×scale societies."""
    n_towns = max(4, round(40 * scale))
    n_schools = max(2, round(30 * scale))
    n_societies = max(4, round(10 * scale))
    taken = _TakenNames()

    city = Unit(CITY_CODE, f"{CITY}科协", "city", "", (f"{CITY}科学技术协会",), False, CITY_FOLDER, CITY)
    taken.claim(city)
    districts = []
    for number, district in enumerate(DISTRICTS, start=1):
        unit = Unit(f"D{number:02d}", f"{district}科协", "district", CITY_CODE, (f"{district}科学技术协会",),
                    True, district, district)
        districts.append(taken.claim(unit))

    towns = _plan_towns(rng, districts, n_towns, taken)
    schools = _plan_schools(rng, districts, towns, n_schools, taken)
    societies = _plan_societies(rng, towns, n_societies, taken)
    return [city, *districts, *towns, *schools, *societies]


class _TakenNames:
    """Names and aliases already in the registry, compared the way SPEC §3.1 compares them."""

    SUFFIXES = SYNONYMS.unit_strip_suffixes

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def key(self, name: str) -> str:
        for suffix in self.SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
        return name

    def free(self, name: str) -> bool:
        return self.key(name) not in self.keys

    def claim(self, unit: Unit) -> Unit:
        """Record the unit's labels, dropping aliases another unit already uses."""
        if not self.free(unit.name):
            raise ValueError(f"duplicate unit name in demo registry: {unit.name}")
        aliases = tuple(a for a in unit.aliases if self.key(a) == self.key(unit.name) or self.free(a))
        for label in (unit.name, *aliases):
            self.keys.add(self.key(label))
        return unit if aliases == unit.aliases else replace(unit, aliases=aliases)


def _stems(rng: random.Random, reserved: set[str]) -> Iterator[str]:
    """Fresh two-, then three-character place-name stems (石桥, 马家坝 …) in a seeded order."""
    for candidates in (
        [a + b for a in STEM_FIRST for b in STEM_SECOND],
        [a + m + b for a in STEM_FIRST for m in STEM_MIDDLE for b in STEM_SECOND],
    ):
        rng.shuffle(candidates)
        for stem in candidates:
            if stem not in reserved:
                reserved.add(stem)
                yield stem


def _town_stem(name: str) -> str:
    return name.removesuffix("街道").removesuffix("镇")


def _plan_towns(rng: random.Random, districts: Sequence[Unit], count: int, taken: _TakenNames) -> list[Unit]:
    reserved = {_town_stem(t) for names in TOWNS_PER_DISTRICT.values() for t in names}
    reserved |= {d.place[:-1] for d in districts} | {CITY[:-1]}
    stems = _stems(rng, reserved)
    villages = [a + b for a in STEM_FIRST for b in STEM_SECOND]
    towns = []
    for index, district in enumerate(districts):
        share = count // len(districts) + (index < count % len(districts))
        curated = list(TOWNS_PER_DISTRICT[district.place])
        width = max(2, len(str(share)))
        for number in range(1, share + 1):
            if curated:
                name = curated.pop(0)
            else:
                name = next(stems) + ("街道" if rng.random() < 0.35 else "镇")
            street = name.endswith("街道")
            aliases = (f"{name}办事处", f"{name}科协") if street else (f"{name}人民政府", f"{name}科协")
            unit = Unit(
                code=f"{district.code}T{number:0{width}d}",
                name=name,
                unit_type="street" if street else "town",
                parent_code=district.code,
                aliases=aliases,
                expected=True,
                folder=district.place,
                place=_town_stem(name),
                villages=tuple(rng.sample(villages, 3)),
            )
            towns.append(taken.claim(unit))
    return towns


def _chinese_ordinal(n: int) -> str:
    """1 → 一, 12 → 十二, 105 → 一百零五 (for 第N中学)."""
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    text = f"{CHINESE_DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else CHINESE_DIGITS[tens]) + "十"
    elif hundreds and ones:
        text += "零"
    if ones:
        text += CHINESE_DIGITS[ones]
    return text


def _school_alias(name: str, prefix: str) -> tuple[str, ...]:
    """市第一中学 is commonly signed 江源一中; other schools go by their full name."""
    kind = name.removeprefix(prefix)
    if kind.startswith("第") and kind.endswith("中学") and len(kind) == 4:
        return (f"{prefix[:-1]}{kind[1]}中",)
    return ()


def _plan_schools(
    rng: random.Random, districts: Sequence[Unit], towns: Sequence[Unit], count: int, taken: _TakenNames
) -> list[Unit]:
    """Most schools belong to a district (district-level schools first, then town schools); ~15% are city
    schools; ~10% are not expected to report."""
    city_count = max(1, round(count * 0.15))
    city_names = [f"{CITY}{kind}" for kind in CITY_SCHOOL_KINDS]
    city_names += [f"{CITY}第{_chinese_ordinal(n)}中学" for n in range(4, city_count + 4)]
    chosen: list[tuple[Unit | None, str]] = [(None, name) for name in city_names[:city_count]]

    district_level = [(d, f"{d.place}{kind}") for kind in DISTRICT_SCHOOL_KINDS for d in districts]
    town_level = [
        (t, f"{_district_of(t, districts).place}{t.place}{kind}") for kind in TOWN_SCHOOL_KINDS for t in towns
    ]
    rng.shuffle(town_level)
    wanted = count - city_count
    district_share = min(len(district_level), max(1, round(wanted * 0.4)))
    chosen += district_level[:district_share] + town_level[: wanted - district_share]

    width = max(3, len(str(count)))
    not_expected = set(rng.sample(range(count), round(count * 0.1)))
    schools = []
    for number, (owner, name) in enumerate(chosen, start=1):
        district = None if owner is None else _district_of(owner, districts)
        prefix = CITY if district is None else district.place
        unit = Unit(
            code=f"S{number:0{width}d}",
            name=name,
            unit_type="school",
            parent_code=CITY_CODE if district is None else district.code,
            aliases=_school_alias(name, prefix),
            expected=(number - 1) not in not_expected,
            folder=CITY_FOLDER if district is None else district.place,
            place=name,
        )
        schools.append(taken.claim(unit))
    return schools


def _district_of(unit: Unit, districts: Sequence[Unit]) -> Unit:
    if unit.unit_type == "district":
        return unit
    return next(d for d in districts if d.code == unit.parent_code)


def _plan_societies(rng: random.Random, towns: Sequence[Unit], count: int, taken: _TakenNames) -> list[Unit]:
    """City societies (学会/协会), then town 农村专业技术协会 once the city list runs out; all hang under the city.
    About 30% are not expected to report."""
    candidates = [
        (f"{CITY}{society}", tuple(a if a.startswith("市") else f"{CITY}{a}" for a in aliases))
        for society, aliases in SOCIETIES
    ]
    candidates += [(f"{t.name}{product}专业技术协会", ()) for product in RURAL_PRODUCTS for t in towns]
    not_expected = set(rng.sample(range(count), max(3, round(count * 0.3))))
    width = max(2, len(str(count)))
    societies = []
    for number, (name, aliases) in enumerate(candidates[:count], start=1):
        unit = Unit(
            code=f"X{number:0{width}d}",
            name=name,
            unit_type="society",
            parent_code=CITY_CODE,
            aliases=aliases,
            expected=(number - 1) not in not_expected,
            folder=CITY_FOLDER,
            place=name,
        )
        societies.append(taken.claim(unit))
    return societies


# ----------------------------------------------------------------------------------------------
# Planning: submissions


@dataclass(frozen=True, slots=True)
class _JointEvent:
    """One event two units both report (SPEC §3.5): the organizer (a district) writes `name` at `venue`,
    its partner `partner_name` at `partner_venue` (the same place, written its own way)."""

    organizer: Unit
    partner: Unit
    kind: ActivityKind
    start: date
    venue: str
    name: str
    partner_name: str
    partner_venue: str


@dataclass
class _Cast:
    """Who plays which set piece of the demo; each unit plays at most one identity part.

    `conflict` is (signer, unit whose code the signer wrote); `known_by` maps a unit whose form leaves
    填报单位 and 单位代码 blank to what alone names it ("identity_file_name" or "identity_folder");
    `near_miss` maps a unit to the (day, venue) of a joint event where it held a different event of its own."""

    layouts: dict[str, Layout] = field(default_factory=dict)
    conflict: tuple[Unit, Unit] | None = None
    known_by: dict[str, str] = field(default_factory=dict)
    joint: list[_JointEvent] = field(default_factory=list)
    near_miss: dict[str, tuple[date, str]] = field(default_factory=dict)

    def traits_of(self, unit: Unit) -> tuple[str, ...]:
        """The set pieces a unit's file shows beyond its rows: organizing a joint event, a near miss."""
        return (*(("joint_organizer",) if self.joint_organized_by(unit) else ()),
                *(("near_miss",) if unit.code in self.near_miss else ()))

    def joint_organized_by(self, unit: Unit) -> list[_JointEvent]:
        return [e for e in self.joint if e.organizer.code == unit.code]

    def joint_partnered_by(self, unit: Unit) -> list[_JointEvent]:
        return [e for e in self.joint if e.partner.code == unit.code]


@dataclass
class _Submissions:
    """Decides who reports what and when. `used_slots` keeps (start_date, venue) unique across the city
    so that no two units report what looks like one joint event (SPEC §3.5 would merge them), except the
    joint events and the near miss planned on purpose; `joint_rows` holds each organizer's copy of a
    joint event for its partner to report too."""

    rng: random.Random
    units: Sequence[Unit]
    used_slots: set[tuple[date, str]] = field(default_factory=set)
    joint_rows: dict[tuple[str, date], dict[str, object]] = field(default_factory=dict)

    def plan(self) -> list[DemoFile]:
        """Every inbox file, sorted by path. Of the expected units other than districts, ~10% send nothing,
        one sends a broken workbook, ~10% are late; half the societies not asked (at least two) report anyway.
        One resubmits, one fills only 汇总表, about half of the others fill the form in their own way, and
        the set pieces of `_cast` are played."""
        rng = self.rng
        expected = [u for u in self.units if u.expected]
        eligible = [u for u in expected if u.unit_type != "district"]
        rng.shuffle(eligible)
        n_missing = round(0.1 * len(expected))
        n_late = round(0.1 * len(expected))
        missing = eligible[:n_missing]
        corrupt = eligible[n_missing]
        late = {u.code for u in eligible[n_missing + 1 : n_missing + 1 + n_late]}
        skipped = {u.code for u in missing} | {corrupt.code}

        not_asked = [u for u in self.units if u.unit_type == "society" and not u.expected]
        uninvited = rng.sample(not_asked, min(len(not_asked), max(2, round(0.5 * len(not_asked)))))
        uninvited_codes = {u.code for u in uninvited}
        reporting = [u for u in self.units if (u.expected and u.code not in skipped) or u.code in uninvited_codes]

        on_time_towns = [u for u in reporting if u.group == "town" and u.code not in late]
        resubmitter = rng.choice(on_time_towns)
        summary_only = rng.choice(
            [u for u in reporting if u.group in ("town", "society") and u.expected
             and u.code not in late and u.code != resubmitter.code]
        )
        ordinary = [u for u in reporting if u.code not in (resubmitter.code, summary_only.code)]
        at_root = {u.code for u in rng.sample(ordinary, 3)}
        messy = {u.code: pattern for u, pattern in zip(rng.sample(ordinary, len(MESSY_NAMES)), MESSY_NAMES)}
        cast = self._cast(ordinary, named=at_root | set(messy))

        files: list[DemoFile] = []
        for unit in reporting:
            if unit.code == resubmitter.code:
                files += self._resubmission(unit)
                continue
            is_late = unit.code in late
            if cast.conflict and unit.code == cast.conflict[0].code:
                files.append(self._conflict(*cast.conflict, late=is_late))
                continue
            layout = cast.layouts.get(unit.code)
            rows = self._rows(unit, cast, layout)
            traits = cast.traits_of(unit)
            file_name = messy.get(unit.code, "{name}.xlsx").format(name=unit.name, signed=self._signature(unit))
            relpath = file_name if unit.code in at_root else f"{unit.folder}/{file_name}"
            if layout is not None:
                files.append(self._messy_form(unit, relpath, rows, layout, late=is_late, traits=traits))
                continue
            known_by = cast.known_by.get(unit.code)
            if known_by == "identity_file_name":
                relpath = f"{unit.folder}/{FALLBACK_FILE_NAME.format(name=unit.name)}"
            elif known_by == "identity_folder":
                relpath = f"{unit.folder}/{unit.name}/{FOLDER_ONLY_NAME}"
            files.append(self._form(unit, relpath, rows, late=is_late, summary_only=unit.code == summary_only.code,
                                    blank_identity=known_by is not None,
                                    traits=traits + ((known_by,) if known_by else ())))

        corrupt_activities = self._activities(corrupt)
        reported_on, received_at = self._receipt(corrupt_activities, late=False)
        files.append(DemoFile(
            relpath=f"{corrupt.folder}/{corrupt.name}.xlsx", received_at=received_at, kind="corrupt",
            unit=corrupt, signed_as=self._signature(corrupt), declared_code=corrupt.code, reported_on=reported_on,
            activities=tuple(corrupt_activities), current=False, traits=("corrupt",),
        ))
        files.append(self._outsider())
        stray_folder = rng.choice(DISTRICTS)
        files.append(DemoFile(relpath=f"{stray_folder}/{STRAY_FILE}", received_at=self._time_on(date(2023, 9, 25)),
                              kind="other", traits=("stray_file",)))
        files = _plant_checks(sorted(files, key=lambda f: f.relpath))
        files += self._supplement(files)  # among the forms no check was planted in
        files = self._clerks_habits(files, cast)  # last: the rest of the city is the same with or without them
        return sorted(files, key=lambda f: f.relpath)

    def _clerks_habits(self, files: list[DemoFile], cast: _Cast) -> list[DemoFile]:
        """A district sends one workbook with a sheet per town for two of its towns, which send nothing themselves
        (issue #20; kepu.demo.clerks). The towns are the district's with the most such whose forms hold no set
        piece, check, supplement or showcase layout, and no row that must not count (in a small city a school of
        the district may stand in for a town); their rows are unchanged."""
        supplemented = {f.unit.code for f in files if "supplement" in f.traits}
        showcased = {code for code, layout in cast.layouts.items() if layout.showcase}
        set_pieces = {"summary_only", "resubmission", "superseded", "joint_organizer", "joint_copy", "near_miss",
                      "identity_file_name", "identity_folder", "conflict", "supplement"}
        towns: dict[str, list[DemoFile]] = {}
        for f in files:
            if (f.kind == "form" and f.current and f.with_detail and not f.uncounted and f.unit.group in ("town", "school")
                    and f.unit.parent_code.startswith("D")
                    and f.unit.code not in supplemented | showcased and f.activities
                    and not set_pieces & set(f.traits) and not any(t.startswith(CHECK_TRAIT) for t in f.traits)):
                towns.setdefault(f.unit.parent_code, []).append(f)
        if not towns:
            return files
        district_code = max(sorted(towns), key=lambda code: len(towns[code]))
        parts = sorted(towns[district_code], key=lambda f: f.unit.group != "town")[:2]  # towns first
        if len(parts) < 2:
            return files
        district = next(u for u in self.units if u.code == district_code)
        return [f for f in files if f not in parts] + [self._sheet_per_town(district, parts)]

    def _sheet_per_town(self, district: Unit, parts: Sequence[DemoFile]) -> DemoFile:
        """The district's one workbook holding its towns' forms, a sheet each, beside a 汇总 sheet by unit; it
        arrives when the later of the towns' own forms would have."""
        last = max(parts, key=lambda f: f.received_at)
        reported_on = max(f.reported_on for f in parts)
        book, rows = clerks.sheet_per_unit_book(
            self.rng, district.name, reported_on, [(f.unit.name, f.activities) for f in parts],
            campaign_name=CAMPAIGN_NAME, last_day=CAMPAIGN_END)
        return DemoFile(
            relpath=f"{district.folder}/{district.place}各镇街科普日活动统计表.xlsx", received_at=last.received_at,
            kind="form", unit=district, signed_as=district.name, reported_on=reported_on, current=False, book=book,
            forwarded=tuple((f.unit, r) for f, r in zip(parts, rows)), traits=("sheet_per_unit",),
        )

    def _supplement(self, files: Sequence[DemoFile]) -> list[DemoFile]:
        """A 补报 (SPEC §3.2): a town or society that sent its official form on time, then a file named
        「…（补报）」 with an activity it forgot and, again, one it had already reported (counted once). Drawn
        last, so the rest of the city is the same with or without it."""
        plain = [f for f in files if f.current and f.traits == ("official_form",) and f.unit.group in ("town", "society")
                 and len(f.activities) >= 2 and f.reported_on and f.reported_on < DEADLINE]
        if not plain:
            return []
        version = min(plain, key=lambda f: f.relpath)
        unit = version.unit
        known = {(a["start_date"], a["activity_name"]) for a in version.activities}
        new = next((a for a in self._activities(unit, minimum=4) if (a["start_date"], a["activity_name"]) not in known),
                   None)
        if new is None:
            return []
        reported_on = version.reported_on + timedelta(days=1)
        folder = PurePosixPath(version.relpath).parent
        return [DemoFile(
            relpath=str(folder / SUPPLEMENT_NAME.format(name=unit.name)), received_at=self._time_on(reported_on),
            kind="form", unit=unit, signed_as=self._signature(unit), declared_code=unit.code,
            reported_on=reported_on, activities=(new,),
            uncounted=(UncountedRow("supplement_repeat", dict(version.activities[0])),), current=True,
            traits=("official_form", "supplement", "supplement_repeat"),
        )]

    def _cast(self, ordinary: Sequence[Unit], *, named: set[str]) -> _Cast:
        """Choose the units of the set pieces among the ordinary reporting units: two districts organize a
        joint event with one of their towns or schools, a third unit of the first district holds another
        event at the same place on the same day (a near miss, counted twice), a town signs a neighbour's
        code (a conflict), one unit is known only by its file name and one only by its folder; then the
        layouts: every SHOWCASES entry once, and drawn ones until about MESSY_SHARE of the units have one.
        `named` are units whose file name is already decided."""
        rng = self.rng
        cast = _Cast()
        taken: set[str] = set()

        def pick(candidates: Sequence[Unit]) -> Unit | None:
            free = [u for u in candidates if u.code not in taken]
            if not free:
                return None
            unit = rng.choice(free)
            taken.add(unit.code)
            return unit

        districts = [u for u in ordinary if u.group == "district"]
        local = [u for u in ordinary if u.group in ("town", "school")]
        for district, event in zip(rng.sample(districts, min(2, len(districts))), (self._main_event, self._contest)):
            partner = pick([u for u in local if u.parent_code == district.code])
            if partner is not None:
                cast.joint.append(event(district, partner))
        if cast.joint:
            first = cast.joint[0]
            neighbour = pick([u for u in local if u.parent_code == first.organizer.code])
            if neighbour is not None:
                cast.near_miss[neighbour.code] = (first.start, first.venue)

        signer = pick([u for u in ordinary if u.group == "town" and u.expected])
        if signer is not None:
            lender = pick([u for u in ordinary if u.group == "town" and u.parent_code == signer.parent_code]) \
                or pick([u for u in ordinary if u.group != "district"])
            if lender is not None:
                cast.conflict = (signer, lender)
        for source in ("identity_file_name", "identity_folder"):
            unit = pick([u for u in local if u.code not in named])
            if unit is not None:
                cast.known_by[unit.code] = source

        identity_parts = set(cast.known_by) | ({cast.conflict[0].code} if cast.conflict else set())
        candidates = [u for u in ordinary if u.code not in identity_parts]
        rng.shuffle(candidates)
        wanted = max(len(SHOWCASES), round(MESSY_SHARE * len(ordinary)))
        chosen = candidates[:wanted]
        shown = dict(zip((u.code for u in chosen), [s for s in SHOWCASES if s not in CLERK_SHOWCASES]))
        for showcase in CLERK_SHOWCASES:  # a unit with rows enough to ditto and group: a town or a district
            rest = [u for u in chosen if u.code not in shown]
            unit = next((u for u in rest if u.group in ("town", "district")), rest[0] if rest else None)
            if unit is not None:
                shown[unit.code] = showcase
        for unit in chosen:  # drawn in the same order whatever the showcase: the rest of the city stays as it was
            cast.layouts[unit.code] = draw_layout(rng, shown.get(unit.code, ""))
        return cast

    def _free_day(self, venue: str) -> date:
        """A day of the week, after the opening day (the districts' launch), on which `venue` is still free."""
        days = [CAMPAIGN_START + timedelta(days=n) for n in range(1, (CAMPAIGN_END - CAMPAIGN_START).days + 1)]
        return self.rng.choice([d for d in days if (d, venue) not in self.used_slots])

    def _main_event(self, district: Unit, partner: Unit) -> _JointEvent:
        """The district's 主场活动, which a town or school of the district co-organizes and reports as its own."""
        venue = f"{district.place}体育中心广场"
        event = _JointEvent(
            organizer=district, partner=partner, kind=KIND_BY_TYPE["宣传活动"], start=self._free_day(venue),
            venue=venue, name=f"2023年全国科普日{district.place}主场活动",
            partner_name=f"全国科普日{district.place}主场宣传活动", partner_venue=venue)
        self.used_slots.add((event.start, venue))
        return event

    def _contest(self, district: Unit, partner: Unit) -> _JointEvent:
        """The district's youth science contest (第N届…), which the partner reports without the edition and
        with the venue spaced its own way."""
        venue = f"{district.place}青少年活动中心"
        edition = _chinese_ordinal(self.rng.randint(15, 38))
        event = _JointEvent(
            organizer=district, partner=partner, kind=KIND_BY_TYPE["竞赛"], start=self._free_day(venue),
            venue=venue, name=f"第{edition}届{district.place}青少年科技创新大赛",
            partner_name=f"{district.place}青少年科技创新大赛", partner_venue=f"{district.place} 青少年活动中心")
        self.used_slots.add((event.start, venue))
        return event

    def _rows(self, unit: Unit, cast: _Cast, layout: Layout | None) -> list[tuple[dict[str, object], str]]:
        """The unit's rows in file order, each with why it does not count ("" when it counts): its events,
        the joint events it organizes (counted) or partners (its copy, not counted), a near miss, and the
        odd rows its layout calls for."""
        rows = [(a, "") for a in self._activities(unit, minimum=MIN_ROWS.get(layout.showcase, 1) if layout else 1)]
        for event in cast.joint_organized_by(unit):
            activity = self._activity(unit, event.kind, event.name, event.start, event.venue)
            activity["partners"] = self._signature(event.partner)
            self.joint_rows[event.partner.code, event.start] = activity
            rows.append((activity, ""))
        for event in cast.joint_partnered_by(unit):
            rows.append((self._joint_copy(event), "joint_copy"))
        if unit.code in cast.near_miss:
            day, venue = cast.near_miss[unit.code]
            kind = next(k for k in (KIND_BY_TYPE["义诊咨询"], KIND_BY_TYPE["互动体验"]) if unit.group in k.groups)
            name = self.rng.choice(kind.names).format(theme=self.rng.choice(THEMES), place=unit.place)
            rows.append((self._activity(unit, kind, name, day, venue), ""))
        for reason in layout.odd_rows if layout else ():
            rows.append((self._odd_row(unit, reason), reason))
        rows.sort(key=lambda r: r[0]["start_date"])
        return rows

    def _joint_copy(self, event: _JointEvent) -> dict[str, object]:
        """The partner's row for a joint event: its own name for it and its own (smaller) head counts."""
        rng = self.rng
        original = self.joint_rows[event.partner.code, event.start]
        participants = max(50, round(original["participants"] * rng.uniform(0.3, 0.7) / 10) * 10)
        copy = dict(original)
        copy.update(activity_name=event.partner_name, venue=event.partner_venue,
                    organizer=self._signature(event.organizer), partners=self._signature(event.partner),
                    participants=participants, volunteers=min(rng.randint(5, 20), participants),
                    materials=round(original["materials"] * 0.04) * 10, funding_wan=Decimal("0.00"),
                    note=JOINT_NOTE)
        return copy

    def _odd_row(self, unit: Unit, reason: str) -> dict[str, object]:
        """A row that must not count: an event whose name was left blank, or a warm-up dated before the week."""
        rng = self.rng
        kinds = [k for k in KINDS if unit.group in k.groups]
        kind = rng.choice(kinds)
        venues = _venues(rng, unit, self.units)
        while True:
            venue = _pick_venue(rng, venues, kind)
            if reason == "outside_window":
                start = CAMPAIGN_START - timedelta(days=rng.randint(1, 3))
                name = f"科普日预热：{rng.choice(kind.names).format(theme=rng.choice(THEMES), place=unit.place)}"
            else:
                start = CAMPAIGN_START + timedelta(days=rng.randint(0, (CAMPAIGN_END - CAMPAIGN_START).days))
                name = ""
            if (start, venue) not in self.used_slots:
                break
        activity = self._activity(unit, kind, name, start, venue)
        if not name:
            del activity["activity_name"]
        return activity

    def _signed(self, unit: Unit) -> str:
        """填报单位 as an office with its own layout writes it: its usual signature, its name or any alias."""
        return self.rng.choice([self._signature(unit), unit.name, *unit.aliases])

    def _form(
        self,
        unit: Unit,
        relpath: str,
        rows: list[tuple[dict[str, object], str]],
        *,
        late: bool,
        summary_only: bool = False,
        blank_identity: bool = False,
        traits: tuple[str, ...] = (),
    ) -> DemoFile:
        """A filled official form; about a third carry a 合计 row, about a quarter also fill 汇总表 (consistently).
        With `blank_identity` its 填报单位 and 单位代码 are left empty."""
        rng = self.rng
        written = [a for a, _ in rows]
        reported_on, received_at = self._receipt(written, late=late)
        summary = _summary_of(written) if summary_only or rng.random() < 0.25 else None
        with_total_row = not summary_only and rng.random() < 1 / 3
        return DemoFile(
            relpath=relpath,
            received_at=received_at,
            kind="form",
            unit=unit,
            signed_as="" if blank_identity else self._signature(unit),
            declared_code="" if blank_identity else unit.code,
            reported_on=reported_on,
            activities=tuple(a for a, reason in rows if not reason),
            uncounted=tuple(UncountedRow(reason, a) for a, reason in rows if reason),
            summary=summary,
            with_detail=not summary_only,
            with_total_row=with_total_row,
            current=True,
            traits=("official_form", *(("summary_only",) if summary_only else ()), *_row_traits(rows), *traits),
        )

    def _messy_form(self, unit: Unit, relpath: str, rows: list[tuple[dict[str, object], str]], layout: Layout,
                    *, late: bool, traits: tuple[str, ...] = ()) -> DemoFile:
        """A form filled in the office's own way: its rows typed and laid out by `layout` (grouped by form when
        section rows name the forms)."""
        rng = self.rng
        if layout.sections:
            rows = sections_order(rows)
        table = type_rows(rng, layout, [a for a, _ in rows], CAMPAIGN_END)
        typed = list(zip(table.rows, (reason for _, reason in rows)))
        reported_on, received_at = self._receipt(table.rows, late=late)
        signed_as = self._signed(unit)
        book = lay_out(layout, Identity(signed_as, unit.code, reported_on), table, campaign_name=CAMPAIGN_NAME,
                       rng=rng)
        return DemoFile(
            relpath=str(Path(relpath).with_suffix(book.suffix)),
            received_at=received_at,
            kind="form",
            unit=unit,
            signed_as=signed_as,
            declared_code=unit.code,
            reported_on=reported_on,
            activities=tuple(a for a, reason in typed if not reason),
            uncounted=tuple(UncountedRow(reason, a) for a, reason in typed if reason),
            current=True,
            book=book,
            traits=(*layout.traits(), *_row_traits(rows), *traits),
        )

    def _conflict(self, signer: Unit, lender: Unit, *, late: bool) -> DemoFile:
        """A town that filled in a copy of its neighbour's form: its own 填报单位, the neighbour's 单位代码.
        Held (SPEC §3.1): it counts for neither."""
        activities = self._activities(signer)
        reported_on, received_at = self._receipt(activities, late=late)
        return DemoFile(
            relpath=f"{signer.folder}/{FALLBACK_FILE_NAME.format(name=signer.name)}", received_at=received_at,
            kind="form", unit=signer, signed_as=self._signature(signer), declared_code=lender.code,
            reported_on=reported_on, activities=tuple(activities), current=False, traits=("conflict",),
        )

    def _outsider(self) -> DemoFile:
        """A form from an organisation that is not in the registry, dropped at the inbox root. Held as
        unidentified (SPEC §3.1): nothing in it names a registered unit."""
        keys = {_TakenNames().key(label) for u in self.units for label in (u.name, *u.aliases)}
        name = next(n for n in OUTSIDERS if not any(key in n for key in keys if len(key) >= 2))
        outsider = Unit("", name, "society", CITY_CODE, (), False, "", name)
        activities = self._activities(outsider)
        reported_on, received_at = self._receipt(activities, late=False)
        return DemoFile(
            relpath=f"{name}2023年科普日活动情况.xlsx", received_at=received_at, kind="form", signed_as=name,
            reported_on=reported_on, activities=tuple(activities), current=False, traits=("unidentified",),
        )

    def _resubmission(self, unit: Unit) -> list[DemoFile]:
        """A first version with wrong figures and one activity missing, then the corrected one."""
        rng = self.rng
        corrected = self._activities(unit, minimum=3)
        first = [dict(a) for a in corrected[:-1]]
        wrong = rng.randrange(len(first))
        first[wrong]["participants"] = first[wrong]["participants"] * 10
        last_day = max(a.get("end_date") or a["start_date"] for a in corrected)
        first_reported = max(last_day, date(2023, 9, 22)) + timedelta(days=rng.randint(0, 1))
        second_reported = first_reported + timedelta(days=rng.randint(2, 4))
        versions = []
        for relpath, reported_on, activities, current in (
            (f"{unit.folder}/{unit.name}.xlsx", first_reported, first, False),
            (f"{unit.folder}/{RESUBMISSION_NAME.format(name=unit.name)}", second_reported, corrected, True),
        ):
            versions.append(DemoFile(
                relpath=relpath, received_at=self._time_on(reported_on), kind="form", unit=unit,
                signed_as=self._signature(unit), declared_code=unit.code, reported_on=reported_on,
                activities=tuple(activities), summary=_summary_of(activities) if rng.random() < 0.25 else None,
                with_total_row=rng.random() < 1 / 3, current=current,
                traits=("official_form", "resubmission" if current else "superseded"),
            ))
        return versions

    def _signature(self, unit: Unit) -> str:
        """What the unit writes as 填报单位: its registry name, or for towns and streets their 科协
        (东升街道科协), which SPEC §3.1 normalisation maps back to the registry name."""
        if unit.group == "town":
            return f"{unit.name}科协"
        return unit.name

    def _receipt(self, activities: Sequence[Mapping[str, object]], *, late: bool) -> tuple[date, datetime]:
        """填报日期 and the moment the file landed in the inbox: on time by 09-28 18:00, or late 09-29..10-08."""
        rng = self.rng
        last_day = max(a.get("end_date") or a["start_date"] for a in activities)
        if late:
            received = date(2023, 9, 29) + timedelta(days=rng.randint(0, 9))
            reported_on = max(last_day, received - timedelta(days=rng.randint(0, 2)))
        else:
            first = max(last_day, date(2023, 9, 18))
            reported_on = first + timedelta(days=rng.randint(0, (DEADLINE - first).days))
            received = min(reported_on + timedelta(days=rng.randint(0, 1)), DEADLINE)
        return reported_on, self._time_on(received)

    def _time_on(self, day: date) -> datetime:
        """A working-hours moment (08:30–18:00, Asia/Shanghai) on `day`."""
        minute = self.rng.randint(8 * 60 + 30, 18 * 60)
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=OFFICE_TZ)

    def _activities(self, unit: Unit, *, minimum: int = 1) -> list[dict[str, object]]:
        """The unit's events of the week; districts open with their launch ceremony."""
        rng = self.rng
        low, high = ACTIVITY_COUNT[unit.group]
        count = rng.randint(max(low, minimum), max(high, minimum))
        kinds = [k for k in KINDS if unit.group in k.groups]
        venues = _venues(rng, unit, self.units)
        activities: list[dict[str, object]] = []
        names: set[str] = set()
        if unit.group == "district":
            activities.append(self._activity(unit, LAUNCH, LAUNCH.names[0].format(place=unit.place),
                                             CAMPAIGN_START, _pick_venue(rng, venues, LAUNCH)))
            names.add(activities[0]["activity_name"])
        for _ in range(200):
            if len(activities) >= count:
                break
            kind = rng.choices(kinds, weights=[k.weight for k in kinds])[0]
            name = rng.choice(kind.names).format(theme=rng.choice(THEMES), place=unit.place)
            start = CAMPAIGN_START + timedelta(days=rng.randint(0, (CAMPAIGN_END - CAMPAIGN_START).days))
            venue = _pick_venue(rng, venues, kind)
            if name in names or (start, venue) in self.used_slots:
                continue
            names.add(name)
            activities.append(self._activity(unit, kind, name, start, venue))
        return sorted(activities, key=lambda a: a["start_date"])

    def _activity(self, unit: Unit, kind: ActivityKind, name: str, start: date, venue: str) -> dict[str, object]:
        """One detail row with figures plausible for its kind; volunteers never exceed participants."""
        rng = self.rng
        self.used_slots.add((start, venue))
        participants = _figure(rng, kind.participants)
        activity: dict[str, object] = {
            "activity_name": name,
            "activity_type": kind.activity_type,
            "start_date": start,
        }
        days = rng.randint(1, kind.max_days)
        end = min(start + timedelta(days=days - 1), CAMPAIGN_END)
        if end != start or rng.random() < 0.7:
            activity["end_date"] = end
        activity["venue"] = venue
        activity["organizer"] = self._signature(unit)
        partners = _partners(rng, unit, self.units)
        if partners:
            activity["partners"] = partners
        activity["participants"] = participants
        activity["volunteers"] = min(_figure(rng, kind.volunteers), participants)
        activity["materials"] = _figure(rng, kind.materials)
        for measure, bounds in (("boards", kind.boards), ("media_reports", kind.media_reports)):
            value = rng.randint(*bounds)
            if value or rng.random() < 0.5:
                activity[measure] = value
        activity["funding_wan"] = Decimal(rng.randint(*kind.funding_fen)) / 100
        note = rng.choice(NOTES)
        if note:
            activity["note"] = note
        return activity


DISPLAY_TYPES = ("展览展示", "宣传活动", "互动体验", "启动仪式")
"""Forms at which boards are put up (schemas/bounds.toml [exhibition])."""
CHECK_TRAIT = "check_"
"""Traits of the files that show one statistician's warning each (SPEC §3.7): their figures are off on purpose."""


def _plant_checks(files: list[DemoFile]) -> list[DemoFile]:
    """Each of the statistician's warnings shown once, each in its own official form (no 汇总表 to keep
    consistent, no set piece): a row pasted twice; the issue's exhibition of 30,000 visitors whose 经费 was typed
    in 元 (3000 in the 万元 column, also beyond its bound); a 发放资料 figure equal to the row's 经费 in 元;
    boards without any display activity; an exhibition running past the week by weeks; a lecture of 4,000
    (far above every other lecture, within its bound); participants equal to the 序号 (a shifted column); 媒体报道 equal to the 展板 column beside it. Every one still counts, as kepu
    counts it: the answer key is computed from the rows as changed. Decided without the random stream, so the
    rest of the city stays as it was."""
    used: set[str] = set()
    plain = [f for f in files if f.kind == "form" and f.current and f.book is None and f.with_detail
             and f.summary is None and not f.uncounted and len(f.activities) >= 3
             and not {"joint_organizer", "near_miss", "resubmission", "identity_file_name", "identity_folder"}
             & set(f.traits)]

    def first(test) -> DemoFile | None:
        chosen = next((f for f in plain if f.relpath not in used and test(f)), None)
        if chosen is not None:
            used.add(chosen.relpath)
        return chosen

    def change(demo_file: DemoFile | None, trait: str, rows: list[dict[str, object]]) -> None:
        if demo_file is not None:
            index = files.index(demo_file)
            files[index] = replace(demo_file, activities=tuple(sorted(rows, key=lambda a: a["start_date"])),
                                   traits=(*demo_file.traits, CHECK_TRAIT + trait))

    def money_fits_materials(activity) -> bool:
        low, high = KIND_BY_TYPE.get(activity["activity_type"], LAUNCH).materials
        return activity["funding_wan"] >= Decimal("0.1") and low <= activity["funding_wan"] * 10000 <= high

    def of_type(kind: str):
        return lambda f: any(a["activity_type"] == kind for a in f.activities)

    target = first(lambda f: not any(a["activity_type"] in (*DISPLAY_TYPES, "其他") for a in f.activities))
    if target:
        change(target, "boards_without_exhibition", [{**a, "boards": 12} for a in target.activities])
    target = first(lambda f: True)
    if target:
        rows = [dict(a) for a in target.activities]
        change(target, "duplicate_row", [*rows, dict(rows[0])])
    target = first(of_type("展览展示"))
    if target:
        rows = [dict(a) for a in target.activities]
        row = next(a for a in rows if a["activity_type"] == "展览展示")
        row.update(participants=30000, funding_wan=Decimal("3000"))
        change(target, "money_typed_in_yuan", rows)
    target = first(lambda f: any(money_fits_materials(a) for a in f.activities))
    if target:
        rows = [dict(a) for a in target.activities]
        row = next(a for a in rows if money_fits_materials(a))
        row["materials"] = int(row["funding_wan"] * 10000)
        change(target, "money_in_count", rows)
    target = first(of_type("展览展示"))
    if target:
        rows = [dict(a) for a in target.activities]
        row = next(a for a in rows if a["activity_type"] == "展览展示")
        row["end_date"] = row["start_date"] + timedelta(days=30)
        change(target, "duration", rows)
    target = first(lambda f: True)
    if target:
        rows = sorted((dict(a) for a in target.activities), key=lambda a: a["start_date"])
        for seq, row in enumerate(rows, start=1):
            row["participants"] = seq
            row.pop("volunteers", None)
        change(target, "shifted_column", rows)
    target = first(of_type("讲座报告"))
    if target:
        rows = [dict(a) for a in target.activities]
        row = next(a for a in rows if a["activity_type"] == "讲座报告")
        row["participants"] = 4000  # a lecture hall does not seat 4,000: 400 with a zero too many
        change(target, "outlier", rows)
    target = first(lambda f: sum(bool(a.get("boards")) for a in f.activities) >= 3
                   and all((a.get("boards") or 0) <= 20 for a in f.activities))
    if target:
        rows = [{k: v for k, v in a.items() if k != "media_reports"} for a in target.activities]
        for row in rows:
            if row.get("boards") is not None:
                row["media_reports"] = row["boards"]
        change(target, "same_column", rows)
    return files


def _figure(rng: random.Random, bounds: tuple[int, int]) -> int:
    """A count as people report it: exact when small, rounded to 10 or 50 when large."""
    value = rng.randint(*bounds)
    if value >= 1000:
        return max(bounds[0], round(value / 50) * 50)
    if value >= 200:
        return max(bounds[0], round(value / 10) * 10)
    return value


def _row_traits(rows: Sequence[tuple[Mapping[str, object], str]]) -> tuple[str, ...]:
    """Traits of a file's rows: which kinds of uncounted row it holds."""
    return tuple(dict.fromkeys(reason for _, reason in rows if reason))


def _summary_of(activities: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """汇总表 figures equal to the detail rows' sums, keyed like SUMMARY_INDICATORS."""
    sums = column_sums(activities)
    values = {"activities": len(activities), **sums}
    return {indicator.key: values[indicator.key] for indicator in SUMMARY_INDICATORS}


def _venues(rng: random.Random, unit: Unit, units: Sequence[Unit]) -> dict[str, list[str]]:
    """The places a unit holds events, by role: hall (indoors), square (outdoors), venue (science
    venues) and village. Every venue string names its unit or town, so units rarely share one."""
    if unit.group == "district":
        own_towns = [u for u in units if u.parent_code == unit.code and u.villages]
        farms = [f"{t.name}{t.villages[0]}村农业示范基地" for t in rng.sample(own_towns, min(3, len(own_towns)))]
        p = unit.place
        return {"hall": [f"{p}文化馆", f"{p}会议中心"], "square": [f"{p}人民广场", f"{p}体育中心广场"],
                "venue": [f"{p}科技馆", f"{p}青少年活动中心"], "village": farms}
    if unit.group == "town":
        n = unit.name
        community = "社区" if unit.unit_type == "street" else "村"
        return {
            "hall": [f"{n}文化站", f"{n}便民服务中心"],
            "square": [f"{n}中心广场", f"{n}农贸市场", f"{n}{unit.villages[0]}{community}广场"],
            "venue": [f"{n}新时代文明实践所", f"{unit.place}中心小学"],
            "village": [f"{n}{v}{community}{'委会' if community == '村' else '服务中心'}" for v in unit.villages]
            + [f"{n}{unit.villages[1]}{community}文化院坝"],
        }
    if unit.group == "school":
        n = unit.name
        return {"hall": [f"{n}礼堂", f"{n}阶梯教室", f"{n}报告厅"], "square": [f"{n}操场"],
                "venue": [f"{n}科技活动室", f"{n}图书馆"], "village": []}
    towns = [u for u in units if u.villages]
    visited = rng.sample(towns, min(2, len(towns)))
    return {
        "hall": [f"{CITY}科技馆报告厅", f"{CITY}老年大学", f"{unit.name}会议室"],
        "square": [f"{CITY}人民公园", f"{CITY}文化广场"],
        "venue": [f"{CITY}科技馆", f"{unit.name}科普活动室"],
        "village": [f"{t.name}{t.villages[2]}村" for t in visited],
    }


def _pick_venue(rng: random.Random, venues: Mapping[str, list[str]], kind: ActivityKind) -> str:
    fitting = [v for role in kind.roles for v in venues.get(role, ())]
    return rng.choice(fitting or [v for role in venues.values() for v in role])


def _partners(rng: random.Random, unit: Unit, units: Sequence[Unit]) -> str:
    """Co-organizers as people list them (、-separated), for about four activities in ten."""
    if rng.random() >= 0.4:
        return ""
    if unit.group == "town":
        pool = [f"{unit.place}卫生院", f"{unit.place}派出所", "区卫健局", "区农业农村局", "区科技馆"]
    elif unit.group == "school":
        pool = ["区教育局", "家长委员会", "区科协", "区青少年活动中心"]
    elif unit.group == "district":
        pool = ["区教育局", "区卫健局", "区生态环境局", "区应急管理局", "区老科协"]
    else:
        pool = [f"{CITY}卫健委", f"{CITY}科技馆", f"{CITY}中心医院", f"{CITY}科普志愿者服务队"]
    return "、".join(rng.sample(pool, rng.randint(1, 2)))
