"""A throwaway warehouse: every layer's tables and views in an in-memory DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from kepu.warehouse.schema import create_tables


@pytest.fixture
def con():
    con = duckdb.connect()
    create_tables(con)
    yield con
    con.close()
