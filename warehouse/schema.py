"""The warehouse's layers as SQL files: `raw` (files as received), `core` (units, submissions,
activities), `marts` (totals, views analysts read) and `audit` (issues, runs).

Tables are created if missing; views are recreated on every run so a new release's definitions
replace the old ones in the published file. The SQL files are Jinja templates in the way dbt models
are: the measures (participants, volunteers, …) and the codes the comments explain come from
`kepu.schemas.vocabulary`, and a file loops over them (`{% for m in measures %}`) instead of spelling
them out again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import duckdb
import jinja2

from kepu.schemas import rules
from kepu.schemas.bounds import BOUNDS
from kepu.schemas.issues import CATALOGUE
from kepu.schemas.synonyms import SUMMARY_INDICATORS
from kepu.schemas.vocabulary import (
    ACTIVITY_TYPES,
    CHASED,
    COUNTED_STATUSES,
    COMPLETENESS_LABELS,
    MEASURE,
    MEASURES,
    SEVERITIES,
    SEVERITY_LABELS,
    SUBMISSION_STATUS_LABELS,
    UNIT_TYPE_LABELS,
    UNITEMIZED_TYPE,
)
from kepu.schemas.notices import NOTICE_KINDS, NOTICE_STATUS_LABELS
from kepu.warehouse.identifiers import identifier, literal, literals

LAYERS = ("raw", "core", "marts", "audit")

TABLES: dict[str, tuple[str, ...]] = {
    "raw": ("files", "file_sightings", "declarations", "activity_rows", "summary_figures", "text_figures",
            "parse_issues"),
    "core": ("campaigns", "units", "submissions", "activities", "source_unavailable", "decisions"),
    "audit": ("issues", "run_log", "submission_changes", "notices", "decisions", "editions", "edition_figures",
              "edition_files", "edition_decisions"),
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
    ("marts", "published_figures"),
    ("audit", "edition_causes"),
    ("marts", "changes_since_signed"),
    ("marts", "signed_edition"),
    ("audit", "runs"),
    ("audit", "received_files"),
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


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def issue_sql(code: str, *, sheet: str = "null", cell: str = "null", raw: str = "null", row: str = "null",
              **fields: str) -> str:
    """The columns of a catalogued issue (severity, code, message, sheet, cell, raw_value, row_number) as an
    SQL select list, for the checks of sql/core/checks: each argument is an SQL expression, and the message is
    the catalogue's template with each `{placeholder}` filled from the expression of that name (`raw` and
    `row` included), as schemas.issues.make_issue fills it in Python; a placeholder given nothing is empty."""
    kind = CATALOGUE[code]
    values = {"raw": raw, "row": row, **fields}
    names = _PLACEHOLDER.findall(kind.template)
    unknown = set(fields) - set(names)
    if unknown:
        raise KeyError(f"{code} has no placeholder {sorted(unknown)}")
    template = _PLACEHOLDER.sub("{}", kind.template)
    arguments = "".join(f", coalesce(cast({values.get(n, 'null')} as varchar), '')" for n in names)
    return (f"{literal(kind.severity)} as severity, {literal(code)} as code, "
            f"format({literal(template)}{arguments}) as message, "
            f"{sheet} as sheet, {cell} as cell, cast({raw} as varchar) as raw_value, "
            f"cast({row} as integer) as row_number")


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
        severity_order=SEVERITIES,
        counted_statuses=literals(COUNTED_STATUSES),
        measure=MEASURE,
        indicators=SUMMARY_INDICATORS,
        rules=rules,
        bounds=BOUNDS,
        issue=issue_sql,
        quoted=literals,
        notice_kinds=_coded(NOTICE_KINDS),
        notice_statuses=_coded(NOTICE_STATUS_LABELS),
    )
    return env


def sql_text(layer: str, name: str, **context) -> str:
    """The SQL of `sql/<layer>/<name>.sql` (or `sql/<name>.sql` for layer ""), rendered."""
    path = f"{layer}/{name}.sql" if layer else f"{name}.sql"
    return _environment().get_template(path).render(**context)


def create_tables(con: duckdb.DuckDBPyConnection, pending_runs: str | None = None) -> None:
    """Every schema and table (created if missing, older layouts brought up to date), then every view.
    `pending_runs` is the glob of the run records kept beside a warehouse file (publisher.pending_runs_glob),
    for audit.runs to show them.

    One transaction: a commit for each of its ~600 statements (views, every column's comment) would write and
    flush the database's log ~600 times."""
    con.begin()
    try:
        _create_schemas(con)
        _migrate(con)
        _create_table_ddl(con)
        _forwarding_adds(con)
        create_views(con, pending_runs)
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _create_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for layer in LAYERS:
        con.execute(f"create schema if not exists {identifier(layer)}")


def _create_table_ddl(con: duckdb.DuckDBPyConnection) -> None:
    for layer, names in TABLES.items():
        for name in names:
            con.execute(sql_text(layer, name))


def create_bare_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every schema and table of this release in an empty database, without views or comments: what the tables
    look like (their columns and types), for code that needs their shapes and no warehouse."""
    _create_schemas(con)
    _create_table_ddl(con)


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Warehouses written by earlier releases: audit.runs was the table of runs; it is audit.run_log now and
    audit.runs the view over it and the runs recorded beside the file."""
    runs_table = con.execute("""select count(*) from duckdb_tables()
                                where schema_name = 'audit' and table_name = 'runs'""").fetchone()[0]
    if runs_table:
        con.execute("alter table audit.runs rename to run_log")
    # core.submissions was keyed by (campaign_id, file_sha256): a forwarded table (SPEC §3.10) gives one file
    # a row per unit, so the table is made again without that key, its rows kept.
    keyed = con.execute("""select count(*) from duckdb_constraints()
                           where schema_name = 'core' and table_name = 'submissions'
                             and constraint_type = 'PRIMARY KEY'""").fetchone()[0]
    if keyed:
        con.execute("create temp table _submissions_before as select * from core.submissions")
        con.execute("drop table core.submissions")
        con.execute(sql_text("core", "submissions"))
        con.execute("insert into core.submissions by name select * from _submissions_before")
        con.execute("drop table _submissions_before")


def _forwarding_adds(con: duckdb.DuckDBPyConnection) -> None:
    """Warehouses built when a unit's own files and the rows forwarded for it were versions of one submission (the
    rule SPEC §3.10 dropped: forwarding adds, it never removes). A campaign rebuilt by a run follows the new rule;
    one that is not (an earlier campaign, kept for the year-over-year check) is brought to it here, once: where one
    stream (the unit's own files, or one forwarder's tables) superseded another, each stream's newest version counts
    again, the other streams' current parts add to the unit's version (role `forwarded`), and a forwarded row
    repeating one of the unit's own counted rows — same start date, same name once trimmed — counts once, the
    unit's own copy kept. Nothing happens to a warehouse with no such supersession."""
    crossed = con.execute("""
        select count(*) from core.submissions as s
        join core.submissions as n
            on n.campaign_id = s.campaign_id and n.unit_code = s.unit_code and n.file_sha256 = s.superseded_by
        where coalesce(s.forwarded_by, '') <> coalesce(n.forwarded_by, '')""").fetchone()[0]
    if not crossed:
        return
    con.execute(f"""
        create or replace temp table _restreamed as
        with units as (
            select distinct s.campaign_id, s.unit_code
            from core.submissions as s
            join core.submissions as n
                on n.campaign_id = s.campaign_id and n.unit_code = s.unit_code and n.file_sha256 = s.superseded_by
            where coalesce(s.forwarded_by, '') <> coalesce(n.forwarded_by, '')
        ),
        parts as (
            select s.*, coalesce(s.forwarded_by, '') as stream, s.status in {literals(COUNTED_STATUSES)} as countable
            from core.submissions as s
            join units using (campaign_id, unit_code)
        ),
        newest as (
            select campaign_id, unit_code, stream, arg_max(file_sha256, version) as current_sha256,
                   max(version) as current_version
            from parts
            where countable and role <> 'supplement'
            group by all
        ),
        primary_stream as (
            select campaign_id, unit_code, arg_min(stream, (stream <> '', current_version)) as stream,
                   arg_min(current_sha256, (stream <> '', current_version)) as current_sha256
            from newest
            group by all
        ),
        placed as (
            select p.campaign_id, p.unit_code, p.file_sha256, p.stream, p.countable, p.role,
                   p.countable and (p.file_sha256 = n.current_sha256
                                    or (p.role = 'supplement' and p.supplements = n.current_sha256)) as is_current,
                   n.current_sha256, q.stream = p.stream as in_primary, q.current_sha256 as primary_sha256,
                   p.supplements
            from parts as p
            left join newest as n using (campaign_id, unit_code, stream)
            left join primary_stream as q using (campaign_id, unit_code)
        )
        select campaign_id, unit_code, file_sha256, is_current,
               case when countable and not is_current then current_sha256 end as superseded_by,
               case when is_current and not in_primary then 'forwarded'
                    when role = 'forwarded' then 'version' else role end as role,
               case when is_current and not in_primary then primary_sha256
                    when role = 'forwarded' then null else supplements end as supplements
        from placed""")
    con.execute("""
        update core.submissions as s
        set is_current = r.is_current, superseded_by = r.superseded_by, role = r.role, supplements = r.supplements
        from _restreamed as r
        where s.campaign_id = r.campaign_id and s.unit_code = r.unit_code and s.file_sha256 = r.file_sha256""")
    con.execute("""
        update core.activities as a
        set duplicate_of = m.kept_id
        from (
            with rows as (
                select a.campaign_id, a.activity_id, a.unit_code, a.start_date, trim(a.activity_name) as name,
                       r.role = 'forwarded' as forwarded,
                       row_number() over (partition by a.campaign_id, a.unit_code, a.file_sha256, a.start_date,
                                          trim(a.activity_name) order by a.source_sheet, a.source_row) as occurrence
                from core.activities as a
                join _restreamed as r
                    on r.campaign_id = a.campaign_id and r.unit_code = a.unit_code and r.file_sha256 = a.file_sha256
                join core.submissions as v
                    on v.campaign_id = r.campaign_id and v.unit_code = r.unit_code
                    and v.file_sha256 = coalesce(r.supplements, r.file_sha256)
                where r.is_current and a.counted and a.duplicate_of is null and not a.is_unitemized
                  and a.start_date is not null and v.forwarded_by is null
            )
            select f.activity_id, arg_min(o.activity_id, o.activity_id) as kept_id
            from rows as f
            join rows as o
                on o.campaign_id = f.campaign_id and o.unit_code = f.unit_code and o.start_date = f.start_date
                and o.name = f.name and o.occurrence = f.occurrence and not o.forwarded
            where f.forwarded
            group by f.activity_id
        ) as m
        where a.activity_id = m.activity_id""")
    con.execute("drop table _restreamed")


def create_views(con: duckdb.DuckDBPyConnection, pending_runs: str | None = None) -> None:
    """(Re)create every view, then every comment: replacing a view drops its comments."""
    run_columns = con.execute("""select column_name, data_type from duckdb_columns()
                                 where schema_name = 'audit' and table_name = 'run_log'
                                 order by column_index""").fetchall()
    for layer, name in VIEWS:
        con.execute(sql_text(layer, name, columns=run_columns, pending=pending_runs))
    columns = con.execute(f"""select schema_name as schema, table_name as table, column_name as column
                              from duckdb_columns() where schema_name in {literals(LAYERS)}
                              order by schema_name, table_name, column_index""").fetchall()
    con.execute(sql_text("", "comments", columns=[dict(zip(("schema", "table", "column"), c)) for c in columns]))


def drop_tables(con: duckdb.DuckDBPyConnection) -> None:
    for layer in reversed(LAYERS):
        con.execute(f"drop schema if exists {identifier(layer)} cascade")
