"""The one writer: puts rows into warehouse tables in single set-based statements.

Rows go through Arrow with the target table's own column types, so decimals stay exact, dates stay
dates and lists stay lists (DuckDB's `executemany` is thousands of times slower and guesses types).
A parse batch turns its rows into Arrow itself (`to_arrow` with `table_schema_of`, which needs no
connection), so the run streams batch after batch into the staged warehouse and never holds a whole
inbox's rows in Python.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache

import duckdb
import pandas as pd
import pyarrow as pa

from kepu.schemas.files import ReceivedFile, entry_id
from kepu.warehouse.identifiers import identifier
from kepu.warehouse.schema import create_bare_tables

_SIMPLE_TYPES = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


def _arrow_type(duck_type: str) -> pa.DataType:
    if duck_type in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[duck_type]
    if duck_type.endswith("[]"):
        return pa.list_(_arrow_type(duck_type[:-2]))
    if m := re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duck_type):
        return pa.decimal128(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"MAP\((\w+),\s*(\w+)\)", duck_type):
        return pa.map_(_arrow_type(m[1]), _arrow_type(m[2]))
    raise TypeError(f"no Arrow type for DuckDB type {duck_type}")


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> pa.Schema:
    rows = con.execute(f"describe {identifier(table)}").fetchall()
    return pa.schema([(name, _arrow_type(kind)) for name, kind, *_ in rows])


def table_schema_of(table: str) -> pa.Schema:
    """The Arrow schema of a warehouse table as this release defines it, without a warehouse at hand (a parse
    worker's): read from the DDL in an in-memory DuckDB, once per process for every table."""
    return _release_schemas()[table]


@cache
def _release_schemas() -> dict[str, pa.Schema]:
    """Every table's Arrow schema, from one in-memory DuckDB holding this release's tables (no views: building
    those and their comments costs several times the tables, and a table's shape does not depend on them)."""
    con = duckdb.connect()
    try:
        create_bare_tables(con)
        names = con.execute("""select schema_name || '.' || table_name from duckdb_tables()
                               where schema_name in ('raw', 'core', 'marts', 'audit')""").fetchall()
        return {name: table_schema(con, name) for (name,) in names}
    finally:
        con.close()


def _clean(value):
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, Mapping):
        return [(k, v) for k, v in value.items() if v is not None]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    return value


def _coerce(value, kind: pa.DataType):
    value = _clean(value)
    if value is None:
        return None
    if pa.types.is_decimal(kind):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-kind.scale))
    if pa.types.is_date32(kind) and isinstance(value, datetime):
        return value.date()
    if pa.types.is_date32(kind) and isinstance(value, str):
        return date.fromisoformat(value)
    if pa.types.is_timestamp(kind) and isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if pa.types.is_integer(kind) and not isinstance(value, bool):
        return int(value)
    return value


def to_arrow(con: duckdb.DuckDBPyConnection | None, table: str, rows: Iterable[Mapping] | pd.DataFrame) -> pa.Table:
    """Rows (dicts or a frame) as an Arrow table shaped exactly like `table`; missing keys are null. `con` may
    be None (the schema then comes from the DDL: `table_schema_of`).

    Each column is converted by Arrow in one call; only a column Arrow refuses as it stands (a decimal with
    more places than the column, a date written as text, a map) is coerced value by value."""
    schema = table_schema_of(table) if con is None else table_schema(con, table)
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    columns = {}
    for f in schema:
        values = [r.get(f.name) for r in records]
        columns[f.name] = _column(values, f.type)
    return pa.Table.from_pydict(columns, schema=schema)


def _column(values: list, kind: pa.DataType) -> pa.Array:
    if not pa.types.is_map(kind):
        try:
            return pa.array(values, type=kind, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            pass
    return pa.array([_coerce(v, kind) for v in values], type=kind)


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table, *, replace: bool = False) -> int:
    """Append an Arrow table shaped like `table` (to_arrow's) in one statement; returns the number of rows.
    `replace`: rows with the same primary key as one already there replace it."""
    if data.num_rows == 0:
        return 0
    con.register("_kepu_rows", data)
    try:
        con.execute(f"insert {'or replace ' if replace else ''}into {identifier(table)} by name select * from _kepu_rows")
    finally:
        con.unregister("_kepu_rows")
    return data.num_rows


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping] | pd.DataFrame) -> int:
    """Append rows to `table` in one statement; returns the number of rows."""
    return insert_arrow(con, table, to_arrow(con, table, rows))


def upsert(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping] | pd.DataFrame) -> int:
    """Insert rows, replacing those with the same primary key (the ledger tables: audit.notices)."""
    return insert_arrow(con, table, to_arrow(con, table, rows), replace=True)


def replace_campaign(con: duckdb.DuckDBPyConnection, table: str, campaign_id: str,
                     rows: Iterable[Mapping] | pd.DataFrame) -> int:
    """Swap one campaign's rows of `table` for `rows` (core and audit tables are rebuilt per run)."""
    con.execute(f"delete from {identifier(table)} where campaign_id = ?", [campaign_id])
    return insert(con, table, rows)


def forget_files(con: duckdb.DuckDBPyConnection, campaign_id: str, shas: list[str]) -> None:
    """Drop what raw holds of these files (they are about to be parsed again: the parser changed)."""
    if not shas:
        return
    con.register("_kepu_shas", pa.table({"sha256": pa.array(shas, pa.string())}))
    try:
        for table in RAW_EXTRACTS:
            con.execute(f"delete from {identifier(table)} where campaign_id = ? and sha256 in (select sha256 from _kepu_shas)",
                        [campaign_id])
    finally:
        con.unregister("_kepu_shas")


RAW_EXTRACTS = ("raw.files", "raw.declarations", "raw.activity_rows", "raw.summary_figures", "raw.text_figures",
                "raw.parse_issues")
"""The raw tables that hold what parsing one file gave, each keyed by the file's sha256."""


def load_batch(con: duckdb.DuckDBPyConnection, campaign_id: str, files: list[ReceivedFile],
               tables: Mapping[str, pa.Table], run_id: str) -> None:
    """Store one parse batch: its files' raw.files rows and the raw extraction tables read from them (Arrow,
    without campaign_id). Call `forget_files` first for files parsed before."""
    insert(con, "raw.files", [{**f.raw_files_row(), "campaign_id": campaign_id, "first_run_id": run_id}
                              for f in files])
    for name, data in tables.items():
        if data.num_rows:
            data = data.set_column(data.schema.get_field_index("campaign_id"), "campaign_id",
                                   pa.array([campaign_id] * data.num_rows, pa.string()))
            insert_arrow(con, f"raw.{name}", data)


def load_parsed(con: duckdb.DuckDBPyConnection, campaign_id: str, files: list[ReceivedFile],
                tables: Mapping[str, list[dict]], run_id: str) -> None:
    """Store parse results given as rows: a file parsed again (the parser changed) replaces its old rows."""
    forget_files(con, campaign_id, [f.sha256 for f in files])
    load_batch(con, campaign_id, files, {name: to_arrow(con, f"raw.{name}", rows) for name, rows in tables.items()},
               run_id)


def forget_unread(con: duckdb.DuckDBPyConnection, campaign_id: str, files: list[ReceivedFile]) -> None:
    """An entry recorded unread (rejected: not readable then) whose path was read tonight: its old record goes,
    the content read in its place is the file now."""
    shas = sorted({entry_id(f.source, f.source_path or f.path) for f in files if f.has_content})
    if not shas:
        return
    con.register("_kepu_unread", pa.table({"sha256": pa.array(shas, pa.string())}))
    try:
        for table in ("raw.files", "raw.parse_issues"):
            con.execute(f"delete from {identifier(table)} where campaign_id = ? and sha256 in (select sha256 from _kepu_unread)",
                        [campaign_id])
    finally:
        con.unregister("_kepu_unread")


def record_sightings(con: duckdb.DuckDBPyConnection, campaign_id: str, files: list[ReceivedFile], run_id: str) -> None:
    """Remember every (path, content) seen tonight and the source entry it came in, so tomorrow knows what is
    new, changed or unchanged, and which entries it need not fetch again."""
    unique = {(f.path, f.sha256): f for f in files}
    rows = [{**f.sighting_row(), "campaign_id": campaign_id, "first_run_id": run_id, "last_run_id": run_id}
            for f in unique.values()]
    data = to_arrow(con, "raw.file_sightings", rows)
    if data.num_rows == 0:
        return
    con.register("_kepu_sightings", data)
    try:
        con.execute("""
            insert into raw.file_sightings by name select * from _kepu_sightings
            on conflict (campaign_id, path, sha256) do update
                set size = excluded.size, mtime = excluded.mtime, last_run_id = excluded.last_run_id,
                    source = excluded.source, source_path = excluded.source_path, entry_path = excluded.entry_path,
                    entry_size = excluded.entry_size, change_token = excluded.change_token""")
    finally:
        con.unregister("_kepu_sightings")
