"""What the sources gave tonight compared with what the warehouse already holds.

Each `ReceivedFile` is one file at one path with one content (hashed), or one entry decided without being
parsed (ignored, or rejected before any parse: its `sha256` is then the entry's own key). The inventory says
which contents are new to the warehouse or whose stored parse is stale (to be parsed), which decided entries
to record, which paths are new or changed since the last run, and which kept files no longer at any source
must be parsed again because the parser changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field

from kepu.schemas.files import ReceivedFile


@dataclass(slots=True)
class Inventory:
    files: list[ReceivedFile]
    """Every file taken in tonight: the new and changed entries of every source, bundles opened."""
    first_seen: dict[str, ReceivedFile] = field(default_factory=dict)
    """sha256 → its earliest copy (by modification time, then path): the one whose path the warehouse records."""
    to_parse: list[str] = field(default_factory=list)
    """sha256s taken in tonight to parse: new contents, and known ones whose stored parse is stale."""
    to_record: list[ReceivedFile] = field(default_factory=list)
    """Entries decided without a parse (ignored, or rejected before reading) to record in raw.files."""
    stale_elsewhere: list[str] = field(default_factory=list)
    """sha256s not taken in tonight whose stored parse is stale: parsed again from the kept copy."""
    files_new: int = 0
    files_changed: int = 0
    files_seen: int = 0
    """Entries at the sources tonight, the unchanged ones included (a mailbox counts its messages)."""


def take_inventory(files: list[ReceivedFile], known_paths: dict[str, set[str]], parsed: dict[str, str | None],
                   parser_version: str, *, recorded: Collection[str] = frozenset(),
                   listed: int | None = None) -> Inventory:
    """`known_paths` maps each path seen before to the contents seen there; `parsed` each stored content to
    the parser version that read it; `recorded` holds every sha256 raw.files has a row for; `listed` is how
    many entries the sources listed (default: the files given)."""
    inventory = Inventory(files, files_seen=len(files) if listed is None else listed)
    for f in sorted(files, key=lambda f: (f.mtime, f.path)):
        inventory.first_seen.setdefault(f.sha256, f)
        previous = known_paths.get(f.path)
        if previous is None:
            inventory.files_new += 1
        elif f.sha256 not in previous:
            inventory.files_changed += 1
    for sha, f in inventory.first_seen.items():
        if f.status:
            if not f.has_content or sha not in recorded:
                inventory.to_record.append(f)
        elif sha not in parsed or parsed[sha] != parser_version:
            inventory.to_parse.append(sha)
    inventory.stale_elsewhere = sorted(
        sha for sha, version in parsed.items() if version != parser_version and sha not in inventory.first_seen)
    return inventory


def inputs_fingerprint(*, registry: bytes, settings: str, parser_version: str, code_version: str,
                       context: tuple[str, ...] = (), decisions: bytes = b"") -> str:
    """What a campaign's published state is a function of besides the entries received: the unit registry's
    bytes, the settings, the parser's and the code's versions, and `context` (the state of the other campaigns
    the rules read, e.g. the previous campaign's totals) and the office's decisions.csv, as one hash. A run that received nothing new and whose
    fingerprint equals the last published one's has nothing to do (SPEC §1: picks up new and changed files
    only)."""
    digest = hashlib.sha256()
    for part in (parser_version, code_version, settings, *context):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(hashlib.sha256(registry).digest())
    if decisions:  # a campaign without decisions keeps the fingerprint it had before decisions existed
        digest.update(b"decisions\0" + hashlib.sha256(decisions).digest())
    return digest.hexdigest()
