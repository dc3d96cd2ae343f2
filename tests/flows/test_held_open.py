"""An analyst's read-write connection (DBeaver's default) held open across a night: the run still publishes, the
connection keeps the state it opened, and the summary says who held the file (SPEC §4, issue #23 item 7)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.builders import activity, make_city, query
from tests.kepu_process import kepu

pytestmark = pytest.mark.usefixtures("kepu_children")

HOLDER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])  # read-write, as a SQL client opens it
    print("ready", flush=True)
    sys.stdin.readline()
    print(con.execute("select participants from marts.city_totals").fetchone()[0], flush=True)
    sys.stdin.readline()
""")


def test_run_publishes_past_a_read_write_connection_and_names_its_holder(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    assert kepu("run", "--config", str(city.config)).returncode == 0

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(city.warehouse)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        city.submit("九江街道.xlsx", "D01T02", [activity("科普展览", 18, 60)])

        result = kepu("run", "--config", str(city.config))
        assert result.returncode == 0, result.stderr
        assert "已发布" in result.stdout and "以读写方式打开" in result.stdout
        assert f"进程 {holder.pid}" in result.stdout
        assert "Traceback" not in result.stderr

        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "120"  # its connection keeps the state it opened

        status = kepu("status", "--config", str(city.config))
        assert status.returncode == 0, status.stderr  # read through a copy while the file is held
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert query(city.warehouse, "select participants from marts.city_totals") == [(180,)]
    assert not [p for p in city.warehouse.parent.iterdir() if ".reading-" in p.name]
