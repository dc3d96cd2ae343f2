"""Load (issue #11): many runs in a row and runs started at once.

- Twenty runs back to back, each with a file more in the inbox (new units, new versions of earlier ones):
  every run publishes, the totals after the last equal one clean run over the same inbox, and nothing
  accumulates in the process that ran them — open files, threads, child processes, memory — nor beside the
  warehouse (staging files, more kept states than configured).
- Two `kepu run` started at once, round after round: the second waits for the first (their runs never
  overlap) and then finds nothing new, or, told not to wait, refuses in one line naming the first; the last
  totals equal a clean run's; neither leaves a process, a pid file or a lock behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from datetime import datetime, timedelta

import pytest

from kepu.flows import processes
from kepu.flows.lifecycle import guarded, pid_path
from tests.builders import activity, make_city, query
from tests.kepu_process import kepu_started

pytestmark = pytest.mark.slow

RUNS = 20
SENDERS = ["D01T01", "D01T02", "D02T01", "S001", "D01", "D02"]
TOTALS = """select activities, participants, volunteers, units_reported from marts.city_totals"""
PER_UNIT = """select unit_code, activities, participants from marts.unit_totals order by unit_code"""


def submit_night(city, night: int) -> None:
    """Night `night`'s file: each sender in turn, a later night sending a new version of its form."""
    unit = SENDERS[night % len(SENDERS)]
    version = night // len(SENDERS)
    activities = [activity(f"第{night}夜科普讲座{k}", 17 + k % 6, 100 + 10 * night + k, volunteers=k)
                  for k in range(1 + night % 4)]
    city.submit(f"{unit}/第{version + 1}版.xlsx", unit, activities,
                received=datetime(2023, 9, 20, 8) + timedelta(hours=night))


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_mib() -> float:
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def leftovers_beside(warehouse) -> list[str]:
    folder = warehouse.parent
    return sorted(p.name for p in folder.iterdir()
                  if "staging" in p.name or p.name.endswith((".part", ".tmp", ".pid", ".wal")))


def clean_totals(city, tmp_path) -> tuple[list, list]:
    """The same inbox run once into a fresh warehouse."""
    from kepu.flows.nightly import run

    fresh = make_city(tmp_path / "clean")
    shutil.rmtree(fresh.inbox)
    shutil.copytree(city.inbox, fresh.inbox)
    assert run(fresh.config).outcome == "published"
    return query(fresh.warehouse, TOTALS), query(fresh.warehouse, PER_UNIT)


def test_twenty_runs_back_to_back_leak_nothing_and_end_with_a_clean_runs_totals(tmp_path, prefect_harness):
    from kepu.flows.nightly import run

    city = make_city(tmp_path / "city")
    children_before = {p.pid for p in processes.descendants()}
    samples = []
    for night in range(RUNS):
        submit_night(city, night)
        summary = run(city.config)
        assert summary.outcome == "published", (night, summary)
        assert leftovers_beside(city.warehouse) == [], night
        assert {p.pid for p in processes.descendants()} <= children_before, f"night {night}: a process stayed"
        samples.append((open_files(), threading.active_count(), rss_mib()))

    warm, last = samples[2], samples[-1]
    print(f"\nopen files {warm[0]} → {last[0]}, threads {warm[1]} → {last[1]}, "
          f"RSS {warm[2]:.0f} → {last[2]:.0f} MiB over {RUNS - 3} runs")
    assert last[0] <= warm[0] + 3, samples
    assert last[1] <= warm[1] + 2, samples
    assert last[2] - warm[2] < 200, samples
    kept = list((city.warehouse.parent / "history").glob("*.duckdb"))
    assert 0 < len(kept) <= 7
    assert query(city.warehouse, "select count(*), count(distinct outcome) from audit.runs") == [(RUNS, 1)]

    totals, per_unit = query(city.warehouse, TOTALS), query(city.warehouse, PER_UNIT)
    assert (totals, per_unit) == clean_totals(city, tmp_path)
    assert totals[0][3] == len(SENDERS)  # every sender is an expected unit, and each reported


def kepu_run(city, *flags: str, own_api: bool = False) -> subprocess.Popen:
    return kepu_started("run", "--config", str(city.config), *flags, own_api=own_api)


def finish(run: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = run.communicate(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    return run.returncode, out, err


def session_members(session: int) -> list[int]:
    """Living processes of a session (a run started with start_new_session leads its own)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat", encoding="ascii", errors="replace").read()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] not in ("Z", "X") and int(fields[3]) == session:
                members.append(int(entry))
    return members


def wait_until_holding(city, run: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not pid_path(city.warehouse).exists():
        assert run.poll() is None and time.monotonic() < deadline, finish(run)
        time.sleep(0.05)


def test_two_runs_started_at_once_wait_or_refuse_and_leave_nothing(tmp_path, kepu_children):
    city = make_city(tmp_path / "city")
    sessions = []
    for round_ in range(3):
        submit_night(city, round_)
        own_api = round_ == 0  # the first round each with its own Prefect API (beside the one warehouse)
        first = kepu_run(city, own_api=own_api)
        if round_ < 2:  # started at the same moment; either may take the lock
            second = kepu_run(city, own_api=own_api)
            (code1, out1, err1), (code2, out2, err2) = finish(first), finish(second)
            assert (code1, code2) == (0, 0), out1 + err1 + out2 + err2
            assert "Traceback" not in err1 + err2
        else:  # the second is told not to wait: it refuses, in one line naming the first
            wait_until_holding(city, first)
            second = kepu_run(city, "--wait", "0")
            code2, out2, err2 = finish(second)
            code1, out1, err1 = finish(first)
            assert code1 == 0, out1 + err1
            assert code2 != 0 and "Traceback" not in err2
            assert len(err2.strip().splitlines()) == 1 and f"进程 {first.pid}" in err2, err2
        sessions += [first.pid, second.pid]

    runs = query(city.warehouse, "select outcome, started_at, finished_at from audit.runs order by started_at")
    assert [o for o, *_ in runs].count("published") == 3, runs
    assert len(runs) == 5  # the refused run never began
    for (_, _, finished), (_, started, _) in zip(runs, runs[1:]):
        assert started >= finished, "two runs overlapped"

    deadline = time.monotonic() + 10
    while any(session_members(s) for s in sessions) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [session_members(s) for s in sessions] == [[]] * len(sessions)
    assert not pid_path(city.warehouse).exists() and leftovers_beside(city.warehouse) == []
    with guarded(city.warehouse, wait=0):
        pass
    assert (query(city.warehouse, TOTALS), query(city.warehouse, PER_UNIT)) == clean_totals(city, tmp_path)
