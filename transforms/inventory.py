"""What is in the inbox tonight compared with what the warehouse already holds.

Each `ReceivedFile` is one file at one path with one content (hashed). The inventory says which contents
are new to the warehouse or whose stored parse is stale (to be parsed), which paths are new or changed
since the last run, and which kept files no longer in the inbox must be parsed again because the parser
changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kepu.schemas.files import ReceivedFile


@dataclass(slots=True)
class Inventory:
    files: list[ReceivedFile]
    """Every file in the inbox tonight, hashed."""
    first_seen: dict[str, ReceivedFile] = field(default_factory=dict)
    """sha256 → its earliest copy (by modification time, then path): the one whose path the warehouse records."""
    to_parse: list[str] = field(default_factory=list)
    """sha256s in the inbox to parse: new contents, and known ones whose stored parse is stale."""
    stale_elsewhere: list[str] = field(default_factory=list)
    """sha256s no longer in the inbox whose stored parse is stale: parsed again from the kept copy."""
    files_new: int = 0
    files_changed: int = 0

    @property
    def files_seen(self) -> int:
        return len(self.files)


def take_inventory(files: list[ReceivedFile], known_paths: dict[str, set[str]], parsed: dict[str, str | None],
                   parser_version: str) -> Inventory:
    """`known_paths` maps each path seen before to the contents seen there; `parsed` each stored content to
    the parser version that read it."""
    inventory = Inventory(files)
    for f in sorted(files, key=lambda f: (f.mtime, f.path)):
        inventory.first_seen.setdefault(f.sha256, f)
        previous = known_paths.get(f.path)
        if previous is None:
            inventory.files_new += 1
        elif f.sha256 not in previous:
            inventory.files_changed += 1
    inventory.to_parse = [sha for sha in inventory.first_seen if sha not in parsed or parsed[sha] != parser_version]
    inventory.stale_elsewhere = sorted(
        sha for sha, version in parsed.items() if version != parser_version and sha not in inventory.first_seen)
    return inventory
