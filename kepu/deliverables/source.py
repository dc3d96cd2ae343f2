"""What the deliverables read from the published warehouse: one read-only connection, one snapshot.

Everything comes from the stable views analysts use (`marts`, `audit`), plus one query over
`core.submissions` for the 回执 (which file of a unit was received when, and what became of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kepu.warehouse.publisher import read_only

SUBMISSIONS_SQL = """
select * from audit.submissions
where campaign_id = ?
order by unit_code, is_current desc, received_at desc, file_path
"""
"""Every received file with each unit it belongs to or claims (a file in conflict names two units and
is held for both)."""

QUERIES = {
    "city": "select * from marts.city_totals where campaign_id = ?",
    "districts": "select * from marts.district_totals where campaign_id = ? order by district_code",
    "types": "select * from marts.type_totals where campaign_id = ?",
    "units": "select * from marts.unit_totals where campaign_id = ? order by district_code, unit_code",
    "activities": """select * from marts.activities where campaign_id = ?
                     order by district_code, unit_code, source_file, source_sheet, source_row""",
    "completeness": "select * from marts.completeness where campaign_id = ? order by district_code, unit_code",
    "chase_list": "select * from marts.chase_list where campaign_id = ?",
    "year_over_year": "select * from marts.year_over_year where campaign_id = ?",
    "issues": "select * from audit.issues where campaign_id = ? order by issue_no",
    "submissions": SUBMISSIONS_SQL,
    "runs": """select * from audit.runs where campaign_id = ? and outcome = 'published'
               order by finished_at desc limit 1""",
}


@dataclass(frozen=True)
class Marts:
    """One campaign's published marts and audit tables as frames, read in one snapshot."""

    city: pd.DataFrame
    districts: pd.DataFrame
    types: pd.DataFrame
    units: pd.DataFrame
    activities: pd.DataFrame
    completeness: pd.DataFrame
    chase_list: pd.DataFrame
    year_over_year: pd.DataFrame
    issues: pd.DataFrame
    submissions: pd.DataFrame
    runs: pd.DataFrame

    @property
    def city_row(self) -> dict[str, object]:
        """The campaign's marts.city_totals row (empty when the campaign was never published)."""
        return self.city.iloc[0].to_dict() if len(self.city) else {}


def read_marts(warehouse: Path, campaign_id: str) -> Marts:
    con = read_only(warehouse)
    try:
        return Marts(**{name: con.execute(sql, [campaign_id]).df() for name, sql in QUERIES.items()})
    finally:
        con.close()
