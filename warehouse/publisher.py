"""Makes a run atomic: readers see the old warehouse or the new one, never a mix.

A run never writes the published file. It copies it to a staging file beside it, writes there,
checkpoints, and renames the staging file over the published one (`os.replace`, atomic on POSIX).
An analyst's open read-only connection keeps reading the file it opened and never blocks the run;
the next connection sees the new state. A lock file keeps two runs from building at once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kepu.schemas.errors import WarehouseBusy
from kepu.warehouse.schema import create_tables

STORAGE_COMPATIBILITY = "v1.0.0"
"""Files are written in the storage format DuckDB 1.0 introduced, so 1.x clients (DBeaver's JDBC
driver, older CLIs) open them as well as 2.x ones."""


def _connect_rw(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_COMPATIBILITY})


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy(f"另一个 kepu 运行正在写入 {path}，请稍后再试。") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def staged(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a copy of the published warehouse; published on clean exit.

    Call it while holding `run_lock(path)`: the lock spans a whole run, reading included."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.staging")
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if path.exists():
        shutil.copyfile(path, staging)
    con = _connect_rw(staging)
    try:
        create_tables(con)
        yield con
        con.execute("checkpoint")
    except BaseException:
        con.close()
        staging.unlink(missing_ok=True)
        staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    os.replace(staging, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse (what analysts and the outputs read)."""
    return duckdb.connect(str(path.resolve()), read_only=True)
