"""Makes a run atomic, keeps the states a night can be undone to, and what the warehouse is rebuilt from.

A run never writes the published file. It copies it to a staging file beside it, writes there,
checkpoints, and renames the staging file over the published one (`os.replace`, atomic on POSIX).
An analyst's open read-only connection keeps reading the file it opened and never blocks the run;
the next connection sees the new state. `kepu.flows.lifecycle` keeps two runs from building at once.

A run that changes nothing is recorded without touching the warehouse at all (`record_run`): its
audit.runs row is one small JSON file in a folder beside the warehouse (`kepu.duckdb.runs/`), which the
view audit.runs reads at once and the next publish folds into audit.run_log. Writing into the published
file instead would fail while an analyst holds it open read-only (DuckDB takes the file's lock), and
copying it would cost as much as a run that changed something. A failed or stopped run's row is recorded
the same way (`record_failed_run`): a stop must end in seconds, and only the first run of a new warehouse
creates the file to hold it.

- **Kept states** (`history/` beside the warehouse): before a publish replaces the published file, that
  file is hard-linked into `history/<published at>-<run_id>.duckdb` (no copy: a published file is never
  written again, the next run writes a new one), the newest `keep` of them kept. `restore_state` (kepu
  rollback) publishes one of them again, atomically, and says so in audit.runs.
- **The index of the kept files** (`files/<warehouse>.index.duckdb`): with every publish, the tables that
  cannot be derived from the kept files themselves (campaigns, the registry as published, every received
  file's path and time, the sightings, the runs) are written beside the kept copies, so `kepu rebuild`
  can recreate the whole warehouse from `files/` if the warehouse file is lost or damaged.
- **A damaged warehouse** (truncated, overwritten, failing its checksums) is recognised by DuckDB's own
  errors and reported as `WarehouseDamaged`, before anything is written.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from kepu.schemas.errors import WarehouseDamaged
from kepu.warehouse import loader
from kepu.warehouse.identifiers import identifier
from kepu.warehouse.schema import create_tables

STORAGE_COMPATIBILITY = "v1.0.0"
"""Files are written in the storage format DuckDB 1.0 introduced, so 1.x clients (DBeaver's JDBC
driver, older CLIs) open them as well as 2.x ones."""

HISTORY = "history"
"""The folder beside the warehouse file holding the kept states."""
DEFAULT_KEEP = 7
STATE_OUTCOMES = ("published", "rolled_back")
"""Runs that leave a new state of the data (a failed or unchanged run only adds its audit.runs row)."""
EDITIONS = ("audit.editions", "audit.edition_figures", "audit.edition_files", "audit.edition_decisions")
"""The signed editions (SPEC §3.12): only `kepu sign` adds to them; every publish carries them forward (a run's
staged copy holds them, a rebuild loads them from the index, a rollback takes them from the state it replaces)."""
RECORDS = ("core.campaigns", "core.units", "raw.files", "raw.file_sightings", "audit.run_log", "core.decisions",
           *EDITIONS)
"""Tables that cannot be derived again from the kept files: what `kepu rebuild` starts from (core.decisions: the
decisions of a campaign whose decisions.csv sits beside another kepu.toml; the editions, signed by hand)."""
_STATE_NAME = re.compile(r"^(\d{8}T\d{6})-([0-9A-Za-z_]+)\.duckdb$")

DAMAGE_SIGNS = ("not a valid DuckDB database file", "Could not read enough bytes", "Corrupt database file",
                "does not match stored checksum", "Serialization Error", "Failed to deserialize",
                "database file is too small")
"""DuckDB's words for a file that is not (or no longer) a whole database."""
LOCK_SIGNS = ("Could not set lock on file", "Conflicting lock is held")


MEMORY_LIMIT = "512MB"
"""What DuckDB may hold in buffers while a run builds the warehouse (its default is 80 % of the machine's
memory, which it keeps once taken); beyond it, large joins and sorts spill to a temporary file beside
the database. Measured at 5,000 files × 40 rows: the core rules need far less, and the run's peak
stays under the 1 GiB of issue #9."""


def _connect_rw(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_COMPATIBILITY,
                                             "memory_limit": MEMORY_LIMIT})


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse (what analysts and the outputs read).

    While another program holds the file open read-write (DBeaver's default), DuckDB refuses even a read-only
    connection; the published file is then read through a private copy (SPEC §4: the night goes on). The copy
    is unlinked once open, so nothing is left behind."""
    path = path.resolve()
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if holder_of(exc) is None or not path.is_file():
            raise
    return _read_copy(path)


def _read_copy(path: Path) -> duckdb.DuckDBPyConnection:
    import tempfile

    fd, name = tempfile.mkstemp(prefix=f".{path.name}.reading-", dir=path.parent)
    os.close(fd)
    copy = Path(name)
    try:
        shutil.copyfile(path, copy)
        return duckdb.connect(str(copy), read_only=True)
    finally:
        copy.unlink(missing_ok=True)
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)


def holder_of(exc: BaseException) -> str | None:
    """When `exc` is DuckDB refusing a file another process holds read-write: who holds it, as DuckDB names
    it (「进程 1234（/usr/bin/dbeaver）」, or 「另一个程序」); else None."""
    if not isinstance(exc, duckdb.Error) or not any(sign in str(exc) for sign in LOCK_SIGNS):
        return None
    found = re.search(r"Conflicting lock is held in (.+?) \(PID (\d+)\)", str(exc))
    return f"进程 {found[2]}（{found[1]}）" if found else "另一个程序"


def holder(path: Path) -> str | None:
    """Who holds the published file open read-write, if anyone (SPEC §4: the run publishes anyway)."""
    path = path.resolve()
    if not path.is_file():
        return None
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        return holder_of(exc)
    return None


def held_note(path: Path, who: str) -> str:
    return (f"数据仓库 {path.name} 正被{who}以读写方式打开；本次照常发布（替换为新文件），"
            f"该程序的连接仍看到旧数据，重新连接后即为最新。")


def _arrow(con: duckdb.DuckDBPyConnection, sql: str) -> "pyarrow.Table":  # noqa: F821
    """A query's result as an Arrow table (DuckDB 2.x: to_arrow_table; 1.x: arrow)."""
    relation = con.sql(sql)
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    return fetch()


# ------------------------------------------------------------------------------ damage and locks


def damage_of(exc: BaseException) -> str | None:
    """DuckDB's message when `exc` says the file is damaged, else None."""
    if isinstance(exc, duckdb.Error):
        text = str(exc)
        if any(sign in text for sign in DAMAGE_SIGNS):
            return text
    return None


def damaged_message(path: Path) -> str:
    return (f"数据仓库文件 {path} 已损坏（文件被截断、被覆盖或校验失败），本次不运行；请运行 kepu rebuild 用保存的原始文件"
            f"重建，或运行 kepu rollback 恢复到上一次发布的状态。")


def check_readable(path: Path) -> str | None:
    """Raise WarehouseDamaged if the published file cannot be opened and its catalogue and run history read (a
    file another program holds open read-write is checked through a copy, see read_only). A missing file is fine
    (the first run). Returns who holds the file open read-write, if anyone (`holder`, told by the same open)."""
    path = path.resolve()
    if not path.exists():
        return None
    who = None
    try:
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            who = holder_of(exc)
            if who is None or not path.is_file():
                raise
            con = _read_copy(path)
        try:
            con.execute("select schema_name, table_name, estimated_size from duckdb_tables()").fetchall()
            if con.execute("select count(*) from duckdb_tables() where schema_name = 'audit' "
                           "and table_name = 'runs'").fetchone()[0]:
                con.execute("select * from audit.runs").fetchall()
        finally:
            con.close()
    except duckdb.Error as exc:
        if damage_of(exc):
            raise WarehouseDamaged(damaged_message(path)) from exc
        raise
    return who


def no_space(exc: BaseException) -> bool:
    """Whether `exc` is the disk (or a quota) being full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, duckdb.Error) and "No space left on device" in str(exc)


# ------------------------------------------------------------------------------------- staging


def staging_path(path: Path, purpose: str = "") -> Path:
    """The staging file beside `path` (`.kepu.duckdb.staging`, `.kepu.duckdb.rebuild.staging`): one name
    per purpose, so a killed run's leftover is found and replaced by the next."""
    return path.with_name(f".{path.name}.{purpose + '.' if purpose else ''}staging")


def _remove_staging(staging: Path) -> None:
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)


@contextmanager
def staged(path: Path, keep: int = 0, fresh: bool = False, purpose: str = "") -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a copy of the published warehouse (an empty one if `fresh`), published
    on clean exit; `keep` > 0 keeps the state it replaces (the newest `keep` kept states stay).

    Hold the run's lock (kepu.flows.lifecycle.guarded) around it: the lock spans a whole run."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_path(path, purpose)
    _remove_staging(staging)
    index = None
    try:
        if path.exists() and not fresh:
            shutil.copyfile(path, staging)
        con = _connect_rw(staging)
        try:
            create_tables(con, pending_runs_glob(path))
            folded = _fold_recorded_runs(con, path)
            yield con
            con.execute("checkpoint")
            index = _write_index(con, index_path(path))
        finally:
            con.close()
        _publish(staging, path, keep, index)
        _forget_recorded_runs(path, folded)
    except BaseException:
        _remove_staging(staging)
        if index is not None:
            index.unlink(missing_ok=True)
        raise


def _publish(staging: Path, path: Path, keep: int, index: Path | None) -> None:
    if keep > 0 and path.exists():
        keep_state(path, keep)
    os.replace(staging, path)
    if index is not None:
        os.replace(index, index_path(path))
    _fsync_dir(path.parent)


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
    while holding the run's lock (kepu.flows.lifecycle.guarded). Used for runs that found nothing new (`unchanged`)."""
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


def _forget_recorded_runs(path: Path, folded: list[Path]) -> None:
    """Once the state holding them is published, the run records folded into it are removed."""
    for record in folded:
        record.unlink(missing_ok=True)
    _remove_if_empty(pending_runs_dir(path))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def record_failed_run(path: Path, row: dict) -> bool:
    """Add one audit.runs row to the published warehouse (a failed run's, whose data publish nothing). Beside
    it, as `record_run` does (a stopping run records itself in milliseconds, not in the seconds a copy of the
    warehouse takes); where there is no warehouse yet, a new one holding just that row. When the disk has no
    room even for that, in place (DuckDB's own transaction keeps that atomic). Returns False when nothing was
    possible (the warehouse damaged, the disk full even for one row): the caller is already failing and says so."""
    path = path.resolve()
    try:
        if path.exists():
            record_run(path, row)
        else:
            with staged(path) as con:
                loader.insert(con, "audit.run_log", [row])
        return True
    except Exception as exc:
        if not no_space(exc) or not path.exists():
            return False
    try:
        con = _connect_rw(path)
        try:
            loader.insert(con, "audit.run_log", [row])
            con.execute("checkpoint")
        finally:
            con.close()
        return True
    except Exception:
        return False


# ----------------------------------------------------------------------------------- kept states


@dataclass(frozen=True)
class KeptState:
    """A published state kept under history/: the run that published it, when, and the file."""

    run_id: str
    published_at: datetime
    file: Path


def history_folder(path: Path) -> Path:
    return path.resolve().parent / HISTORY


def kept_states(path: Path) -> list[KeptState]:
    """The kept states of the warehouse at `path`, newest first."""
    folder = history_folder(path)
    if not folder.is_dir():
        return []
    states = []
    for entry in folder.iterdir():
        match = _STATE_NAME.match(entry.name)
        if match:
            states.append(KeptState(match[2], datetime.strptime(match[1], "%Y%m%dT%H%M%S"), entry))
    return sorted(states, key=lambda s: (s.published_at, s.file.name), reverse=True)


def current_state(con: duckdb.DuckDBPyConnection) -> tuple[str, datetime] | None:
    """The run whose data a warehouse holds: its last published or rolled back run."""
    row = con.execute("""select run_id, coalesce(finished_at, started_at) from audit.runs
                         where outcome in (select unnest(?::varchar[]))
                         order by coalesce(finished_at, started_at) desc, run_id desc limit 1""",
                      [list(STATE_OUTCOMES)]).fetchone()
    return (row[0], row[1]) if row else None


def keep_state(path: Path, keep: int) -> Path | None:
    """Keep the published file under history/ (a hard link: no copy), then drop all but the newest `keep`."""
    try:
        con = read_only(path)
        try:
            state = current_state(con)
        finally:
            con.close()
    except duckdb.Error:
        return None  # a damaged or foreign file is not a state to return to
    if state is None:
        return None
    run_id, published_at = state
    folder = history_folder(path)
    folder.mkdir(exist_ok=True)
    target = folder / f"{published_at:%Y%m%dT%H%M%S}-{re.sub(r'[^0-9A-Za-z_]', '_', run_id)}.duckdb"
    if not target.exists():
        try:
            if holder(path):
                raise OSError("held read-write: its holder could still write the kept state through a link")
            os.link(path, target)
        except OSError:
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            shutil.copyfile(path, temporary)
            os.replace(temporary, target)
    for old in kept_states(path)[keep:]:
        old.file.unlink(missing_ok=True)
    return target


def find_state(path: Path, run_id: str | None) -> KeptState:
    """The kept state `run_id` names (a unique prefix is enough), or the newest one; ValueError with the
    Chinese reason otherwise."""
    states = kept_states(path)
    if not states:
        raise ValueError(f"{history_folder(path)} 中没有保存的历史版本，无法回滚。")
    if run_id is None:
        return states[0]
    matches = [s for s in states if s.run_id.startswith(run_id)]
    if len(matches) != 1:
        listed = "、".join(s.run_id for s in states)
        reason = "找不到" if not matches else "不止一个版本匹配"
        raise ValueError(f"{reason}运行 {run_id} 发布的版本；可回滚到：{listed}。")
    return matches[0]


def restore_state(path: Path, state: KeptState, row: dict, keep: int) -> None:
    """Publish `state` again, atomically: its data, the run history of the current file (which the kept
    state does not know) and `row`, the rollback's own audit.runs row. The state it replaces is kept in
    turn, so a rollback can itself be undone."""
    path = path.resolve()
    check_readable(state.file)
    current_readable = True
    try:
        check_readable(path)
    except WarehouseDamaged:
        current_readable = False
    staging = staging_path(path, "rollback")
    _remove_staging(staging)
    shutil.copyfile(state.file, staging)
    index = None
    try:
        con = _connect_rw(staging)
        try:
            create_tables(con, pending_runs_glob(path))
            folded = sorted(pending_runs_dir(path).glob("*.json"))
            if current_readable and path.exists():
                with read_only(path) as current:
                    runs = _arrow(current, "select * from audit.runs")
                    editions = _tables(current, EDITIONS)
                con.register("_kepu_runs", runs)
                try:
                    con.execute("""insert into audit.run_log by name
                                   select * from _kepu_runs
                                   where run_id not in (select run_id from audit.run_log)""")
                finally:
                    con.unregister("_kepu_runs")
            else:
                editions = {t: data for t, data in read_index(path).items() if t in EDITIONS}
            _replace_editions(con, editions)
            loader.insert(con, "audit.run_log", [row])
            con.execute("checkpoint")
            index = _write_index(con, index_path(path))
        finally:
            con.close()
        _publish(staging, path, keep if current_readable else 0, index)
        _forget_recorded_runs(path, folded)
    except BaseException:
        _remove_staging(staging)
        if index is not None:
            index.unlink(missing_ok=True)
        raise


def _tables(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> dict[str, "pyarrow.Table"]:  # noqa: F821
    present = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
    return {table: _arrow(con, f"select * from {identifier(table)}") for table in tables if table in present}


def _replace_editions(con: duckdb.DuckDBPyConnection, editions: dict[str, "pyarrow.Table"]) -> None:  # noqa: F821
    """The signed editions of the state being replaced, in the state published instead: editions only grow, so
    those of the newer state are all of them (a state kept before an edition was signed keeps it all the same)."""
    if not editions:
        return
    for table in EDITIONS:
        con.execute(f"delete from {identifier(table)}")
    load_records(con, editions)


# -------------------------------------------------------------------------- the index of kept files


def index_path(path: Path) -> Path:
    """Where the records `kepu rebuild` needs are kept: beside the kept files, named for the warehouse."""
    path = path.resolve()
    return path.parent / "files" / f"{path.stem}.index.duckdb"


def _write_index(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Write the RECORDS tables of `con` to a new file beside `target`; returns it (renamed over `target`
    when the warehouse is published)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = staging_path(target, "index")
    _remove_staging(temporary)
    present = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
    out = _connect_rw(temporary)
    try:
        for table in RECORDS:
            if table not in present:
                continue
            data = _arrow(con, f"select * from {identifier(table)}")
            out.execute(f"create schema if not exists {identifier(table.split('.')[0])}")
            out.register("_kepu_rows", data)
            try:
                out.execute(f"create table {identifier(table)} as select * from _kepu_rows")
            finally:
                out.unregister("_kepu_rows")
        out.execute("checkpoint")
    except BaseException:
        out.close()
        _remove_staging(temporary)
        raise
    out.close()
    return temporary


def read_index(path: Path) -> dict[str, "pyarrow.Table"]:  # noqa: F821
    """The RECORDS tables kept beside the kept files for the warehouse at `path` ({} when there is no
    index); WarehouseDamaged when the index itself cannot be read."""
    index = index_path(path)
    if not index.exists():
        return {}
    try:
        con = read_only(index)
        try:
            present = {f"{s}.{t}" for s, t in
                       con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
            return {table: _arrow(con, f"select * from {identifier(table)}") for table in RECORDS if table in present}
        finally:
            con.close()
    except duckdb.Error as exc:
        raise WarehouseDamaged(f"保存的文件索引 {index} 无法读取：{exc}") from exc


def read_records(path: Path) -> dict[str, "pyarrow.Table"]:  # noqa: F821
    """The RECORDS tables of the warehouse file itself (when it is readable and the index is missing)."""
    con = read_only(path)
    try:
        present = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
        return {table: _arrow(con, f"select * from {identifier(table)}") for table in RECORDS if table in present}
    finally:
        con.close()


def load_records(con: duckdb.DuckDBPyConnection, records: dict[str, "pyarrow.Table"]) -> None:  # noqa: F821
    """Insert kept records into a fresh warehouse, by column name (columns the table no longer has are
    left out, new ones stay null)."""
    for table, data in records.items():
        columns = {r[0] for r in con.execute(f"describe {identifier(table)}").fetchall()}
        keep = [name for name in data.column_names if name in columns]
        con.register("_kepu_rows", data.select(keep))
        try:
            con.execute(f"insert into {identifier(table)} by name select * from _kepu_rows")
        finally:
            con.unregister("_kepu_rows")
