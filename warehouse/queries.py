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

from kepu.schemas.files import DEFAULT_SOURCE, ReceivedFile
from kepu.schemas.issues import REJECTED_FILE_CODES, UNSUPPORTED_FILE_CODES
from kepu.schemas.vocabulary import COMPLETENESS_LABELS, Campaign
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


def known_files(warehouse: Path, campaign_id: str) -> KnownFiles:
    if not warehouse.exists():
        return KnownFiles()
    con = read_only(warehouse)
    try:
        tables = {r[0] for r in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables()").fetchall()}
        if not {"raw.files", "raw.file_sightings"} <= tables:
            return KnownFiles()
        columns = {(r[0], r[1]) for r in con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'raw'").fetchall()}

        def present(table: str, *names: str) -> str:
            """The columns, or nulls where a warehouse from before sources lacks them (the run adds them)."""
            return ", ".join(n if (table, n) in columns else f"null as {n}" for n in names)

        entry = present("file_sightings", "source", "entry_path", "entry_size", "change_token")
        seen: dict[str, set[tuple[str, int, str]]] = {}
        paths: dict[str, set[str]] = {}
        for path, sha, source, entry_path, entry_size, token in con.execute(
                f"select path, sha256, {entry} from raw.file_sightings where campaign_id = ?",
                [campaign_id]).fetchall():
            paths.setdefault(path, set()).add(sha)
            if token is not None and entry_path is not None:
                seen.setdefault(source or "inbox", set()).add((entry_path, entry_size, token))
        stored = stored_files(con, campaign_id, warehouse.parent)
        recorded = {r[0] for r in con.execute("select sha256 from raw.files where campaign_id = ?",
                                              [campaign_id]).fetchall()}
        parsed = {sha: f.parser_version for sha, f in stored.items() if f.parser_version is not None}
        return KnownFiles({k: frozenset(v) for k, v in seen.items()}, paths, parsed, stored, frozenset(recorded))
    finally:
        con.close()


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
        tables = {r[0] for r in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables()").fetchall()}
        if "audit.run_log" not in tables:
            return PublishedState()
        rows = con.execute("""
            select campaign_id, arg_max(coalesce(inputs_fingerprint, run_id), finished_at)
            from audit.run_log where outcome in ('published', 'rolled_back')
            group by campaign_id order by campaign_id""").fetchall()
    finally:
        con.close()
    own = next((f for c, f in rows if c == campaign_id), None)
    return PublishedState(own, tuple(f"{c}={f}" for c, f in rows if c != campaign_id))


def stored_files(con: duckdb.DuckDBPyConnection, campaign_id: str, base: Path) -> dict[str, ReceivedFile]:
    """sha256 → each file raw.files holds a kept copy of for the campaign, its `location` that copy (under
    `base`, the warehouse's folder); source columns a warehouse from before sources lacks read as null."""
    columns = {r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = 'files'").fetchall()}
    extra = ", ".join(n if n in columns else f"null as {n}"
                      for n in ("source", "source_path", "sender", "forwarded_from", "subject"))
    cursor = con.execute(f"""select sha256, path, size, received_at, stored_as, status, reason, parser_version, {extra}
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
        frames[name] = con.execute(f"select * from raw.{name} where campaign_id = ?", [campaign_id]).df()
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
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


COMPLETENESS_BY_DISTRICT = f"""
select district_code, district_name,
       count(*) as expected,
       {", ".join(f"count(*) filter (where status = '{status}') as {status}" for status in COMPLETENESS_LABELS)},
       count(*) filter (where status in ('on_time', 'late')) / count(*) as reporting_rate
from marts.completeness
where campaign_id = ?
group by district_code, district_name
order by district_code
"""
"""One row per district: its expected units, how many are on time, late, held and missing, and the
share reported (on time or late)."""

SUBMISSIONS = """
select a.*, s.declared_code, s.declared_name
from audit.submissions as a
join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256
where a.campaign_id = ?
order by a.unit_code, a.is_current desc, a.received_at desc, a.file_path
"""
"""Every received file with each unit it belongs to or claims (a file in conflict names two units and
is held for both), the current version first, and the code and name it declares."""

SUPERSEDED = """
    coalesce(s.version < c.version, false)"""
"""Whether an issue's file is history (SPEC §3.11): its unit has a current version that came after it.
The current version's issues, a newer file that could not be counted, and files held for want of a unit
are all still the unit's business."""

ISSUES = f"""
select i.*, {SUPERSEDED} as superseded
from audit.issues as i
left join core.submissions as s on s.campaign_id = i.campaign_id and s.file_sha256 = i.file_sha256
left join core.submissions as c on c.campaign_id = s.campaign_id and c.unit_code = s.unit_code and c.is_current
where i.campaign_id = ?
order by i.issue_no
"""
"""audit.issues of a campaign with `superseded` beside each."""

FILES = """
select s.file_sha256, s.file_path, s.received_at, s.reported_at, s.status, s.version, s.is_current,
       s.activity_rows, s.counted_rows, s.rejected_rows, s.unit_code, s.claimed_unit_codes,
       s.declared_code, s.declared_name, u.district_code, u.district_name
from core.submissions as s
left join core.units as u on u.campaign_id = s.campaign_id and u.unit_code = s.unit_code
where s.campaign_id = ?
order by u.district_code nulls last, s.unit_code nulls last, s.received_at, s.file_path
"""
"""Every received file once, with its unit (none when unidentified or in conflict)."""

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

    @property
    def city_row(self) -> dict[str, object]:
        """The campaign's marts.city_totals row (empty when the campaign was never published)."""
        return self.city.iloc[0].to_dict() if len(self.city) else {}


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
select case when i.code in {tuple(UNSUPPORTED_FILE_CODES)} then 'unsupported' else 'unreadable' end as kind,
       count(distinct f.sha256) as n
from raw.files as f
join raw.parse_issues as i on i.campaign_id = f.campaign_id and i.sha256 = f.sha256
where f.campaign_id = ? and f.status = 'rejected' and i.code in {tuple(REJECTED_FILE_CODES)}
group by kind
"""
"""Rejected files on record (this run's and earlier ones'), not a spreadsheet apart from unreadable."""


def published_summary(warehouse: Path, campaign_id: str) -> PublishedSummary:
    totals = fetch_records(warehouse, "select * from marts.city_totals where campaign_id = ?", [campaign_id])
    completeness = fetch_records(warehouse, """select status, count(*) as n from marts.completeness
                                               where campaign_id = ? group by status""", [campaign_id])
    issues = fetch_records(warehouse, f"""select i.severity, count(*) as n from ({ISSUES}) as i
                                          where not i.superseded group by i.severity""", [campaign_id])
    rejected = fetch_records(warehouse, REJECTED_FILES, [campaign_id])
    return PublishedSummary(totals[0] if totals else {}, {r["status"]: r["n"] for r in completeness},
                            {r["severity"]: r["n"] for r in issues}, {r["kind"]: r["n"] for r in rejected})


def issue_counts(warehouse: Path, campaign_id: str, codes: tuple[str, ...]) -> dict[str, int]:
    """How many issues of each of `codes` the campaign's current versions have (superseded ones are history)."""
    rows = fetch_records(warehouse, f"""select i.code, count(*) as n from ({ISSUES}) as i
                                        where not i.superseded and i.code in ({", ".join("?" * len(codes))})
                                        group by i.code""", [campaign_id, *codes])
    return {r["code"]: r["n"] for r in rows}


def completeness_by_district(warehouse: Path, campaign_id: str) -> list[dict]:
    return fetch_records(warehouse, COMPLETENESS_BY_DISTRICT, [campaign_id])


def chase_list(warehouse: Path, campaign_id: str) -> list[dict]:
    return fetch_records(warehouse, """select district_name, unit_name, status from marts.chase_list
                                       where campaign_id = ?""", [campaign_id])


def recent_runs(warehouse: Path, campaign_id: str, limit: int = 5) -> list[dict]:
    return fetch_records(warehouse, """
        select run_id, started_at, finished_at, files_seen, files_new, files_changed, files_parsed, outcome, message,
               failed_sources
        from audit.runs where campaign_id = ? order by started_at desc limit ?""", [campaign_id, limit])


# --------------------------------------------------------------- inputs of the rules, inside a run


def files_to_identify(con: duckdb.DuckDBPyConnection, campaign_id: str) -> pd.DataFrame:
    """Each file of the campaign whose bytes were read or rejected, with what it declares and where it came
    from (sha256, declared_code, declared_name, declared_title, path, source, source_path, sender,
    forwarded_from, subject): the input of transforms.identity.resolve_files."""
    return con.execute("""
        select f.sha256, d.declared_code, d.declared_name, d.declared_title, f.path, f.source, f.source_path,
               f.sender, f.forwarded_from, f.subject
        from raw.files as f
        left join raw.declarations as d on d.campaign_id = f.campaign_id and d.sha256 = f.sha256
        where f.campaign_id = ? and f.status <> 'ignored'
        order by f.sha256""", [campaign_id]).df()


def table_batches(con: duckdb.DuckDBPyConnection, table: str, campaign_id: str,
                  rows: int | None = 100_000) -> Iterator[pd.DataFrame]:
    """One campaign's rows of a core or audit table as frames of at most `rows` rows (None: one frame), what
    the run validates between layers without holding a whole table in pandas."""
    relation = con.sql(f"select * from {table} where campaign_id = ?", params=[campaign_id])
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


def comparison_texts(con: duckdb.DuckDBPyConnection, campaign_id: str) -> ComparisonTexts:
    def column(sql: str) -> pd.Series:
        return con.execute(sql, {"campaign_id": campaign_id}).df().iloc[:, 0]

    rows = "from raw.activity_rows where campaign_id = $campaign_id and row_status = 'ok'"
    return ComparisonTexts(
        names=column(f"select distinct activity_name {rows} and activity_name is not null"),
        venues=column(f"select distinct venue {rows} and venue is not null"),
        mentions=column(f"""select distinct text from (
                                select organizer as text {rows}
                                union all
                                select unnest(partners) as text {rows}) where text is not null"""),
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
        left join core.units as u on u.campaign_id = s.campaign_id and u.unit_code = s.unit_code
        where f.campaign_id = ? and (cast(? as timestamp) is null or r.started_at > ?)
        order by f.received_at, f.path""", [campaign_id, since, since])
