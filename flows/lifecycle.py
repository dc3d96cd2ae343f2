"""A run's life, whatever ends it: one run per warehouse at a time, every process it starts ended with it,
a stop signal turned into a recorded, one-line stop, and what a killed run left behind cleaned up.

`guarded(warehouse)` wraps a run (the CLI's `kepu run`, a scheduled flow run, `kepu rebuild`,
`kepu rollback`):

- **The lock** (`<warehouse>.lock`, flock): a second run waits for it, bounded, then refuses naming the
  holder. The kernel releases it when its holder dies, however it dies.
- **The pid file** (`<warehouse>.pid`, beside the lock): the holder's pid and start time and every process
  the run started since (the local Prefect API, process-pool workers, a local Dask cluster), rewritten as
  they appear. A run that finds a pid file whose owner is dead stops the processes it names (pid *and*
  start time must match), and says so.
- **Signals**: SIGTERM, SIGINT (Ctrl-C) and SIGHUP raise `RunStopped` in the main thread (Prefect's own
  SIGTERM bridge, while a flow runs, raises its `TerminationSignal` instead; both mean stop). Every handler
  first *marks* the stop: what a signal handler raises does not always arrive (DuckDB turns it into
  `RuntimeError("Query interrupted")`), the mark always does, and whatever ends a run that was told to stop
  leaves `guarded` as `RunStopped`. The parse batch checks `check_stop()` between files, so threads end
  within a file's parse; worker processes are ended by `RunGuard.stop_workers()`.
- **Leftovers**: the staging copy of a killed run, half-copied files in the store (`*.part`), outputs a
  killed writer left half-written (`.name.<pid>.tmp.xlsx`).
- At the end every process started during the run and still alive is stopped (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kepu.flows import processes
from kepu.flows.processes import ProcessId
from kepu.schemas.errors import BatchStopped, KepuError, RunRefused, RunStopped, WarehouseBusy
from kepu.schemas.vocabulary import office_now

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
SIGNAL_WORDS = {
    signal.SIGTERM: "运行收到停止信号 SIGTERM",
    signal.SIGINT: "运行被中断（Ctrl-C）",
    signal.SIGHUP: "运行所在的终端已断开（SIGHUP）",
}
DEFAULT_LOCK_WAIT = 300.0
"""Seconds a run waits for another run on the same warehouse before refusing."""
SCAN_INTERVAL = 0.5
"""Seconds between looks for new child processes (to name them in the pid file)."""

_stop = threading.Event()
_stop_signal: list[int] = []
_active: dict[Path, RunGuard] = {}
_active_lock = threading.Lock()


# ------------------------------------------------------------------------------------- stopping


def request_stop(signum: int) -> None:
    """Mark the run in this process as stopping; parse threads end at their next file."""
    if not _stop.is_set():
        _stop_signal[:] = [signum]
    _stop.set()


def stop_requested() -> bool:
    return _stop.is_set()


def check_stop() -> None:
    """Raise `BatchStopped` if the run is stopping (called between files by the parse batch). A plain
    exception: the batch merely ends; the run itself already stops by its own RunStopped."""
    if _stop.is_set():
        raise BatchStopped("运行正在停止，本批文件的解析已中断。")


def stop_signal_of(exc: BaseException) -> int | None:
    """The signal that stopped the run, when `exc` is how a stop surfaces (ours, Prefect's or Python's)."""
    if isinstance(exc, RunStopped):
        return exc.signum
    if isinstance(exc, KeyboardInterrupt):
        return signal.SIGINT
    if type(exc).__name__ == "TerminationSignal":  # prefect.exceptions.TerminationSignal, not imported here
        return int(getattr(exc, "signal", signal.SIGTERM))
    if _stop.is_set() and _stop_signal:  # whatever a stop interrupted (a DuckDB query: "Query interrupted")
        return _stop_signal[0]
    return None


def describe(exc: BaseException) -> str:
    """What `audit.runs.message` and the last line on the terminal say about why a run ended early."""
    signum = stop_signal_of(exc)
    if signum is not None:
        words = SIGNAL_WORDS.get(signum, f"运行收到信号 {signum}")
        published = getattr(exc, "kepu_published", None)
        if published == "notices":
            return f"{words}（正在发送通知），已停止：数据仓库和汇总表已发布，未发出的通知下次运行时发送。"
        if published:
            return f"{words}（正在生成汇总表），已停止：数据仓库已发布，汇总表可能未全部更新，下次运行时重新生成。"
        return f"{words}，已停止，未发布任何更改。"
    if isinstance(exc, KepuError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f"（{exc.filename}）" if exc.filename else ""
        return f"磁盘空间不足{where}，本次未发布任何更改；请腾出空间后重新运行。"
    if isinstance(exc, OSError) and exc.errno is not None:
        where = f"：{exc.filename}" if exc.filename else ""
        return f"读写文件出错（{exc.strerror}{where}），本次未发布任何更改。"
    return f"{type(exc).__name__}: {exc}"


def as_stop(exc: BaseException) -> BaseException:
    """`exc` as the run's stop when a stop signal explains it: an error a stop surfaced as (a DuckDB query
    interrupted, a pool broken by its stopping workers) becomes `RunStopped` for that signal, keeping what
    the run had published (`kepu_published`); anything else is returned as it is."""
    if isinstance(exc, (RunStopped, KeyboardInterrupt, GeneratorExit)) or type(exc).__name__ == "TerminationSignal":
        return exc
    signum = stop_signal_of(exc)
    if signum is None:
        return exc
    stopped = RunStopped(signum)
    stopped.kepu_published = getattr(exc, "kepu_published", None)
    return stopped


def _marking(handler: Callable) -> Callable:
    """`handler` (Prefect's SIGTERM bridge) preceded by the stop's mark."""

    def marked(signum: int, frame) -> None:
        request_stop(signum)
        handler(signum, frame)

    marked.kepu_marks = handler
    return marked


def _on_signal(signum: int, frame) -> None:
    """The first stop signal raises RunStopped in the main thread; later ones (a second Ctrl-C, Prefect
    re-sending SIGTERM after its own handling) only confirm the stop already under way."""
    first = not _stop.is_set()
    request_stop(signum)
    if first:
        raise RunStopped(signum)


def worker_signals() -> None:
    """Initializer of process-pool workers. Ctrl-C reaches the whole process group, but only the run decides
    how to stop: a worker ignores it. SIGTERM (from `RunGuard.stop_workers`) makes the worker's batch end at
    its next file, so the pool winds down cleanly instead of breaking."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: request_stop(signum))


# ------------------------------------------------------------------------------------- the guard


@dataclass
class RunGuard:
    """The run holding a warehouse: its lock, its pid file and the processes it started."""

    warehouse: Path
    command: str
    baseline: set[tuple[int, int]] = field(default_factory=set)
    started: dict[int, ProcessId] = field(default_factory=dict)
    keep_running: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    published: bool = False
    since: str = field(default_factory=lambda: office_now().isoformat(timespec="seconds"))
    _written: list[dict] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pid_path(self) -> Path:
        return pid_path(self.warehouse)

    def track(self, process: ProcessId, keep_running: bool = False) -> None:
        """Name a process this run started in the pid file at once. `keep_running`: not ended by
        `stop_workers()` (the Prefect API the flow still reports its end to)."""
        with self._lock:
            self.started[process.pid] = process
            if keep_running:
                self.keep_running.add(process.pid)
        self.write_pid_file()

    def scan(self) -> None:
        """Add processes that appeared below this one since the run started, and rewrite the pid file."""
        found = [p for p in processes.descendants() if (p.pid, p.started) not in self.baseline]
        with self._lock:
            for process in found:
                if process.pid in self.started:
                    continue  # named already: its command line is not read again
                if processes.is_resource_tracker(process):  # the whole Python process's, not this run's
                    self.baseline.add((process.pid, process.started))
                else:
                    self.started[process.pid] = process
        self.write_pid_file()

    def write_pid_file(self) -> None:
        """(Re)write the pid file when the set of living processes changed (atomically: a reader never
        sees half of it)."""
        with self._lock:
            living = sorted((p for p in self.started.values() if processes.alive(p)), key=lambda p: p.pid)
        listed = [p.as_record() for p in living]
        if self._written is not None and listed == self._written:
            return
        me = processes.identify(os.getpid(), self.command)
        record = {"pid": me.pid, "started": me.started, "command": self.command,
                  "since": self.since, "processes": listed}
        temporary = self.pid_path.with_name(f".{self.pid_path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.pid_path)
        self._written = listed

    def stop_workers(self) -> None:
        """Tell the run's worker processes to stop (parse pools end their batch at the next file; a Dask
        cluster shuts down), so a stopping run does not wait for whole batches. Not waited for here: the
        pool winds down as the flow ends, and whatever still runs at the end of the run is ended then. The
        local Prefect API stays until the run has recorded its end."""
        self.scan()
        with self._lock:
            targets = [p for pid, p in self.started.items() if pid not in self.keep_running]
        processes.signal_all(targets, signal.SIGTERM)

    def stop_all(self) -> None:
        self.scan()
        with self._lock:
            targets = list(self.started.values())
        processes.terminate(targets)


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def pid_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".pid")


@dataclass(frozen=True)
class Holder:
    """What a pid file says about the run that wrote it."""

    owner: ProcessId
    command: str
    since: str
    processes: list[ProcessId]


def read_pid_file(warehouse: Path) -> Holder | None:
    try:
        data = json.loads(pid_path(warehouse).read_text(encoding="utf-8"))
        owner = ProcessId(int(data["pid"]), int(data.get("started") or 0), str(data.get("command") or ""))
        return Holder(owner, owner.name, str(data.get("since") or ""),
                      [ProcessId.from_record(r) for r in data.get("processes", [])])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def stop_leftovers(warehouse: Path) -> list[ProcessId]:
    """The processes a dead run's pid file names that still run, stopped; the pid file removed."""
    holder = read_pid_file(warehouse)
    if holder is None or holder.owner.pid == os.getpid() or processes.alive(holder.owner):
        return []
    stopped = processes.terminate([p for p in holder.processes if processes.alive(p)])
    pid_path(warehouse).unlink(missing_ok=True)
    return stopped


def _busy_message(warehouse: Path, holder: Holder | None, waited: float) -> str:
    who = (f"（进程 {holder.owner.pid}，{holder.since.replace('T', ' ')} 开始的 {holder.command}）"
           if holder else "")
    after = f"已等待 {waited:.0f} 秒，" if waited >= 1 else ""
    return f"另一个 kepu 运行{who}正在使用数据仓库 {warehouse}，{after}本次不运行；请在它结束后再试。"


def _acquire(fh, warehouse: Path, wait: float, on_wait: Callable[[str], None] | None) -> list[ProcessId]:
    """Take the lock, waiting at most `wait` seconds; returns the leftover processes of a dead run it
    stopped on the way."""
    stopped: list[ProcessId] = []
    deadline = time.monotonic() + wait
    announced = False
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            pass
        holder = read_pid_file(warehouse)
        if holder is not None and not processes.alive(holder.owner):
            # the owner died; what still holds the lock is a process it started (and passed the lock on to)
            stopped += stop_leftovers(warehouse)
            continue
        if time.monotonic() >= deadline:
            raise WarehouseBusy(_busy_message(warehouse, holder, wait))
        if not announced and on_wait is not None:
            who = f"（进程 {holder.owner.pid}）" if holder else ""
            on_wait(f"另一个 kepu 运行{who}正在使用数据仓库，等待它结束（最多 {wait:.0f} 秒）…")
            announced = True
        time.sleep(0.2)
    return stopped + stop_leftovers(warehouse)


@contextmanager
def guarded(warehouse: Path, command: str = "kepu run", wait: float = DEFAULT_LOCK_WAIT,
            on_wait: Callable[[str], None] | None = None, out: Path | None = None) -> Iterator[RunGuard]:
    """Hold `warehouse` for one run (re-entrant: a run inside a run of the same process shares it).
    `out`: the run's output folder, swept of temporary files a killed writer left."""
    warehouse = Path(warehouse).resolve()
    with _active_lock:
        current = _active.get(warehouse)
    if current is not None:  # a run inside the run (the flow the CLI started): Prefect has its bridge now
        previous = _install_handlers() if threading.current_thread() is threading.main_thread() else {}
        try:
            yield current
        finally:
            _restore_handlers(previous)
        return
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    in_main = threading.current_thread() is threading.main_thread()
    previous = _install_handlers() if in_main else {}
    guard = RunGuard(warehouse, command)
    try:
        with open(lock_path(warehouse), "a+") as fh:
            stopped = _acquire(fh, warehouse, wait, on_wait)
            if stopped:
                guard.notes.append(f"上一次运行异常退出，已停止它遗留的 {len(stopped)} 个进程。")
            guard.notes += sweep_leftovers(warehouse, out)
            guard.baseline = {(p.pid, p.started) for p in processes.descendants()}
            guard.write_pid_file()
            with _active_lock:
                _active[warehouse] = guard
            watcher = _Watcher(guard)
            watcher.start()
            try:
                yield guard
            except BaseException as exc:
                stopped = as_stop(exc)
                request_stop(_stop_signal[0] if _stop_signal else signal.SIGTERM)  # threads still parsing end
                if stopped is not exc:
                    raise stopped from exc
                raise
            finally:
                watcher.stop()
                with _active_lock:
                    _active.pop(warehouse, None)
                guard.stop_all()
                guard.pid_path.unlink(missing_ok=True)
                fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        if in_main:
            _restore_handlers(previous)
        _stop.clear()
        _stop_signal.clear()


class _Watcher(threading.Thread):
    """Looks for new child processes twice a second, so a kill -9 of the run leaves a pid file naming them."""

    def __init__(self, guard: RunGuard):
        super().__init__(name="kepu-run-watcher", daemon=True)
        self.guard = guard
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(SCAN_INTERVAL):
            try:
                self.guard.scan()
            except Exception:  # noqa: BLE001 — a look that failed (a process ending mid-read, a full disk):
                pass  # the watcher goes on looking; one that died would leave a kill -9's processes unnamed

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)


def _install_handlers() -> dict[int, object]:
    previous = {}
    for signum in STOP_SIGNALS:
        current = signal.getsignal(signum)
        if current is _on_signal or hasattr(current, "kepu_marks"):
            continue
        if signum == signal.SIGHUP and current == signal.SIG_IGN:
            continue  # started under nohup: the user asked for SIGHUP to be ignored
        previous[signum] = current
        if getattr(current, "__name__", "") == "_prefect_sigterm_handler":
            signal.signal(signum, _marking(current))  # a flow run's bridge: it raises TerminationSignal
        else:
            signal.signal(signum, _on_signal)
    return previous


def _restore_handlers(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


# ------------------------------------------------------------------------------------- leftovers

_TEMPORARY_OUTPUT = re.compile(r"^\..+\.(\d+)\.tmp(\.[^.]+)?$")


def sweep_leftovers(warehouse: Path, out: Path | None = None) -> list[str]:
    """Remove what a killed run left half-written: staging copies of the warehouse, partial copies in the
    store, temporary outputs of a writer that no longer runs. Returns notes for the summary."""
    removed = 0
    folder = warehouse.parent
    for pattern in (f".{warehouse.name}.staging*", f".{warehouse.name}.*.staging*", f".{warehouse.name}.pid.*.tmp"):
        for path in folder.glob(pattern):
            removed += _remove(path)
    store = folder / "files"
    if store.is_dir():
        for shard in os.scandir(store):
            if shard.is_dir(follow_symlinks=False) and len(shard.name) == 2:
                for entry in os.scandir(shard.path):
                    if entry.name.endswith(".part"):
                        removed += _remove(Path(entry.path))
    if out is not None and out.is_dir():
        for path in out.rglob(".*.tmp*"):
            match = _TEMPORARY_OUTPUT.match(path.name)
            if match and not processes.alive(ProcessId(int(match[1]))):
                removed += _remove(path)
    return [f"已清理上一次运行遗留的 {removed} 个临时文件。"] if removed else []


def _remove(path: Path) -> int:
    try:
        if path.is_dir() and not path.is_symlink():
            import shutil

            shutil.rmtree(path)
        else:
            path.unlink()
        return 1
    except FileNotFoundError:
        return 0


# --------------------------------------------------------------------------- before publishing

MASS_REMOVAL_MINIMUM = 2
"""A run may drop one reporting unit without asking; from two on, only when they are not most of them."""


def refuse_mass_removal(before: dict[str, str], submissions, units, force: bool) -> None:
    """Raise RunRefused when this run would stop counting most of the units that reported in the published
    state (`before`: code → name there; a wrong --registry, an inbox that lost its files): a person
    confirms with --force."""
    after = set(submissions.loc[submissions["is_current"] & submissions["status"].isin(["accepted", "partial"]),
                                "unit_code"].dropna())
    removed = sorted(set(before) - after)
    if force or len(removed) < MASS_REMOVAL_MINIMUM or len(removed) * 2 <= len(before):
        return
    names = {**(dict(zip(units["unit_code"], units["unit_name"])) if len(units) else {}), **before}
    shown = "、".join(names.get(code, code) for code in removed[:3]) + (" 等" if len(removed) > 3 else "")
    raise RunRefused(f"本次运行会使已发布的 {len(before)} 个已报送单位中的 {len(removed)} 个不再计入（{shown}），"
                     f"可能是单位名录或收件箱有误；未发布任何更改。确认无误请加 --force 重新运行。")


def record_config_failure(config: Path, warehouse: Path | None, run_id: str, message: str) -> bool:
    """A scheduled run whose kepu.toml became unreadable still leaves its failed row in audit.runs, in
    the warehouse the file names (or would name by default), if that warehouse exists."""
    import tomllib

    from kepu.warehouse import publisher

    campaign_id, target = "?", warehouse
    try:
        data = tomllib.loads(Path(config).read_text(encoding="utf-8"))
        campaign_id = str(data.get("campaign", {}).get("id") or "?")
        if target is None:
            target = Path(config).resolve().parent / str(data.get("paths", {}).get("warehouse", "warehouse/kepu.duckdb"))
    except (OSError, ValueError, AttributeError):
        if target is None:
            target = Path(config).resolve().parent / "warehouse" / "kepu.duckdb"
    if not target.exists():
        return False
    now = office_now()
    row = {"run_id": run_id, "campaign_id": campaign_id, "started_at": now, "finished_at": now, "files_seen": 0,
           "files_new": 0, "files_changed": 0, "files_parsed": 0, "files_rejected": 0, "outcome": "failed",
           "message": message[:2000]}
    try:
        with guarded(target, command="kepu run（配置有误）", wait=60):
            return publisher.record_run(target, row)
    except KepuError:
        return False
