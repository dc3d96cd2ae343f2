"""Every read of the warehouse, by name: what a run needs before it starts (which files it has seen),
what it hands the raw → core step, what it reports at the end, what `kepu status` shows and the one
snapshot of the marts the deliverables are written from.

Deliverables and the terminal read the stable views analysts use (`marts`, `audit`); the run itself
also reads its own `raw` layer. Each query here is the only place its SQL is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from kepu.schemas.decisions import CORRECTABLE
from kepu.schemas.files import DEFAULT_SOURCE, ReceivedFile
from kepu.schemas.issues import REJECTED_FILE_CODES, UNSUPPORTED_FILE_CODES
from kepu.schemas.vocabulary import COMPLETENESS_LABELS, METRICS, Campaign
from kepu.warehouse.identifiers import columns_or_nulls, identifier, literal, literals
from kepu.warehouse.publisher import read_only

# ----------------------------------------------------------------------------- before a run


@dataclass(frozen=True)
class KnownFiles:
    """What the published warehouse already holds for a campaign."""

    seen: dict[str, frozenset[tuple[str, int, str]]] = field(default_factory=dict)
    """source → the (entry path, size, change token) of every entry taken from it: listed again unchanged,
    such an entry is not fetched again (entries that could not be read have no token and are tried again)."""
    paths: dict[str, set[str]] = field(default_factory=dict)
    """path → every sha256 seen at that path."""
    parsed: dict[str, str | None] = field(default_factory=dict)
    """sha256 → parser_version of its stored parse (kept contents only)."""
    stored: dict[str, ReceivedFile] = field(default_factory=dict)
    """sha256 → the file as raw.files holds it, its `location` the kept copy (kept contents only)."""
    recorded: frozenset[str] = frozenset()
    """Every sha256 raw.files has a row for, entries never read included."""

    def seen_at(self, source: str) -> frozenset[tuple[str, int, str]]:
        return self.seen.get(source, frozenset())


def published_inputs(warehouse: Path, campaign_id: str) -> tuple[KnownFiles, PublishedState]:
    """What a run reads before it starts, through one connection: `known_files` and `published_state`."""
    if not warehouse.exists():
        return KnownFiles(), PublishedState()
    con = read_only(warehouse)
    try:
        tables = _tables(con)
        return _known_files(con, tables, campaign_id, warehouse.parent), _published_state(con, tables, campaign_id)
    finally:
        con.close()


def known_files(warehouse: Path, campaign_id: str) -> KnownFiles:
    if not warehouse.exists():
        return KnownFiles()
    con = read_only(warehouse)
    try:
        return _known_files(con, _tables(con), campaign_id, warehouse.parent)
    finally:
        con.close()


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()}


def _known_files(con: duckdb.DuckDBPyConnection, tables: set[str], campaign_id: str, base: Path) -> KnownFiles:
    if not {"raw.files", "raw.file_sightings"} <= tables:
        return KnownFiles()
    columns = {(r[0], r[1]) for r in con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = 'raw'").fetchall()}

    sightings = {n for t, n in columns if t == "file_sightings"}  # before sources, some are missing
    entry = ("source", "entry_path", "entry_size", "change_token")
    seen: dict[str, set[tuple[str, int, str]]] = {}
    paths: dict[str, set[str]] = {}
    for path, sha, source, entry_path, entry_size, token in con.execute(
            f"select path, sha256, {columns_or_nulls(entry, sightings)} from raw.file_sightings where campaign_id = ?",
            [campaign_id]).fetchall():
        paths.setdefault(path, set()).add(sha)
        if token is not None and entry_path is not None:
            seen.setdefault(source or "inbox", set()).add((entry_path, entry_size, token))
    stored = stored_files(con, campaign_id, base)
    recorded = {r[0] for r in con.execute("select sha256 from raw.files where campaign_id = ?",
                                          [campaign_id]).fetchall()}
    parsed = {sha: f.parser_version for sha, f in stored.items() if f.parser_version is not None}
    return KnownFiles({k: frozenset(v) for k, v in seen.items()}, paths, parsed, stored, frozenset(recorded))


@dataclass(frozen=True)
class PublishedState:
    """What the published warehouse was built from: the inputs fingerprint of the campaign's last published
    run, and the same for every other campaign (their totals feed this one's year-over-year check)."""

    fingerprint: str | None = None
    others: tuple[str, ...] = ()


def published_state(warehouse: Path, campaign_id: str) -> PublishedState:
    if not warehouse.exists():
        return PublishedState()
    con = read_only(warehouse)
    try:
        return _published_state(con, _tables(con), campaign_id)
    finally:
        con.close()


def _published_state(con: duckdb.DuckDBPyConnection, tables: set[str], campaign_id: str) -> PublishedState:
    if "audit.run_log" not in tables:
        return PublishedState()
    rows = con.execute("""
        select campaign_id, arg_max(coalesce(inputs_fingerprint, run_id), finished_at)
        from audit.run_log where outcome in ('published', 'rolled_back')
        group by campaign_id order by campaign_id""").fetchall()
    own = next((f for c, f in rows if c == campaign_id), None)
    return PublishedState(own, tuple(f"{c}={f}" for c, f in rows if c != campaign_id))


def stored_files(con: duckdb.DuckDBPyConnection, campaign_id: str, base: Path) -> dict[str, ReceivedFile]:
    """sha256 → each file raw.files holds a kept copy of for the campaign, its `location` that copy (under
    `base`, the warehouse's folder); source columns a warehouse from before sources lacks read as null."""
    columns = {r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = 'files'").fetchall()}
    extra = ("source", "source_path", "sender", "forwarded_from", "subject")
    cursor = con.execute(f"""select sha256, path, size, received_at, stored_as, status, reason, parser_version, {columns_or_nulls(extra, columns)}
                             from raw.files where campaign_id = ?""", [campaign_id])
    names = [d[0] for d in cursor.description]
    stored = {}
    for row in cursor.fetchall():
        record = dict(zip(names, row))
        if record["stored_as"]:
            stored[record["sha256"]] = ReceivedFile(
                mtime=0.0, location=base / record["stored_as"],
                **{**record, "source": record["source"] or DEFAULT_SOURCE, "source_path": record["source_path"] or ""})
    return stored


def campaigns(con: duckdb.DuckDBPyConnection) -> list[Campaign]:
    """Every campaign the warehouse holds, earliest first (a later one compares itself with it)."""
    return [Campaign(*row) for row in con.execute(
        "select campaign_id, name, start_date, end_date, deadline from core.campaigns order by start_date, campaign_id"
    ).fetchall()]


def campaign_units(con: duckdb.DuckDBPyConnection, campaign_id: str) -> pd.DataFrame:
    """The registry a campaign was published with (core.units without its campaign column)."""
    units = con.execute("select * exclude (campaign_id) from core.units where campaign_id = ? order by rowid",
                        [campaign_id]).df()
    units["aliases"] = units["aliases"].map(lambda a: [] if a is None else list(a))
    return units


# ------------------------------------------------------------------------- raw → core, in a run


def raw_inputs(con: duckdb.DuckDBPyConnection, campaign_id: str) -> dict[str, pd.DataFrame]:
    """The campaign's raw tables as frames, the inputs of transforms.core.build_core."""
    frames = {}
    for name in ("files", "declarations", "activity_rows", "summary_figures", "parse_issues"):
        frames[name] = con.execute(f"select * from raw.{identifier(name)} where campaign_id = ?", [campaign_id]).df()
    # what is not a submission at all (status ignored) is never attributed to a unit
    frames["files"] = frames["files"][frames["files"]["status"] != "ignored"].reset_index(drop=True)
    frames["summary_figures"]["cells"] = frames["summary_figures"]["cells"].map(
        lambda cells: cells if isinstance(cells, dict) else {})
    return frames


def reporting_units(con: duckdb.DuckDBPyConnection, campaign_id: str) -> dict[str, str]:
    """Units whose current submission counts (accepted or partial) in the warehouse `con` holds, by code,
    with their names there."""
    return dict(con.execute(
        """select distinct s.unit_code, coalesce(u.unit_name, s.unit_code) from core.submissions s
           left join core.units u on u.campaign_id = s.campaign_id and u.unit_code = s.unit_code
           where s.campaign_id = ? and s.is_current and s.unit_code is not null
             and s.status in ('accepted', 'partial')""",
        [campaign_id]).fetchall())


def previous_campaign(con: duckdb.DuckDBPyConnection, campaign_id: str) -> str | None:
    """The campaign before `campaign_id` in this warehouse, by start date."""
    row = con.execute(
        """select campaign_id from core.campaigns
           where start_date < (select start_date from core.campaigns where campaign_id = ?)
           order by start_date desc limit 1""", [campaign_id]).fetchone()
    return row[0] if row else None


def previous_unit_totals(con: duckdb.DuckDBPyConnection, campaign_id: str) -> pd.DataFrame | None:
    """Unit totals of the campaign before `campaign_id` (by start date) in this warehouse, if any."""
    previous = previous_campaign(con, campaign_id)
    if previous is None:
        return None
    return con.execute("select unit_code, activities, participants from marts.unit_totals where campaign_id = ?",
                       [previous]).df()


def earlier_deliveries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """(unit_code, source) for every source that delivered a file attributed to a unit in an earlier state of
    this warehouse (other campaigns, and this one as last published): the channels its files come through."""
    return con.execute("""
        select distinct s.unit_code, f.source
        from core.submissions as s
        join raw.files as f on f.campaign_id = s.campaign_id and f.sha256 = s.file_sha256
        where s.unit_code is not null and f.source is not null""").df()


def duplicate_copies(con: duckdb.DuckDBPyConnection, campaign_id: str) -> pd.DataFrame:
    """Paths holding the same bytes as a file already recorded under another path (recorded once)."""
    return con.execute("""
        select s.sha256, s.path, f.path as first_path
        from raw.file_sightings as s
        join raw.files as f on f.campaign_id = s.campaign_id and f.sha256 = s.sha256
        where s.campaign_id = ? and s.path <> f.path""", [campaign_id]).df()


# ------------------------------------------------------------------- the published warehouse


def fetch_records(warehouse: Path, sql: str, params: list | None = None) -> list[dict]:
    """One query against the published warehouse, as dicts of exact Python values (decimals stay Decimal)."""
    con = read_only(warehouse)
    try:
        return _records(con, sql, params)
    finally:
        con.close()


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


COMPLETENESS_BY_DISTRICT = f"""
select district_code, district_name,
       count(*) as expected,
       {", ".join(f"count(*) filter (where status = {literal(status)}) as {identifier(status)}" for status in COMPLETENESS_LABELS)},
       count(*) filter (where status in ('on_time', 'late')) / count(*) as reporting_rate
from marts.completeness
where campaign_id = ?
group by district_code, district_name
order by district_code
"""
"""One row per district: its expected units, how many are on time, late, held and missing, and the
share reported (on time or late)."""

SUBMISSIONS = """
select a.*, s.declared_code, s.declared_name, f.unit_name as forwarded_by_name
from audit.submissions as a
join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256
    and coalesce(s.unit_code, a.unit_code) = a.unit_code
left join core.units as f on f.campaign_id = a.campaign_id and f.unit_code = a.forwarded_by
where a.campaign_id = ?
order by a.unit_code, a.is_current and a.role = 'version' desc, a.is_current desc, a.received_at desc, a.file_path
"""
"""Every received file with each unit it belongs to or claims (a file in conflict names two units and
is held for both; a forwarded table also for each unit it forwards rows for, with the forwarder's name), the
current version first (then the supplements added to it), and the code and name it declares."""

SUPERSEDED = """
    coalesce(s.version < c.version, false)"""
"""Whether an issue's file is history (SPEC §3.11): its unit has a current version that came after it.
The current version's issues, a newer file that could not be counted, and files held for want of a unit
are all still the unit's business."""

ISSUES = f"""
select i.*, {SUPERSEDED} as superseded
from audit.issues as i
left join core.submissions as s on s.campaign_id = i.campaign_id and s.file_sha256 = i.file_sha256
    and s.unit_code is not distinct from i.unit_code
left join core.submissions as c
    on c.campaign_id = s.campaign_id and c.unit_code = s.unit_code and c.is_current and c.role = 'version'
where i.campaign_id = ?
order by i.issue_no
"""
"""audit.issues of a campaign with `superseded` beside each."""

FILES = """
select s.file_sha256, s.file_path, s.received_at, s.reported_at, s.status, s.version, s.is_current, s.role,
       s.supplements, s.supplement_evidence, s.activity_rows, s.counted_rows, s.rejected_rows, s.unit_code, s.claimed_unit_codes,
       s.declared_code, s.declared_name, u.district_code, u.district_name, s.forwarded_by
from core.submissions as s
left join core.units as u on u.campaign_id = s.campaign_id and u.unit_code = s.unit_code
where s.campaign_id = ?
order by u.district_code nulls last, s.unit_code nulls last, s.received_at, s.file_path
"""
"""Every received file once per unit it belongs to (none when unidentified or in conflict; a forwarded table
once more for each unit it forwards rows for, `forwarded_by` its own unit)."""

EDITION_MEASURES = ("units_expected", "units_reported", "units_on_time", "activities", "participants", "volunteers",
                    "materials", "boards", "media_reports", "funding_wan")
"""The measures of marts.published_figures in the order an office reads them."""

CHANGES = f"""
select c.* from marts.changes_since_signed as c
where c.campaign_id = ?
order by c.district_code nulls first,
         case c.level when 'city' then 0 when 'district' then 1 when 'unit' then 2 else 3 end,
         c.code, list_position(list_value{literals(EDITION_MEASURES)}, c.measure)
"""
"""The figures that differ from the campaign's last signed edition: the city first, then district by district
(the district, then its units), then the activity forms; measures in their usual order."""

MARTS = {
    "city": "select * from marts.city_totals where campaign_id = ?",
    "districts": "select * from marts.district_totals where campaign_id = ? order by district_code",
    "types": "select * from marts.type_totals where campaign_id = ?",
    "units": "select * from marts.unit_totals where campaign_id = ? order by district_code, unit_code",
    "activities": """select * from marts.activities where campaign_id = ?
                     order by district_code, unit_code, source_file, source_sheet, source_row""",
    "completeness": "select * from marts.completeness where campaign_id = ? order by district_code, unit_code",
    "completeness_by_district": COMPLETENESS_BY_DISTRICT,
    "chase_list": "select * from marts.chase_list where campaign_id = ?",
    "year_over_year": "select * from marts.year_over_year where campaign_id = ?",
    "issues": ISSUES,
    "submissions": SUBMISSIONS,
    "files": FILES,
    "runs": """select * from audit.runs where campaign_id = ? and outcome = 'published'
               order by finished_at desc limit 1""",
    "changes": CHANGES,
    "edition": "select * from marts.signed_edition where campaign_id = ?",
    "causes": "select * from audit.edition_causes where campaign_id = ? order by cause_no",
}


@dataclass(frozen=True)
class Marts:
    """One campaign's published marts and audit tables as frames, read in one snapshot: what the
    deliverables are written from."""

    city: pd.DataFrame
    districts: pd.DataFrame
    types: pd.DataFrame
    units: pd.DataFrame
    activities: pd.DataFrame
    completeness: pd.DataFrame
    completeness_by_district: pd.DataFrame
    chase_list: pd.DataFrame
    year_over_year: pd.DataFrame
    issues: pd.DataFrame
    submissions: pd.DataFrame
    files: pd.DataFrame
    runs: pd.DataFrame
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    edition: pd.DataFrame = field(default_factory=pd.DataFrame)
    causes: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def city_row(self) -> dict[str, object]:
        """The campaign's marts.city_totals row (empty when the campaign was never published)."""
        return self.city.iloc[0].to_dict() if len(self.city) else {}


def edition_changes(warehouse: Path, campaign_id: str) -> tuple[dict | None, list[dict], list[str]]:
    """The campaign's last signed edition (marts.signed_edition, None when none was signed), its city-level
    changed figures (marts.changes_since_signed) and the changes behind them (audit.edition_causes), in order."""
    con = read_only(warehouse)
    try:
        present = con.execute("""select count(*) from duckdb_views()
                                 where schema_name = 'marts' and view_name = 'signed_edition'""").fetchone()[0]
        if not present:
            return None, [], []
        edition = [dict(zip([d[0] for d in cursor.description], row)) for cursor in
                   [con.execute("select * from marts.signed_edition where campaign_id = ?", [campaign_id])]
                   for row in cursor.fetchall()]
        if not edition:
            return None, [], []
        cursor = con.execute(f"select * from ({CHANGES}) where level = 'city'", [campaign_id])
        names = [d[0] for d in cursor.description]
        city = [dict(zip(names, row)) for row in cursor.fetchall()]
        causes = [r[0] for r in con.execute("""select cause from audit.edition_causes where campaign_id = ?
                                               order by cause_no""", [campaign_id]).fetchall()]
        return edition[0], city, causes
    finally:
        con.close()


def counted_activity_rows(warehouse: Path, campaign_id: str) -> int:
    """Rows of marts.activities for the campaign: how large its 活动清单 and 回执 are."""
    return fetch_records(warehouse, "select count(*) as n from marts.activities where campaign_id = ?",
                         [campaign_id])[0]["n"]


def read_marts(warehouse: Path, campaign_id: str) -> Marts:
    con = read_only(warehouse)
    try:
        return Marts(**{name: con.execute(sql, [campaign_id]).df() for name, sql in MARTS.items()})
    finally:
        con.close()


@dataclass(frozen=True)
class PublishedSummary:
    """The headline of a published campaign: city totals, units by completeness status, issues by severity
    (of current versions only: a superseded file's issues are history), and the files on record that could
    not be read, by kind (`unsupported`: not a spreadsheet at all; `unreadable`: a spreadsheet damaged,
    encrypted, empty or over a limit)."""

    city_totals: dict
    completeness: dict[str, int]
    issues: dict[str, int]
    rejected_files: dict[str, int] = field(default_factory=dict)


REJECTED_FILES = f"""
select case when i.code in {literals(UNSUPPORTED_FILE_CODES)} then 'unsupported' else 'unreadable' end as kind,
       count(distinct f.sha256) as n
from raw.files as f
join raw.parse_issues as i on i.campaign_id = f.campaign_id and i.sha256 = f.sha256
where f.campaign_id = ? and f.status = 'rejected' and i.code in {literals(REJECTED_FILE_CODES)}
group by kind
"""
"""Rejected files on record (this run's and earlier ones'), not a spreadsheet apart from unreadable."""


def published_summary(warehouse: Path, campaign_id: str) -> PublishedSummary:
    con = read_only(warehouse)
    try:
        totals = _records(con, "select * from marts.city_totals where campaign_id = ?", [campaign_id])
        completeness = _records(con, """select status, count(*) as n from marts.completeness
                                         where campaign_id = ? group by status""", [campaign_id])
        issues = _records(con, f"""select i.severity, count(*) as n from ({ISSUES}) as i
                                    where not i.superseded group by i.severity""", [campaign_id])
        rejected = _records(con, REJECTED_FILES, [campaign_id])
    finally:
        con.close()
    return PublishedSummary(totals[0] if totals else {}, {r["status"]: r["n"] for r in completeness},
                            {r["severity"]: r["n"] for r in issues}, {r["kind"]: r["n"] for r in rejected})


def issue_counts(warehouse: Path, campaign_id: str, codes: tuple[str, ...]) -> dict[str, int]:
    """How many issues of each of `codes` the campaign's current versions have (superseded ones are history)."""
    rows = fetch_records(warehouse, f"""select i.code, count(*) as n from ({ISSUES}) as i
                                        where not i.superseded and list_contains(?::varchar[], i.code)
                                        group by i.code""", [campaign_id, list(codes)])
    return {r["code"]: r["n"] for r in rows}


def completeness_by_district(warehouse: Path, campaign_id: str) -> list[dict]:
    return fetch_records(warehouse, COMPLETENESS_BY_DISTRICT, [campaign_id])


def chase_list(warehouse: Path, campaign_id: str) -> list[dict]:
    return fetch_records(warehouse, """select district_name, unit_name, status, held_reason, held_detail, file_path
                                       from marts.chase_list where campaign_id = ?""", [campaign_id])


def recent_runs(warehouse: Path, campaign_id: str, limit: int = 5) -> list[dict]:
    return fetch_records(warehouse, """
        select run_id, started_at, finished_at, files_seen, files_new, files_changed, files_parsed, outcome, message,
               failed_sources
        from audit.runs where campaign_id = ? order by started_at desc limit ?""", [campaign_id, limit])


def files_by_source(warehouse: Path, campaign_id: str) -> list[dict]:
    """The campaign's received files by source: in all, read, rejected, not submissions (ignored), and how many
    of them the last published run saw first (`new_last_run`)."""
    return fetch_records(warehouse, """
        with last as (
            select run_id from audit.run_log where campaign_id = ? and outcome = 'published'
            order by started_at desc limit 1
        )
        select source, count(*) as files,
               count(*) filter (where status = 'read') as read,
               count(*) filter (where status = 'rejected') as rejected,
               count(*) filter (where status = 'ignored') as ignored,
               count(*) filter (where first_run_id in (select run_id from last)) as new_last_run
        from audit.received_files where campaign_id = ?
        group by source order by source""", [campaign_id, campaign_id])


# --------------------------------------------------------------- inputs of the rules, inside a run


def files_to_identify(con: duckdb.DuckDBPyConnection, campaign_id: str) -> pd.DataFrame:
    """Each file of the campaign whose bytes were read or rejected, with what it declares and where it came
    from (sha256, declared_code, declared_name, declared_title, path, source, source_path, sender,
    forwarded_from, subject; and the title's and a supplement note's cells): the input of
    transforms.identity.resolve_files and transforms.supplements.find_marks."""
    return con.execute("""
        select f.sha256, d.declared_code, d.declared_name, d.declared_title, f.path, f.source, f.source_path,
               f.sender, f.forwarded_from, f.subject, d.declared_title_sheet, d.declared_title_cell,
               d.supplement_note, d.supplement_note_sheet, d.supplement_note_cell
        from raw.files as f
        left join raw.declarations as d on d.campaign_id = f.campaign_id and d.sha256 = f.sha256
        where f.campaign_id = ? and f.status <> 'ignored'
        order by f.sha256""", [campaign_id]).df()


def reporting_unit_texts(con: duckdb.DuckDBPyConnection, campaign_id: str) -> pd.DataFrame:
    """Each distinct text a file's forwarded-table unit column holds (SPEC §3.10), with the file's source: the
    input of transforms.identity.resolve_row_units."""
    return con.execute("""
        select distinct r.sha256, r.reporting_unit, f.source
        from raw.activity_rows as r
        join raw.files as f on f.campaign_id = r.campaign_id and f.sha256 = r.sha256
        where r.campaign_id = ? and r.reporting_unit is not null
        order by r.sha256, r.reporting_unit""", [campaign_id]).df()


def table_batches(con: duckdb.DuckDBPyConnection, table: str, campaign_id: str,
                  rows: int | None = 100_000) -> Iterator[pd.DataFrame]:
    """One campaign's rows of a core or audit table as frames of at most `rows` rows (None: one frame), what
    the run validates between layers without holding a whole table in pandas."""
    relation = con.sql(f"select * from {identifier(table)} where campaign_id = ?", params=[campaign_id])
    if rows is None:
        yield relation.to_arrow_table().to_pandas()
        return
    reader = relation.to_arrow_reader(rows)
    for batch in reader:
        yield batch.to_pandas()


@dataclass(frozen=True)
class ComparisonTexts:
    """The distinct texts the joint-activity rule compares: names, venues, and organizer and partner texts."""

    names: pd.Series
    venues: pd.Series
    mentions: pd.Series


_OK_ROWS = "from raw.activity_rows where campaign_id = $campaign_id and row_status = 'ok'"


def comparison_texts(con: duckdb.DuckDBPyConnection, campaign_id: str) -> ComparisonTexts:
    def column(sql: str) -> pd.Series:
        return con.execute(sql, {"campaign_id": campaign_id}).df().iloc[:, 0]

    return ComparisonTexts(
        names=column(f"select distinct activity_name {_OK_ROWS} and activity_name is not null"),
        venues=column(f"select distinct venue {_OK_ROWS} and venue is not null"),
        mentions=column(f"""select distinct text from (
                                select organizer as text {_OK_ROWS}
                                union all
                                select unnest(partners) as text {_OK_ROWS}) where text is not null"""),
    )


# --------------------------------------------------------------- notices


def notices(warehouse: Path, campaign_id: str) -> list[dict]:
    """audit.notices of a campaign, the ledger of what was drafted and sent (none before the first run)."""
    if not warehouse.exists():
        return []
    try:
        return fetch_records(warehouse, "select * from audit.notices where campaign_id = ? order by created_at, "
                             "notice_id", [campaign_id])
    except duckdb.CatalogException:  # a warehouse last published by a kepu without notices
        return []


def files_since(warehouse: Path, campaign_id: str, since: datetime | None) -> list[dict]:
    """Files first taken in by a run that started after `since` (all of the campaign's when None): what the
    office's summary reports as come in, with the unit each belongs to and what became of it."""
    return fetch_records(warehouse, """
        select f.path, f.status as file_status, f.reason, f.received_at, s.status, s.unit_code, u.unit_name,
               u.district_name
        from raw.files as f
        join audit.runs as r on r.run_id = f.first_run_id
        left join core.submissions as s on s.campaign_id = f.campaign_id and s.file_sha256 = f.sha256
            and s.forwarded_by is null
        left join core.units as u on u.campaign_id = s.campaign_id and u.unit_code = s.unit_code
        where f.campaign_id = ? and (cast(? as timestamp) is null or r.started_at > ?)
        order by f.received_at, f.path""", [campaign_id, since, since])


# ------------------------------------------------------------------- the office's decisions (SPEC §3.9)

DECISION_FILES = """
with names as (
    select sha256, sha256 as name, true as is_hash, path from raw.files where campaign_id = $cid and status <> 'ignored'
    union
    select f.sha256, f.path, false, f.path from raw.files as f where f.campaign_id = $cid and f.status <> 'ignored'
    union
    select s.sha256, s.path, false, f.path from raw.file_sightings as s
    join raw.files as f on f.campaign_id = s.campaign_id and f.sha256 = s.sha256 and f.status <> 'ignored'
    where s.campaign_id = $cid
)
select distinct n.sha256, n.path, s.unit_code, u.unit_name, s.status, s.is_current, s.superseded_by,
       s.received_at
from names as n
left join core.submissions as s on s.campaign_id = $cid and s.file_sha256 = n.sha256 and s.forwarded_by is null
left join core.units as u on u.campaign_id = $cid and u.unit_code = s.unit_code
where n.name = $written or (n.is_hash and length($written) >= $min_prefix and starts_with(n.name, lower($written)))
"""


def decision_files(warehouse: Path, campaign_id: str, written: str, min_prefix: int) -> list[dict]:
    """The files of a campaign a decision's `file` (a sha256, a prefix of one, or a path) may name, with
    their unit and state as published."""
    return fetch_records(warehouse, DECISION_FILES, {"cid": campaign_id, "written": written.strip(),
                                                    "min_prefix": min_prefix})


def decision_row(warehouse: Path, campaign_id: str, sha256: str, row: int, sheet: str | None) -> dict | None:
    """The detail row of a file at an Excel row number (on a sheet, when given) as published, with the cell of
    each field the reader recorded for it."""
    rows = fetch_records(warehouse, """
        select r.*, a.activity_id, a.source_file, a.source_sheet, a.source_row, a.source_cell, a.activity_name, a.counted,
               a.row_status, a.duplicate_of
        from core.activities as a
        left join raw.activity_rows as r on r.campaign_id = a.campaign_id and r.sha256 = a.file_sha256
             and r.source_sheet = a.source_sheet and r.source_row = a.source_row
        where a.campaign_id = ? and a.file_sha256 = ? and a.source_row = ? and not a.is_unitemized
          and (? is null or a.source_sheet = ?)
        order by a.source_sheet limit 1""", [campaign_id, sha256, row, sheet, sheet])
    return rows[0] if rows else None


def text_figures(warehouse: Path, campaign_id: str, sha256: str) -> list[dict]:
    """Each figure a narrative report's records count (SPEC §3.13), as published: its citation (第3段“听众600余人”),
    measure and value as the text states it, and the record (activity form) it belongs to."""
    return fetch_records(warehouse, """
        with figures as (
            select t.campaign_id, t.sha256, t.activity_type, unnest(map_entries(t.phrases)) as e
            from raw.text_figures as t
            where t.campaign_id = ? and t.sha256 = ? and t.phrases is not null
        )
        select f.activity_type, f.e.key as citation, split_part(f.e.value, ':', 1) as measure,
               split_part(f.e.value, ':', 2) as stated, a.activity_id, a.counted, a.source_file
        from figures as f
        join core.activities as a on a.campaign_id = f.campaign_id and a.file_sha256 = f.sha256 and a.from_text
             and a.activity_type = f.activity_type
        order by f.e.key""", [campaign_id, sha256])


def detail_columns(warehouse: Path, campaign_id: str, sha256: str, sheet: str, fields: tuple[str, ...]) -> dict[str, str]:
    """Column letters → the field each holds, in a file's detail sheet (from any row's recorded cells)."""
    found: dict[str, str] = {}
    for field in fields:
        rows = fetch_records(warehouse, f"""
            select distinct regexp_extract(upper({identifier(field + "_cell")}), '^([A-Z]+)', 1) as letters
            from raw.activity_rows where campaign_id = ? and sha256 = ? and source_sheet = ?
              and {identifier(field + "_cell")} is not null
            """, [campaign_id, sha256, sheet])
        for r in rows:
            found.setdefault(r["letters"], field)
    return found


OPEN_ITEMS = """
with decided as (
    select distinct file_sha256, cell from audit.decisions
    where campaign_id = $cid and outcome in ('applied', 'recorded')
),
claims as (
    select s.file_sha256, string_agg(coalesce(u.unit_name, c.code) || '（' || c.code || '）', '、' order by c.code)
               as unit_name
    from core.submissions as s,
         unnest(coalesce(s.claimed_unit_codes, []::varchar[])) as c(code)
    left join core.units as u on u.campaign_id = s.campaign_id and u.unit_code = c.code
    where s.campaign_id = $cid and s.status in ('unidentified', 'conflict') and c.code is not null
    group by s.file_sha256
),
held as (
    select 'held' as item, s.file_sha256, s.file_path, s.status as detail, c.unit_name, s.received_at
    from core.submissions as s
    left join claims as c on c.file_sha256 = s.file_sha256
    where s.campaign_id = $cid and s.status in ('unidentified', 'conflict')
),
late as (
    select 'late' as item, c.file_sha256, c.file_path, cast(c.days_late as varchar) as detail, u.unit_name,
           c.received_at
    from (select a.*, greatest(0, date_diff('day', k.deadline, cast(a.received_at as date))) as days_late
          from audit.submissions as a join core.campaigns as k on k.campaign_id = a.campaign_id
          where a.campaign_id = $cid and a.is_current and not a.on_time) as c
    join core.units as u on u.campaign_id = $cid and u.unit_code = c.unit_code and u.expected
),
joint as (
    select 'joint' as item, i.file_sha256, i.file_path, i.sheet, a.source_cell as cell, i.row_number,
           a.activity_name as detail, i.unit_name,
           b.file_sha256 as other_sha256, b.source_cell as other_cell, ub.unit_name as other_unit, i.message,
           null as received_at
    from audit.issues as i
    join core.activities as a on a.campaign_id = i.campaign_id and a.file_sha256 = i.file_sha256
         and a.source_sheet = i.sheet and a.source_row = i.row_number
    join core.activities as b on b.campaign_id = i.campaign_id and b.start_date = a.start_date
         and b.unit_code <> a.unit_code and b.source_cell is not null
         and contains(i.message, b.source_file || ' ' || b.source_sheet || '!' || b.source_cell)
    join core.submissions as sb on sb.campaign_id = b.campaign_id and sb.file_sha256 = b.file_sha256 and sb.is_current
         and sb.unit_code is not distinct from b.unit_code
    left join core.units as ub on ub.campaign_id = b.campaign_id and ub.unit_code = b.unit_code
    where i.campaign_id = $cid and i.is_current_version and i.code = 'possible_joint_activity'
),
values_to_check as (
    select 'value' as item, i.file_sha256, i.file_path, i.sheet, i.cell, i.row_number, i.code as detail,
           i.unit_name, i.message,
           case upper(i.cell) $fields else null end as field
    from audit.issues as i
    anti join decided as d on d.file_sha256 = i.file_sha256 and upper(d.cell) like '%' || i.cell
    left join raw.activity_rows as r on r.campaign_id = i.campaign_id and r.sha256 = i.file_sha256
         and r.source_sheet = i.sheet and r.source_row = i.row_number
    where i.campaign_id = $cid and i.is_current_version and i.cell is not null and i.row_number is not null
      and i.code in $codes
),
decided_rows as (
    -- each row a decision names (either of a pair's), found as the rules find it (decisions_activities)
    select n.kind,
           (select min(a.activity_id) from core.activities as a
            where a.campaign_id = $cid and a.file_sha256 = n.sha256 and not a.is_unitemized
              and a.source_row = try_cast(regexp_extract(n.cell, '([0-9]+)$', 1) as integer)
              and (regexp_extract(n.cell, '^(.+)!', 1) = '' or a.source_sheet = regexp_extract(n.cell, '^(.+)!', 1)))
               as activity_id
    from (select kind, file_sha256 as sha256, cell from audit.decisions
          where campaign_id = $cid and outcome in ('applied', 'recorded') and cell is not null
          union all
          select kind, other_sha256, other_cell from audit.decisions
          where campaign_id = $cid and outcome in ('applied', 'recorded') and other_cell is not null) as n
),
repeats as (
    -- two detail sheets of one file, a same-name same-day activity with other figures: one event or two?
    select 'repeat' as item, i.file_sha256, i.file_path, i.sheet, i.cell, i.row_number, i.code as detail,
           i.unit_name, i.message, b.file_sha256 as other_sha256, b.source_sheet as other_sheet,
           b.source_cell as other_cell
    from audit.issues as i
    join core.activities as a on a.campaign_id = i.campaign_id and a.file_sha256 = i.file_sha256
         and a.source_sheet = i.sheet and a.source_row = i.row_number and not a.is_unitemized
    join core.activities as b on b.campaign_id = i.campaign_id and b.file_sha256 = i.file_sha256
         and b.source_sheet <> i.sheet and not b.is_unitemized and b.source_cell is not null
         and contains(i.message, '与工作表“' || b.source_sheet || '”第' || b.source_row || '行')
    where i.campaign_id = $cid and i.is_current_version and i.code = 'sheet_repeat_differs' and i.cell is not null
      and not exists (select 1 from decided_rows as d
                      where d.kind in ('same_event', 'different_events') and d.activity_id in (a.activity_id, b.activity_id))
),
forwarded as (
    -- a forwarded row counted once as the unit's own row, whose figures differ: which figures are right? The
    -- item names the row that counts (the unit's own), the forwarded one beside it.
    select 'forwarded' as item, b.file_sha256, b.source_file as file_path, b.source_sheet as sheet,
           b.source_cell as cell, b.source_row as row_number, i.code as detail, i.unit_name, i.message,
           i.file_sha256 as other_sha256, i.file_path as other_path, i.sheet as other_sheet, i.cell as other_cell,
           case $figure_cells else null end as figure_cell,
           case $figure_values else null end as figure_value
    from audit.issues as i
    join core.activities as a on a.campaign_id = i.campaign_id and a.file_sha256 = i.file_sha256
         and a.source_sheet = i.sheet and a.source_row = i.row_number and a.unit_code is not distinct from i.unit_code
    join core.activities as b on b.campaign_id = a.campaign_id and b.activity_id = a.duplicate_of
         and b.source_cell is not null
    left join raw.activity_rows as r on r.campaign_id = b.campaign_id and r.sha256 = b.file_sha256
         and r.source_sheet = b.source_sheet and r.source_row = b.source_row
    where i.campaign_id = $cid and i.is_current_version and i.code = 'forwarded_repeat_differs'
      and not exists (select 1 from decided_rows as d where d.activity_id in (a.activity_id, b.activity_id))
),
checks as (
    -- figures no one cell holds alone: a 总结 against the sheet (on the sheet's file), a 总结's parts against its
    -- total (at its paragraph), a unit's figure against last year's (on its file). The office checks by telephone.
    select 'check' as item, i.file_sha256, i.file_path, i.sheet,
           case when i.code = 'text_parts_exceed_total' then i.cell end as cell, i.row_number, i.code as detail,
           i.unit_name, i.message
    from audit.issues as i
    where i.campaign_id = $cid and i.is_current_version
      and i.code in ('text_differs_from_sheet', 'text_parts_exceed_total', 'year_over_year_jump')
      and not exists (
          select 1 from audit.decisions as d
          where d.campaign_id = $cid and d.outcome in ('applied', 'recorded') and d.file_sha256 = i.file_sha256
            and case when i.code = 'text_parts_exceed_total'
                     then regexp_extract(d.cell, '第[1-9][0-9]*段', 0) = i.cell  -- a confirm, or a correction there
                     else d.kind = 'confirm' and d.cell is null end)
),
disjoint as (
    select 'version' as item, i.file_sha256, i.file_path, i.unit_name, i.message
    from audit.issues as i
    anti join decided as d on d.file_sha256 = i.file_sha256
    where i.campaign_id = $cid and i.is_current_version and i.code = 'version_disjoint'
)
select * from (
    select * from held
    union all by name select * from disjoint
    union all by name select * from joint
    union all by name select * from repeats
    union all by name select * from forwarded
    union all by name select * from values_to_check
    union all by name select * from checks
    union all by name select * from late
)
order by case item when 'held' then 1 when 'version' then 2 when 'joint' then 3 when 'repeat' then 4
                   when 'forwarded' then 5 when 'value' then 6 when 'check' then 7 else 8 end, file_path, sheet,
         row_number, cell
"""


def open_items(warehouse: Path, campaign_id: str, value_codes: tuple[str, ...]) -> list[dict]:
    """What a person must decide (SPEC §3.9) as published: held files, possible joint activities, a same-name
    same-day activity on two sheets of a file with other figures (`repeat`: both rows, `other_*` the earlier
    sheet's), a forwarded row counted as the unit's own whose figures differ (`forwarded`: the own row that counts,
    `other_*` the forwarded one, `figure_cell` and `figure_value` the first figure that differs: the own row's
    cell and what the forwarded row says), values a check asks to verify (`value_codes`; `field`: which field of
    the row the cited cell holds, the one a correct_value there changes), figures the office checks as a whole
    (`check`: a 总结 against its sheet or its total, a tenfold change since last year), late files. None on a
    warehouse made before decisions existed."""
    codes = "(" + ", ".join("'" + c.replace("'", "''") + "'" for c in value_codes) + ")"
    fields = " ".join(f"when upper(r.{identifier(f + '_cell')}) then '{f}'" for f in CORRECTABLE)
    differs = {m: f"a.{identifier(m)} is not null and a.{identifier(m)} is distinct from b.{identifier(m)} "
                  f"and r.{identifier(m + '_cell')} is not null" for m in METRICS}
    cells = " ".join(f"when {differs[m]} then r.{identifier(m + '_cell')}" for m in METRICS)
    values = " ".join(f"when {differs[m]} then cast(a.{identifier(m)} as varchar)" for m in METRICS)
    sql = (OPEN_ITEMS.replace("$codes", codes).replace("$fields", fields).replace("$figure_cells", cells)
           .replace("$figure_values", values))
    try:
        return fetch_records(warehouse, sql, {"cid": campaign_id})
    except duckdb.CatalogException:
        return []


COUNTED_CELLS = f"""
select a.file_sha256, m.source_sheet, m.source_row,
       {", ".join(f"r.{identifier(k + '_cell')}, m.{identifier(k)}" for k in METRICS)}
from marts.activities as m
join core.activities as a on a.campaign_id = m.campaign_id and a.activity_id = m.activity_id
join raw.activity_rows as r on r.campaign_id = a.campaign_id and r.sha256 = a.file_sha256
     and r.source_sheet = a.source_sheet and r.source_row = a.source_row
where m.campaign_id = ?
"""
"""Every figure that reaches the totals, with the cell it was read from (one row per counted activity)."""


def open_items_with_effect(warehouse: Path, campaign_id: str, value_codes: tuple[str, ...]) -> list[dict]:
    """The open items (open_items) each with what it weighs in the totals: `measure` and `amount`, the figure
    in question as it is counted now (a value item whose cell holds a counted figure), and `share`, that
    amount over the city's total of the measure; None where an item changes no figure directly (a held
    file, a late one). Biggest shares first among those that have one; what `kepu sign` and the summaries
    read."""
    items = open_items(warehouse, campaign_id, value_codes)
    if not any(i["item"] == "value" for i in items):
        return [{**i, "measure": None, "amount": None, "share": None} for i in items]
    figures: dict[tuple, tuple[str, object]] = {}
    for row in fetch_records(warehouse, COUNTED_CELLS, [campaign_id]):
        for key in METRICS:
            if row[f"{key}_cell"] and row[key]:
                figures[(row["file_sha256"], row["source_sheet"], row[f"{key}_cell"])] = (key, row[key])
    totals = fetch_records(warehouse, "select * from marts.city_totals where campaign_id = ?", [campaign_id])
    totals = totals[0] if totals else {}
    weighed = []
    for item in items:
        key, amount = figures.get((item["file_sha256"], item.get("sheet"), item.get("cell")), (None, None)) \
            if item["item"] == "value" else (None, None)
        total = totals.get(key) if key else None
        share = float(amount) / float(total) if amount is not None and total else None
        weighed.append({**item, "measure": key, "amount": amount, "share": share})
    return sorted(weighed, key=lambda i: -(i["share"] or 0))


def decisions(warehouse: Path, campaign_id: str) -> list[dict]:
    """audit.decisions of a campaign, in line order (none before decisions existed)."""
    try:
        return fetch_records(warehouse, "select * from audit.decisions where campaign_id = ? order by line",
                             [campaign_id])
    except duckdb.CatalogException:
        return []


def recorded_decisions(con: duckdb.DuckDBPyConnection, campaign_id: str) -> pd.DataFrame:
    """core.decisions of a campaign as decisions.csv lines (`line` and its columns), for a rebuild that has no
    decisions.csv of that campaign at hand."""
    return con.execute("""select line, kind, file, cell, unit_code, value, other_file, other_cell, reason,
                                 decided_by, decided_at
                          from core.decisions where campaign_id = ? order by line""", [campaign_id]).df()


# ------------------------------------------------------------------- the office's console (SPEC §6)


def kept_file(warehouse: Path, campaign_id: str, sha256: str) -> dict | None:
    """A received file's path as the office knows it and its kept copy (`stored_as`, relative to the warehouse's
    folder; None when its bytes were not kept)."""
    rows = fetch_records(warehouse, """select sha256, path, stored_as from raw.files
                                       where campaign_id = ? and sha256 = ?""", [campaign_id, sha256])
    return rows[0] if rows else None


def editions(warehouse: Path, campaign_id: str) -> list[dict]:
    """Every signed edition of a campaign (audit.editions), the latest first; none before the first `kepu sign`."""
    try:
        return fetch_records(warehouse, """select * from audit.editions where campaign_id = ?
                                           order by edition_no desc""", [campaign_id])
    except duckdb.CatalogException:
        return []


def changes_since_signed(warehouse: Path, campaign_id: str) -> list[dict]:
    """marts.changes_since_signed of a campaign in reading order (city, districts with their units, forms); none
    before the first edition."""
    try:
        return fetch_records(warehouse, CHANGES, [campaign_id])
    except duckdb.CatalogException:
        return []
