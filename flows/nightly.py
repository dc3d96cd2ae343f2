"""The nightly run: inbox → parse in parallel batches → one writer loads and publishes → outputs.

Each task is a call into kepu.sources (listing and hashing files), the parse batch (flows.parsing),
kepu.transforms (pure rules), kepu.warehouse (DuckDB) or kepu.deliverables (the city's files). The flow
takes plain, JSON-able parameters so a schedule can run it as well as the CLI. docs/architecture.md
follows one file through it.

The writer takes each parse batch as it finishes and appends it to the staged warehouse (Arrow), so a run
holds one batch's rows at a time, never the inbox's. A run that finds nothing new at any source (no new or
changed entry, no source failing) and whose registry, settings, parser and code are those the published state
was built from (`inputs_fingerprint`) rebuilds nothing, copies no warehouse and rewrites no deliverable: it
records itself as `unchanged` beside the warehouse.
"""

from __future__ import annotations

import hashlib
import math
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from kepu import progress
from kepu.flows import lifecycle, processes
from kepu.decisions import decisions_bytes, read_decisions
from kepu.flows.core import rebuild_core
from kepu.flows.parsing import BatchResult, parse_files, record_decided
from kepu.flows.server import run_api
from kepu.mail.dispatch import NoticeReport, send_notices
from kepu.sources.intake import Haul, SourceConfig, take_in_source
from kepu.sources.remote import SourceConfigError, SourceUnavailable
from kepu.sources.store import clear_incoming
from kepu.settings import RunInputs, Settings, check_notices, check_sources, load_settings, read_inputs
from kepu.schemas import tables
from kepu.schemas.files import ReceivedFile
from kepu.schemas.errors import ConfigError, KepuError, RunFailed, RunStopped, WarehouseDamaged
from kepu.schemas.vocabulary import office_now
from kepu.transforms.channels import Channel, unavailable_units
from kepu.transforms.decisions import DecisionLines
from kepu.transforms.inventory import Inventory, inputs_fingerprint, take_inventory
from kepu.transforms.submission import PARSER_VERSION
from kepu.warehouse import loader, publisher, queries
from kepu.warehouse.publisher import record_run, staged


@dataclass
class RunSummary:
    """What one run did and what the city totals are now; the CLI prints it."""

    run_id: str
    campaign_id: str
    outcome: str
    files_seen: int = 0
    files_new: int = 0
    files_changed: int = 0
    files_parsed: int = 0
    files_rejected: int = 0
    files_ignored: int = 0
    files_fetched: int = 0
    sources: list[SourceOutcome] = field(default_factory=list)
    rejected_files: dict = field(default_factory=dict)
    """Rejected files on record after the run, by kind (`unsupported`, `unreadable`): what stays to be resent."""
    city_totals: dict = field(default_factory=dict)
    completeness: dict = field(default_factory=dict)
    issues: dict = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    warehouse: str = ""
    notices: NoticeReport | None = None
    """What the notices step drafted or sent ([notices] in kepu.toml); None without that section."""
    notes: list[str] = field(default_factory=list)
    """What the run did about the run before it (leftover processes stopped, temporary files removed)."""


@dataclass(frozen=True)
class SourceOutcome:
    """One source tonight: entries listed, of which unchanged (not fetched), entries fetched; or why it could
    not be read (the run went on without it)."""

    name: str
    listed: int = 0
    unchanged: int = 0
    fetched: int = 0
    failure: str | None = None


@dataclass
class Intake:
    inventory: Inventory
    items: list[ReceivedFile]
    """Contents to parse tonight: new ones, and kept ones whose parse is stale."""
    decided: list[ReceivedFile]
    """Entries recorded as the sources decided them (ignored, rejected before reading)."""
    sources: list[SourceOutcome]

    @property
    def failed(self) -> dict[str, str]:
        return {s.name: s.failure for s in self.sources if s.failure}

    @property
    def fetched(self) -> int:
        return sum(s.fetched for s in self.sources)


@task(name="take in source", cache_policy=NO_CACHE, persist_result=False)
def take_in(config: SourceConfig, seen: frozenset, store: Path) -> Haul:
    """List one source, fetch what it holds that the warehouse has not seen, open its bundles."""
    return take_in_source(config, seen, store)


def _retry_unavailable(task, task_run, state) -> bool:
    """Retry a source that could not be reached or refused the credentials; a bad setting fails at once."""
    return isinstance(state.result(raise_on_failure=False), SourceUnavailable)


def take_sources(settings: Settings, known: queries.KnownFiles | None = None) -> Intake:
    """Every source at once, each a task retried a bounded number of times; a source that still fails is
    named and the run goes on with the others (SPEC §2.4). `known`: what the warehouse holds (read here when
    not given)."""
    if known is None:
        known = queries.known_files(settings.warehouse, settings.campaign.campaign_id)
    sources = settings.intake_sources
    clear_incoming(settings.store)
    attempt = take_in.with_options(retries=settings.source_retries,
                                   retry_delay_seconds=settings.source_retry_delay_s,
                                   retry_condition_fn=_retry_unavailable)
    outcomes: list[SourceOutcome] = []
    files: list[ReceivedFile] = []
    with _source_threads(len(sources)) as runner:
        futures = [(source, runner.submit(attempt, {"config": source, "seen": known.seen_at(source.name),
                                                    "store": settings.store}))
                   for source in sources]
        for done, (source, future) in enumerate(futures, start=1):
            try:
                haul = future.result()
            except (SourceUnavailable, SourceConfigError) as exc:
                outcomes.append(SourceOutcome(source.name, failure=getattr(exc, "reason", None) or str(exc)))
            except Exception as exc:  # one source's unexpected failure is that source's, not the run's
                outcomes.append(SourceOutcome(source.name, failure=f"读取来源时出错（{type(exc).__name__}）"))
            else:
                outcomes.append(SourceOutcome(source.name, haul.listed, haul.unchanged, haul.fetched))
                files += haul.files
            progress.report("scan", done, len(sources))
    listed = sum(o.listed for o in outcomes)
    inventory = take_inventory(files, known.paths, known.parsed, PARSER_VERSION, recorded=known.recorded,
                               listed=listed)
    return Intake(inventory, _files_to_parse(inventory, known), inventory.to_record, outcomes)


@contextmanager
def _source_threads(count: int) -> Iterator[ThreadPoolTaskRunner]:
    """The threads the sources are read in. A stopping run does not wait for them: a source can hang (a server
    that accepted the connection and never answers) longer than a stop may take; such a thread ends with the
    process."""
    runner = ThreadPoolTaskRunner(max_workers=count)
    runner.__enter__()
    try:
        yield runner
    except BaseException as exc:
        executor = getattr(runner, "_executor", None)
        if executor is not None and lifecycle.stop_signal_of(exc) is not None:
            executor.shutdown(wait=False, cancel_futures=True)
            runner._executor = None
        runner.__exit__(type(exc), exc, exc.__traceback__)
        raise
    runner.__exit__(None, None, None)


def _files_to_parse(inventory: Inventory, known: queries.KnownFiles) -> list[ReceivedFile]:
    """New contents taken in tonight; stale parses again from the kept copy. A content the warehouse already
    records keeps its record (where and when it was first received, from which source) whatever copy of it
    came tonight."""
    items = [known.stored.get(sha) or inventory.first_seen[sha] for sha in inventory.to_parse]
    return items + [known.stored[sha] for sha in inventory.stale_elsewhere]


@task(name="parse batch")
def parse_batch(items: list[ReceivedFile], store: Path, default_year: int) -> BatchResult:
    return parse_files(items, store, default_year)


@dataclass(slots=True)
class Parsed:
    """What the run recorded and parsed, counted as the writer took each batch."""

    files: int = 0
    parsed: int = 0
    rejected: int = 0
    ignored: int = 0
    rows: int = 0

    def add(self, batch: BatchResult) -> None:
        self.files += len(batch.files)
        self.parsed += batch.parsed
        self.rejected += batch.rejected
        self.ignored += batch.ignored
        self.rows += batch.rows


@task(name="load and publish", cache_policy=NO_CACHE)
def load_and_publish(settings: Settings, units: pd.DataFrame, intake: Intake, batches: list[PrefectFuture],
                     run_id: str, started_at: datetime, fingerprint: str, force: bool = False,
                     message: str | None = None) -> Parsed:
    """The single writer: the entries the sources decided, then each parse batch appended to the staged
    warehouse as it finishes; then core and audit rebuilt for the campaign (flows.core), checked, and
    published with the run's row. `force`: publish even if most units that reported would stop counting."""
    campaign = settings.campaign
    cid = campaign.campaign_id
    inventory = intake.inventory
    sources = settings.intake_sources
    parsed = Parsed()
    with staged(settings.warehouse, keep=settings.keep_states) as con:
        before = queries.reporting_units(con, cid)  # as published, named as published
        loader.replace_campaign(con, "core.campaigns", cid, [{
            "campaign_id": cid, "name": campaign.name, "start_date": campaign.start,
            "end_date": campaign.end, "deadline": campaign.deadline}])
        tables.validate(tables.Units, units, "core.units")
        loader.replace_campaign(con, "core.units", cid, units.assign(campaign_id=cid))
        loader.forget_files(con, cid, [f.sha256 for f in intake.items + intake.decided])
        decided = record_decided(intake.decided)
        loader.load_batch(con, cid, decided.files, decided.tables, run_id)
        parsed.add(decided)
        load_batches(con, cid, batches, run_id, parsed, len(intake.items))
        loader.forget_unread(con, cid, inventory.files)
        loader.record_sightings(con, cid, inventory.files, run_id)
        delivered = queries.earlier_deliveries(con)
        unavailable = unavailable_units(
            cid, units, [Channel(s.name, s.district, s.kind == "mailbox") for s in sources], intake.failed,
            zip(delivered["unit_code"], delivered["source"]))
        build_campaign_core(con, campaign, units, sources, unavailable, force, before,
                            read_decisions(settings.decisions))
        notes = "；".join(m for m in (_unavailable_message(intake), message) if m) or None
        loader.insert(con, "audit.run_log", [_run_row(run_id, cid, started_at, intake, parsed, "published",
                                                      notes, fingerprint)])
    return parsed


def load_batches(con, campaign_id: str, batches: list[PrefectFuture], run_id: str, parsed: Parsed,
                 total: int) -> Parsed:
    """Each parse batch appended to the staged warehouse as it finishes, counted into `parsed`."""
    for future in as_completed(batches):
        batch: BatchResult = future.result()
        loader.load_batch(con, campaign_id, batch.files, batch.tables, run_id)
        parsed.add(batch)
        progress.report("parse", parsed.parsed, total)
    return parsed


def build_campaign_core(con, campaign, units: pd.DataFrame, sources=(), unavailable: pd.DataFrame | None = None,
                        force: bool = False, before: dict[str, str] | None = None,
                        decisions: DecisionLines | None = None) -> None:
    """raw → core and audit for one campaign in the staged warehouse `con` (core.units loaded): built as SQL
    (flows.core), checked. `unavailable`: the units whose source could not be read tonight (None keeps those
    on record, as a rebuild does). Refuses (RunRefused) to stop counting most of the units that reported in
    the published state (`before`, code → name; read here when not given), unless `force`."""
    cid = campaign.campaign_id
    before = queries.reporting_units(con, cid) if before is None else before
    progress.report("core")
    rebuild_core(con, campaign, units, {s.name: s.district for s in sources if s.district}, decisions)
    if unavailable is not None:
        loader.replace_campaign(con, "core.source_unavailable", cid, unavailable)
    progress.report("publish")
    _validate(con, cid)
    after = con.execute("select unit_code, is_current, status from core.submissions where campaign_id = ?",
                        [cid]).df()
    lifecycle.refuse_mass_removal(before, after, units, force)


def _validate(con, campaign_id: str) -> None:
    """The core and audit tables against their pandera models, batch by batch; a failure publishes nothing."""
    for model, table, rows in ((tables.Submissions, "core.submissions", None),
                               (tables.Activities, "core.activities", 100_000), (tables.Issues, "audit.issues", 100_000)):
        for frame in queries.table_batches(con, table, campaign_id, rows):
            tables.validate(model, frame, table)


def _unavailable_message(intake: Intake | None) -> str | None:
    if not intake or not intake.failed:
        return None
    return "；".join(f"来源「{name}」不可用：{reason}" for name, reason in intake.failed.items())


def _run_row(run_id, cid, started_at, intake: Intake | None, parsed: Parsed | None, outcome: str,
             message: str | None = None, fingerprint: str | None = None) -> dict:
    inventory = intake.inventory if intake else None
    return {
        "run_id": run_id, "campaign_id": cid, "started_at": started_at, "finished_at": office_now(),
        "files_seen": inventory.files_seen if inventory else 0,
        "files_new": inventory.files_new if inventory else 0,
        "files_changed": inventory.files_changed if inventory else 0,
        "files_parsed": parsed.parsed if parsed else 0,
        "files_rejected": parsed.rejected if parsed else 0,
        "outcome": outcome, "message": message,
        "failed_sources": sorted(intake.failed) if intake else [],
        "files_fetched": intake.fetched if intake else 0,
        "inputs_fingerprint": fingerprint,
    }


@task(name="record unchanged run")
def record_unchanged_run(settings: Settings, run_id: str, started_at: datetime, intake: Intake,
                         fingerprint: str, message: str | None = None) -> None:
    """Nothing new: the warehouse and the deliverables stay as they are, byte for byte; the run's row is
    recorded beside the warehouse (publisher.record_run) and shows in audit.runs."""
    record_run(settings.warehouse, _run_row(run_id, settings.campaign.campaign_id, started_at, intake, None,
                                            "unchanged", message, fingerprint=fingerprint))


def record_failed_run(settings: Settings, run_id: str, started_at: datetime, intake: Intake | None,
                      parsed: Parsed | None, message: str) -> bool:
    """A failed run publishes nothing but its own line in audit.runs (where it can: not into a damaged
    warehouse). A plain function, not a task: it also runs while a stopping flow is being torn down."""
    return publisher.record_failed_run(settings.warehouse, _run_row(
        run_id, settings.campaign.campaign_id, started_at, intake, parsed, "failed", message[:2000]))


OUTPUTS_APART_FROM = 20_000
"""Counted activities from which the deliverables are written in a process of their own: the 活动清单 and the
回执 of a large city need a few hundred MB for a minute, which that process gives back whole when it ends,
instead of adding them to what the run holds after the parse and the core (peak memory). Below it, the
second or so the process takes to start is not worth it."""


@task(name="write outputs")
def write_outputs(settings: Settings) -> list[str]:
    from kepu.deliverables import publish

    if queries.counted_activity_rows(settings.warehouse, settings.campaign.campaign_id) >= OUTPUTS_APART_FROM:
        return [str(p) for p in processes.call_apart(publish.write_all, settings)]
    return [str(p) for p in publish.write_all(settings)]


@task(name="notices")
def notices(settings: Settings, units: pd.DataFrame, run_id: str, notes: list[str] | None = None) -> NoticeReport:
    """回执, 催报 and the office's summary, drafted or sent after the run is published. Nothing here fails the
    run: a server that refuses is recorded and retried next run, anything else is named in the summary."""
    try:
        return send_notices(settings, units, run_id, notes=notes or ())  # inside the run's lock (lifecycle.guarded)
    except Exception as exc:  # the run is published already; the notices wait for the next one
        return NoticeReport(settings.notices.mode, error=f"{type(exc).__name__}: {exc}")


@task(name="summarise")
def summarise(settings: Settings, summary: RunSummary) -> RunSummary:
    published = queries.published_summary(settings.warehouse, settings.campaign.campaign_id)
    summary.city_totals = published.city_totals
    summary.completeness = published.completeness
    summary.issues = published.issues
    summary.rejected_files = published.rejected_files
    summary.warehouse = str(settings.warehouse)
    return summary


def parse_all(items: list[ReceivedFile], settings: Settings, default_year: int) -> list[PrefectFuture]:
    """Parse `items` in parallel batches on the flow's task runner; the futures, for `load_batches`."""
    batches = _batches(items, settings)
    progress.report("parse", 0, len(items))
    return [parse_batch.submit(b, settings.store, default_year) for b in batches]


def _batches(items: list[ReceivedFile], settings: Settings) -> list[list[ReceivedFile]]:
    if not items:
        return []
    count = max(settings.workers, math.ceil(len(items) / settings.batch_size))
    count = min(count, len(items))
    ordered = sorted(items, key=lambda i: -i.size)
    batches: list[list[ReceivedFile]] = [[] for _ in range(count)]
    for n, item in enumerate(ordered):
        batches[n % count].append(item)
    return batches


@flow(name="kepu-nightly", log_prints=False, validate_parameters=False, task_runner=ThreadPoolTaskRunner())
def nightly(config: str = "kepu.toml", inbox: str | None = None, registry: str | None = None,
            warehouse: str | None = None, out: str | None = None, workers: str | None = None,
            task_runner: str | None = None, force: bool = False) -> RunSummary:
    """Consolidate one campaign's inbox into the warehouse and the city's outputs. `force`: publish even
    if most of the units that reported would no longer count. Started by `run` (the command line), the flow
    takes the settings and registry `run` loaded and checked from these same parameters; started by a
    schedule, it loads them here."""
    inputs = _handed.pop(str(config), None)  # handed to this flow run only
    if inputs is not None:
        settings = inputs.settings
    else:
        try:
            settings = load_settings(Path(config), inbox=inbox and Path(inbox), registry=registry and Path(registry),
                                     warehouse=warehouse and Path(warehouse), out=out and Path(out),
                                     workers=int(workers) if workers else None, task_runner=task_runner)
        except ConfigError as exc:
            lifecycle.record_config_failure(Path(config), warehouse and Path(warehouse), new_run_id(), str(exc))
            _journal(f"定时运行失败：{exc}")
            raise
    _journal(f"定时运行开始：{settings.campaign.name}（{Path(config).resolve()}）")
    try:
        summary = run_settings(settings, force=bool(force), inputs=inputs)
    except BaseException as exc:
        _journal(f"定时运行失败：{exc if isinstance(exc, KepuError) else f'{type(exc).__name__}: {exc}'}")
        raise
    from kepu.terminal import summary_line

    _journal(f"定时运行结束：{summary_line(summary)}")
    for note in summary.notes:
        _journal(f"  {note}")
    return summary


def _journal(line: str) -> None:
    """A scheduled run (under `kepu serve`) says its start, outcome and summary on its standard output, which
    the service's journal keeps; a `kepu run` prints its own summary instead."""
    from prefect.runtime import deployment

    if deployment.id:
        print(f"{office_now():%Y-%m-%d %H:%M:%S} {line}", flush=True)


def new_run_id() -> str:
    """The run's id: the random end of its Prefect flow run's id (so a run in the Prefect UI and its
    audit.runs row are found from each other), or a random one outside a flow."""
    from prefect.runtime import flow_run

    return uuid.UUID(flow_run.id).hex[-12:] if flow_run.id else uuid.uuid4().hex[-12:]


def run_settings(settings: Settings, force: bool = False, inputs: RunInputs | None = None) -> RunSummary:
    """The body of the nightly flow for already-checked settings. `inputs`: the registry as `run` read it and
    checked the sources against (None: read and checked here, as a scheduled run does)."""
    run_id = new_run_id()
    started_at = office_now()
    cid = settings.campaign.campaign_id
    summary = RunSummary(run_id=run_id, campaign_id=cid, outcome="failed")
    intake: Intake | None = None
    parsed: Parsed | None = None
    with lifecycle.guarded(settings.warehouse, out=settings.campaign_out, wait=settings.lock_wait,
                           on_wait=lambda _: progress.report("wait")) as guard:
        sources_checked = inputs is not None
        try:
            inputs = read_inputs(settings) if inputs is None else inputs
        except ConfigError as exc:
            record_failed_run(settings, run_id, started_at, None, None, str(exc))
            raise
        who = publisher.check_readable(settings.warehouse)  # and who holds it open read-write, if anyone
        if who:  # SPEC §4: published anyway, said in the summaries
            guard.notes.append(publisher.held_note(settings.warehouse, who))
        try:
            progress.report("scan", 0, len(settings.intake_sources))
            if not sources_checked:
                check_sources(settings, inputs.units, credentials=False)  # a missing credential fails its source only
            known, published = queries.published_inputs(settings.warehouse, cid)
            intake = take_sources(settings, known)
            fingerprint = inputs_fingerprint(
                registry=inputs.registry, settings=settings_text(settings),
                decisions=decisions_bytes(settings.decisions),
                parser_version=PARSER_VERSION, code_version=code_version(), context=published.others)
            notes = "；".join(guard.notes) or None
            if _nothing_new(intake) and fingerprint == published.fingerprint and _outputs_present(settings):
                record_unchanged_run(settings, run_id, started_at, intake, fingerprint, notes)
                summary.outcome = "unchanged"
                parsed = Parsed()
            else:
                _outputs_pending(settings).touch()  # until the deliverables of this publish are all written
                items = intake.items
                batches = _batches(items, settings)
                progress.report("parse", 0, len(items))
                with parse_runner(settings, len(items), guard.stop_workers) as runner:
                    parameters = [{"items": b, "store": settings.store, "default_year": settings.campaign.start.year}
                                  for b in batches]
                    futures = ([runner.submit(parse_batch, p) for p in parameters] if runner is not None
                               else [parse_batch.submit(**p) for p in parameters])
                    parsed = load_and_publish(settings, inputs.units, intake, quote(futures), run_id, started_at,
                                              fingerprint, force, notes)
                summary.outcome = "published"
        except BaseException as exc:
            _fail(settings, guard, exc, run_id, started_at, intake, parsed)
            raise
        finally:
            clear_incoming(settings.store)
        guard.published = True
        inventory = intake.inventory
        summary.notes = list(guard.notes)
        summary.files_seen = inventory.files_seen
        summary.files_new = inventory.files_new
        summary.files_changed = inventory.files_changed
        summary.files_parsed = parsed.parsed
        summary.files_rejected = parsed.rejected
        summary.files_ignored = parsed.ignored
        summary.files_fetched = intake.fetched
        summary.sources = intake.sources
        stage = "outputs"
        try:
            if summary.outcome == "published":
                progress.report("outputs")
                summary.outputs = write_outputs(settings)
                _outputs_pending(settings).unlink(missing_ok=True)
            if settings.notices and summary.outcome in ("published", "unchanged"):
                stage = "notices"
                progress.report("notices")  # an unchanged run still retries what could not be sent
                summary.notices = notices(settings, inputs.units, run_id, summary.notes)
            progress.report("done")
            return summarise(settings, summary)
        except BaseException as exc:
            exc.kepu_published = stage  # what the CLI says about a run stopped after it published
            raise


def _fail(settings: Settings, guard: lifecycle.RunGuard, exc: BaseException, run_id: str, started_at: datetime,
          intake: Intake | None, parsed: Parsed | None) -> None:
    """A run that ends early: its workers stopped at once if it was told to stop, its failure recorded
    where the warehouse can take it, a damaged warehouse said in one line."""
    signum = lifecycle.stop_signal_of(exc)
    if signum is not None:
        lifecycle.request_stop(signum)
        guard.stop_workers()
        _abandon(_flow_task_runner())
    if publisher.damage_of(exc):
        raise WarehouseDamaged(publisher.damaged_message(settings.warehouse)) from exc
    if isinstance(exc, WarehouseDamaged):
        return
    message = lifecycle.describe(exc)
    record_failed_run(settings, run_id, started_at, intake, parsed, message)
    if signum is not None and isinstance(exc, Exception):  # a stop surfacing as what it interrupted
        raise RunStopped(signum) from exc
    if isinstance(exc, OSError):  # a full disk, an I/O error: one line for the person, not a traceback
        raise RunFailed(message) from exc


def settings_text(settings: Settings) -> str:
    """The settings a run's result depends on, as text: kepu.toml as written and the resolved settings (paths,
    campaign) with the command line's flags laid over it."""
    config = settings.config_path.read_text(encoding="utf-8") if settings.config_path else ""
    return f"{config}\0{settings!r}"


@cache
def code_version() -> str:
    """A hash of kepu's own code and data (every .py, .sql and .toml it installs): a new release, or any edit,
    makes the next run rebuild rather than report `unchanged`."""
    digest = hashlib.sha256()
    for package in ("kepu", "kepu.flows", "kepu.schemas", "kepu.transforms", "kepu.warehouse"):
        root = Path(str(resources.files(package)))
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".sql", ".toml")
                           and "__pycache__" not in p.parts):
            digest.update(f"{package}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _nothing_new(intake: Intake) -> bool:
    """Whether tonight brought nothing at all: every source read, no entry new or changed (an unchanged entry
    is listed, never fetched), nothing to parse again."""
    return not intake.failed and not intake.inventory.files and not intake.items and not intake.decided


def _outputs_present(settings: Settings) -> bool:
    """Whether the deliverables of the last publish are all there: written to the end (a run stopped while
    writing them leaves `_outputs_pending`), and not removed since (if someone removed them, a run writes them
    again rather than report nothing to do)."""
    folder = settings.campaign_out
    return not _outputs_pending(settings).exists() and folder.is_dir() and any(folder.iterdir())


def _outputs_pending(settings: Settings) -> Path:
    """Beside the warehouse while a publish's deliverables are not all written yet (from before the publish)."""
    warehouse = settings.warehouse
    return warehouse.with_name(f"{warehouse.name}.{settings.campaign.campaign_id}.outputs-pending")


def task_runner_for(settings: Settings):
    """The flow's task runner. Threads for `auto` and `thread` (parsing a file takes milliseconds, a process
    pool seconds to start: `auto` opens one for the parse alone when the inbox is large, see
    `parse_runner`); processes; a Dask cluster for a province (needs the `dask` extra)."""
    if settings.task_runner == "process":
        return _process_pool(settings)
    if settings.task_runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise ConfigError('task_runner = "dask" 需要安装 Dask 扩展：pip install -e ".[dask]"') from exc

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers, "threads_per_worker": 1})
    return ThreadPoolTaskRunner(max_workers=settings.workers)


def _process_pool(settings: Settings) -> ProcessPoolTaskRunner:
    return ProcessPoolTaskRunner(max_workers=settings.workers, initializer=lifecycle.worker_signals)


def parses_in_processes(settings: Settings, files: int) -> bool:
    """Whether `auto` parses tonight's `files` in a pool of processes: from `processes_from` files on a
    machine of several cores. Parsing is Python, so threads share one core; each worker process takes
    seconds to start (it imports kepu and Prefect), which a large inbox repays many times over."""
    return (settings.task_runner == "auto" and files >= settings.processes_from and settings.workers > 1
            and (os.cpu_count() or 1) > 1)


@contextmanager
def parse_runner(settings: Settings, files: int,
                 stop_workers: Callable[[], None] | None = None) -> Iterator[ProcessPoolTaskRunner | None]:
    """The pool of processes `auto` parses a large inbox in, for the parse and the load that takes its
    batches (its workers end with the block, whatever ends it: a stopping run tells them with
    `stop_workers` first, so the pool does not wait for whole batches); None: parse on the flow's own runner."""
    if not parses_in_processes(settings, files):
        yield None
        return
    with _process_pool(settings) as runner:
        try:
            yield runner
        except BaseException as exc:
            signum = lifecycle.stop_signal_of(exc)
            if signum is not None and stop_workers is not None:
                lifecycle.request_stop(signum)
                stop_workers()
                _abandon(runner)
            raise


def _flow_task_runner():
    """The task runner of the flow run this is part of (`task_runner = "process"`: the pool parsing)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return context.task_runner if context is not None else None


def _abandon(runner) -> None:
    """A stopping run's pool, ended without waiting: its workers killed (what they were parsing is dropped
    with the run) and the pool shut down at once. Left to wind down, a pool waits for its workers to flush
    results nobody reads any more, seconds a stop does not have."""
    executor = getattr(runner, "_executor", None)
    if not isinstance(runner, ProcessPoolTaskRunner) or executor is None:
        return
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError):
            pass
    executor.shutdown(wait=False, cancel_futures=True)
    runner._executor = None


_handed: dict[str, RunInputs] = {}
"""The settings and registry `run` loaded and checked, by the config path it passes, for the flow run it starts
(which takes them once). A plain dict, not a ContextVar: Prefect pickles the context into a process pool's
workers, and a ContextVar cannot be pickled."""


def load_flags(config: Path, **overrides) -> Settings:
    """The settings of `config` with the command-line flags laid over it (ConfigError when wrong)."""
    flags = {k: v for k, v in overrides.items() if v}
    paths = {k: Path(v) for k, v in flags.items() if k in ("inbox", "registry", "warehouse", "out")}
    return load_settings(Path(config), **paths, workers=flags.get("workers"), task_runner=flags.get("task_runner"))


def run(config: Path, force: bool = False, wait: float | None = None, *, inputs: RunInputs | None = None,
        **overrides) -> RunSummary:
    """Check the settings (ConfigError before Prefect starts), then run the flow with the task runner
    they ask for, holding the warehouse (kepu.flows.lifecycle) and the Prefect API it reports to for the
    whole run. `overrides` are the command-line flags: inbox, registry, warehouse, out, workers,
    task_runner; `wait`: seconds to wait for another run on the same warehouse (default [run] lock_wait).
    `inputs`: the settings the caller already loaded from `config` and these flags, and the registry (the
    command line reads them before the run's Prefect API starts); each is read once, here or there, and the
    flow takes them as they are."""
    flags = {k: v for k, v in overrides.items() if v}
    inputs = inputs or read_inputs(load_flags(config, **flags))
    settings = inputs.settings
    check_sources(settings, inputs.units)
    check_notices(settings)
    configured = nightly.with_options(task_runner=task_runner_for(settings))
    with lifecycle.guarded(settings.warehouse, out=settings.campaign_out,
                           wait=settings.lock_wait if wait is None else wait,
                           on_wait=lambda _: progress.report("wait")) as guard:
        with run_api(guard, folder=settings.warehouse.parent):
            _handed[str(config)] = inputs
            try:
                return configured(config=str(config), force=force, **{k: str(v) for k, v in flags.items()})
            finally:
                _handed.pop(str(config), None)
