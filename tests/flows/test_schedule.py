"""`kepu serve`: the nightly deployment's cron and timezone, and a served process that stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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


def test_serve_runs_the_schedule_on_a_local_server_and_stops_it_on_sigterm(tmp_path):
    """The real thing, every minute instead of nightly: the served deployment runs the pipeline. It is
    served from the campaign folder, which holds a `warehouse/` data folder and folders named like
    kepu's other layers: Prefect starts each scheduled run with that folder first on sys.path."""
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    add_shadowing_folders(city.root)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PREFECT_UI_ENABLED"] = "false"
    proc = subprocess.Popen([sys.executable, "-m", "kepu.cli", "serve", "--config", "kepu.toml",
                             "--cron", "* * * * *"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=city.root)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "已注册定时任务" in line:
                break
        assert any("已注册定时任务" in line and "Asia/Shanghai" in line for line in lines), "".join(lines)
        server_pids = _children(proc.pid)
        assert server_pids, "the local Prefect server should run as a child process"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and published_runs(city.warehouse) == 0:
            time.sleep(2)
        assert published_runs(city.warehouse) >= 1, "the scheduled run should have published the warehouse"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        rest = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in "".join(lines) + rest
    assert "已停止" in rest
    time.sleep(0.5)
    for pid in server_pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
