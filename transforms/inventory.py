"""What is in the inbox tonight compared with what the warehouse already holds.

A sighting is one file at one path with one content. The inventory says which contents are new to
the warehouse (to be parsed), which paths are new or changed since the last run, and which stored
parses are stale because the parser changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Sighting:
    relpath: str
    abspath: Path
    size: int
    mtime: float
    received_at: datetime
    sha256: str

    @property
    def extension(self) -> str:
        return Path(self.relpath).suffix.lower()


@dataclass(slots=True)
class Inventory:
    sightings: list[Sighting]
    first_sighting: dict[str, Sighting] = field(default_factory=dict)
    """sha256 → its earliest sighting (the copy whose path and time the warehouse records)."""
    to_parse: list[str] = field(default_factory=list)
    """sha256s in the inbox to parse: new contents, and known ones whose stored parse is stale."""
    stale_elsewhere: list[str] = field(default_factory=list)
    """sha256s no longer in the inbox whose stored parse is stale: parsed again from the kept copy."""
    new_shas: set[str] = field(default_factory=set)
    files_new: int = 0
    files_changed: int = 0

    @property
    def files_seen(self) -> int:
        return len(self.sightings)


def take_inventory(sightings: list[Sighting], known_paths: dict[str, set[str]],
                   parsed: dict[str, str | None], parser_version: str) -> Inventory:
    inventory = Inventory(sightings)
    for s in sorted(sightings, key=lambda s: (s.mtime, s.relpath)):
        inventory.first_sighting.setdefault(s.sha256, s)
        previous = known_paths.get(s.relpath)
        if previous is None:
            inventory.files_new += 1
        elif s.sha256 not in previous:
            inventory.files_changed += 1
    for sha in inventory.first_sighting:
        if sha not in parsed:
            inventory.new_shas.add(sha)
            inventory.to_parse.append(sha)
        elif parsed[sha] != parser_version:
            inventory.to_parse.append(sha)
    inventory.stale_elsewhere = sorted(
        sha for sha, version in parsed.items() if version != parser_version and sha not in inventory.first_sighting)
    return inventory
