"""`kepu serve`: the nightly deployment's cron and timezone, and a served process that stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from kepu.flows.schedule import nightly_deployment
from kepu.settings import load_settings
from tests.builders import activity, add_shadowing_folders, make_city


def test_deployment_runs_nightly_at_two_beijing_time(tmp_path):
    city = make_city(tmp_path / "city")
    deployment = nightly_deployment(load_settings(city.config), city.config)

    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert deployment.parameters == {"config": str(city.config.resolve())}
    assert deployment.entrypoint == "kepu.flows.nightly.nightly"


@pytest.mark.usefixtures("prefect_harness")
def test_deployment_is_registered_with_the_server(tmp_path):
    from prefect.client.orchestration import get_client

    city = make_city(tmp_path / "city")
    deployment_id = nightly_deployment(load_settings(city.config), city.config, cron="30 1 * * *").apply()

    with get_client(sync_client=True) as client:
        stored = client.read_deployment(deployment_id)
    (schedule,) = stored.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 1 * * *", "Asia/Shanghai")
    assert stored.parameters == {"config": str(city.config.resolve())}


def test_a_schedule_with_no_run_planned_is_told_once_and_its_recovery_too(tmp_path):
    """A Prefect server whose scheduler fails logs it in its own log and carries on: serve says so."""
    from kepu.flows.schedule import FailureWatcher

    city = make_city(tmp_path / "city")
    said: list[str] = []
    watcher = FailureWatcher(load_settings(city.config), "nightly-x", say=said.append,
                             server_log=tmp_path / "prefect-server.log", grace=0)
    watcher.check_planned(False)
    watcher.check_planned(False)
    (warning,) = said
    assert "未为定时任务 nightly-x 排定下一次运行" in warning and "prefect-server.log" in warning
    watcher.check_planned(True)
    watcher.check_planned(True)
    assert len(said) == 2 and "已恢复" in said[1]


def test_no_warning_within_the_grace_after_registering(tmp_path):
    from kepu.flows.schedule import FailureWatcher

    said: list[str] = []
    watcher = FailureWatcher(load_settings(make_city(tmp_path / "city").config), "nightly-x", say=said.append)
    watcher.check_planned(False)
    assert said == []


@pytest.mark.usefixtures("prefect_harness")
def test_the_watcher_sees_a_planned_run_of_the_deployment(tmp_path):
    from prefect.client.orchestration import get_client

    from kepu.flows.schedule import FailureWatcher

    city = make_city(tmp_path / "city")
    settings = load_settings(city.config)
    deployment = nightly_deployment(settings, city.config, name="nightly-watched")
    deployment.schedules = []  # runs planned by hand only, whatever the test server's scheduler does
    deployment_id = deployment.apply()
    said: list[str] = []
    watcher = FailureWatcher(settings, deployment.name, say=said.append, grace=0)
    assert watcher.check() == [] and "未为定时任务" in said[0]
    with get_client(sync_client=True) as client:
        client.create_flow_run_from_deployment(deployment_id)
    assert watcher.check() == [] and len(said) == 2 and "已恢复" in said[1]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def published_runs(warehouse) -> int:
    import duckdb

    if not warehouse.exists():
        return 0
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select count(*) from audit.runs where outcome = 'published'").fetchone()[0]
    finally:
        con.close()


class Served:
    """`kepu serve` in a subprocess, its output read as it comes (by a thread, so the test never blocks on
    it), and what to show when the test fails: that output, the flow runs the server knows with their
    states, the end of the server's log and audit.runs."""

    def __init__(self, city, port: int, env: dict, console_port: int = 0):
        self.city, self.port = city, port
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kepu.cli", "serve", "--config", "kepu.toml", "--cron", "* * * * *",
             "--port", str(port), "--console-port", str(console_port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=city.root)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None and text not in self.output:
            time.sleep(0.2)
        return text in self.output

    def flow_runs(self) -> str:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/flow_runs/filter", method="POST",
            data=json.dumps({"sort": "EXPECTED_START_TIME_ASC", "limit": 8}).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                runs = json.loads(response.read())
        except OSError as exc:
            return f"(flow runs not readable: {exc!r})"
        return "\n".join(f"  {r['name']}: {r['state_name']} expected {r['expected_start_time']} started "
                         f"{r['start_time']} — {(r.get('state') or {}).get('message')}" for r in runs) or "  (none)"

    def diagnosis(self) -> str:
        log = self.city.warehouse.parent / "prefect-server.log"
        server_log = log.read_text(encoding="utf-8", errors="replace")[-6000:] if log.exists() else "(no log)"
        try:
            import duckdb

            con = duckdb.connect(str(self.city.warehouse), read_only=True)
            runs = con.execute("select run_id, outcome, message from audit.runs").fetchall()
            con.close()
        except Exception as exc:
            runs = f"(audit.runs not readable: {exc!r})"
        return (f"\n--- kepu serve output ---\n{self.output}\n--- flow runs ---\n{self.flow_runs()}"
                f"\n--- audit.runs ---\n{runs}\n--- end of {log} ---\n{server_log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=10)


def test_serve_runs_the_schedule_on_a_local_server_and_stops_it_on_sigterm(tmp_path):
    """The real thing, every minute instead of nightly: the served deployment runs the pipeline. It is
    served from the campaign folder, which holds a `warehouse/` data folder and folders named like
    kepu's other layers: Prefect starts each scheduled run with that folder first on sys.path."""
    from kepu.flows.server import free_port

    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    add_shadowing_folders(city.root)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PREFECT_UI_ENABLED"] = "false"
    console_port = free_port()
    served = Served(city, free_port(), env, console_port=console_port)
    try:
        assert served.wait_for("已注册定时任务", timeout=240), served.diagnosis()
        assert served.wait_for(f"控制台：http://127.0.0.1:{console_port}/", timeout=60), served.diagnosis()
        deadline = time.monotonic() + 120  # the console beside the schedule answers (kepu console)
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{console_port}/", timeout=30) as page:
                    assert "今日概况" in page.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("kepu serve's console did not answer" + served.diagnosis())
        assert any("已注册定时任务" in line and "Asia/Shanghai" in line for line in served.lines), served.diagnosis()
        server_pids = _children(served.proc.pid)
        assert server_pids, "the local Prefect server should run as a child process"
        # The first run is due at the next minute; on a loaded machine it may start late and take a while.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and published_runs(city.warehouse) == 0 and served.proc.poll() is None:
            time.sleep(2)
        assert published_runs(city.warehouse) >= 1, \
            "the scheduled run should have published the warehouse" + served.diagnosis()
        registered = len(served.lines)
        served.proc.send_signal(signal.SIGTERM)
        served.proc.wait(timeout=60)
        served.reader.join(timeout=10)
    finally:
        served.stop()
    assert "Traceback" not in served.output, served.diagnosis()
    assert "警告" not in served.output, served.diagnosis()
    assert "已停止" in "".join(served.lines[registered:]), served.diagnosis()
    def ended(pid: int) -> bool:
        try:
            return open(f"/proc/{pid}/stat").read().split()[2] == "Z"
        except FileNotFoundError:
            return True

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(ended(pid) for pid in server_pids):
        time.sleep(0.1)
    assert all(ended(pid) for pid in server_pids), server_pids
