"""The inbox folder as a source of submissions: every regular file under it, any sub-folder, listed with
its path relative to the inbox, its size and its modification time (which is when it was received)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kepu.schemas.vocabulary import office_time


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One file found under the inbox: its path relative to the inbox (POSIX), size and mtime."""

    relpath: str
    abspath: Path
    size: int
    mtime: float

    @property
    def received_at(self) -> datetime:
        """When the file was saved into the inbox, as wall-clock time in Asia/Shanghai (naive)."""
        return office_time(self.mtime)

    @property
    def suffix(self) -> str:
        return Path(self.relpath).suffix.lower()


def scan_folder(inbox: Path) -> list[InboxEntry]:
    """Every regular file below `inbox`, sorted by path. Nothing is skipped: what is not a
    submission is still listed, so the run can record it as rejected with a reason."""
    entries = []
    for dirpath, dirnames, filenames in os.walk(inbox):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath, name)
            try:
                st = path.stat()
            except OSError:
                continue
            if not path.is_file():
                continue
            entries.append(InboxEntry(path.relative_to(inbox).as_posix(), path, st.st_size, st.st_mtime))
    return entries
