"""The received-file record: its extension and the raw rows it becomes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from kepu.schemas.files import ReceivedFile
from kepu.warehouse.schema import create_tables

MEMBER = ReceivedFile(path="双流区/汇总.zip/东升街道.XLSX", size=10, mtime=1.5, received_at=datetime(2023, 9, 26),
                      location=Path("/tmp/汇总.zip"), sha256="s", member="东升街道.XLSX")


def test_a_bundle_member_is_named_by_its_path_inside_the_bundle():
    assert MEMBER.extension == ".xlsx"
    assert ReceivedFile("说明", 1, 0.0, datetime(2023, 9, 26), Path("说明")).extension == ""


def test_its_rows_are_the_raw_tables_columns():
    con = duckdb.connect()
    create_tables(con)
    columns = {table: {r[0] for r in con.execute(f"describe raw.{table}").fetchall()}
               for table in ("files", "file_sightings")}

    assert set(MEMBER.raw_files_row()) == columns["files"] - {"campaign_id", "first_run_id"}
    assert set(MEMBER.sighting_row()) == columns["file_sightings"] - {"campaign_id", "first_run_id", "last_run_id"}
