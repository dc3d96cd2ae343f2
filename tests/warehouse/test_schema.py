"""warehouse/sql/comments.sql documents every table, view and column analysts can see."""

from __future__ import annotations

from kepu.warehouse.schema import LAYERS


def test_every_column_has_a_comment(con):
    bare = con.execute(f"""select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()
                           where schema_name in {LAYERS} and (comment is null or comment = '')""").fetchall()

    assert bare == []


def test_every_table_and_view_has_a_comment(con):
    bare = con.execute(f"""
        select schema_name || '.' || table_name from duckdb_tables() where schema_name in {LAYERS} and comment is null
        union all
        select schema_name || '.' || view_name from duckdb_views() where schema_name in {LAYERS} and comment is null
    """).fetchall()

    assert bare == []


def test_comments_name_the_codes_analysts_filter_on(con):
    (status,) = con.execute("""select comment from duckdb_columns()
                               where schema_name = 'marts' and table_name = 'completeness'
                                 and column_name = 'status'""").fetchone()

    assert all(code in status for code in ("on_time", "late", "held", "missing"))
