"""System tools the test servers need, installed from Debian's packages by the test set-up itself.

CI starts on a clean machine as root with network only to the package registries, so a missing tool is
installed here: `apt-get update` at most once per machine day, `apt-get install` non-interactively, both
under a file lock so that two test sessions (or two helpers' suites) never race on dpkg. A failure of apt
itself fails the test loudly with apt's own last lines; nothing is skipped.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

LOCK_PATH = Path("/tmp/kepu-tests-apt.lock")
UPDATE_STAMP = Path("/tmp/kepu-tests-apt-updated")
UPDATE_MAX_AGE_S = 24 * 3600
APT_TIMEOUT_S = 600


class DebianInstallError(RuntimeError):
    """apt-get could not install a package a test server needs."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(DEBIAN_FRONTEND="noninteractive", APT_LISTCHANGES_FRONTEND="none", NEEDRESTART_MODE="a")
    return env


def _apt(*args: str) -> None:
    command = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "-o", "Dpkg::Use-Pty=0", *args]
    try:
        done = subprocess.run(command, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=APT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DebianInstallError(f"`{' '.join(command)}` could not run: {exc}") from exc
    if done.returncode != 0 and "dpkg was interrupted" in done.stderr and args[0] == "install":
        # an install stopped half-way earlier on this machine (a test run killed while apt worked): dpkg
        # finishes configuring what it had unpacked, as apt itself asks, and the install is tried once more
        _dpkg_configure_pending()
        done = subprocess.run(command, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=APT_TIMEOUT_S)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise DebianInstallError(f"`{' '.join(command)}` exited {done.returncode}:\n{tail}")


def _dpkg_configure_pending() -> None:
    command = ["dpkg", "--force-confdef", "--force-confold", "--configure", "-a"]
    try:
        subprocess.run(command, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, timeout=APT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DebianInstallError(f"`{' '.join(command)}` could not run: {exc}") from exc


@contextmanager
def _locked():
    with open(LOCK_PATH, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_tools(tools: Mapping[str, str]) -> float:
    """Make every command in `tools` (command name → Debian package) available; return the seconds spent.

    Already-present commands cost nothing. Raises DebianInstallError (never skips) when a tool is missing
    and cannot be installed: not root, no apt-get, or apt failing.
    """
    missing = {command: package for command, package in tools.items() if not _which(command)}
    if not missing:
        return 0.0
    started = time.monotonic()
    packages = sorted(set(missing.values()))
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise DebianInstallError(
            f"the tests need {', '.join(sorted(missing))}; install the Debian package(s) "
            f"{' '.join(packages)} (apt-get install {' '.join(packages)}) or run the tests as root on Debian")
    with _locked():
        still_missing = [package for command, package in missing.items() if not _which(command)]
        if still_missing:
            fresh = UPDATE_STAMP.exists() and time.time() - UPDATE_STAMP.stat().st_mtime < UPDATE_MAX_AGE_S
            if not fresh:
                _update()
            install = ("install", "-y", "-q", "--no-install-recommends", *sorted(set(still_missing)))
            try:
                _apt(*install)
            except DebianInstallError:
                if not fresh:
                    raise
                _update()  # the package lists were older than the archive: refresh once and try again
                _apt(*install)
    absent = [command for command in missing if not _which(command)]
    if absent:
        raise DebianInstallError(f"apt-get installed {' '.join(packages)} but {', '.join(absent)} is still missing")
    return time.monotonic() - started


def _update() -> None:
    _apt("update", "-q")
    UPDATE_STAMP.touch()


def _which(command: str) -> str | None:
    return shutil.which(command, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


def tool_path(command: str) -> str:
    found = _which(command)
    if found is None:
        raise DebianInstallError(f"{command} is not installed")
    return found
