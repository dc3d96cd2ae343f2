"""The warehouse's layers as SQL files: `raw` (files as received), `core` (units, submissions,
activities), `marts` (totals, views analysts read) and `audit` (issues, runs).

Tables are created if missing; views are recreated on every run so a new release's definitions
replace the old ones in the published file.
"""

from __future__ import annotations

from importlib import resources

import duckdb

LAYERS = ("raw", "core", "marts", "audit")

TABLES: dict[str, tuple[str, ...]] = {
    "raw": ("files", "file_sightings", "declarations", "activity_rows", "summary_figures", "parse_issues"),
    "core": ("campaigns", "units", "submissions", "activities"),
    "audit": ("issues", "runs", "submission_changes"),
}

VIEWS: dict[str, tuple[str, ...]] = {
    "marts": ("activities", "unit_totals", "district_totals", "city_totals", "type_totals", "completeness",
              "chase_list", "year_over_year"),
    "audit": ("submissions",),
}
"""In dependency order: each view may read the ones before it."""


def sql_text(layer: str, name: str) -> str:
    return resources.files(__package__).joinpath("sql", layer, f"{name}.sql").read_text(encoding="utf-8")


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for layer in LAYERS:
        con.execute(f"create schema if not exists {layer}")
    for layer, names in TABLES.items():
        for name in names:
            con.execute(sql_text(layer, name))
    create_views(con)


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every view, then every comment: replacing a view drops its comments."""
    for layer, names in VIEWS.items():
        for name in names:
            con.execute(sql_text(layer, name))
    con.execute(resources.files(__package__).joinpath("sql", "comments.sql").read_text(encoding="utf-8"))


def drop_tables(con: duckdb.DuckDBPyConnection) -> None:
    for layer in reversed(LAYERS):
        con.execute(f"drop schema if exists {layer} cascade")
