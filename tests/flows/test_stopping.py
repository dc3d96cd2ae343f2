"""`kepu run` stopped the ways a run is stopped: SIGTERM (systemd, kill), Ctrl-C, kill -9. A stopped run ends
within seconds even in the middle of its parse, with thread and process workers alike; says so in one line;
records itself as failed; and leaves no process, staging file or pid file behind. After a kill -9 the next
run stops what the killed one left and completes.

Each test runs the real command in a subprocess. `tests/flows/hooks/sitecustomize.py` (on PYTHONPATH, so
loaded by the command and its worker processes) makes one stage take KEPU_TEST_PARSE_DELAY seconds longer
(each file's parse; the scan, the core SQL, the publish, the outputs or the notices once), so the signal lands
in the middle of that stage: in the core, inside a DuckDB query.

How long a stop may take: ≤ STOP_SECONDS on a quiet machine (the measured time is printed); the assertion
allows LOADED_FACTOR times that, for a machine whose cores are busy with other work."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from kepu.flows import processes
from kepu.flows.lifecycle import guarded, pid_path, read_pid_file
from tests.builders import activity, make_city
from tests.kepu_process import kepu, kepu_started

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("kepu_children")]  # a Prefect home whose API database is migrated once

HOOKS = Path(__file__).parent / "hooks"
FILES = 40
STOP_SECONDS = 5
LOADED_FACTOR = 3


@pytest.fixture
def slow_city(tmp_path):
    city = make_city(tmp_path / "city")
    for n in range(FILES):
        city.submit(f"东升街道/第{n:02d}次.xlsx", "D01T01", [activity(f"科普讲座{n}", 17, 100 + n)])
    return city


def hooks_env(log: Path, delay: float | None, stage: str = "parse") -> dict:
    """The test hooks on PYTHONPATH; with `delay`, stage `stage` takes that much longer and each begun parse
    is written to `log`."""
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(HOOKS), os.environ.get("PYTHONPATH")]))}
    if delay:
        env.update(KEPU_TEST_PARSE_DELAY=str(delay), KEPU_TEST_STAGE=stage, KEPU_TEST_PARSE_LOG=str(log))
    return env


def start_run(city, log: Path, *flags: str, delay: float = 0.5, stage: str = "parse",
              output: Path | None = None) -> subprocess.Popen:
    """`kepu run` with its own Prefect API (the processes a stop must end), in its own session."""
    return kepu_started("run", "--config", str(city.config), *flags, own_api=True, output=output,
                        **hooks_env(log, delay, stage))


def run_again(city) -> subprocess.CompletedProcess:
    """The next night's `kepu run`, reporting to the session's Prefect API: what it checks is what the stopped
    run left, not the processes it starts itself."""
    return kepu("run", "--config", str(city.config), **hooks_env(Path(os.devnull), None))


def parses_begun(log: Path) -> int:
    """Files whose parse began in runs started with `log` (tests/flows/hooks writes one line for each)."""
    try:
        return log.read_text(encoding="utf-8").count("\n")
    except FileNotFoundError:
        return 0


def wait_for_parsing(run: subprocess.Popen, log: Path, at_least: int = 3, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        if parses_begun(log) >= at_least:
            return
        time.sleep(0.1)
    raise AssertionError("the run never started parsing")


def gone_soon(started: list[processes.ProcessId], timeout: float = 5) -> list[processes.ProcessId]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(processes.alive(p) for p in started):
        time.sleep(0.1)
    return [p for p in started if processes.alive(p)]


def named_in_pid_file(city, run: subprocess.Popen, at_least: int) -> bool:
    """Whether `run` has `at_least` processes below it and its pid file names each of them (the run's watcher
    names a new one within its scan interval; a kill -9 before that leaves it unnamed, as it would anyone)."""
    below = [p for p in processes.descendants(run.pid) if not processes.is_resource_tracker(p)]
    holder = read_pid_file(city.warehouse)
    return len(below) >= at_least and holder is not None and {p.pid for p in below} <= {p.pid for p in holder.processes}


def observed(city, run: subprocess.Popen, log: Path) -> str:
    """What a waiting test saw: the processes below `run`, those its pid file names, the parses begun."""
    holder = read_pid_file(city.warehouse)
    return (f"below {[(p.pid, p.name[:70]) for p in processes.descendants(run.pid)]}; pid file "
            f"{[(p.pid, p.name[:20]) for p in holder.processes] if holder else None}; parses {parses_begun(log)}")


def runs(city) -> list[tuple]:
    con = duckdb.connect(str(city.warehouse), read_only=True)
    try:
        return con.execute("select outcome, message from audit.runs order by started_at").fetchall()
    finally:
        con.close()


def assert_nothing_left(city) -> None:
    folder = city.warehouse.parent
    assert not list(folder.glob(".*staging*")) and not list(folder.glob("files/??/*.part"))
    assert not pid_path(city.warehouse).exists()
    with guarded(city.warehouse, wait=0):  # the lock is free
        pass


STOPPED = {signal.SIGTERM: "运行收到停止信号 SIGTERM，已停止，未发布任何更改。",
           signal.SIGINT: "运行被中断（Ctrl-C），已停止，未发布任何更改。"}
AFTER_PUBLISH = {"outputs": "运行收到停止信号 SIGTERM（正在生成汇总表），已停止：数据仓库已发布，汇总表可能未全部更新，下次运行时重新生成。",
                 "notices": "运行收到停止信号 SIGTERM（正在发送通知），已停止：数据仓库和汇总表已发布，未发出的通知下次运行时发送。"}


@pytest.mark.parametrize("stage,runner,signum", [
    ("scan", "thread", signal.SIGTERM),
    ("parse", "thread", signal.SIGTERM), ("parse", "process", signal.SIGTERM), ("parse", "auto", signal.SIGTERM),
    ("parse", "thread", signal.SIGINT),
    ("core", "thread", signal.SIGTERM), ("core", "thread", signal.SIGINT),
    ("publish", "thread", signal.SIGTERM),
    ("outputs", "thread", signal.SIGTERM),
    ("notices", "thread", signal.SIGTERM),
])
def test_a_stopped_run_ends_in_seconds_records_itself_and_leaves_nothing(slow_city, tmp_path, stage, runner, signum):
    if runner == "auto":  # a large inbox: parsed in a pool of processes opened for the parse alone
        with slow_city.config.open("a", encoding="utf-8") as config:
            config.write("\n[run]\nprocesses_from = 10\n")
    if stage == "notices":
        with slow_city.config.open("a", encoding="utf-8") as config:
            config.write('\n[notices]\nsender = "kepu@example.org"\noffice_email = "kpb@example.org"\n')
    log = tmp_path / "parsed.log"
    delay = 0.5 if stage == "parse" else 60
    run = start_run(slow_city, log, "--task-runner", runner, "--workers", "2", stage=stage, delay=delay)
    try:
        wait_for_parsing(run, log, at_least=3 if stage == "parse" else 1)
        if stage == "core":
            time.sleep(0.5)  # well inside the queries
        started = processes.descendants(run.pid)
        assert any("uvicorn" in p.name for p in started), started  # the run's own Prefect API
        sent = time.monotonic()
        run.send_signal(signum)
        out, err = run.communicate(timeout=120)
        took = time.monotonic() - sent
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    print(f"\n{stage} {runner} {signal.Signals(signum).name}: stopped in {took:.1f} s")
    assert run.returncode == 128 + signum, out + err
    assert took < STOP_SECONDS * LOADED_FACTOR, f"took {took:.1f} s to stop"
    if stage == "parse":
        assert parses_begun(log) < FILES, "the signal should land in the middle of the parse"
    line = AFTER_PUBLISH.get(stage) or STOPPED[signum]
    assert err.strip().splitlines() == [line], err  # one line: no library's log, no traceback
    assert "Traceback" not in out + err and "|" not in err
    if stage in AFTER_PUBLISH:
        assert [o for o, _ in runs(slow_city)] == ["published"]
    else:
        assert runs(slow_city) == [("failed", line)]
    assert gone_soon(started) == []
    assert_nothing_left(slow_city)
    if stage in AFTER_PUBLISH:  # the next run finishes what the stop left: it does not call the night unchanged
        again = run_again(slow_city)
        assert again.returncode == 0, again.stdout + again.stderr
        assert [o for o, _ in runs(slow_city)] == ["published", "published"]
        assert (slow_city.root / "out").is_dir()


def test_after_kill_9_the_next_run_stops_the_leftovers_and_completes(slow_city, tmp_path):
    log, output = tmp_path / "parsed.log", tmp_path / "run.out"
    # 1 s a file: the parse lasts ~20 s, long after the watcher named the API and both pool workers
    run = start_run(slow_city, log, "--task-runner", "process", "--workers", "2", delay=1.0, output=output)
    try:
        wait_for_parsing(run, log)
        deadline, seen = time.monotonic() + 120, []
        while not named_in_pid_file(slow_city, run, at_least=3):
            # the API and both pool workers, once the run's watcher has named them
            seen.append(observed(slow_city, run, log))
            assert run.poll() is None and time.monotonic() < deadline, (
                "never named: " + "\n".join(dict.fromkeys(seen)) + f"\nexit {run.poll()}, output "
                + repr(output.read_text(encoding="utf-8")[-1000:]))
            time.sleep(0.2)
        started = processes.descendants(run.pid)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    assert pid_path(slow_city.warehouse).exists()  # kill -9: no chance to clean up
    api = [p for p in started if "uvicorn" in p.name]
    assert api and gone_soon(api, timeout=60) == []  # the kernel ends the API when its parent dies; pool workers not
    survivors = [p for p in started if processes.alive(p) and not processes.is_resource_tracker(p)]

    again = run_again(slow_city)

    assert again.returncode == 0, again.stdout + again.stderr
    assert "已发布" in again.stdout
    if survivors:
        assert f"上一次运行异常退出，已停止它遗留的 {len(survivors)} 个进程。" in again.stdout
    left = [p for p in started if processes.alive(p)]
    assert left == [], left
    assert [o for o, _ in runs(slow_city)] == ["published"]
    assert_nothing_left(slow_city)
