"""Signing an edition (SPEC §3.12): the published state of a campaign recorded as its next edition (第N版) —
audit.editions, every published figure (audit.edition_figures, from marts.published_figures) and what the figures
rest on (audit.edition_files: each unit's counted files; audit.edition_decisions: the decisions in effect), so that
marts.changes_since_signed can later explain every difference by its files and decisions.

Called inside a staged publish (kepu.warehouse.publisher.staged) under the warehouse's lock; values are bound
parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from kepu.schemas.vocabulary import COUNTED_STATUSES
from kepu.warehouse.identifiers import identifiers, literals
from kepu.warehouse.schema import STORED_MEASURES

COUNTS = ("units_expected", "units_reported", "units_on_time")
TOTALS = identifiers((*COUNTS, *(m.key for m in STORED_MEASURES)))
"""The city totals an edition keeps beside its number (audit.editions)."""


@dataclass(frozen=True)
class EditionState:
    """Where a campaign stands against its editions: the last one signed (0 when none), whether the published
    state is that edition's, and the run that published the state."""

    last_edition: int
    same_as_signed: bool
    signed_at: datetime | None
    published: bool


def edition_state(con: duckdb.DuckDBPyConnection, campaign_id: str) -> EditionState:
    row = con.execute("""select edition_no, same_as_signed, signed_at from marts.signed_edition
                         where campaign_id = ?""", [campaign_id]).fetchone()
    published = con.execute("select count(*) from marts.city_totals where campaign_id = ?",
                            [campaign_id]).fetchone()[0] > 0
    if row is None:
        return EditionState(0, False, None, published)
    return EditionState(row[0], bool(row[1]), row[2], published)


def record_edition(con: duckdb.DuckDBPyConnection, campaign_id: str, edition_no: int, signed_at: datetime,
                   signed_by: str, note: str | None, run_id: str | None, copies_folder: str,
                   force_reason: str | None = None, open_items: str | None = None) -> None:
    """Add edition `edition_no` of the campaign, as the warehouse `con` publishes it now; `force_reason` when it
    was signed over open items that weigh (`open_items`, in Chinese)."""
    con.execute(f"""insert into audit.editions (campaign_id, edition_no, signed_at, signed_by, note, run_id,
                                                copies_folder, forced, force_reason, open_items, {TOTALS})
                    select $campaign, $edition, $signed_at, $signed_by, $note, $run_id, $copies, $forced, $reason,
                           $open_items, {TOTALS}
                    from marts.city_totals where campaign_id = $campaign""",
                {"campaign": campaign_id, "edition": edition_no, "signed_at": signed_at, "signed_by": signed_by,
                 "note": note, "run_id": run_id, "copies": copies_folder, "forced": force_reason is not None,
                 "reason": force_reason, "open_items": open_items})
    con.execute("""insert into audit.edition_figures (campaign_id, edition_no, level, code, name, measure, value)
                   select campaign_id, $edition, level, code, name, measure, value
                   from marts.published_figures where campaign_id = $campaign""",
                {"campaign": campaign_id, "edition": edition_no})
    con.execute(f"""insert into audit.edition_files (campaign_id, edition_no, unit_code, file_sha256, file_path, role,
                                                     forwarded_by, received_at)
                    select distinct on (unit_code, file_sha256) campaign_id, $edition, unit_code, file_sha256,
                           file_path, role, forwarded_by, received_at
                    from audit.submissions
                    where campaign_id = $campaign and is_current and unit_code is not null
                      and status in {literals(COUNTED_STATUSES)}""",
                {"campaign": campaign_id, "edition": edition_no})
    con.execute("""insert into audit.edition_decisions (campaign_id, edition_no, line, kind, kind_label, file_sha256,
                                                        unit_code, cell, value, other_sha256, other_cell, reason,
                                                        effect)
                   select campaign_id, $edition, line, kind, kind_label, file_sha256, unit_code, cell, value,
                          other_sha256, other_cell, reason, effect
                   from audit.decisions
                   where campaign_id = $campaign and outcome in ('applied', 'recorded')""",
                {"campaign": campaign_id, "edition": edition_no})
