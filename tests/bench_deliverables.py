"""How long the deliverables take at province scale, apart from the rest of the run.

    .venv/bin/python -m tests.bench_deliverables [--units 5000] [--rows 40] [--writers]

`bench_deliverables(units, rows)` builds the marts of a synthetic campaign in memory (`units` reporting
units of ~40 per district, `rows` counted activities each, an issue per ten rows, one unit in twenty with
a superseded version) and times each deliverable written from them: the tables, 全市汇总.xlsx (its
活动清单 holds every activity), 内部核查.xlsx, CSV and Parquet, 情况说明, the 回执 (in a pool of processes,
and in one process for comparison), and then an unchanged second writing (which must rewrite nothing).
`make bench` calls it; `--writers` adds the raw writer comparison behind the choice of XlsxWriter
(openpyxl, openpyxl write-only, XlsxWriter constant-memory on an activity list of the same size).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from kepu.schemas.vocabulary import ACTIVITY_TYPES, MEASURES, Campaign

CAMPAIGN = Campaign("bench", "2023年全国科普日", date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))
UNITS_PER_DISTRICT = 40


def synthetic_marts(units: int, rows: int):
    """Marts of a campaign with `units` units reporting `rows` activities each (deterministic)."""
    from kepu.warehouse.queries import Marts

    rng = np.random.default_rng(2023)
    codes = [f"D{u // UNITS_PER_DISTRICT:03d}T{u % UNITS_PER_DISTRICT:03d}" for u in range(units)]
    district = [c[:4] for c in codes]
    names = [f"第{u // UNITS_PER_DISTRICT}区第{u % UNITS_PER_DISTRICT}街道" for u in range(units)]
    district_names = {d: f"第{int(d[1:])}区科协" for d in set(district)}
    n = units * rows
    unit_of_row = np.repeat(np.arange(units), rows)
    participants = rng.integers(20, 3000, n)
    activities = pd.DataFrame({
        "campaign_id": "bench", "activity_id": np.arange(n), "unit_code": np.array(codes)[unit_of_row],
        "unit_name": np.array(names)[unit_of_row], "unit_type": "street",
        "district_code": np.array(district)[unit_of_row],
        "district_name": [district_names[d] for d in np.array(district)[unit_of_row]],
        "activity_name": [f"科普活动{u}-{i % rows}" for u, i in zip(unit_of_row, range(n))],
        "activity_type": np.array(ACTIVITY_TYPES)[rng.integers(0, len(ACTIVITY_TYPES), n)],
        "start_date": [date(2023, 9, 17) + timedelta(days=int(d)) for d in rng.integers(0, 7, n)],
        "end_date": pd.NaT, "venue": [f"社区{i % 9}活动中心" for i in range(n)], "organizer": "街道科协",
        "partners": [["区老科协"]] * n, "activity_count": 1, "participants": participants,
        "volunteers": rng.integers(0, 40, n), "materials": rng.integers(0, 800, n), "boards": rng.integers(0, 20, n),
        "media_reports": rng.integers(0, 3, n), "funding_wan": np.round(rng.random(n) * 2, 2),
        "has_approximate": False, "is_unitemized": False, "note": None,
        "source_file": [f"第{int(d[1:])}区/{nm}.xlsx" for d, nm in zip(np.array(district)[unit_of_row],
                                                                       np.array(names)[unit_of_row])],
        "source_sheet": "活动明细", "source_row": 4 + (np.arange(n) % rows), "source_cell": None,
    })
    activities["source_cell"] = [f"A{r}" for r in activities["source_row"]]
    measures = [m.key for m in MEASURES]
    per_unit = activities.groupby("unit_code")[measures[1:]].sum().reset_index()
    per_unit.insert(1, "activities", rows)
    received = [datetime(2023, 9, 20, 9) + timedelta(minutes=int(m)) for m in rng.integers(0, 12000, units)]
    unit_frame = pd.DataFrame({"campaign_id": "bench", "unit_code": codes, "unit_name": names, "unit_type": "street",
                               "district_code": district, "district_name": [district_names[d] for d in district],
                               "expected": True, "submission_status": "accepted", "received_at": received,
                               "file_path": [f"{nm}.xlsx" for nm in names]}).merge(per_unit, on="unit_code")
    on_time = [r.date() <= CAMPAIGN.deadline for r in received]
    completeness = unit_frame[["campaign_id", "unit_code", "unit_name", "unit_type", "district_code", "district_name",
                               "received_at", "file_path"]].assign(
        status=["on_time" if t else "late" for t in on_time], days_late=0, held_reason=None)
    districts = unit_frame.groupby(["district_code", "district_name"])[measures].sum().reset_index().assign(
        campaign_id="bench", units_expected=UNITS_PER_DISTRICT, units_reported=UNITS_PER_DISTRICT,
        units_on_time=UNITS_PER_DISTRICT)
    city = pd.DataFrame([{"campaign_id": "bench", "units_expected": units, "units_reported": units,
                          "units_on_time": sum(on_time), **unit_frame[measures].sum().to_dict()}])
    types = activities.groupby("activity_type")[measures[1:]].sum().reset_index().assign(
        activities=activities.groupby("activity_type").size().to_numpy())
    by_district = completeness.groupby(["district_code", "district_name"]).size().reset_index(name="expected")
    by_district = by_district.assign(on_time=by_district["expected"], late=0, held=0, missing=0, source_unavailable=0,
                                     reporting_rate=1.0)
    submissions = unit_frame[["campaign_id", "unit_code", "unit_name", "district_code", "district_name",
                              "received_at"]].assign(
        file_sha256=[f"{i:064x}" for i in range(units)], file_path=[f"{nm}.xlsx" for nm in names],
        reported_at=pd.NaT, status="accepted", version=1, is_current=True, activity_rows=rows, counted_rows=rows,
        rejected_rows=0, on_time=on_time, declared_code=codes, declared_name=names, role="version", supplements=None)
    old = submissions.iloc[::20].assign(file_sha256=lambda d: "old" + d["file_sha256"].str[3:], version=1,
                                        is_current=False, received_at=datetime(2023, 9, 18, 9))
    submissions = pd.concat([submissions.assign(version=np.where(np.arange(units) % 20 == 0, 2, 1)), old],
                            ignore_index=True)
    issue_rows = activities.iloc[::10]
    issues = pd.DataFrame({
        "campaign_id": "bench", "issue_no": np.arange(len(issue_rows)) + 1, "severity": "info",
        "code": "approximate_value", "message": [f"第{r}行参与人数“约{p}”为约数，按{p}计入。"
                                                 for r, p in zip(issue_rows["source_row"], issue_rows["participants"])],
        "unit_code": issue_rows["unit_code"].to_numpy(), "unit_name": issue_rows["unit_name"].to_numpy(),
        "file_sha256": [f"{int(i) // rows:064x}" for i in issue_rows["activity_id"]],
        "file_path": [f"{nm}.xlsx" for nm in issue_rows["unit_name"]], "sheet": "活动明细",
        "cell": [f"I{r}" for r in issue_rows["source_row"]], "raw_value": [f"约{p}" for p in issue_rows["participants"]],
        "row_number": issue_rows["source_row"].to_numpy(), "superseded": False})
    files = submissions.assign(claimed_unit_codes=[[]] * len(submissions))
    empty = pd.DataFrame(columns=["campaign_id", "previous_campaign_id", "measure", "current_value", "previous_value",
                                  "change", "change_ratio"])
    return Marts(city=city, districts=districts, types=types, units=unit_frame, activities=activities,
                 completeness=completeness, completeness_by_district=by_district,
                 chase_list=completeness.iloc[:0].assign(held_reason=None), year_over_year=empty, issues=issues,
                 submissions=submissions, files=files, runs=pd.DataFrame())


def _clock(seconds: dict, key: str, started: float) -> float:
    now = time.perf_counter()
    seconds[key] = now - started
    return now


def bench_deliverables(units: int = 5000, rows: int = 40, workers: int | None = None) -> dict[str, float]:
    """Seconds per deliverable for a synthetic campaign of `units` × `rows` activities; also
    `unchanged rewrite` (a second writing of the same content) and `peak RSS MB`."""
    from kepu.deliverables.city_tables import city_tables
    from kepu.deliverables.exports import write_exports
    from kepu.deliverables.publish import write_deliverables
    from kepu.deliverables.receipts import build_receipts, write_receipts
    from kepu.deliverables.statement import write_statement
    from kepu.deliverables.workbook import office_block, write_workbooks
    from kepu.settings import Office, Settings
    from kepu.transforms.narrative import situation_paragraph

    seconds: dict[str, float] = {}
    marts = synthetic_marts(units, rows)
    with tempfile.TemporaryDirectory(prefix="kepu-bench-deliverables-") as tmp:
        folder = Path(tmp) / "out"
        started = time.perf_counter()
        tables = city_tables(marts, CAMPAIGN, "市直单位")
        _ = tables.activities.rows, tables.issues.rows
        started = _clock(seconds, "tables", started)
        upward = situation_paragraph(CAMPAIGN.name, marts.city_row, marts.types)
        internal = situation_paragraph(CAMPAIGN.name, marts.city_row, marts.types, internal=True)
        office = office_block(Office(name="江源市科学技术协会"), marts.units, tables.as_of, date(2023, 9, 30))
        write_workbooks(folder, tables, upward, internal, office)
        started = _clock(seconds, "两本工作簿（全市汇总 + 内部核查）", started)
        write_exports(tables.exports, "bench", folder)
        started = _clock(seconds, "CSV + Parquet", started)
        write_statement(folder, "情况说明", "标题", upward, office.name, date(2023, 9, 30))
        started = _clock(seconds, "情况说明", started)
        receipts = build_receipts(marts, CAMPAIGN, tables.activities)
        started = _clock(seconds, "回执 build", started)
        write_receipts(receipts, folder / "回执", date(2023, 9, 30), workers=workers)
        started = _clock(seconds, f"回执 write ({len(receipts)}, pool)", started)
        write_receipts(receipts, Path(tmp) / "one", date(2023, 9, 30), workers=1)
        started = _clock(seconds, f"回执 write ({len(receipts)}, one process)", started)
        settings = Settings(campaign=CAMPAIGN, inbox=Path(tmp), registry=Path(tmp), warehouse=Path(tmp) / "w.duckdb",
                            out=Path(tmp) / "all")
        write_deliverables(marts, settings, now=datetime(2023, 9, 30, 8), workers=workers)
        started = _clock(seconds, "all deliverables, first", started)
        write_deliverables(marts, settings, now=datetime(2023, 10, 1, 8), workers=workers)
        _clock(seconds, "all deliverables, unchanged rewrite", started)
    seconds["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds


def compare_writers(rows: int) -> dict[str, float]:
    """Seconds to write an activity list of `rows` × 16 styled cells with each writer."""
    import openpyxl
    import xlsxwriter
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Side

    record = ("第1区", "第1区第1街道", "科普活动1-1", "讲座报告", "9月17日", "社区1活动中心", "街道科协", "区老科协",
              1, 1250, 12, 300, 4, 1, 0.85, "")
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="kepu-bench-writers-") as tmp:
        side = Side(style="thin", color="999999")
        border, top = Border(left=side, right=side, top=side, bottom=side), Alignment(vertical="top")

        started = time.perf_counter()
        wb = openpyxl.Workbook()
        ws = wb.active
        for r in range(1, rows + 1):
            for c, value in enumerate(record, start=1):
                cell = ws.cell(r, c, value)
                cell.border, cell.alignment = border, top
        wb.save(Path(tmp) / "a.xlsx")
        seconds["openpyxl"] = time.perf_counter() - started

        started = time.perf_counter()
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet()
        for _ in range(rows):
            cells = []
            for value in record:
                cell = WriteOnlyCell(ws, value)
                cell.border, cell.alignment = border, top
                cells.append(cell)
            ws.append(cells)
        wb.save(Path(tmp) / "b.xlsx")
        seconds["openpyxl write-only"] = time.perf_counter() - started

        started = time.perf_counter()
        wb = xlsxwriter.Workbook(str(Path(tmp) / "c.xlsx"), {"constant_memory": True})
        ws = wb.add_worksheet()
        fmt = wb.add_format({"border": 1, "border_color": "#999999", "valign": "top"})
        for r in range(rows):
            for c, value in enumerate(record):
                ws.write(r, c, value, fmt)
        wb.close()
        seconds["XlsxWriter constant-memory"] = time.perf_counter() - started
    return seconds


def report(seconds: dict[str, float]) -> str:
    return "\n".join(f"  {key}: {value:,.1f}" + ("" if "MB" in key else " s") for key, value in seconds.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--writers", action="store_true", help="also compare the raw writers")
    args = parser.parse_args()
    print(f"deliverables for {args.units:,} units × {args.rows} activities ({os.cpu_count()} cores):")
    print(report(bench_deliverables(args.units, args.rows)))
    if args.writers:
        print(f"writers, {args.units * args.rows:,} rows × 16 cells:")
        print(report(compare_writers(args.units * args.rows)))


if __name__ == "__main__":
    main()
