"""One received file, the one record that carries it from its source to its raw.files row.

The sources list files as `ReceivedFile`s; the inventory compares them with what the warehouse knows; the
parse batch keeps, reads and parses them; the loader writes them into raw.files and raw.file_sightings;
and a file the warehouse already holds comes back from raw.files as the same record. The fields a step
learns are filled in as the run goes (`dataclasses.replace`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal

DEFAULT_SOURCE = "inbox"
"""The name of the one source a campaign has when kepu.toml lists no [[sources]]: its [paths].inbox."""


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """One file as a source holds it, and what the run learns about it.

    `path` names the file everywhere kepu reports it (raw.files, issues, 回执): relative, POSIX, as the office
    received it (`双流区/东升街道.xlsx`; a bundle's member `双流区/汇总.zip/东升街道.xlsx`). `size` and `mtime`
    are what the source reports: with `path`, they tell a file already seen, whose bytes are not hashed again.
    `received_at` is the source's own time (SPEC §2.4) on the office's clock. `location` is where the bytes
    can be read now: the file at the source, or the copy kept in the store.

    `source` is the name of the configured source it came from, `source_path` its path there when that is
    not `path`, `member` its path inside a bundle. Filled in as the run goes: `sha256` once hashed,
    `stored_as` (relative to the warehouse's folder) once kept, `status`, `reason` and `parser_version`
    once parsed.
    """

    path: str
    size: int
    mtime: float
    received_at: datetime
    location: Path
    sha256: str = ""
    source: str = DEFAULT_SOURCE
    source_path: str = ""
    member: str = ""
    stored_as: str = ""
    status: Literal["", "read", "rejected"] = ""
    reason: str | None = None
    parser_version: str | None = None

    @property
    def extension(self) -> str:
        """The file name's extension, lower case with its dot (`.xlsx`); "" when it has none."""
        return PurePosixPath(self.path).suffix.lower()

    def raw_files_row(self) -> dict:
        """The file's raw.files columns (campaign and run added by the loader)."""
        return {"sha256": self.sha256, "path": self.path, "extension": self.extension, "size": self.size,
                "received_at": self.received_at, "status": self.status, "reason": self.reason,
                "stored_as": self.stored_as, "parser_version": self.parser_version}

    def sighting_row(self) -> dict:
        """The file's raw.file_sightings columns: this content seen at this path, with this size and time."""
        return {"path": self.path, "sha256": self.sha256, "size": self.size, "mtime": self.mtime}
