"""The operating-system processes a run starts, found and stopped by identity.

A process is named by its pid *and* its start time (`/proc/<pid>/stat`, field 22, in clock ticks since
boot), so a pid the kernel has since given to an unrelated process is never signalled. Descendants are
found by walking parent pids in `/proc`. Where there is no `/proc` (not Linux), only the processes kepu
started itself are known, and nothing else is touched.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class ProcessId:
    """One process: its pid, its start time (0 when unknown) and what it is, for messages."""

    pid: int
    started: int = 0
    name: str = ""

    def as_record(self) -> dict:
        return {"pid": self.pid, "started": self.started, "name": self.name}

    @classmethod
    def from_record(cls, record: dict) -> ProcessId:
        return cls(int(record["pid"]), int(record.get("started") or 0), str(record.get("name") or ""))


def _stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, start time, state) of `pid`, or None when there is no such process."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    fields = text[text.rfind(")") + 2:].split()
    return int(fields[1]), int(fields[19]), fields[0]


def identify(pid: int, name: str = "") -> ProcessId:
    stat = _stat(pid)
    return ProcessId(pid, stat[1] if stat else 0, name)


def alive(process: ProcessId) -> bool:
    """Whether `process` still runs (a zombie does not: it has ended and waits to be reaped)."""
    stat = _stat(process.pid)
    if stat is None:
        if PROC.is_dir():
            return False
        try:
            os.kill(process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    _, started, state = stat
    if process.started and started != process.started:
        return False
    return state not in ("Z", "X")


def descendants(pid: int | None = None) -> list[ProcessId]:
    """Every living process below `pid` (default: this one), children first."""
    pid = os.getpid() if pid is None else pid
    if not PROC.is_dir():
        return []
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[2] in ("Z", "X"):
            continue
        children.setdefault(stat[0], []).append((int(entry.name), stat[1]))
    found: list[ProcessId] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop(0)
        for child, started in sorted(children.get(parent, [])):
            found.append(ProcessId(child, started, _name(child)))
            frontier.append(child)
    return found


def command_line(pid: int) -> list[str]:
    """The arguments `pid` was started with (empty when unknown)."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _name(pid: int) -> str:
    return " ".join(command_line(pid))[:200]


RESOURCE_TRACKER = "from multiprocessing.resource_tracker import main"
"""What multiprocessing runs (`python -c …`) for its resource tracker."""


def is_resource_tracker(process: ProcessId) -> bool:
    """Whether `process` is multiprocessing's resource tracker (started once for the whole Python process, not
    for one run, and ending with it): told by the code it runs (`-c`), not by a word anywhere in its command line
    (a pool worker started under PYTHONWARNINGS naming the tracker's module carries
    `-W …:multiprocessing.resource_tracker` too)."""
    command = " ".join(command_line(process.pid)) or process.name
    return f"-c {RESOURCE_TRACKER}" in command


def terminate(processes: Iterable[ProcessId], grace: float = 5.0) -> list[ProcessId]:
    """SIGTERM every process still alive, SIGKILL those still there after `grace` seconds; returns the ones
    that were signalled. An ended child counts as stopped (it is left for whoever started it to reap:
    collecting another owner's child would confuse its bookkeeping)."""
    targets = [p for p in processes if p.pid != os.getpid() and alive(p)]
    for process in targets:
        _signal(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(p) for p in targets):
        time.sleep(0.05)
    for process in targets:
        if alive(process):
            _signal(process, signal.SIGKILL)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(alive(p) for p in targets):
        time.sleep(0.05)
    return targets


def signal_all(targets: Iterable[ProcessId], signum: int) -> None:
    """Send `signum` to every process of `targets` still alive."""
    for process in targets:
        if process.pid != os.getpid() and alive(process):
            _signal(process, signum)


def _signal(process: ProcessId, signum: int) -> None:
    try:
        os.kill(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def die_with_parent() -> None:
    """For `subprocess.Popen(preexec_fn=…)`: the child gets SIGTERM when kepu dies, even by kill -9 (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def call_apart(function, *args):
    """`function(*args)` in a fresh (spawned) process: its result, or its exception raised here. What the
    call needs in memory is the child's and is given back whole when it ends, whatever this process holds
    already (the run's heap after the parse and the core). Anything that stops the caller while it waits
    (a stop signal, Ctrl-C) ends the child and the processes it started before it is passed on."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_apart, args=(send, function, args), name="kepu-apart", daemon=False)
    child.start()
    send.close()
    try:
        try:
            failed, value = receive.recv()
        except EOFError:
            child.join()
            raise RuntimeError(f"子进程意外退出（退出码 {child.exitcode}）") from None
    except BaseException:
        me = identify(child.pid, "kepu-apart")
        terminate([*descendants(child.pid), me])
        raise
    finally:
        receive.close()
        child.join()
    if failed:
        raise value
    return value


def _apart(send, function, args) -> None:
    """The child side of `call_apart`. Ctrl-C reaches the whole process group, but the caller decides how
    to stop (it ends this process); the child ends with the caller if that dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    try:
        result = (False, function(*args))
    except Exception as exc:  # handed to the caller, which raises it
        import pickle

        try:
            pickle.dumps(exc)
            result = (True, exc)
        except Exception:
            result = (True, RuntimeError(f"{type(exc).__name__}: {exc}"))
    send.send(result)
    send.close()
