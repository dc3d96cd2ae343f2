"""The rules from `raw` to `core` and `audit`, run as set operations in DuckDB (SPEC §3.1–§3.7).

One campaign's core is rebuilt whole at each run that finds something new: its cost grows with the rows, and
nothing walks them one by one in Python. The steps, each an SQL file under sql/core/:

1. `rules/files`        each received file with its declarations and its unit (resolved once per file by
                        transforms.identity, handed in as `identities`);
2. `rules/activities`   core.activities: a detail row or the unitemized record of a summary-only file (§3.4),
                        in the window or not (§3.3);
3. `rules/submissions`  core.submissions: status, version or supplement, the current one and what it
                        supersedes (§3.2); `rules/supplements` a supplement's rows that repeat its version's;
4. `rules/joint_*`      joint activities (§3.5): a join on the evidence, then each copy pointed at the kept
                        copy (`duplicate_of`);
5. `checks/*`           every issue the rules raise, one file per check, each a SELECT of issue rows whose
                        Chinese message is the catalogue's template (schemas.issues) rendered as SQL;
   `rules/checks_overlap` one warning per figure: no outlier where a specific check already warns;
6. `rules/issues`       audit.issues: the parse issues and these, numbered, with their unit and whether their
                        file is its unit's current version; `rules/submission_changes` what new versions moved.

The office's decisions (decisions.csv, SPEC §3.9) are applied each right after the rule it overrides, so they
survive every rebuild: `decisions_load` (core.decisions, files resolved), `decisions_files` (assign_unit, before
versions), `decisions_activities` (exclude_file), `decisions_rows` (correct_value, exclude_row, on current
versions), `decisions_text` (the same two on a figure of a 总结, cited 第3段“听众600余人”: its record changes
by the difference), `decisions_events` (same_event, different_events, after the joint rule), `decisions_audit` (after
the checks: audit.decisions, decision_* issues).

What the rules compare is computed outside SQL, by pure functions handed in as tables (transforms.dedup:
`name_keys`, `venue_keys`, `unit_mentions`). The flow (flows.nightly) fetches the texts, computes them and
calls `build_core`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from kepu.schemas import decisions as decision_vocabulary
from kepu.schemas.vocabulary import (
    ACTIVITY_TYPES,
    MEASURES,
    METRICS,
    MONEY_METRIC,
    SUBMISSION_STATUS_LABELS,
    UNITEMIZED_TYPE,
    Campaign,
)
from kepu.warehouse.identifiers import identifier
from kepu.warehouse.schema import STORED_MEASURES, sql_text

CHECKS = (
    "identity", "versions", "window", "summary", "volunteers", "outliers", "year_over_year", "joint_copies",
    "possible_joint", "duplicates", "units", "bounds", "impossible", "forwarded", "text_figures",
)
"""The checks of sql/core/checks/, in the order they run (the order of audit.issues is its own)."""

def _case(expression: str, labels: dict[str, str], default: str = "''") -> str:
    """An SQL CASE turning codes into their Chinese labels."""
    whens = " ".join(f"when '{code}' then '{label}'" for code, label in labels.items())
    return f"(case {expression} {whens} else coalesce({expression}, {default}) end)"


DECISION_CONTEXT = {
    "correctable": tuple(decision_vocabulary.CORRECTABLE),
    "correctable_labels": "、".join(decision_vocabulary.CORRECTABLE.values()),
    "field_types": {"activity_name": "varchar", "start_date": "date", "end_date": "date", "venue": "varchar",
                    "activity_type": "varchar", "organizer": "varchar", "partners": "varchar[]",
                    **{m.key: m.type for m in STORED_MEASURES if m.key in METRICS}},
    "text_fields": decision_vocabulary.TEXT_CORRECTABLE,
    "date_fields": decision_vocabulary.DATE_CORRECTABLE,
    "type_choices": ACTIVITY_TYPES,
    "partner_separators": decision_vocabulary.PARTNER_SEPARATORS,
    "metric_keys": METRICS,
    "correctable_rejections": "('missing_activity_name', 'missing_start_date', 'invalid_start_date', "
                              "'end_before_start', 'missing_participants', 'invalid_participants', "
                              "'negative_value', 'implausible_participants')",
    "sha_prefix_min": decision_vocabulary.SHA_PREFIX_MIN,
    "money_metric": MONEY_METRIC,
    "unitemized_type": UNITEMIZED_TYPE,
    "measure_label": lambda e: _case(e, {m.key: m.noun for m in MEASURES}),
    "field_label": lambda e: _case(e, decision_vocabulary.CORRECTABLE),
    "status_label": lambda e: _case(e, SUBMISSION_STATUS_LABELS),
    "kind_label": lambda e: _case(e, {k.code: k.label for k in decision_vocabulary.KINDS}),
}
"""What the decision steps (sql/core/rules/decisions_*.sql) are rendered with."""


@dataclass(frozen=True)
class ComparisonKeys:
    """What the joint-activity rule compares, per distinct text: `names` and `venues` (text, key) and
    `mentions` (text, unit_code), from transforms.dedup."""

    names: pd.DataFrame
    venues: pd.DataFrame
    mentions: pd.DataFrame


def build_core(con: duckdb.DuckDBPyConnection, campaign: Campaign, identities: pd.DataFrame,
               keys: ComparisonKeys, marks: pd.DataFrame | None = None, decisions: pd.DataFrame | None = None,
               invalid_decisions: pd.DataFrame | None = None, row_units: pd.DataFrame | None = None) -> None:
    """Rebuild the campaign's core.activities, core.submissions, audit.issues and audit.submission_changes
    from its raw tables and core.units (loaded before). `identities` is transforms.identity.resolve_files's
    frame for the campaign's files; `marks` transforms.supplements.find_marks's (the files that say they are
    supplements); `decisions` the valid lines of decisions.csv (`line` and its columns) and
    `invalid_decisions` the others (line, reason, text), from transforms.decisions: core.decisions and
    audit.decisions, each decision applied after the rule it overrides (the `decisions_*` steps; a file the
    office calls a supplement is read from core.decisions by the `supplements` step). `row_units`:
    transforms.identity.resolve_row_units's frame, the unit each text of a forwarded table's unit column names
    (SPEC §3.10)."""
    _register(con, "_identity", identities, {
        "sha256": pa.string(), "unit_code": pa.string(), "resolution": pa.string(),
        "identified_by": pa.string(), "code_unit": pa.string(), "name_unit": pa.string(),
        "unknown_code": pa.string()})
    _register(con, "_supplement_marks", marks if marks is not None else pd.DataFrame(), {
        "sha256": pa.string(), "marked_by": pa.string(), "mark_word": pa.string(), "mark_text": pa.string(),
        "mark_sheet": pa.string(), "mark_cell": pa.string()})
    _register(con, "_row_units", row_units if row_units is not None else pd.DataFrame(), {
        "sha256": pa.string(), "reporting_unit": pa.string(), "row_unit": pa.string(),
        "row_unit_outcome": pa.string()})
    _register(con, "_event_name_keys", keys.names, {"text": pa.string(), "key": pa.string()})
    _register(con, "_venue_keys", keys.venues, {"text": pa.string(), "key": pa.string()})
    _register(con, "_unit_mentions", keys.mentions, {"text": pa.string(), "unit_code": pa.string()})
    _register(con, "_decision_lines", decisions if decisions is not None else pd.DataFrame(),
              {"line": pa.int64(), **{c: pa.string() for c in decision_vocabulary.COLUMNS}})
    _register(con, "_decision_invalid", invalid_decisions if invalid_decisions is not None else pd.DataFrame(),
              {"line": pa.int64(), "reason": pa.string(), "text": pa.string()})
    con.execute(sql_text("core/rules", "campaign"),
                {"campaign_id": campaign.campaign_id, "window_text": campaign.window_text})
    for step in ("decisions_load", "files", "decisions_files", "activities", "decisions_activities", "submissions",
                 "supplements", "decisions_rows", "decisions_text", "joint_rows", "joint_pairs"):
        con.execute(sql_text("core/rules", step, **DECISION_CONTEXT))
    round_sql = sql_text("core/rules", "joint_round")
    pending = con.execute("select count(*) from _joint_priority").fetchone()[0]
    while pending:
        con.execute(round_sql)
        left = con.execute("select count(*) from _joint_priority where activity_id not in "
                           "(select activity_id from _joint_kept)").fetchone()[0]
        if left == pending:
            raise RuntimeError("joint-activity resolution made no progress")
        pending = left
    con.execute(sql_text("core/rules", "joint_apply"))
    con.execute(sql_text("core/rules", "decisions_events"))
    con.execute("create or replace temp table _core_issues as " + " union all by name ".join(
        f"({sql_text('core/checks', check)})" for check in CHECKS))
    con.execute(sql_text("core/rules", "checks_overlap"))
    con.execute(sql_text("core/rules", "decisions_audit", **DECISION_CONTEXT))
    con.execute(sql_text("core/rules", "issues"))
    con.execute(sql_text("core/rules", "submission_changes"))
    for name in ("_identity", "_row_units", "_supplement_marks", "_event_name_keys", "_venue_keys", "_unit_mentions",
                 "_decision_lines", "_decision_invalid"):
        con.unregister(f"{name}_input")


def _register(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, types: dict[str, pa.DataType]) -> None:
    """`frame` as a temporary table `name` with exactly these string columns (an empty frame included)."""
    table = pa.table({column: pa.array(frame[column] if column in frame else [], type=kind, from_pandas=True)
                      for column, kind in types.items()})
    con.register(f"{identifier(name)}_input", table)
    con.execute(f"create or replace temp table {identifier(name)} as select * from {identifier(name)}_input")

