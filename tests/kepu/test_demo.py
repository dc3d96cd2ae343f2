"""The demo city: its registry and inbox are sane and reproducible, and its answer key is right.

The answer key is checked independently of the generator: every file in the inbox is read back with
calamine, each unit's current version is chosen (newest 填报日期, then mtime), and the data rows that
are not 合计 are summed.
"""

from __future__ import annotations

import csv
import tomllib
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from python_calamine import CalamineWorkbook

from kepu.demo import DemoCity, build_demo_city, plan_demo_city
from kepu.deliverables.template import DETAIL_SHEET, SUMMARY_SHEET
from schemas.synonyms import COUNT_FIELDS, DETAIL_FIELDS, SUMMARY_INDICATORS

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
START, END, DEADLINE = date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28)
MEASURES = (*COUNT_FIELDS, "funding_wan")


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> DemoCity:
    return build_demo_city(tmp_path_factory.mktemp("city"), seed=2023)


def registry(root: Path) -> list[dict[str, str]]:
    with open(root / "units.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def inbox_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "inbox").rglob("*") if p.is_file())


def received_day(path: Path) -> date:
    return datetime.fromtimestamp(path.stat().st_mtime, OFFICE_TZ).date()


def as_number(value) -> float:
    return 0 if value in ("", None) else value


def read_form(path: Path) -> dict[str, object] | None:
    """What one received file says: unit code, 填报日期 and the records it contributes (None if unreadable)."""
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception:
        return None
    rows = book.get_sheet_by_name(DETAIL_SHEET).to_python()
    header = rows[2]
    column = {f.field: header.index(f.header) for f in DETAIL_FIELDS}
    records = []
    for row in rows[3:]:
        if all(v == "" for v in row):
            break
        if "合计" in (row[column["seq"]], row[column["activity_name"]]):
            continue
        records.append({"activities": 1, **{m: as_number(row[column[m]]) for m in MEASURES}})
    if not records:
        amounts = {row[0]: row[2] for row in book.get_sheet_by_name(SUMMARY_SHEET).to_python()[2:]}
        summary = {i.key: as_number(amounts.get(i.name)) for i in SUMMARY_INDICATORS}
        if summary["activities"]:
            records.append(summary)
    return {"code": rows[1][5], "reported_on": rows[1][8], "mtime": path.stat().st_mtime, "records": records,
            "path": path}


def recompute_totals(root: Path) -> dict[str, object]:
    """City totals by SPEC §4, from units.csv and the inbox alone."""
    units = {row["unit_code"]: row for row in registry(root)}
    versions: dict[str, list[dict]] = {}
    for path in inbox_files(root):
        if path.suffix == ".xlsx" and (form := read_form(path)) is not None:
            versions.setdefault(form["code"], []).append(form)
    current = [max(v, key=lambda f: (f["reported_on"], f["mtime"])) for v in versions.values()]
    reported = [f for f in current if units[f["code"]]["expected"] == "true" and f["records"]]
    records = [r for f in current for r in f["records"]]
    return {
        "campaign_id": "2023-science-day",
        "units_expected": sum(u["expected"] == "true" for u in units.values()),
        "units_reported": len(reported),
        "units_on_time": sum(received_day(f["path"]) <= DEADLINE for f in reported),
        "activities": round(sum(r["activities"] for r in records)),
        **{m: round(sum(r[m] for r in records)) for m in COUNT_FIELDS},
        "funding_wan": Decimal(str(round(sum(r["funding_wan"] for r in records), 2))).quantize(Decimal("0.01")),
    }


def test_config_has_the_spec_shape(city):
    config = tomllib.loads(city.config_path.read_text(encoding="utf-8"))

    assert city.config_path == city.root / "kepu.toml"
    assert config == {
        "campaign": {"id": "2023-science-day", "name": "2023年全国科普日", "start": START, "end": END,
                     "deadline": DEADLINE},
        "paths": {"inbox": "inbox", "registry": "units.csv", "warehouse": "warehouse/kepu.duckdb", "out": "out"},
    }


def test_registry_composition(city):
    text = (city.root / "units.csv").read_text(encoding="utf-8")
    units = registry(city.root)
    by_code = {u["unit_code"]: u for u in units}
    types = Counter(u["unit_type"] for u in units)

    assert text.splitlines()[0] == "unit_code,unit_name,unit_type,parent_code,aliases,expected"
    assert city.units == len(units) == len(by_code)
    assert types["city"] == 1 and types["district"] == 4
    assert types["town"] + types["street"] == 40
    assert types["school"] == 30 and types["society"] == 10
    assert len({u["unit_name"] for u in units}) == len(units)
    for unit in units:
        assert unit["expected"] in ("true", "false")
        if unit["unit_type"] == "city":
            assert unit["parent_code"] == "" and unit["expected"] == "false"
            continue
        parent = by_code[unit["parent_code"]]
        expected_parent = {"district": "city", "town": "district", "street": "district", "society": "city"}
        assert parent["unit_type"] == expected_parent.get(unit["unit_type"], parent["unit_type"])
        assert parent["unit_type"] in ("city", "district")
    assert any(u["unit_type"] == "society" and u["expected"] == "false" for u in units)
    assert any(u["unit_type"] == "school" and u["parent_code"] == "C000" for u in units)
    assert by_code["D01T01"]["aliases"].split(";") == ["东升街道办事处", "东升街道科协"]


def test_inbox_holds_what_a_real_office_meets(city):
    files = inbox_files(city.root)
    relpaths = [p.relative_to(city.root / "inbox").as_posix() for p in files]
    forms = [p for p in files if p.suffix == ".xlsx"]
    unreadable = [p for p in forms if read_form(p) is None]

    assert city.files == len(files)
    assert [p for p in relpaths if not p.endswith(".xlsx")] == [r for r in relpaths if r.endswith("活动照片说明.docx")]
    assert len(unreadable) == 1
    assert sum("/" not in p for p in relpaths) >= 3
    assert any(p.startswith("市直单位/") for p in relpaths)
    assert any("（更正）" in p for p in relpaths)
    assert any("科普日报表(终)" in p for p in relpaths)
    assert len(relpaths) > 60


def test_every_readable_form_names_its_unit_by_code_and_name(city):
    units = {u["unit_code"]: u for u in registry(city.root)}
    for path in inbox_files(city.root):
        form = read_form(path) if path.suffix == ".xlsx" else None
        if form is None:
            continue
        unit = units[form["code"]]
        signed = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(DETAIL_SHEET).to_python()[1][1]
        labels = {unit["unit_name"], *unit["aliases"].split(";")}
        assert signed in labels or signed.removesuffix("科协") in labels


def test_receipt_times_bracket_the_deadline(city):
    days = [received_day(p) for p in inbox_files(city.root)]
    on_time = [d for d in days if d <= DEADLINE]
    late = [d for d in days if d > DEADLINE]

    assert min(days) >= date(2023, 9, 18)
    assert max(days) <= date(2023, 10, 8)
    assert late and len(late) < len(on_time)


def test_answer_key_equals_a_recount_of_the_inbox(city):
    assert recompute_totals(city.root) == city.expected


def test_answer_key_shape(city):
    expected = city.expected

    assert list(expected) == ["campaign_id", "units_expected", "units_reported", "units_on_time", "activities",
                              "participants", "volunteers", "materials", "boards", "media_reports", "funding_wan"]
    assert isinstance(expected["funding_wan"], Decimal) and expected["funding_wan"].as_tuple().exponent == -2
    assert expected["units_on_time"] < expected["units_reported"] < expected["units_expected"]
    assert 0.7 < expected["units_reported"] / expected["units_expected"] < 0.95


def test_same_seed_gives_the_same_city(city, tmp_path):
    again = build_demo_city(tmp_path / "again", seed=2023)

    assert again.expected == city.expected
    assert (again.root / "units.csv").read_bytes() == (city.root / "units.csv").read_bytes()
    first, second = inbox_files(city.root), inbox_files(again.root)
    assert [p.relative_to(city.root) for p in first] == [p.relative_to(again.root) for p in second]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a
        assert a.stat().st_mtime == b.stat().st_mtime, a


def test_another_seed_gives_another_city():
    assert plan_demo_city(seed=1) != plan_demo_city(seed=2)


def test_generated_activities_are_plausible():
    plan = plan_demo_city(seed=2023)
    slots: dict[tuple, str] = {}
    for demo_file in plan.files:
        for activity in demo_file.activities:
            assert START <= activity["start_date"] <= activity.get("end_date", activity["start_date"]) <= END
            assert 0 <= activity["volunteers"] <= activity["participants"]
            assert Decimal("0") <= activity["funding_wan"] <= Decimal("3.00")
            assert activity["funding_wan"].as_tuple().exponent >= -2
            slot = (activity["start_date"], activity["venue"])
            assert slots.setdefault(slot, demo_file.unit.code) == demo_file.unit.code, slot


def test_scale_multiplies_towns_schools_and_societies():
    types = Counter(u.unit_type for u in plan_demo_city(scale=3).units)

    assert types["district"] == 4
    assert types["town"] + types["street"] == 120
    assert types["school"] == 90 and types["society"] == 30


def test_refuses_an_inbox_that_already_holds_files(tmp_path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "old.xlsx").write_bytes(b"")

    with pytest.raises(FileExistsError):
        build_demo_city(tmp_path)
