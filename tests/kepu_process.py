"""The `kepu` command run as a user runs it: a child process (`python -m kepu.cli`) with a clean environment —
none of the test process's Prefect settings, none of the test hooks (KEPU_TEST_*) unless a test sets them.

Two things every child `kepu` would pay for that are not what a test looks at are paid once per session
(fixture `kepu_children` in tests/conftest.py; a module whose tests run `kepu` uses it):

- **The Prefect API it reports to.** Unless the test asks for the run's own API (`own_api=True`: the tests of
  stopping, of the processes a run starts and ends, of what reaches a terminal), the child reports to the
  session's test API, as an office that configured PREFECT_API_URL does. Starting its own costs a run about
  as much CPU as the rest of a small run (~13 of ~25 CPU-s, measured).
- **The set-up of a new API database.** The children that start their own API share one PREFECT_HOME per
  worker, where kepu keeps the database it migrated once (flows/server.py: the template), instead of
  migrating a new one each.

Without the fixture a child starts its own API in a PREFECT_HOME of its own: slower, still correct."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_shared: dict[str, str] = {}


def share(api_url: str | None, home: Path | None) -> None:
    """What the session's children report to and keep their Prefect home in (None: nothing shared)."""
    _shared.clear()
    if api_url:
        _shared["api_url"] = api_url
    if home is not None:
        _shared["home"] = str(home)


def kepu_env(*, own_api: bool = False, **extra: str) -> dict[str, str]:
    """The environment of a child `kepu`; `extra` is added last (KEPU_TEST_* hooks, COLUMNS, PYTHONPATH …)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "KEPU_TEST_"))}
    prefect_home = _shared.get("home")
    if prefect_home is None:
        import tempfile

        prefect_home = tempfile.mkdtemp(prefix="kepu-prefect-home-")
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if not own_api and "api_url" in _shared:
        env["PREFECT_API_URL"] = _shared["api_url"]
    env.update(extra)
    return env


def kepu_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kepu.cli", *args]


def kepu(*args: str, cwd: Path | None = None, own_api: bool = False, timeout: float = 600,
         **extra: str) -> subprocess.CompletedProcess:
    """`kepu ARGS…` to its end: exit code, stdout and stderr as text."""
    return subprocess.run(kepu_command(*args), capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env=kepu_env(own_api=own_api, **extra))


def kepu_started(*args: str, cwd: Path | None = None, own_api: bool = False, output: Path | None = None,
                 new_session: bool = True, **extra: str) -> subprocess.Popen:
    """`kepu ARGS…` started and left running, in its own session (a signal sent to it reaches it alone, as
    `kill` would). `output`: its output goes to that file instead of pipes (a killed run's orphans would hold
    pipes open, not a file)."""
    stream = open(output, "w", encoding="utf-8") if output is not None else subprocess.PIPE
    try:
        return subprocess.Popen(kepu_command(*args), stdout=stream, stderr=subprocess.STDOUT if output else stream,
                                text=True, cwd=cwd, env=kepu_env(own_api=own_api, **extra),
                                stdin=subprocess.DEVNULL, start_new_session=new_session)
    finally:
        if output is not None:
            stream.close()
