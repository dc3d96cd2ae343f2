"""The Prefect API kepu reports to, when none is configured (PREFECT_API_URL): for `kepu serve` a local
Prefect server with its UI, as a child process (Prefect's temporary server refuses schedules); for
`kepu run` a temporary API as a child process of the run.

Prefect would start that temporary API itself, on first use, and stop it from an `atexit` hook, which a
SIGTERM or a kill -9 never reaches: every stopped run left a ~190 MB `uvicorn` behind. kepu starts it
instead, as its own child: named in the run's pid file at once, in its own session (a Ctrl-C meant for
the run does not kill the API the run still reports its end to), told by the kernel to stop when the run
dies (PR_SET_PDEATHSIG), and stopped when the run ends."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kepu.flows import lifecycle, processes
from kepu.schemas.errors import ConfigError, KepuError


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
        time.sleep(0.1)
    raise KepuError(f"本地 Prefect 服务在 {timeout:.0f} 秒内未就绪：{api_url}")


SERVE_PORT = 4200
"""Where `kepu serve` runs its local Prefect server (and where the Prefect UI expects it), unless --port."""


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


@contextmanager
def local_server(port: int = SERVE_PORT, log_path: Path | None = None) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1:`port` with its UI told that very address (the UI reads
    its API's address from the server's /ui-settings), wait until it answers, yield its API URL, stop it."""
    if not port_free(port):
        raise ConfigError(f"端口 {port} 已被占用（可能已有 kepu serve 或 Prefect 服务在运行），请用 --port 指定其他端口。")
    api_url = f"http://127.0.0.1:{port}/api"
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    env = {**os.environ, "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true"),
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
           "PREFECT_UI_API_URL": api_url, "PREFECT_UI_URL": api_url.removesuffix("/api")}
    env.pop("PREFECT_API_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, env=env,
        preexec_fn=_parent_death_signal(),
    )
    try:
        wait_healthy(api_url, process)
        with pointed_at(api_url):
            yield api_url
    finally:
        stop(process)
        if log_path:
            log.close()


def _api_command(port: int) -> list[str]:
    """What Prefect itself runs for its temporary server (prefect.server.api.server.SubprocessASGIServer),
    found without importing Prefect (so it starts while the run is still importing it)."""
    spec = importlib.util.find_spec("prefect")
    app_dir = Path(spec.submodule_search_locations[0]).parent if spec and spec.submodule_search_locations else None
    return [sys.executable, "-m", "uvicorn", *(["--app-dir", str(app_dir)] if app_dir else []), "--factory",
            "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]


def api_configured() -> bool | None:
    """Whether a Prefect API is configured, told without importing Prefect when the answer is plain: True
    (PREFECT_API_URL in the environment, or in the active profile), False (no profile names one and no
    prefect.toml, .env or [tool.prefect] here could), None (ask Prefect)."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    if "prefect.context" in sys.modules:
        return None
    cwd = Path.cwd()
    if (cwd / "prefect.toml").exists() or (cwd / ".env").exists():
        return None
    try:
        if "[tool.prefect" in (cwd / "pyproject.toml").read_text(encoding="utf-8"):
            return None
    except (OSError, UnicodeDecodeError):
        pass
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    if not profiles.exists():
        return False
    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or data.get("active") or "ephemeral"
    return bool(data.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"))


API_DATABASE = "prefect-api.db"
"""The temporary API's own SQLite database, beside the warehouse: runs of one warehouse never run at once
(they hold its lock), so it is never shared; a `kepu serve` server on the default database never locks it."""
API_DATABASE_LIMIT = 128 * 1024 * 1024
"""Bytes past which that database (flow and task runs, events: kepu's own history is audit.runs) is started
afresh, so it does not grow night after night."""


class RunApi:
    """A temporary Prefect API for one run, started as the run's own child process."""

    def __init__(self, guard=None, folder: Path | None = None):
        self.guard = guard
        self.folder = folder
        self.log = open(folder / "prefect-api.log", "wb") if folder else subprocess.DEVNULL
        self.process: subprocess.Popen | None = None
        self.url = ""
        self._previous_url = os.environ.get("PREFECT_API_URL")
        self._ready = False
        self.database: Path | None = None
        """The API's own database when kepu chose it (beside the warehouse)."""
        self.prepared = False
        """Whether that database was set up (migrated, block types registered) for this Prefect before."""

    def start(self) -> RunApi:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        if self.folder is not None and not env.get("PREFECT_API_DATABASE_CONNECTION_URL"):
            self.database = _fresh_if_large(self.folder / API_DATABASE)
            self.prepared = _prepare(self.database)
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{self.database}"
            if self.prepared:  # its block types are registered for this Prefect already
                env["PREFECT_API_BLOCKS_REGISTER_ON_START"] = "false"
            else:  # Prefect's memo may name an earlier database of the same path: register them here
                env["PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION"] = "false"
        self.process = subprocess.Popen(_api_command(port), env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        preexec_fn=_parent_death_signal())
        if self.guard is not None:
            self.guard.track(processes.identify(self.process.pid, "prefect-api"), keep_running=True)
        _point_prefect_at(self.url)
        return self

    def ready(self) -> str:
        """Wait until the API answers (it started while the run went on); a port taken meanwhile (uvicorn's
        exit code 3) is tried again on another."""
        if self._ready:
            return self.url
        for attempt in range(3):
            try:
                wait_healthy(self.url, self.process, timeout=_startup_timeout())
                self._ready = True
                if self.database is not None and not self.prepared:
                    _remember_prepared(self.database)
                return self.url
            except KepuError:
                stop(self.process, grace=5)
                if attempt == 2 or self.process.returncode != 3:
                    raise
                self.start()
        return self.url

    def stop(self) -> None:
        """Let the run's last logs and events reach the API, then end it. A stopping run gives both a second
        or two: a stop has seconds, and the run's outcome is in audit.runs already."""
        stopping = lifecycle.stop_requested()
        if self.process is not None:
            if self.process.poll() is None:
                _drain_prefect_workers(timeout=1 if stopping else 5)
            stop(self.process, grace=2 if stopping else 5)
        _point_prefect_at(self._previous_url)
        if self.log is not subprocess.DEVNULL:
            self.log.close()


_current: list[RunApi] = []


def _drain_prefect_workers(timeout: float = 5) -> None:
    """Let Prefect send the logs and events it still holds while its API is up (as its own test harness
    does), instead of retrying against a stopped API when the process exits."""
    if "prefect.events.worker" not in sys.modules and "prefect.logging.handlers" not in sys.modules:
        return
    try:
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        for worker in (APILogWorker, EventsWorker):
            worker.drain_all(timeout=timeout)
    except Exception:  # draining is a courtesy: the run's outcome is already recorded
        pass


def _parent_death_signal():
    """The kernel ends a child when the *thread* that started it ends: only the main thread lives as long as
    the run, so only a child started there is tied to it."""
    import threading

    return processes.die_with_parent if threading.current_thread() is threading.main_thread() else None


def _fresh_if_large(database: Path) -> Path:
    """`database`, removed first when it has grown past API_DATABASE_LIMIT."""
    try:
        if database.stat().st_size > API_DATABASE_LIMIT:
            for suffix in ("", "-wal", "-shm", PREPARED_SUFFIX):
                database.with_name(database.name + suffix).unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    return database


PREPARED_SUFFIX = ".prepared"
"""Beside the API's database: the Prefect version it was migrated and had its block types registered for.

A new database costs the API's start its ~100 migrations and the registration of every block type (~10 s
of a 2-core machine, more than the rest of the start); Prefect remembers a registration for one database
at a time (`memo_store.toml`), so runs on different warehouses, or tests, each redo it. So a database
kepu's API set up once says so here, and the next start on it skips the registration; a warehouse's
first run starts from a copy of a database set up for this Prefect (kept in PREFECT_HOME), not from
nothing."""


def _prefect_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("prefect")
    except PackageNotFoundError:
        return ""


def _template(version: str) -> Path:
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    return home / f"kepu-api-{version}.db"


def _prepare(database: Path) -> bool:
    """Whether `database` is set up for the installed Prefect already; a missing one is copied from the
    template of this Prefect when there is one (then it is set up too)."""
    version = _prefect_version()
    if not version:
        return False
    stamp = database.with_name(database.name + PREPARED_SUFFIX)
    if database.exists():
        try:
            return stamp.read_text(encoding="utf-8").strip() == version
        except OSError:
            return False
    template = _template(version)
    if not template.is_file():
        return False
    stamp.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    try:
        shutil.copyfile(template, database)
    except OSError:
        database.unlink(missing_ok=True)
        return False
    stamp.write_text(version, encoding="utf-8")
    return True


def _remember_prepared(database: Path) -> None:
    """`database` answered, migrated and registered, under the installed Prefect: say so beside it, and
    keep a copy of it as the template new warehouses start from (when there is none yet). Best effort: a
    failure here only means the next start does the work again."""
    version = _prefect_version()
    if not version:
        return
    try:
        database.with_name(database.name + PREPARED_SUFFIX).write_text(version, encoding="utf-8")
        template = _template(version)
        if not template.exists():
            template.parent.mkdir(parents=True, exist_ok=True)
            partial = template.with_name(f".{template.name}.{os.getpid()}.tmp")
            source, target = sqlite3.connect(str(database)), sqlite3.connect(str(partial))
            try:
                source.backup(target)  # a consistent copy while the API runs
            finally:
                target.close()
                source.close()
            os.replace(partial, template)
    except (OSError, sqlite3.Error):
        pass


def _startup_timeout() -> float:
    return float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 180)


def _point_prefect_at(url: str | None) -> None:
    """Every thread of this process (Prefect's log and event workers included) reports to `url`: the
    environment for a Prefect imported later, the global settings context for one already imported."""
    if url:
        os.environ["PREFECT_API_URL"] = url
    else:
        os.environ.pop("PREFECT_API_URL", None)
    if "prefect.context" in sys.modules:
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()


@contextmanager
def pointed_at(url: str) -> Iterator[str]:
    """Every thread of this process reports to the Prefect API at `url` until the block ends."""
    previous = os.environ.get("PREFECT_API_URL")
    _point_prefect_at(url)
    try:
        yield url
    finally:
        _point_prefect_at(previous)


def start_run_api(guard=None, folder: Path | None = None) -> RunApi | None:
    """Start the run's temporary API unless one is configured; None when one is (or one is already running
    for this run). Call `ready()` before the flow starts and `stop()` when the run ends."""
    if _current:
        return None
    configured = api_configured()
    if configured is None:
        from prefect.settings import PREFECT_API_URL

        configured = bool(PREFECT_API_URL.value())
    if configured:
        return None
    api = RunApi(guard, folder).start()
    _current.append(api)
    return api


@contextmanager
def started_api(guard=None, folder: Path | None = None) -> Iterator[RunApi | None]:
    """Start the run's temporary API (unless one is configured) and go on without waiting for it: the CLI
    starts it before importing Prefect and the flow, which takes about as long as the API takes to start.
    `run_api` inside waits for it to answer."""
    api = start_run_api(guard, folder)
    try:
        yield api
    finally:
        if api is not None:
            _current.remove(api)
            api.stop()


@contextmanager
def run_api(guard=None, folder: Path | None = None) -> Iterator[str | None]:
    """The API a run reports to for the whole run: a configured one as it is, the one already started for
    this run (by the CLI, before it imported Prefect), or a temporary one started here."""
    if _current:
        yield _current[-1].ready()
        return
    api = start_run_api(guard, folder)
    if api is None:
        yield None
        return
    try:
        yield api.ready()
    finally:
        _current.remove(api)
        api.stop()


def stop(process: subprocess.Popen, grace: float = 15, group: bool = True) -> None:
    """SIGTERM (to its process group, when it leads one), SIGKILL after `grace` seconds; reaped."""
    if process.poll() is not None:
        return
    send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    try:
        send(signal.SIGTERM)
        process.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            send(signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
