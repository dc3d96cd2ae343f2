"""The warehouse opens in DuckDB 1.x clients (still common behind DBeaver's JDBC driver): a real
DuckDB 1.1 in its own virtual environment reads every table and view of a published demo warehouse."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

OLD_CLIENT = "duckdb==1.1.3"

READ_EVERYTHING = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    names = con.execute(
        "select schema_name || '.' || view_name from duckdb_views() where not internal "
        "union all select schema_name || '.' || table_name from duckdb_tables()").fetchall()
    for (name,) in names:
        con.execute(f"select * from {name}").fetchall()
    print(duckdb.__version__, len(names), con.execute("select participants from marts.city_totals").fetchone()[0])
""")


@pytest.fixture(scope="module")
def old_duckdb(tmp_path_factory):
    venv = tmp_path_factory.mktemp("duckdb1") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    uv = Path(sys.executable).with_name("uv")  # installed by bootstrap.lock beside the tests' own Python
    installed = subprocess.run([str(uv), "pip", "install", "--quiet", "--python", str(python), OLD_CLIENT],
                               capture_output=True, text=True, timeout=600)
    if installed.returncode != 0:
        pytest.skip(f"{OLD_CLIENT} could not be installed here: {installed.stderr.strip()[-200:]}")
    return python


def test_duckdb_1_reads_every_table_and_view(demo_city, old_duckdb):
    warehouse = demo_city.root / "warehouse" / "kepu.duckdb"
    result = subprocess.run([str(old_duckdb), "-c", READ_EVERYTHING, str(warehouse)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    version, objects, participants = result.stdout.split()
    assert version.startswith("1.1")
    assert int(objects) >= 20
    assert int(participants) == demo_city.expected["participants"]
