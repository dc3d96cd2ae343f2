"""One campaign's core rebuilt from its raw tables, inside the run's staged warehouse: the few decisions that
need Python run once per file (which unit sent it: transforms.identity; whether it says it is a supplement:
transforms.supplements) or once per distinct text (what the
joint-activity rule compares: transforms.dedup), and the rules themselves run as SQL over every row
(kepu.warehouse.build). See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd

from kepu.schemas.vocabulary import Campaign
from kepu.transforms import dedup, supplements
from kepu.transforms.decisions import DecisionLines
from kepu.transforms.identity import UnitIndex, resolve_files, resolve_row_units
from kepu.warehouse import build, queries


def rebuild_core(con: duckdb.DuckDBPyConnection, campaign: Campaign, units: pd.DataFrame,
                 source_districts: Mapping[str, str] | None = None, decisions: DecisionLines | None = None) -> None:
    """core.activities, core.submissions, audit.issues and audit.submission_changes of `campaign`, from its raw
    tables and core.units (already loaded). `source_districts` maps a source's name to its district: files from
    there are matched by name among that district's units only. `decisions`: decisions.csv as read
    (kepu.decisions), applied after the rules (core.decisions, audit.decisions)."""
    cid = campaign.campaign_id
    index = UnitIndex(units)
    files = queries.files_to_identify(con, cid)
    identities = resolve_files(index, files, source_districts)
    row_units = resolve_row_units(index, queries.reporting_unit_texts(con, cid), identities, source_districts)
    marks = supplements.find_marks(files, index)
    texts = queries.comparison_texts(con, cid)
    keys = build.ComparisonKeys(names=dedup.name_keys(texts.names), venues=dedup.venue_keys(texts.venues),
                                mentions=dedup.unit_mentions(texts.mentions, index))
    decisions = decisions or DecisionLines()
    build.build_core(con, campaign, identities, keys, marks, decisions.valid, decisions.invalid_frame,
                     row_units=row_units)
