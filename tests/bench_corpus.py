"""The bench's city: N units each sending the official form with 40 activities, and the totals it must give.

What a large city really receives, as far as speed and the rules are concerned: every unit fills the official
form (`kepu template`), 40 distinct events each, in the campaign week, with the generic names and venues real
reports are full of — every town's 「科普知识讲座」 at its 「村委会」, 「科普宣传活动」 on the first day, names like
「科普活动12-3」 at 「社区3」 — each naming the unit as organizer and often its district as partner, and now and
then the same label as exactly one other unit. None of it is evidence of a joint activity (SPEC §3.5), so every
row counts and the city totals are the plain sums, which `truth.json` holds.

Files are made fast, without a spreadsheet library: one form is filled by kepu.demo.forms (so the layout, the
styles, the 汇总表 and 填表说明 sheets and the data validations are the template's own), and each unit's file is
that form with its 活动明细 sheet written anew. A corpus is made once and kept (outside the repository) under
`~/.cache/kepu-bench/official-<N>-v<VERSION>/`.
"""

from __future__ import annotations

import json
import os
import random
import re
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from kepu.schemas.vocabulary import OFFICE_TZ

VERSION = 2
"""Bumped whenever what a corpus holds changes: an older cached corpus is then made again."""

CAMPAIGN = {"id": "2023-science-day", "name": "2023年全国科普日", "start": date(2023, 9, 17),
            "end": date(2023, 9, 23), "deadline": date(2023, 9, 28)}
ROWS_PER_FILE = 40
DETAIL_SHEET_MEMBER = "xl/worksheets/sheet1.xml"

PLACES = ("东升", "九江", "白沙", "永安", "黄龙", "金桥", "柳城", "新华", "太平", "青石", "龙泉", "双流", "石桥", "观音",
          "三星", "大林", "红旗", "安仁", "花园", "长乐", "西河", "五里", "桂花", "河坝", "清泉", "马鞍", "松林", "新民",
          "高山", "平乐", "兴隆", "和平", "万寿", "凤凰", "梨花", "天宫", "金马", "德胜", "福田", "瑞丰")
GENERIC_EVENTS = (
    ("科普知识讲座", "讲座报告", "村委会"), ("科普宣传活动", "宣传活动", "镇政府广场"), ("健康义诊", "义诊咨询", "卫生院"),
    ("防溺水安全教育", "讲座报告", "中心小学"), ("垃圾分类宣传", "宣传活动", "社区广场"), ("实用技术培训", "培训", "文化站"),
    ("科普大篷车进社区", "互动体验", "社区广场"), ("科普展板展览", "展览展示", "文化站"), ("科技下乡", "科技下乡", "村委会"),
    ("应急科普演练", "互动体验", "社区服务中心"), ("科普日启动仪式", "启动仪式", "镇政府广场"), ("青少年科普竞赛", "竞赛", "中心小学"),
)
DISTRICT_VENUES = ("区科技馆", "区青少年活动中心", "区图书馆", "区科普教育基地")
"""Where a district holds its own events: no town reports a venue equal to or containing these."""
TYPES = ("讲座报告", "培训", "展览展示", "竞赛", "参观开放", "义诊咨询", "科技下乡", "宣传活动", "互动体验")
METRICS = ("participants", "volunteers", "materials", "boards", "media_reports", "funding_wan")


@dataclass(frozen=True)
class Corpus:
    root: Path
    files: int

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def config(self) -> Path:
        return self.root / "kepu.toml"

    @property
    def truth(self) -> dict:
        return json.loads((self.root / "truth.json").read_text(encoding="utf-8"))


def cache_root() -> Path:
    return Path(os.environ.get("KEPU_BENCH_CACHE", Path.home() / ".cache" / "kepu-bench"))


def corpus(files: int, workers: int = 2) -> Corpus:
    """The corpus of `files` files, made now if it is not in the cache yet."""
    root = cache_root() / f"official-{files}-v{VERSION}"
    done = root / "truth.json"
    if not done.is_file():
        _make(root, files, workers)
    return Corpus(root, files)


# ------------------------------------------------------------------------------------------- the city


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    unit_type: str
    parent: str
    district_name: str


def registry(files: int) -> list[Unit]:
    """One unit per file: districts, their towns and streets, schools and societies."""
    districts = max(4, files // 250)
    units = []
    for d in range(districts):
        name = f"{PLACES[d % len(PLACES)]}{'区' if d < len(PLACES) else f'{d // len(PLACES)}区'}"
        units.append(Unit(f"D{d:03d}", f"{name}科协", "district", "C000", name))
    n = 0
    while len(units) < files:
        d = n % districts
        district = units[d]
        serial = n // districts
        place = PLACES[serial % len(PLACES)] + ("" if serial < len(PLACES) else str(serial // len(PLACES)))
        kind = ("town", "镇") if n % 3 else ("street", "街道")
        if n % 25 == 24:
            kind = ("school", "中学")
        elif n % 61 == 60:
            kind = ("society", "学会")
        units.append(Unit(f"{district.code}U{serial:04d}", f"{district.district_name}{place}{kind[1]}", kind[0],
                          district.code, district.district_name))
        n += 1
    return units[:files]


def registry_csv(units: list[Unit]) -> str:
    lines = ["unit_code,unit_name,unit_type,parent_code,aliases,expected", "C000,江源市科协,city,,,false"]
    lines += [f"{u.code},{u.name},{u.unit_type},{u.parent},,true" for u in units]
    return "\n".join(lines) + "\n"


def activities(unit: Unit, index: int, rng: random.Random) -> list[dict]:
    """The unit's 40 distinct events: generic ones (the same label as every other town) and numbered ones. A
    district's own events are its own (「双流区科普日主场活动第3场」 at 「区科技馆」): its towns name it as partner on
    theirs, so a district reporting 「科普知识讲座」 at 「村委会」 the day its towns do would be evidence of a joint event."""
    days = [date(2023, 9, 17 + d) for d in range(7)]
    rows = []
    for i in range(ROWS_PER_FILE):
        day = days[i % 7]
        if unit.unit_type == "district":
            name = f"{unit.district_name}科普日{rng.choice(('主场活动', '科技周', '专家讲堂', '科普展'))}第{i}场"
            kind, venue = rng.choice(TYPES), rng.choice(DISTRICT_VENUES)
        elif i < len(GENERIC_EVENTS):
            name, kind, venue = GENERIC_EVENTS[i]
        elif i % 5 == 0:
            name, kind, venue = f"科普活动{index}-{i}", rng.choice(TYPES), f"社区{i % 10}"
        else:
            name, kind = f"{unit.name}{rng.choice(('科普', '科技', '健康'))}{rng.choice(('讲座', '宣传', '展览', '培训'))}第{i}场", rng.choice(TYPES)
            venue = rng.choice(("村委会", "文化站", "社区广场", f"社区{i % 10}", "新时代文明实践站"))
        participants = rng.randint(30, 3000)
        rows.append({
            "activity_name": name, "activity_type": kind, "start_date": day, "venue": venue,
            "organizer": unit.name,
            "partners": f"{unit.district_name}科协" if i % 4 == 0 and unit.unit_type != "district" else (
                "区卫健局" if i % 9 == 0 else None),
            "participants": participants, "volunteers": rng.randint(0, max(1, participants // 20)),
            "materials": rng.randint(0, 2000), "boards": rng.randint(0, 30), "media_reports": rng.randint(0, 3),
            "funding_wan": Decimal(rng.randint(0, 500)) / 100,
        })
    return rows


def _pair_labels(units: list[Unit], rows_of: list[list[dict]], rng: random.Random) -> None:
    """Now and then two units (never more) report one label the same day without naming each other."""
    for a in range(0, len(units) - 1, 97):
        b = a + 1
        shared = dict(rows_of[a][ROWS_PER_FILE - 1])
        rows_of[b][ROWS_PER_FILE - 1] = {**rows_of[b][ROWS_PER_FILE - 1], "activity_name": shared["activity_name"],
                                         "venue": shared["venue"], "start_date": shared["start_date"],
                                         "partners": None}
        rows_of[a][ROWS_PER_FILE - 1]["partners"] = None


# ------------------------------------------------------------------------------------------ the files


def _template(root: Path) -> tuple[dict[str, bytes], str, dict[str, str]]:
    """The members of one filled official form, its detail sheet's XML and the style of each column."""
    from kepu.demo.forms import fill_form

    sample = [{"activity_name": "x", "activity_type": "讲座报告", "start_date": date(2023, 9, 18), "venue": "x",
               "organizer": "x", "partners": "x", "participants": 1, "volunteers": 1, "materials": 1, "boards": 1,
               "media_reports": 1, "funding_wan": Decimal("0.50"), "note": "x"} for _ in range(ROWS_PER_FILE)]
    path = fill_form(root / "template.xlsx", campaign_name=CAMPAIGN["name"], unit_name="x", unit_code="x",
                     reported_on=date(2023, 9, 25), activities=sample)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    path.unlink()
    sheet = members[DETAIL_SHEET_MEMBER].decode("utf-8")
    styles = dict(re.findall(r'<c r="([A-O])4" s="(\d+)"', sheet))
    return members, sheet, styles


COLUMNS = ("seq", "activity_name", "activity_type", "start_date", "end_date", "venue", "organizer", "partners",
           "participants", "volunteers", "materials", "boards", "media_reports", "funding_wan", "note")
LETTERS = "ABCDEFGHIJKLMNO"
EXCEL_EPOCH = date(1899, 12, 30)


def _cell(ref: str, style: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f'<c r="{ref}" s="{style}" t="n"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, (int, Decimal)):
        return f'<c r="{ref}" s="{style}" t="n"><v>{value}</v></c>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _sheet(template: str, styles: dict[str, str], unit: Unit, rows: list[dict]) -> bytes:
    head, rest = template.split('<row r="4"', 1)
    tail = rest[rest.index("</row>", rest.index('<row r="' + str(3 + ROWS_PER_FILE) + '"')) + len("</row>"):]
    head = re.sub(r'(<c r="B2" s="\d+" t="inlineStr"><is><t>)x(</t>)', rf"\g<1>{escape(unit.name)}\g<2>", head)
    head = re.sub(r'(<c r="F2" s="\d+" t="inlineStr"><is><t>)x(</t>)', rf"\g<1>{unit.code}\g<2>", head)
    body = []
    for n, row in enumerate(rows, start=4):
        values = {**row, "seq": n - 3}
        cells = "".join(_cell(f"{LETTERS[i]}{n}", styles[LETTERS[i]], values.get(field))
                        for i, field in enumerate(COLUMNS))
        body.append(f'<row r="{n}">{cells}</row>')
    return (head + "".join(body) + tail).encode("utf-8")


def _write_files(job: tuple[Path, list[tuple[Unit, int, list[dict]]]]) -> None:
    inbox, work = job
    members, template, styles = _template(inbox.parent)
    received = datetime(2023, 9, 24, 9).replace(tzinfo=OFFICE_TZ).timestamp()
    for unit, index, rows in work:
        folder = inbox / unit.district_name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{unit.name}.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                z.writestr(zipfile.ZipInfo(name, (2023, 9, 24, 9, 0, 0)),
                           _sheet(template, styles, unit, rows) if name == DETAIL_SHEET_MEMBER else data,
                           zipfile.ZIP_DEFLATED)
        stamp = received + (index % 3600)
        os.utime(path, (stamp, stamp))


def _make(root: Path, files: int, workers: int) -> None:
    import shutil

    if root.exists():
        shutil.rmtree(root)
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    rng = random.Random(files)
    units = registry(files)
    rows_of = [activities(u, i, rng) for i, u in enumerate(units)]
    _pair_labels(units, rows_of, rng)
    work = [(u, i, rows_of[i]) for i, u in enumerate(units)]
    chunks = [work[k::workers * 8] for k in range(workers * 8)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_write_files, [(inbox, chunk) for chunk in chunks]))
    (root / "units.csv").write_text(registry_csv(units), encoding="utf-8")
    (root / "kepu.toml").write_text(f"""[campaign]
id = "{CAMPAIGN['id']}"
name = "{CAMPAIGN['name']}"
start = {CAMPAIGN['start']}
end = {CAMPAIGN['end']}
deadline = {CAMPAIGN['deadline']}

[paths]
inbox = "inbox"
registry = "units.csv"
warehouse = "warehouse/kepu.duckdb"
out = "out"
""", encoding="utf-8")
    totals = {m: sum((r[m] for rows in rows_of for r in rows), Decimal(0) if m == "funding_wan" else 0)
              for m in METRICS}
    truth = {"campaign_id": CAMPAIGN["id"], "units_expected": len(units), "units_reported": len(units),
             "units_on_time": len(units), "activities": len(units) * ROWS_PER_FILE,
             **{m: str(v) for m, v in totals.items()}}
    (root / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
