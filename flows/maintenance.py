"""Repairing the warehouse: `kepu rebuild` (the whole warehouse again, from the kept copy of every file)
and `kepu rollback` (a kept earlier state published again). Both hold the warehouse like a run does
(kepu.flows.lifecycle) and record themselves in audit.runs; both rewrite the campaign's outputs after.

Rebuild reads what cannot be derived from the files themselves (the campaigns, the registry each was
published with, each file's path and time of receipt, the sightings, the run history) from the index the
publisher writes beside the kept files (`files/<warehouse>.index.duckdb`), or from the warehouse itself
when it is still readable and the index is missing; parses every kept file again on the flow's task
runner; and builds each campaign's core with the same rules as a run. The inbox is not read: a cleaned
inbox rebuilds the same totals.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from prefect import flow

from kepu import progress
from kepu.flows import lifecycle
from kepu.flows.nightly import (
    Parsed,
    RunSummary,
    build_campaign_core,
    load_batches,
    new_run_id,
    parse_all,
    summarise,
    write_outputs,
)
from kepu.schemas.errors import KepuError, WarehouseDamaged
from kepu.schemas.vocabulary import office_now
from kepu.decisions import read_decisions
from kepu.settings import Settings, load_settings
from kepu.transforms.decisions import DecisionLines
from kepu.warehouse import loader, publisher, queries

REBUILT_MESSAGE = "由 kepu rebuild 从保存的 {files} 个原始文件重建（{campaigns}）。"
"""{campaigns}: the campaigns by name (「2023年全国科普日」), never 「1 个活动」, which reads as one activity."""


def _summary_row(run_id: str, campaign_id: str, started_at: datetime, outcome: str, message: str,
                 files: int = 0, parsed: Parsed | None = None) -> dict:
    return {"run_id": run_id, "campaign_id": campaign_id, "started_at": started_at, "finished_at": office_now(),
            "files_seen": files, "files_new": 0, "files_changed": 0,
            "files_parsed": parsed.parsed if parsed else 0,
            "files_rejected": parsed.rejected if parsed else 0, "outcome": outcome, "message": message}


def kept_records(warehouse: Path) -> dict:
    """What the rebuild starts from: the index beside the kept files, else the warehouse's own tables."""
    records = publisher.read_index(warehouse)
    if records:
        return records
    try:
        publisher.check_readable(warehouse)
    except WarehouseDamaged as exc:
        raise KepuError(f"找不到保存的文件索引 {publisher.index_path(warehouse)}，而数据仓库已损坏，无法重建；"
                        f"请用 kepu rollback 恢复到保存的历史版本。") from exc
    if not warehouse.exists():
        raise KepuError(f"数据仓库 {warehouse} 和保存的文件索引都不存在，没有可重建的内容。")
    return publisher.read_records(warehouse)


@flow(name="kepu-rebuild", log_prints=False, validate_parameters=False)
def rebuild(config: str = "kepu.toml", warehouse: str | None = None) -> RunSummary:
    """Recreate the whole warehouse from the kept files and the index, then the campaign's outputs."""
    settings = load_settings(Path(config), warehouse=warehouse and Path(warehouse), check_inputs=False)
    return rebuild_settings(settings)


def rebuild_settings(settings: Settings) -> RunSummary:
    path = settings.warehouse
    run_id = new_run_id()
    started_at = office_now()
    with lifecycle.guarded(path, command="kepu rebuild", wait=settings.lock_wait,
                           on_wait=lambda _: progress.report("wait")) as guard:
        records = kept_records(path)
        files = records.get("raw.files")
        if files is None or files.num_rows == 0:
            raise KepuError("保存的文件索引中没有任何文件，没有可重建的内容。")
        missing = [s for s in files.column("stored_as").to_pylist() if not (path.parent / s).exists()]
        if missing:
            shown = "、".join(missing[:3]) + (" 等" if len(missing) > 3 else "")
            raise KepuError(f"{len(missing)} 个文件的保存副本不在 {path.parent / 'files'} 中（{shown}），"
                            f"无法完整重建；请先找回这些文件。")
        damaged = path.exists() and not _readable(path)
        parsed_total = Parsed()
        with publisher.staged(path, keep=0 if damaged else settings.keep_states, fresh=True,
                              purpose="rebuild") as con:
            publisher.load_records(con, records)
            campaigns = queries.campaigns(con)
            for campaign in campaigns:
                stored = list(queries.stored_files(con, campaign.campaign_id, path.parent).values())
                loader.forget_files(con, campaign.campaign_id, [f.sha256 for f in stored])  # parsed again below
                load_batches(con, campaign.campaign_id, parse_all(stored, settings, campaign.start.year), run_id,
                             parsed_total, len(stored))
                # this campaign's decisions.csv is beside its kepu.toml; another campaign's, as last published
                own = campaign.campaign_id == settings.campaign.campaign_id
                decisions = read_decisions(settings.decisions) if own else DecisionLines(
                    valid=queries.recorded_decisions(con, campaign.campaign_id))
                build_campaign_core(con, campaign, queries.campaign_units(con, campaign.campaign_id),
                                    sources=settings.intake_sources, force=True, decisions=decisions)
            _restore_first_runs(con, records["raw.files"])
            message = REBUILT_MESSAGE.format(files=parsed_total.files, campaigns="、".join(c.name for c in campaigns))
            loader.insert(con, "audit.run_log", [_summary_row(run_id, settings.campaign.campaign_id, started_at,
                                                              "published", message, parsed_total.files,
                                                              parsed_total)])
            if damaged:
                kept_aside = path.with_name(f"{path.name}.damaged-{office_now():%Y%m%dT%H%M%S}")
                os.link(path, kept_aside)
                guard.notes.append(f"损坏的数据仓库文件已保留为 {kept_aside.name}，确认无用后可删除。")
        summary = RunSummary(run_id=run_id, campaign_id=settings.campaign.campaign_id, outcome="published",
                             files_seen=parsed_total.files, files_parsed=parsed_total.parsed,
                             files_rejected=parsed_total.rejected, notes=[message, *guard.notes])
        if settings.campaign.campaign_id in {c.campaign_id for c in campaigns}:
            progress.report("outputs")
            summary.outputs = write_outputs(settings)
        progress.report("done")
        return summarise(settings, summary)


def _readable(path: Path) -> bool:
    try:
        publisher.check_readable(path)
        return True
    except WarehouseDamaged:
        return False


def _restore_first_runs(con, files) -> None:
    """Keep the run that first received each file (loading the parse again would name the rebuild)."""
    con.register("_kepu_index_files", files.select(["campaign_id", "sha256", "first_run_id"]))
    try:
        con.execute("""update raw.files as f set first_run_id = i.first_run_id
                       from _kepu_index_files as i
                       where f.campaign_id = i.campaign_id and f.sha256 = i.sha256""")
    finally:
        con.unregister("_kepu_index_files")


# ------------------------------------------------------------------------------------- rollback


@dataclass(frozen=True)
class Rollback:
    """What `kepu rollback` did: the state published again, the run that recorded it, the outputs."""

    state: publisher.KeptState
    run_id: str
    outputs: list[str]


def list_states(settings: Settings) -> list[tuple[publisher.KeptState, dict]]:
    """The kept states, newest first, each with its city totals for the campaign (to choose from)."""
    listed = []
    for state in publisher.kept_states(settings.warehouse):
        try:
            totals = queries.fetch_records(state.file, "select * from marts.city_totals where campaign_id = ?",
                                           [settings.campaign.campaign_id])
        except Exception:  # a kept file from an older release may lack today's views: still listed
            totals = []
        listed.append((state, totals[0] if totals else {}))
    return listed


def rollback(settings: Settings, to: str | None = None) -> Rollback:
    """Publish the kept state `to` names (the newest when None) again, record it, rewrite the outputs."""
    path = settings.warehouse
    with lifecycle.guarded(path, command="kepu rollback", wait=settings.lock_wait):
        try:
            state = publisher.find_state(path, to)
        except ValueError as exc:
            raise KepuError(str(exc)) from exc
        now = office_now()
        run_id = uuid.uuid4().hex[-12:]
        message = f"回滚到运行 {state.run_id}（{state.published_at:%Y-%m-%d %H:%M:%S} 发布）的状态。"
        publisher.restore_state(path, state, _summary_row(run_id, settings.campaign.campaign_id, now,
                                                          "rolled_back", message), settings.keep_states)
        outputs: list[str] = []
        if any(c.campaign_id == settings.campaign.campaign_id for c in _campaigns(path)):
            outputs = write_outputs.fn(settings)
        return Rollback(state, run_id, outputs)


def _campaigns(path: Path):
    con = publisher.read_only(path)
    try:
        return queries.campaigns(con)
    finally:
        con.close()
