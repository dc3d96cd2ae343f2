"""A local Prefect server as a child process, for `kepu serve` when no PREFECT_API_URL is configured:
Prefect's temporary in-process server refuses schedules, so the scheduler needs a real one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kepu.schemas.errors import KepuError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(api_url: str, process: subprocess.Popen | None = None, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise KepuError(f"本地 Prefect 服务启动失败（退出码 {process.returncode}）。")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise KepuError(f"本地 Prefect 服务在 {timeout:.0f} 秒内未就绪：{api_url}")


@contextmanager
def local_server(port: int | None = None, log_path: Path | None = None) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1, wait until it answers, yield its API URL, stop it."""
    port = port or free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true")},
    )
    try:
        wait_healthy(api_url, process)
        yield api_url
    finally:
        stop(process)
        if log_path:
            log.close()


def stop(process: subprocess.Popen, grace: float = 15) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
