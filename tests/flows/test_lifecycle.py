"""A run's life: one run per warehouse (the second waits, bounded, then refuses naming the first), every
process it starts named in its pid file and ended with it, a killed run's leftovers (processes, staging
and partial files) cleaned up by the next, and stop signals turned into one recorded, one-line stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from kepu.flows import lifecycle, processes
from kepu.flows.lifecycle import guarded, pid_path, read_pid_file
from kepu.schemas.errors import BatchStopped, RunStopped, WarehouseBusy


def alive(pid: int) -> bool:
    return processes.alive(processes.identify(pid))


def hold_lock(warehouse, seconds: float) -> subprocess.Popen:
    """Another kepu process holding `warehouse` for `seconds` (it prints `held` once it does)."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from kepu.flows.lifecycle import guarded
        with guarded(Path({str(warehouse)!r}), command="kepu run"):
            print("held", flush=True)
            time.sleep({seconds})
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_waits_for_the_first(tmp_path):
    warehouse = tmp_path / "kepu.duckdb"
    holder = hold_lock(warehouse, 1.5)
    waits: list[str] = []
    started = time.monotonic()
    try:
        with guarded(warehouse, wait=30, on_wait=waits.append):
            waited = time.monotonic() - started
    finally:
        holder.wait(timeout=10)
    assert 0.5 < waited < 15
    assert waits and f"进程 {holder.pid}" in waits[0]


def test_a_second_run_refuses_after_its_wait_naming_the_first(tmp_path):
    warehouse = tmp_path / "kepu.duckdb"
    holder = hold_lock(warehouse, 30)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as refused:
            with guarded(warehouse, wait=1):
                pass
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()
    message = str(refused.value)
    assert f"进程 {holder.pid}" in message and "kepu run" in message and "已等待 1 秒" in message
    assert "\n" not in message


def test_the_pid_file_names_the_run_and_every_process_it_starts(tmp_path):
    warehouse = tmp_path / "kepu.duckdb"
    with guarded(warehouse, command="kepu run") as guard:
        child = subprocess.Popen(["sleep", "60"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            record = read_pid_file(warehouse)
            if record and any(p.pid == child.pid for p in record.processes):
                break
            time.sleep(0.1)
        assert record.owner.pid == os.getpid() and record.command == "kepu run"
        assert [p.pid for p in record.processes] == [child.pid]
        assert guard.started[child.pid].started > 0  # named with its start time, never by pid alone
    child.wait(timeout=10)  # ended by the guard on the way out
    assert child.returncode == -signal.SIGTERM
    assert not pid_path(warehouse).exists()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def test_pool_workers_started_under_a_warnings_filter_naming_the_tracker_are_named(tmp_path, monkeypatch):
    """A pool worker's command line carries the interpreter's -W options: started by a process whose
    PYTHONWARNINGS names multiprocessing.resource_tracker (as kepu's own does, for its children), it is a
    worker of the run all the same, not the shared resource tracker, and the pid file names it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import resource_tracker

    monkeypatch.setattr(sys, "warnoptions", [*sys.warnoptions, "ignore::UserWarning:multiprocessing.resource_tracker"])
    warehouse = tmp_path / "kepu.duckdb"
    with guarded(warehouse, command="kepu run"):
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            pool.submit(_sleep, 0).result(timeout=60)
            (worker,) = [processes.identify(pid) for pid in pool._processes]
            assert "multiprocessing.resource_tracker" in " ".join(processes.command_line(worker.pid))
            tracker = processes.identify(resource_tracker._resource_tracker._pid)
            assert processes.is_resource_tracker(tracker) and not processes.is_resource_tracker(worker)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                named = {p.pid for p in read_pid_file(warehouse).processes}
                if worker.pid in named:
                    break
                time.sleep(0.1)
            assert worker.pid in named and tracker.pid not in named


def test_processes_running_before_the_run_are_not_its_own(tmp_path):
    earlier = subprocess.Popen(["sleep", "60"])
    try:
        with guarded(tmp_path / "kepu.duckdb"):
            time.sleep(lifecycle.SCAN_INTERVAL * 2)
        assert earlier.poll() is None
    finally:
        earlier.kill()
        earlier.wait()


def dead_process() -> processes.ProcessId:
    """The identity of a process that has ended (a run killed with kill -9)."""
    gone = subprocess.Popen(["sleep", "0.01"])
    identity = processes.identify(gone.pid, "kepu run")
    gone.wait()
    return identity


def test_the_next_run_stops_what_a_killed_run_left_running(tmp_path):
    """kill -9 gives a run no chance to clean up: its pid file stays, naming what it started."""
    warehouse = tmp_path / "kepu.duckdb"
    leftover = subprocess.Popen(["sleep", "300"], start_new_session=True)
    owner = dead_process()
    pid_path(warehouse).write_text(json.dumps({
        "pid": owner.pid, "started": owner.started, "command": "kepu run", "since": "2023-09-26T02:00:00",
        "processes": [processes.identify(leftover.pid, "prefect-api").as_record()]}), encoding="utf-8")
    try:
        with guarded(warehouse) as guard:
            leftover.wait(timeout=10)
            assert guard.notes == ["上一次运行异常退出，已停止它遗留的 1 个进程。"]
            assert read_pid_file(warehouse).owner.pid == os.getpid()
    finally:
        if leftover.poll() is None:
            leftover.kill()
            leftover.wait()


def test_a_pid_reused_by_another_process_is_never_signalled(tmp_path):
    warehouse = tmp_path / "kepu.duckdb"
    bystander = subprocess.Popen(["sleep", "60"])
    owner = dead_process()
    pid_path(warehouse).write_text(json.dumps({
        "pid": owner.pid, "started": owner.started, "command": "kepu run", "since": "",
        "processes": [{"pid": bystander.pid, "started": 1, "name": "prefect-api"}]}), encoding="utf-8")
    try:
        with guarded(warehouse) as guard:
            assert guard.notes == []
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_half_written_leftovers_of_a_killed_run_are_removed(tmp_path):
    warehouse = tmp_path / "warehouse" / "kepu.duckdb"
    out = tmp_path / "out" / "2023-science-day"
    (tmp_path / "warehouse" / "files" / "ab").mkdir(parents=True)
    (out / "回执").mkdir(parents=True)
    kept = tmp_path / "warehouse" / "files" / "ab" / ("ab" * 32 + ".xlsx")
    kept.write_bytes(b"kept")
    leftovers = [
        tmp_path / "warehouse" / ".kepu.duckdb.staging", tmp_path / "warehouse" / ".kepu.duckdb.staging.wal",
        tmp_path / "warehouse" / ".kepu.duckdb.rebuild.staging",
        tmp_path / "warehouse" / "files" / "ab" / ("cd" * 32 + ".xlsx.part"),
        out / "回执" / f".东升街道.{dead_process().pid}.tmp.xlsx",
    ]
    for path in leftovers:
        path.write_bytes(b"half")
    someone_writing = out / f".全市汇总.{os.getpid()}.tmp.xlsx"
    someone_writing.write_bytes(b"being written")

    with guarded(warehouse, out=out) as guard:
        assert guard.notes == ["已清理上一次运行遗留的 5 个临时文件。"]
    assert not any(p.exists() for p in leftovers)
    assert kept.exists() and someone_writing.exists()


def test_a_stop_signal_raises_in_the_run_and_stops_its_batches(tmp_path):
    with pytest.raises(RunStopped) as stopped:
        with guarded(tmp_path / "kepu.duckdb"):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
    assert stopped.value.signum == signal.SIGTERM
    assert lifecycle.describe(stopped.value) == "运行收到停止信号 SIGTERM，已停止，未发布任何更改。"
    lifecycle.check_stop()  # the next run starts afresh
    assert signal.getsignal(signal.SIGTERM) is not lifecycle._on_signal


def test_parse_batches_end_between_files_once_the_run_stops():
    lifecycle.request_stop(signal.SIGINT)
    try:
        with pytest.raises(BatchStopped):
            lifecycle.check_stop()
    finally:
        lifecycle._stop.clear()
        lifecycle._stop_signal.clear()


def test_how_each_way_of_stopping_is_told():
    assert lifecycle.describe(KeyboardInterrupt()) == "运行被中断（Ctrl-C），已停止，未发布任何更改。"
    assert lifecycle.describe(RunStopped(signal.SIGHUP)) == "运行所在的终端已断开（SIGHUP），已停止，未发布任何更改。"
    late = RunStopped(signal.SIGTERM)
    late.kepu_published = True
    assert "数据仓库已发布" in lifecycle.describe(late)
    from prefect.exceptions import TerminationSignal

    assert lifecycle.stop_signal_of(TerminationSignal(signal.SIGTERM)) == signal.SIGTERM
    assert lifecycle.describe(ValueError("x")) == "ValueError: x"


def test_a_call_apart_returns_its_result_raises_its_error_and_ends_when_the_caller_is_stopped():
    import operator

    assert processes.call_apart(operator.add, 2, 3) == 5
    with pytest.raises(ZeroDivisionError):
        processes.call_apart(operator.truediv, 1, 0)

    def stop(signum, frame):
        raise RunStopped(signal.SIGTERM)

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, 3)
    started = time.monotonic()
    try:
        with pytest.raises(RunStopped):
            processes.call_apart(time.sleep, 120)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 30
    assert [p for p in processes.descendants() if "spawn_main" in p.name and processes.alive(p)] == []


def test_the_run_api_database_is_set_up_once_and_a_new_warehouse_starts_from_a_copy(tmp_path, monkeypatch):
    import sqlite3

    from kepu.flows import server

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    first = tmp_path / "first" / server.API_DATABASE
    first.parent.mkdir()
    assert server._prepare(first) is False  # no template yet: the API migrates and registers from nothing
    with sqlite3.connect(first) as con:  # what the API's start leaves in it
        con.execute("create table block_type (name text)")
        con.execute("insert into block_type values ('local-file-system')")
    con.close()
    server._remember_prepared(first)
    assert server._prepare(first) is True  # the next start skips the block registration

    second = tmp_path / "second" / server.API_DATABASE
    second.parent.mkdir()
    assert server._prepare(second) is True
    with sqlite3.connect(second) as con:
        assert con.execute("select name from block_type").fetchall() == [("local-file-system",)]
    con.close()

    monkeypatch.setattr(server, "_prefect_version", lambda: "99.0.0")  # another Prefect: set up again
    assert server._prepare(first) is False
    assert server._prepare(tmp_path / "third" / server.API_DATABASE) is False
