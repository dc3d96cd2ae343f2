"""`kepu template --per-unit`: one form per expected unit, made out to it (填报单位 and 单位代码 filled in
and locked), so a unit's file names its unit whatever happens to it on the way back.

Forms go into one folder per district (units directly under the city into the `[office]` label's,
「市直单位」), each named after its unit: `各单位报表/双流区科协/东升街道_2023年全国科普日活动情况统计表.xlsx`.
A unit's name in the file name is one more way its file is recognised when it comes back.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from kepu.deliverables.files import safe_filename
from kepu.form.template import Schedule, UnitIdentity, write_forms


def form_paths(units: pd.DataFrame, campaign_name: str, city_label: str) -> list[tuple[Path, UnitIdentity]]:
    """(relative path, unit) for each expected unit, in registry order; a unit's code is added to its file
    name when two names would clash in one folder."""
    expected = units[units["expected"].astype(bool)]
    city = set(units.loc[units["unit_type"] == "city", "unit_code"])
    suffix = safe_filename(f"{campaign_name}活动情况统计表", "活动情况统计表")
    planned = []
    for record in expected.to_dict("records"):
        district = city_label if record["district_code"] in city else record["district_name"]
        folder = safe_filename(str(district), str(record["district_code"]))
        stem = safe_filename(str(record["unit_name"]), str(record["unit_code"]))
        planned.append((folder, stem, UnitIdentity(str(record["unit_name"]), str(record["unit_code"]))))
    clashes = {k for k, n in Counter((f, s) for f, s, _ in planned).items() if n > 1}
    return [(Path(folder) / (f"{stem}_{safe_filename(unit.code, 'unit')}_{suffix}.xlsx" if (folder, stem) in clashes
                             else f"{stem}_{suffix}.xlsx"), unit)
            for folder, stem, unit in planned]


def write_unit_forms(folder: Path, units: pd.DataFrame, campaign_name: str, schedule: Schedule | None,
                     city_label: str) -> list[Path]:
    """Every expected unit's form under `folder`; returns the paths written."""
    return write_forms([(folder / relative, campaign_name, schedule, unit)
                        for relative, unit in form_paths(units, campaign_name, city_label)])
