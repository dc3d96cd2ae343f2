"""`make bench`: how fast and how lean a whole run is on a large city, against what it cannot beat and what a
user would write instead. Speed and memory are checked here, never in unit tests.

On the official-form corpus (tests.bench_corpus: N units × 40 distinct events, cached under
~/.cache/kepu-bench; `make bench FILES=50000` for a province), in one go:

- floor     python-calamine reading every cell of every file, one process: no tool reads the files faster;
- naive     what a user writes instead: pandas `read_excel` on each file, concat, load into DuckDB, sum
            (on at most 5,000 files; beyond that its time is scaled by the file count);
- empty     `kepu run` on an empty inbox: the fixed cost of a run (Prefect's start, settings, registry, outputs);
- full      `kepu run` on the corpus, fresh warehouse, with the time of each stage;
- unchanged `kepu run` again with nothing new;
- peak RSS of each run (the largest process);

then the ratios against the targets of issue #9, and a check that the published totals equal the corpus's.
Each kepu run is its own process (`python -m tests.bench --child …`), as on a server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

NAIVE_FILES = 5000
GIB = 1024 ** 3
TARGETS = {"(full − empty) / floor": 1.5, "full / naive": 0.1, "unchanged / full": 0.05}


# ------------------------------------------------------------------------------ measured in this process


def floor(files: list[Path]) -> float:
    """Seconds for python-calamine to read every cell of every sheet of every file."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    return time.perf_counter() - started


NAIVE_SCRIPT = """
import sys, duckdb, pandas as pd
files = [line for line in sys.stdin.read().splitlines() if line]
frames = []
for f in files:
    frame = pd.read_excel(f, sheet_name="活动明细", header=2)
    frame.columns = ["".join(str(c).split()) for c in frame.columns]   # headers break before their bracket
    frame = frame[pd.to_numeric(frame["序号"], errors="coerce").notna()]   # drop the 合计 and signature rows
    frames.append(frame.assign(source=f))
detail = pd.concat(frames, ignore_index=True)
for column in ("参与人数（人次）", "志愿者人数", "发放资料（份）", "展板（块）", "媒体报道（篇）", "经费（万元）"):
    detail[column] = pd.to_numeric(detail[column], errors="coerce")
detail = detail.astype({c: "str" for c in detail.columns if detail[c].dtype == object})
con = duckdb.connect()
con.register("detail", detail)
con.execute("create table activities as select * from detail")
print(con.execute('select count(*), sum("参与人数（人次）") from activities').fetchone())
"""
"""What a user writes instead of kepu for the same forms: read every file's detail sheet with pandas, keep the
numbered rows, concat, load into DuckDB, sum. (It knows nothing of identity, versions, messy layouts, checks.)"""


def naive(files: list[Path]) -> tuple[float, str]:
    """Seconds for the script a user writes instead (in its own process), and what it printed."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", NAIVE_SCRIPT],
                          input="\n".join(str(f) for f in files), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the naive script failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stdout.strip()


# -------------------------------------------------------------------------------------- a kepu run


def kepu_run(config: Path, warehouse: Path, out: Path, inbox: Path | None = None) -> dict:
    """One `kepu run` in its own process: wall seconds, peak RSS (bytes, the largest process of its tree) and
    what the run reported (stage seconds, outcome, totals)."""
    command = [sys.executable, "-m", "tests.bench", "--child", str(config), "--warehouse", str(warehouse),
               "--out", str(out)] + (["--inbox", str(inbox)] if inbox else [])
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[1])
    stdout, stderr = child.communicate()
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"kepu run failed ({child.returncode}):\n{stderr[-3000:]}")
    report = json.loads(stdout.strip().splitlines()[-1])
    return {"seconds": seconds, **report}


def child(config: str, warehouse: str, out: str, inbox: str | None) -> None:
    """The child side of `kepu_run`: run, and print the stages' seconds and the summary as one JSON line."""
    import resource

    from kepu import progress
    from kepu.cli import _run  # what `kepu run` calls: the run's Prefect API starts while Prefect is imported

    clock = StageClock()
    stop = progress.listen(clock)
    summary = _run(Path(config), warehouse=warehouse, out=out, inbox=inbox)
    stop()
    clock("end", 0, 0)
    rss = {who: resource.getrusage(which).ru_maxrss * 1024
           for who, which in (("rss", resource.RUSAGE_SELF), ("rss_children", resource.RUSAGE_CHILDREN))}
    print(json.dumps({"stages": clock.seconds, "peaks": clock.peak, "outcome": summary.outcome, "files_parsed": summary.files_parsed,
                      "totals": {k: str(v) for k, v in summary.city_totals.items()},
                      "outputs": len(summary.outputs), **rss}, ensure_ascii=False))


class StageClock:
    """Seconds between the flow's progress reports (Prefect start-up, scan, parse, core, publish, outputs) and
    the process's peak RSS at the end of each (a high-water mark: what the stages so far needed at most)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.stage = "prefect start"
        self.seconds: dict[str, float] = {}
        self.peak: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        import resource

        if stage == self.stage:
            return
        now = time.perf_counter()
        self.seconds[self.stage] = self.seconds.get(self.stage, 0) + now - self.last
        self.peak[self.stage] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.stage, self.last = stage, now


# ------------------------------------------------------------------------------------------ the bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=5000, help="files in the corpus (5000; 50000 for a province)")
    parser.add_argument("--reuse-baselines", action="store_true",
                        help="reuse the floor and naive times measured on this corpus by an earlier bench")
    parser.add_argument("--deliverables-units", type=int, default=5000,
                        help="units of the synthetic campaign the deliverables are timed on alone (0: skip)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--inbox", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.warehouse, args.out, args.inbox)
        return

    from tests.bench_corpus import cache_root, corpus

    started = time.perf_counter()
    city = corpus(args.files)
    files = sorted(city.inbox.rglob("*.xlsx"))
    truth = city.truth
    print(f"corpus: {len(files):,} files × 40 rows = {truth['activities']:,} activities, {city.root} "
          f"(ready in {time.perf_counter() - started:.1f} s)")

    work = cache_root() / "work"
    shutil.rmtree(work, ignore_errors=True)
    (work / "empty-inbox").mkdir(parents=True)

    naive_files = files[:NAIVE_FILES]
    baselines = city.root / "baselines.json"
    if args.reuse_baselines and baselines.is_file():
        seconds = json.loads(baselines.read_text())
        naive_said = f"{seconds.pop('naive_said')}; reused from an earlier bench"
    else:
        seconds = {"floor": floor(files)}
        naive_seconds, naive_said = naive(naive_files)
        seconds["naive"] = naive_seconds * len(files) / len(naive_files)
        baselines.write_text(json.dumps({**seconds, "naive_said": naive_said}))
    empty = kepu_run(city.config, work / "empty" / "kepu.duckdb", work / "empty-out", inbox=work / "empty-inbox")
    full = kepu_run(city.config, work / "full" / "kepu.duckdb", work / "out")
    again = kepu_run(city.config, work / "full" / "kepu.duckdb", work / "out")
    seconds.update(empty=empty["seconds"], full=full["seconds"], unchanged=again["seconds"])

    print(f"floor      {seconds['floor']:8.1f} s   python-calamine reads every cell, one process")
    scaled = "" if len(naive_files) == len(files) else f" (measured on {len(naive_files):,} files, scaled)"
    print(f"naive      {seconds['naive']:8.1f} s   pandas read_excel + concat + DuckDB{scaled}: {naive_said}")
    print(f"empty      {seconds['empty']:8.1f} s   kepu run, empty inbox  — " + _stages(empty))
    print(f"full       {seconds['full']:8.1f} s   kepu run, {full['files_parsed']:,} files — " + _stages(full))
    print(f"unchanged  {seconds['unchanged']:8.1f} s   kepu run, nothing new ({again['outcome']}) — "
          + _stages(again))
    print(f"peak RSS   full run, by the end of each stage (GiB): {_peaks(full)}")
    print(f"peak RSS   full {full['rss'] / GIB:.2f} GiB, unchanged {again['rss'] / GIB:.2f} GiB, "
          f"empty {empty['rss'] / GIB:.2f} GiB (the kepu process; its largest child: "
          f"{max(r['rss_children'] for r in (empty, full, again)) / GIB:.2f} GiB)")
    size = (work / "full" / "kepu.duckdb").stat().st_size
    print(f"warehouse  {size / 1e6:,.0f} MB; {full['outputs']:,} output files")

    ratios = {
        "(full − empty) / floor": (seconds["full"] - seconds["empty"]) / seconds["floor"],
        "full / naive": seconds["full"] / seconds["naive"],
        "unchanged / full": seconds["unchanged"] / seconds["full"],
    }
    added = (seconds["unchanged"] - seconds["empty"]) / max(seconds["full"] - seconds["empty"], 1e-9)
    for name, value in ratios.items():
        print(f"ratio      {name:24s} {value:7.3f}   target ≤ {TARGETS[name]}  {'met' if value <= TARGETS[name] else 'NOT met'}")
    print(f"ratio      {'(unchanged − empty) / (full − empty)':24s} {added:7.3f}")
    limit = 1 if args.files <= 5000 else 2
    print(f"memory     {full['rss'] / GIB:.2f} GiB, target ≤ {limit} GiB  {'met' if full['rss'] <= limit * GIB else 'NOT met'}")
    _compare_with_5000(args.files, seconds["full"], cache_root())

    totals = full["totals"]
    wrong = {k: (totals.get(k), v) for k, v in truth.items()
             if (str(totals.get(k)) != str(v) if k == "campaign_id" else Decimal(totals.get(k) or "-1") != Decimal(v))}
    print("totals     " + ("equal the corpus's truth" if not wrong else f"WRONG: {wrong}"))
    assert not wrong, wrong
    assert again["outcome"] == "unchanged"

    if args.deliverables_units:
        from tests.bench_deliverables import bench_deliverables, report

        print(f"deliverables alone, {args.deliverables_units:,} units × 40 activities:")
        print(report(bench_deliverables(args.deliverables_units, 40)))


def _stages(report: dict) -> str:
    return ", ".join(f"{stage} {s:.1f}" for stage, s in report["stages"].items() if s >= 0.05)


def _peaks(report: dict) -> str:
    return ", ".join(f"{stage} {rss / GIB:.2f}" for stage, rss in report["peaks"].items())


def _compare_with_5000(files: int, full: float, root: Path) -> None:
    """Keep each size's full-run time; at 50,000 files, set it against 11 × the 5,000-file time."""
    record = root / "full-seconds.json"
    seen = json.loads(record.read_text()) if record.is_file() else {}
    seen[str(files)] = full
    record.write_text(json.dumps(seen))
    if files == 50000 and "5000" in seen:
        ratio = full / seen["5000"]
        print(f"scale      50,000 / 5,000 files: {ratio:.1f} × the time, target ≤ 11  {'met' if ratio <= 11 else 'NOT met'}")


if __name__ == "__main__":
    main()
