"""The city's tables as CSV, for Excel users, and as Parquet, for analysts.

`csv/<name>.csv`: UTF-8 with a BOM (so Excel detects the encoding), Chinese headers and labels, no
totals row; text that Excel would run as a formula is neutralised. `parquet/<name>.parquet`: the
column keys of the marts, native types (money as decimal(18,2)), codes rather than labels, text as
submitted, and a `campaign_id` column so several years' files stack.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kepu.deliverables.files import write_atomically
from kepu.deliverables.tables import LIST, TEXT, Column, Table, starts_like_formula


def csv_safe(text: str) -> str:
    """Text for a CSV that Excel opens: a value Excel would run as a formula gets a leading `'`
    (OWASP CSV-injection guidance); other text is unchanged."""
    return "'" + text if starts_like_formula(text) else text


def csv_field(column: Column, value) -> str:
    """One CSV field: numbers plain (no thousands separators), text neutralised."""
    text = column.text(value)
    return csv_safe(text) if column.kind is TEXT or column.kind is LIST else text


def write_csv(table: Table, path: Path) -> Path:
    def write(target: Path) -> None:
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([c.header for c in table.columns])
            for record in table.rows:
                writer.writerow([csv_field(c, v) for c, v in zip(table.columns, record)])

    return write_atomically(path, write)


def arrow_table(table: Table, campaign_id: str) -> pa.Table:
    fields = [pa.field("campaign_id", pa.string(), nullable=False)] + [
        pa.field(c.key, c.kind.arrow_type, metadata={"header": c.header}) for c in table.columns]
    arrays = [pa.array([campaign_id] * len(table.rows), pa.string())] + [
        pa.array([record[i] for record in table.rows], c.kind.arrow_type) for i, c in enumerate(table.columns)]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def write_parquet(table: Table, campaign_id: str, path: Path) -> Path:
    return write_atomically(path, lambda target: pq.write_table(arrow_table(table, campaign_id), target))


def write_exports(tables: list[Table], campaign_id: str, folder: Path) -> list[Path]:
    """csv/<name>.csv and parquet/<name>.parquet for each table."""
    written = []
    for table in tables:
        written.append(write_csv(table, folder / "csv" / f"{table.name}.csv"))
        written.append(write_parquet(table, campaign_id, folder / "parquet" / f"{table.name}.parquet"))
    return written
