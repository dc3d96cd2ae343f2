"""The warehouse's layers as SQL files: `raw` (files as received), `core` (units, submissions,
activities), `marts` (totals, views analysts read) and `audit` (issues, runs).

Tables are created if missing; views are recreated on every run so a new release's definitions
replace the old ones in the published file. The SQL files are Jinja templates in the way dbt models
are: the measures (participants, volunteers, …) and the codes the comments explain come from
`kepu.schemas.vocabulary`, and a file loops over them (`{% for m in measures %}`) instead of spelling
them out again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import duckdb
import jinja2

from kepu.schemas.vocabulary import (
    ACTIVITY_TYPES,
    CHASED,
    COMPLETENESS_LABELS,
    MEASURES,
    SEVERITY_LABELS,
    SUBMISSION_STATUS_LABELS,
    UNIT_TYPE_LABELS,
    UNITEMIZED_TYPE,
)
from kepu.schemas.notices import NOTICE_KINDS, NOTICE_STATUS_LABELS

LAYERS = ("raw", "core", "marts", "audit")

TABLES: dict[str, tuple[str, ...]] = {
    "raw": ("files", "file_sightings", "declarations", "activity_rows", "summary_figures", "parse_issues"),
    "core": ("campaigns", "units", "submissions", "activities", "source_unavailable"),
    "audit": ("issues", "runs", "submission_changes", "notices"),
}

VIEWS: tuple[tuple[str, str], ...] = (
    ("audit", "submissions"),
    ("marts", "activities"),
    ("marts", "unit_totals"),
    ("marts", "completeness"),
    ("marts", "district_totals"),
    ("marts", "city_totals"),
    ("marts", "type_totals"),
    ("marts", "chase_list"),
    ("marts", "year_over_year"),
)
"""In dependency order: each view may read the ones before it."""


@dataclass(frozen=True, slots=True)
class StoredMeasure:
    """A measure as the warehouse holds it: its column, its type on one row and summed, and the column of
    an activity row that holds its per-row figure (activities counts `activity_count`)."""

    key: str
    type: str
    total_type: str
    row_column: str
    label: str
    noun: str
    unit: str


STORED_MEASURES = tuple(
    StoredMeasure(m.key, "decimal(14, 2)" if m.money else "bigint", "decimal(18, 2)" if m.money else "bigint",
                  "activity_count" if m.key == "activities" else m.key, m.label, m.noun, m.unit)
    for m in MEASURES)


def _coded(labels: dict[str, str]) -> str:
    """Codes with their Chinese labels, as a comment lists them: `on_time 按时报送、late 逾期报送`."""
    return "、".join(f"{code} {label}" for code, label in labels.items())


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader(__package__, "sql"), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    env.globals.update(
        measures=STORED_MEASURES,
        metrics=STORED_MEASURES[1:],
        activity_types="、".join(ACTIVITY_TYPES),
        unitemized_type=UNITEMIZED_TYPE,
        unit_types=_coded(UNIT_TYPE_LABELS),
        submission_statuses=_coded(SUBMISSION_STATUS_LABELS),
        completeness_statuses=_coded(COMPLETENESS_LABELS),
        chased_statuses=_coded({status: COMPLETENESS_LABELS[status] for status in CHASED}),
        severities=_coded(SEVERITY_LABELS),
        notice_kinds=_coded(NOTICE_KINDS),
        notice_statuses=_coded(NOTICE_STATUS_LABELS),
    )
    return env


def sql_text(layer: str, name: str, **context) -> str:
    """The SQL of `sql/<layer>/<name>.sql` (or `sql/<name>.sql` for layer ""), rendered."""
    path = f"{layer}/{name}.sql" if layer else f"{name}.sql"
    return _environment().get_template(path).render(**context)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for layer in LAYERS:
        con.execute(f"create schema if not exists {layer}")
    for layer, names in TABLES.items():
        for name in names:
            con.execute(sql_text(layer, name))
    create_views(con)


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every view, then every comment: replacing a view drops its comments."""
    for layer, name in VIEWS:
        con.execute(sql_text(layer, name))
    columns = con.execute(f"""select schema_name as schema, table_name as table, column_name as column
                              from duckdb_columns() where schema_name in {LAYERS}
                              order by schema_name, table_name, column_index""").fetchall()
    con.execute(sql_text("", "comments", columns=[dict(zip(("schema", "table", "column"), c)) for c in columns]))


def drop_tables(con: duckdb.DuckDBPyConnection) -> None:
    for layer in reversed(LAYERS):
        con.execute(f"drop schema if exists {layer} cascade")
