"""Which sources a unit's files can come through, and which units a failed source leaves unheard (SPEC §2.4,
§3.8: `source_unavailable`, not `missing`).

A unit's channels are, soundly and from evidence only:
- the sources assigned to its district (`district = "D01"` in `[[sources]]`: that district's shared folder);
- the sources that delivered one of its files before (an earlier campaign in this warehouse, or this one as
  last published);
- the mailboxes, when the registry lists an `email` for it (it says it sends by mail);
- when none of these is known: every source without a district (the office's general channels).
A unit nothing has come from yet is `source_unavailable` when it has at least one channel and every one of its
channels failed tonight; a unit with one working channel left is `missing` as before (its file could have
come that way). A unit's status depends on what came, never on the channel alone: anything received makes it
on_time, late or held whatever failed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Channel:
    """A configured source as far as channels go: its name, its district, whether it is a mailbox."""

    name: str
    district: str | None = None
    mailbox: bool = False


COLUMNS = ["campaign_id", "unit_code", "sources"]


def unit_channels(units: pd.DataFrame, channels: Collection[Channel],
                  delivered: Iterable[tuple[str, str]] = ()) -> dict[str, list[str]]:
    """unit_code → the names of the configured sources its files can come through, in configuration order.
    `delivered`: (unit_code, source) pairs of files received before."""
    names = [c.name for c in channels]
    earlier: dict[str, set[str]] = {}
    for unit, source in delivered:
        if source in names:
            earlier.setdefault(unit, set()).add(source)
    general = [c.name for c in channels if c.district is None]
    mailboxes = {c.name for c in channels if c.mailbox}
    found: dict[str, list[str]] = {}
    emails = units["email"] if "email" in units else pd.Series([None] * len(units), index=units.index)
    for code, district, addresses in zip(units["unit_code"], units["district_code"], emails):
        known = {c.name for c in channels if c.district is not None and c.district == district}
        known |= earlier.get(code, set())
        if addresses is not None and len(addresses):
            known |= mailboxes
        chosen = known or set(general)
        found[code] = [n for n in names if n in chosen]
    return found


def unavailable_units(campaign_id: str, units: pd.DataFrame, channels: Collection[Channel], failed: Collection[str],
                      delivered: Iterable[tuple[str, str]] = ()) -> pd.DataFrame:
    """core.source_unavailable: each expected unit whose every channel failed tonight, with those sources. The
    completeness view applies it only to units nothing has come from."""
    failed = set(failed)
    rows = []
    if failed:
        expected = units[units["expected"]]
        for code, names in unit_channels(expected, channels, delivered).items():
            if names and set(names) <= failed:
                rows.append({"campaign_id": campaign_id, "unit_code": code, "sources": names})
    return pd.DataFrame.from_records(rows, columns=COLUMNS)
