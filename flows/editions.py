"""`kepu sign` (SPEC §3.12): the campaign's published state recorded as its next edition (第N版), and the upward
deliverables kept exactly as they are sent.

Under the warehouse's lock (kepu.flows.lifecycle.guarded: a run in progress is waited for, then refused, as
`kepu run` does), one staged publish adds the edition's rows (kepu.warehouse.editions); the deliverables are then
written again — the upward workbook's header now names 「第N版」 — and 全市汇总.xlsx, 情况说明.docx and 情况说明.md
are copied into `out/<campaign>/已报送/第N版/`, a folder made for this edition and written nowhere else: no run,
rebuild or rollback touches it (the deliverables write only their own files), and signing never writes into a
folder that already exists.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kepu import progress
from kepu.flows import lifecycle
from kepu.schemas.errors import KepuError
from kepu.schemas.vocabulary import office_now
from kepu.settings import Settings
from kepu.deliverables.wording import weighty_items, weighty_text
from kepu.schemas.decisions import VALUE_CODES
from kepu.warehouse import editions, publisher, queries

SENT_FOLDER = "已报送"
SENT_FILES = ("全市汇总.xlsx", "情况说明.docx", "情况说明.md")
"""What goes upward, kept as sent."""


@dataclass(frozen=True)
class Signed:
    """What `kepu sign` did: the edition's number, when, the run whose state it is, and the copies kept."""

    edition_no: int
    signed_at: datetime
    run_id: str | None
    folder: Path
    copies: list[Path]
    forced_over: str | None = None
    """The open items it was signed over (forced), in Chinese; None when none weighed."""


def edition_folder(settings: Settings, edition_no: int) -> Path:
    return settings.campaign_out / SENT_FOLDER / f"第{edition_no}版"


def sign(settings: Settings, by: str | None, note: str | None = None, wait: float | None = None, *,
         force: bool = False, reason: str | None = None) -> Signed:
    """Record the published state as the next edition and keep its upward deliverables; KepuError (one Chinese
    line) when it cannot: no signer, nothing published, the state is the last edition's already, or open items
    whose figure is more than [sign] open_share of a city total (named) — unless `force` with a `reason`, both
    recorded in the edition (audit.editions.forced, force_reason, open_items)."""
    by = (by or "").strip()
    if not by:
        raise KepuError("请用 --by 写明签发人。")
    note = (note or "").strip() or None
    reason = (reason or "").strip() or None
    if force and reason is None:
        raise KepuError("强制签发须用 --reason 写明理由（记入该版本）。")
    if reason is not None and not force:
        raise KepuError("--reason 只与 --force 一起使用（强制签发的理由）；签发说明请用 --note。")
    path = settings.warehouse
    campaign_id = settings.campaign.campaign_id
    if not path.exists():
        raise KepuError(f"数据仓库 {path} 尚未生成，请先运行 kepu run。")
    with lifecycle.guarded(path, command="kepu sign", out=settings.campaign_out,
                           wait=settings.lock_wait if wait is None else wait,
                           on_wait=lambda _: progress.report("wait")):
        publisher.check_readable(path)
        con = publisher.read_only(path)
        try:
            state = editions.edition_state(con, campaign_id)
            current = publisher.current_state(con)
        finally:
            con.close()
        if not state.published:
            raise KepuError(f"{settings.campaign.name}尚未发布任何数据，无法签发；请先运行 kepu run。")
        if state.same_as_signed:
            raise KepuError(f"当前数据与第{state.last_edition}版相同，未签发新版本。")
        weighty = weighty_items(queries.open_items_with_effect(path, campaign_id, VALUE_CODES),
                                settings.sign_open_share)
        open_text = weighty_text(weighty) if weighty else None
        if weighty and not force:
            raise KepuError(f"有 {len(weighty)} 项待决定事项各自影响全市合计超过{settings.sign_open_share:.0%}，未签发："
                            f"{open_text}。请先核实并决定（kepu status 列出决定命令），或确需先报送时用 "
                            "--force --reason \"…\" 强制签发（理由记入该版本）。")
        edition_no = state.last_edition + 1
        folder = edition_folder(settings, edition_no)
        if folder.exists():
            raise KepuError(f"{folder} 已存在（不是本次签发所建），未签发；请核对后移走该文件夹再签发。")
        signed_at = office_now()
        run_id = current[0] if current else None
        relative = folder.relative_to(settings.out).as_posix() if folder.is_relative_to(settings.out) else str(folder)
        with publisher.staged(path) as staged:
            editions.record_edition(staged, campaign_id, edition_no, signed_at, by, note, run_id, relative,
                                    force_reason=reason if weighty else None, open_items=open_text)
        progress.report("outputs")
        from kepu.flows.nightly import write_outputs

        write_outputs.fn(settings)
        copies = keep_copies(settings.campaign_out, folder)
        progress.report("done")
        return Signed(edition_no, signed_at, run_id, folder, copies, open_text if weighty else None)


def keep_copies(source: Path, folder: Path) -> list[Path]:
    """The upward deliverables copied into `folder` (made here, whole or not at all: written into a hidden
    folder beside it and renamed)."""
    missing = [name for name in SENT_FILES if not (source / name).is_file()]
    if missing:
        raise KepuError(f"{source} 中没有 {'、'.join(missing)}，无法留存报送文件；请先运行 kepu run。")
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    partial.mkdir()
    try:
        for name in SENT_FILES:
            shutil.copy2(source / name, partial / name)
        os.rename(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return [folder / name for name in SENT_FILES]
