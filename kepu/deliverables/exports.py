"""The city's tables as CSV, for Excel users, and as Parquet, for analysts.

`csv/<name>.csv`: UTF-8 with a BOM (so Excel detects the encoding), Chinese headers and labels, no
totals row; numbers plain — ratios too, as percentages under a header that says so (报送率（%）) —
and text that Excel would run as a formula neutralised. `parquet/<name>.parquet`: the column keys of
the marts, native types (money as decimal(18,2), ratios as fractions), codes rather than labels, text
as submitted, and a `campaign_id` column so several years' files stack.

Each file is rewritten only when its content changed: a CSV when its bytes differ, a Parquet file when
the table's digest (kept in its schema metadata) differs.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kepu.deliverables.files import write_bytes, write_if_changed
from kepu.deliverables.tables import LIST, PERCENT, TEXT, Column, Table, starts_like_formula

DIGEST_KEY = b"kepu_content_digest"


def csv_safe(text: str) -> str:
    """Text for a CSV that Excel opens: a value Excel would run as a formula gets a leading `'`
    (OWASP CSV-injection guidance); other text is unchanged."""
    return "'" + text if starts_like_formula(text) else text


def csv_header(column: Column) -> str:
    return f"{column.header}（%）" if column.kind is PERCENT else column.header


def csv_field(column: Column, value) -> str:
    """One CSV field: numbers plain (no thousands separators, ratios as percentages with up to two
    decimals), text neutralised."""
    if column.kind is PERCENT:
        return "" if value is None else f"{round(value * 100, 2):g}"
    text = column.text(value)
    return csv_safe(text) if column.kind is TEXT or column.kind is LIST else text


def csv_bytes(table: Table) -> bytes:
    columns = table.export_columns
    indexes = [table.index(c.key) for c in columns]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([csv_header(c) for c in columns])
    for record in table.rows:
        writer.writerow([csv_field(c, record[i]) for c, i in zip(columns, indexes)])
    return buffer.getvalue().encode("utf-8-sig")


def write_csv(table: Table, path: Path) -> Path:
    return write_bytes(path, csv_bytes(table))


def arrow_table(table: Table, campaign_id: str) -> pa.Table:
    columns = table.export_columns
    fields = [pa.field("campaign_id", pa.string(), nullable=False)] + [
        pa.field(c.key, c.kind.arrow_type, metadata={"header": c.header}) for c in columns]
    arrays = [pa.array([campaign_id] * len(table.rows), pa.string())] + [
        pa.array([record[i] for record in table.rows], c.kind.arrow_type)
        for i, c in ((table.index(c.key), c) for c in columns)]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata={DIGEST_KEY: table.digest.encode()}))


def parquet_digest(path: Path) -> str | None:
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None
    value = metadata.get(DIGEST_KEY)
    return value.decode() if value else None


def write_parquet(table: Table, campaign_id: str, path: Path) -> Path:
    return write_if_changed(path, table.digest, parquet_digest,
                            lambda target: pq.write_table(arrow_table(table, campaign_id), target))


def write_exports(tables: list[Table], campaign_id: str, folder: Path) -> list[Path]:
    """csv/<name>.csv and parquet/<name>.parquet for each table."""
    written = []
    for table in tables:
        written.append(write_csv(table, folder / "csv" / f"{table.name}.csv"))
        written.append(write_parquet(table, campaign_id, folder / "parquet" / f"{table.name}.parquet"))
    return written
