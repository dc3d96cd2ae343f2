"""The nightly run: inbox → parse in parallel batches → one writer loads and publishes → outputs.

Each task is a call into kepu.sources (listing and hashing files), the parse batch (flows.parsing),
kepu.transforms (pure rules), kepu.warehouse (DuckDB) or kepu.deliverables (the city's files). The flow
takes plain, JSON-able parameters so a schedule can run it as well as the CLI. docs/architecture.md
follows one file through it.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd
from prefect import flow, task
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from kepu.flows.parsing import BatchResult, parse_files
from kepu import progress
from kepu.sources.folder import scan_folder
from kepu.sources.store import sha256_of
from kepu.settings import Settings, load_settings, read_registry
from kepu.schemas import tables
from kepu.schemas.files import ReceivedFile
from kepu.schemas.errors import ConfigError
from kepu.schemas.vocabulary import office_now
from kepu.transforms.core import build_core, issue_frame
from kepu.transforms.inventory import Inventory, take_inventory
from kepu.transforms.submission import PARSER_VERSION
from kepu.warehouse import loader, queries
from kepu.warehouse.publisher import run_lock, staged


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
    rejected_files: dict = field(default_factory=dict)
    """Rejected files on record after the run, by kind (`unsupported`, `unreadable`): what stays to be resent."""
    city_totals: dict = field(default_factory=dict)
    completeness: dict = field(default_factory=dict)
    issues: dict = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    warehouse: str = ""


@task(name="take inventory")
def take_inbox_inventory(settings: Settings) -> tuple[Inventory, list[ReceivedFile]]:
    """Scan the inbox; hash only files whose path, size and mtime the warehouse does not know."""
    known = queries.known_files(settings.warehouse, settings.campaign.campaign_id)
    files = [replace(f, sha256=known.sightings.get((f.path, f.size, f.mtime)) or sha256_of(f.location))
             for f in scan_folder(settings.inbox)]
    inventory = take_inventory(files, known.paths, known.parsed, PARSER_VERSION)
    return inventory, _files_to_parse(inventory, known)


def _files_to_parse(inventory: Inventory, known: queries.KnownFiles) -> list[ReceivedFile]:
    """New contents from the inbox; stale parses again from the kept copy, keeping when they were received."""
    items = []
    for sha in inventory.to_parse:
        seen, kept = inventory.first_seen[sha], known.stored.get(sha)
        items.append(replace(seen, received_at=kept.received_at) if kept else seen)
    return items + [known.stored[sha] for sha in inventory.stale_elsewhere]


@task(name="parse batch")
def parse_batch(items: list[ReceivedFile], store: Path, default_year: int) -> BatchResult:
    return parse_files(items, store, default_year)


@task(name="load and publish")
def load_and_publish(settings: Settings, units: pd.DataFrame, inventory: Inventory, parsed: BatchResult,
                     run_id: str, started_at: datetime) -> None:
    """The single writer: raw rows in, core and audit rebuilt for the campaign, checked, published."""
    campaign = settings.campaign
    cid = campaign.campaign_id
    with staged(settings.warehouse) as con:
        loader.replace_campaign(con, "core.campaigns", cid, [{
            "campaign_id": cid, "name": campaign.name, "start_date": campaign.start,
            "end_date": campaign.end, "deadline": campaign.deadline}])
        loader.load_parsed(con, cid, parsed.files, parsed.tables, run_id)
        loader.record_sightings(con, cid, inventory.files, run_id)

        raw = queries.raw_inputs(con, cid)
        core = build_core(campaign, units, raw["files"], raw["declarations"], raw["activity_rows"],
                          raw["summary_figures"], queries.previous_unit_totals(con, cid))
        issues = issue_frame(cid, raw["parse_issues"], core, units, queries.duplicate_copies(con, cid))
        tables.validate(tables.Units, units, "core.units")
        tables.validate(tables.Submissions, core.submissions, "core.submissions")
        tables.validate(tables.Activities, core.activities, "core.activities")
        tables.validate(tables.Issues, issues, "audit.issues")
        loader.replace_campaign(con, "core.units", cid, units.assign(campaign_id=cid))
        loader.replace_campaign(con, "core.submissions", cid, core.submissions)
        loader.replace_campaign(con, "core.activities", cid, core.activities)
        loader.replace_campaign(con, "audit.issues", cid, issues)
        loader.replace_campaign(con, "audit.submission_changes", cid, core.changes)
        loader.insert(con, "audit.runs", [_run_row(run_id, cid, started_at, inventory, parsed, "published")])


def _run_row(run_id, cid, started_at, inventory: Inventory | None, parsed: BatchResult | None, outcome: str,
             message: str | None = None) -> dict:
    return {
        "run_id": run_id, "campaign_id": cid, "started_at": started_at, "finished_at": office_now(),
        "files_seen": inventory.files_seen if inventory else 0,
        "files_new": inventory.files_new if inventory else 0,
        "files_changed": inventory.files_changed if inventory else 0,
        "files_parsed": len(parsed.files) if parsed else 0,
        "files_rejected": parsed.rejected if parsed else 0,
        "outcome": outcome, "message": message,
    }


@task(name="record failed run")
def record_failed_run(settings: Settings, run_id: str, started_at: datetime, inventory: Inventory | None,
                      parsed: BatchResult | None, message: str) -> None:
    """A failed run publishes nothing but its own line in audit.runs."""
    with staged(settings.warehouse) as con:
        loader.insert(con, "audit.runs", [_run_row(run_id, settings.campaign.campaign_id, started_at, inventory,
                                                    parsed, "failed", message[:2000])])


@task(name="write outputs")
def write_outputs(settings: Settings) -> list[str]:
    from kepu.deliverables import publish

    return [str(p) for p in publish.write_all(settings)]


@task(name="summarise")
def summarise(settings: Settings, summary: RunSummary) -> RunSummary:
    published = queries.published_summary(settings.warehouse, settings.campaign.campaign_id)
    summary.city_totals = published.city_totals
    summary.completeness = published.completeness
    summary.issues = published.issues
    summary.rejected_files = published.rejected_files
    summary.warehouse = str(settings.warehouse)
    return summary


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
            task_runner: str | None = None) -> RunSummary:
    """Consolidate one campaign's inbox into the warehouse and the city's outputs."""
    settings = load_settings(Path(config), inbox=inbox and Path(inbox), registry=registry and Path(registry),
                             warehouse=warehouse and Path(warehouse), out=out and Path(out),
                             workers=int(workers) if workers else None, task_runner=task_runner)
    return run_settings(settings)


def run_settings(settings: Settings) -> RunSummary:
    """The body of the nightly flow for already-checked settings."""
    units = read_registry(settings.registry)
    run_id = uuid.uuid4().hex[:12]
    started_at = office_now()
    cid = settings.campaign.campaign_id
    summary = RunSummary(run_id=run_id, campaign_id=cid, outcome="failed")
    inventory: Inventory | None = None
    parsed: BatchResult | None = None
    with run_lock(settings.warehouse):
        try:
            progress.report("scan")
            inventory, items = take_inbox_inventory(settings)
            parsed = BatchResult()
            batches = _batches(items, settings)
            progress.report("parse", 0, len(items))
            futures = [parse_batch.submit(b, settings.store, settings.campaign.start.year) for b in batches]
            done = 0
            for future, batch in zip(futures, batches):
                parsed.extend(future.result())
                done += len(batch)
                progress.report("parse", done, len(items))
            progress.report("load")
            load_and_publish(settings, units, inventory, parsed, run_id, started_at)
        except Exception as exc:
            record_failed_run(settings, run_id, started_at, inventory, parsed, f"{type(exc).__name__}: {exc}")
            raise
    summary.outcome = "published"
    summary.files_seen = inventory.files_seen
    summary.files_new = inventory.files_new
    summary.files_changed = inventory.files_changed
    summary.files_parsed = len(parsed.files)
    summary.files_rejected = parsed.rejected
    progress.report("outputs")
    summary.outputs = write_outputs(settings)
    progress.report("done")
    return summarise(settings, summary)


def task_runner_for(settings: Settings):
    """Threads by default (parsing a file takes milliseconds, a process pool seconds to start); processes
    for large inboxes on several cores; a Dask cluster for a province (needs the `dask` extra)."""
    if settings.task_runner == "process":
        return ProcessPoolTaskRunner(max_workers=settings.workers)
    if settings.task_runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise ConfigError('task_runner = "dask" 需要安装 Dask 扩展：pip install -e ".[dask]"') from exc

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers, "threads_per_worker": 1})
    return ThreadPoolTaskRunner(max_workers=settings.workers)


def run(config: Path, **overrides) -> RunSummary:
    """Check the settings (ConfigError before Prefect starts), then run the flow with the task runner
    they ask for. `overrides` are the command-line flags: inbox, registry, warehouse, out, workers,
    task_runner."""
    flags = {k: v for k, v in overrides.items() if v}
    paths = {k: Path(v) for k, v in flags.items() if k in ("inbox", "registry", "warehouse", "out")}
    settings = load_settings(Path(config), **paths, workers=flags.get("workers"),
                             task_runner=flags.get("task_runner"))
    read_registry(settings.registry)
    configured = nightly.with_options(task_runner=task_runner_for(settings))
    return configured(config=str(config), **{k: str(v) for k, v in flags.items()})
