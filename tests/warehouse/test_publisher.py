"""The publisher: a run is atomic, an open reader never blocks it; what it keeps (states to roll back to, the
index of kept files) and how it tells a damaged file."""

from __future__ import annotations

import duckdb
import pytest

from kepu.warehouse import loader
from kepu.warehouse.publisher import read_only, staged


def campaigns(path) -> list[str]:
    con = read_only(path)
    try:
        return [r[0] for r in con.execute("select campaign_id from core.campaigns order by 1").fetchall()]
    finally:
        con.close()


def add_campaign(con, cid: str) -> None:
    loader.insert(con, "core.campaigns", [{"campaign_id": cid, "name": cid, "start_date": "2023-09-17",
                                           "end_date": "2023-09-23", "deadline": "2023-09-28"}])


def test_publish_replaces_the_file_and_leaves_no_staging(tmp_path):
    path = tmp_path / "wh" / "kepu.duckdb"
    with staged(path) as con:
        add_campaign(con, "2022")
    with staged(path) as con:
        add_campaign(con, "2023")
    assert campaigns(path) == ["2022", "2023"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["files", "kepu.duckdb"]
    assert [p.name for p in (path.parent / "files").iterdir()] == ["kepu.index.duckdb"]


def test_a_failed_run_publishes_nothing(tmp_path):
    path = tmp_path / "kepu.duckdb"
    with staged(path) as con:
        add_campaign(con, "2022")
    with pytest.raises(RuntimeError):
        with staged(path) as con:
            add_campaign(con, "2023")
            raise RuntimeError("validation failed half way")
    assert campaigns(path) == ["2022"]
    assert not any(p.name.startswith(".") for p in tmp_path.rglob("*"))


def test_open_reader_keeps_its_snapshot_and_does_not_block(tmp_path):
    path = tmp_path / "kepu.duckdb"
    with staged(path) as con:
        add_campaign(con, "2022")
    reader = duckdb.connect(str(path), read_only=True)
    try:
        with staged(path) as con:
            add_campaign(con, "2023")
        assert reader.execute("select count(*) from core.campaigns").fetchone() == (1,)
    finally:
        reader.close()
    assert campaigns(path) == ["2022", "2023"]


def test_file_is_readable_by_duckdb_1x_clients(tmp_path):
    path = tmp_path / "kepu.duckdb"
    with staged(path) as con:
        add_campaign(con, "2022")
    con = read_only(path)
    try:
        (tags,) = con.execute("select tags from duckdb_databases() where database_name = 'kepu'").fetchone()
    finally:
        con.close()
    assert tags["storage_version"].startswith("v1.0.0")


def test_drop_tables_removes_every_layer(tmp_path):
    from kepu.warehouse.schema import LAYERS, create_tables, drop_tables

    con = duckdb.connect(str(tmp_path / "scratch.duckdb"))
    try:
        create_tables(con)
        drop_tables(con)
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
    finally:
        con.close()
    assert not schemas & set(LAYERS)
