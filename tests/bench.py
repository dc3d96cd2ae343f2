"""`make bench`: how fast kepu reads files and runs a whole night, and how much memory it takes.

Builds a demo city of the given scale in a temporary folder, then measures
- parsing alone (read + parse every file in one process, no Prefect),
- a first full run and a rerun with nothing changed, for each task runner asked for,
- peak memory (max RSS of this process and of its children).
Speed is checked here, never in unit tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def _max_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


class StageClock:
    """Seconds between the flow's progress reports: Prefect start-up, scan, parse, load, outputs."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.stage = "prefect start"
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == self.stage:
            return
        now = time.perf_counter()
        self.seconds[self.stage] = self.seconds.get(self.stage, 0) + now - self.last
        self.stage, self.last = stage, now

    def __str__(self) -> str:
        return ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in self.seconds.items())


def bench_parse(inbox: Path) -> tuple[int, int, float]:
    from kepu.sources.books import ReadError, read_book
    from kepu.transforms.submission import parse_book

    files = [p for p in inbox.rglob("*") if p.is_file()]
    rows = 0
    started = time.perf_counter()
    for path in files:
        try:
            rows += len(parse_book(read_book(path), 2023).activities)
        except ReadError:
            pass
    return len(files), rows, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=10.0, help="demo city scale (1 ≈ 75 files)")
    parser.add_argument("--runners", default="thread,process", help="task runners to compare")
    parser.add_argument("--deliverables-units", type=int, default=5000,
                        help="units of the synthetic campaign the deliverables are timed on (0: skip)")
    args = parser.parse_args()

    from kepu.flows.nightly import run
    from kepu import progress
    from kepu.demo.city import build_demo_city

    with tempfile.TemporaryDirectory(prefix="kepu-bench-") as tmp:
        started = time.perf_counter()
        city = build_demo_city(Path(tmp) / "city", seed=2023, scale=args.scale)
        print(f"demo city: scale {args.scale}, {city.units} units, {city.files} files "
              f"({time.perf_counter() - started:.1f} s to generate)")

        files, rows, seconds = bench_parse(city.root / "inbox")
        print(f"parse only: {files} files, {rows} activity rows in {seconds:.2f} s "
              f"= {files / seconds:,.0f} files/s, {1000 * seconds / files:.1f} ms/file")

        for runner in args.runners.split(","):
            warehouse = Path(tmp) / f"{runner}.duckdb"
            out = Path(tmp) / f"out-{runner}"
            stages = StageClock()
            stop = progress.listen(stages)
            started = time.perf_counter()
            summary = run(city.config_path, warehouse=warehouse, out=out, task_runner=runner)
            first = time.perf_counter() - started
            stop()
            started = time.perf_counter()
            again = run(city.config_path, warehouse=warehouse, out=out, task_runner=runner)
            second = time.perf_counter() - started
            ok = summary.city_totals == city.expected
            print(f"runner {runner:8s}: first run {first:6.1f} s ({summary.files_parsed} files parsed), "
                  f"rerun {second:5.1f} s ({again.files_parsed} parsed); totals match generator: {ok}; "
                  f"warehouse {warehouse.stat().st_size / 1e6:.1f} MB")
            print(f"  first run by stage: {stages}")
        own, children = _max_rss_mb()
        print(f"peak memory: {own:.0f} MB in this process, {children:.0f} MB in the largest child")
    if args.deliverables_units:
        from tests.bench_deliverables import bench_deliverables, report

        print(f"deliverables alone, {args.deliverables_units:,} units × 40 activities:")
        print(report(bench_deliverables(args.deliverables_units, 40)))


if __name__ == "__main__":
    main()
