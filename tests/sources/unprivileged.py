"""Running a piece of a test as an ordinary user, so that `chmod 000` means what it means on an office's server
(root reads every file whatever its mode). As root the call runs in a forked child that has given up root
(uid/gid `nobody`); the result comes back pickled. Not root: the call runs as it is."""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
NOBODY = 65534


def as_unprivileged(call: Callable[[], T]) -> T:
    if os.geteuid() != 0:
        return call()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root for good, run, report, leave without running anyone's cleanup
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            outcome = ("ok", call())
        except BaseException as exc:  # noqa: BLE001 — reported to the parent, which raises it
            outcome = ("error", f"{type(exc).__name__}: {exc}")
        try:
            data = pickle.dumps(outcome)
        except Exception as exc:  # noqa: BLE001
            data = pickle.dumps(("error", f"unpicklable result: {exc}"))
        with os.fdopen(write_end, "wb") as out:
            out.write(data)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as incoming:
        data = incoming.read()
    os.waitpid(pid, 0)
    kind, value = pickle.loads(data)
    if kind == "error":
        raise AssertionError(f"the unprivileged call failed: {value}")
    return value


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A temporary folder an ordinary user can read and write (pytest's own temporary root is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="kepu-unprivileged-"))
    os.chmod(folder, 0o777)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            try:
                if not path.is_symlink():
                    os.chmod(path, 0o777)
            except OSError:
                pass
        shutil.rmtree(folder, ignore_errors=True)


def give_away(path: Path) -> None:
    """Make `path` (and what is below it) the ordinary user's, when running as root."""
    if os.geteuid() != 0:
        return
    for item in (path, *path.rglob("*")):
        os.chown(item, NOBODY, NOBODY, follow_symlinks=False)
