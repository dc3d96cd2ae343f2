"""The unit registry (units.csv) checked and shaped into `core.units` rows.

A row is one reporting unit: the city, a district, a town or street, a school, a society. Each
unit also gets the district it reports under (a town's district; a district itself; the city's own
code for city-level units) so marts can group by district without walking the tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from kepu.schemas.errors import ConfigError
from kepu.schemas.vocabulary import UNIT_TYPES

REGISTRY_COLUMNS = ("unit_code", "unit_name", "unit_type", "parent_code", "aliases", "expected")
OPTIONAL_COLUMNS = ("email", "contact")
"""SPEC §2.1: the addresses a unit sends from (`;`-separated; an identity fallback for mail) and the person to
address notices to. Other extra columns are kept in the file and ignored."""
_ADDRESS = re.compile(r"[^@\s;,，；<>]+@[^@\s;,，；<>]+\.[^@\s;,，；<>]+")
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f", ""}


def build_units(rows: Iterable[Mapping[str, str]], source: str = "units.csv") -> pd.DataFrame:
    """`core.units` from registry rows (line 2 is the first data row). Raises ConfigError naming the line."""
    records: list[dict] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        def text(key: str) -> str:
            return (row.get(key) or "").strip()

        code, name, unit_type = text("unit_code"), text("unit_name"), text("unit_type").lower()
        if not code:
            raise ConfigError(f"{source} 第{line}行：unit_code 为空。")
        if code in seen:
            raise ConfigError(f"{source} 第{line}行：unit_code “{code}”与第{seen[code]}行重复。")
        if not name:
            raise ConfigError(f"{source} 第{line}行：unit_name 为空。")
        if unit_type not in UNIT_TYPES:
            raise ConfigError(
                f"{source} 第{line}行：unit_type “{text('unit_type')}”无效，应为 {', '.join(UNIT_TYPES)} 之一。")
        expected = text("expected").lower()
        if expected not in _TRUE | _FALSE:
            raise ConfigError(f"{source} 第{line}行：expected “{text('expected')}”无效，应为 true 或 false。")
        seen[code] = line
        aliases = [a.strip() for a in text("aliases").replace("；", ";").split(";") if a.strip()]
        emails = [a.strip().lower() for a in re.split(r"[;；,，\s]+", text("email")) if a.strip()]
        for address in emails:
            if not _ADDRESS.fullmatch(address):
                raise ConfigError(f"{source} 第{line}行：email “{address}”不是有效的邮箱地址（多个地址用 ; 分隔）。")
        records.append({
            "unit_code": code, "unit_name": name, "unit_type": unit_type, "parent_code": text("parent_code") or None,
            "aliases": aliases, "expected": expected in _TRUE, "email": emails, "contact": text("contact") or None,
            "_line": line,
        })
    if not records:
        raise ConfigError(f"{source}：单位名录为空。")
    by_code = {r["unit_code"]: r for r in records}
    for r in records:
        parent = r["parent_code"]
        if parent is not None and parent not in by_code:
            raise ConfigError(f"{source} 第{r['_line']}行：parent_code “{parent}”不在名录中。")
        if parent == r["unit_code"]:
            raise ConfigError(f"{source} 第{r['_line']}行：单位不能是自己的上级。")
    cities = [r for r in records if r["unit_type"] == "city"]
    city_code = cities[0]["unit_code"] if cities else None
    for r in records:
        r["district_code"] = _district_of(r, by_code, city_code, source)
    frame = pd.DataFrame.from_records(records).drop(columns="_line")
    names = {r["unit_code"]: r["unit_name"] for r in records}
    frame["district_name"] = frame["district_code"].map(names)
    return frame


def _district_of(unit: dict, by_code: dict[str, dict], city_code: str | None, source: str) -> str:
    """The district a unit reports under; city-level units fall under the city's own code."""
    seen = set()
    current = unit
    while True:
        if current["unit_type"] == "district":
            return current["unit_code"]
        if current["unit_type"] == "city":
            return current["unit_code"]
        parent = current["parent_code"]
        if parent is None:
            return city_code or current["unit_code"]
        if parent in seen:
            raise ConfigError(f"{source} 第{unit['_line']}行：上级关系形成循环（{parent}）。")
        seen.add(parent)
        current = by_code[parent]
