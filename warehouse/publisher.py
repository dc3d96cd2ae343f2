"""Makes a run atomic: readers see the old warehouse or the new one, never a mix.

A run never writes the published file. It copies it to a staging file beside it, writes there,
checkpoints, and renames the staging file over the published one (`os.replace`, atomic on POSIX).
An analyst's open read-only connection keeps reading the file it opened and never blocks the run;
the next connection sees the new state. A lock file keeps two runs from building at once.

A run that changes nothing is recorded without touching the warehouse at all (`record_run`): its
audit.runs row is one small JSON file in a folder beside the warehouse (`kepu.duckdb.runs/`), which the
view audit.runs reads at once and the next publish folds into audit.run_log. Writing into the published
file instead would fail while an analyst holds it open read-only (DuckDB takes the file's lock), and
copying it would cost as much as a run that changed something.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
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
        create_tables(con, pending_runs_glob(path))
        folded = _fold_recorded_runs(con, path)
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
    for record in folded:
        record.unlink(missing_ok=True)
    _remove_if_empty(pending_runs_dir(path))


def pending_runs_dir(path: Path) -> Path:
    """The folder beside a warehouse file holding the runs recorded without writing it: `kepu.duckdb.runs/`."""
    path = path.resolve()
    return path.with_name(path.name + ".runs")


def pending_runs_glob(path: Path) -> str:
    return str(pending_runs_dir(path) / "*.json")


def record_run(path: Path, row: Mapping[str, object]) -> Path:
    """Record a run's audit.runs row without opening, copying or writing the warehouse file: one JSON file in
    `pending_runs_dir(path)`, written whole and renamed into place (a reader sees it entire or not at all).
    audit.runs shows it from then on; the next publish folds it into audit.run_log and removes the file. Call it
    while holding `run_lock(path)`. Used for runs that found nothing new (`unchanged`)."""
    folder = pending_runs_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{row['run_id']}.json"
    partial = folder / f".{row['run_id']}.json.partial"
    with open(partial, "w", encoding="utf-8") as fh:
        json.dump(dict(row), fh, ensure_ascii=False, default=_json_value)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, target)
    _fsync_dir(folder)
    return target


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _fold_recorded_runs(con: duckdb.DuckDBPyConnection, path: Path) -> list[Path]:
    """Copy the runs recorded beside the warehouse into the staged audit.run_log (each once: a row already
    there is not added again); the files to remove once the staged file is published."""
    records = sorted(pending_runs_dir(path).glob("*.json"))
    if not records:
        return []
    con.execute("""insert into audit.run_log by name
                   select * from audit.runs where run_id not in (select run_id from audit.run_log)""")
    return records


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse (what analysts and the outputs read)."""
    return duckdb.connect(str(path.resolve()), read_only=True)
