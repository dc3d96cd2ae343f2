"""The inbox folder as a source of submissions: every regular file under it, in any sub-folder, listed
with its path relative to the inbox, its size and its modification time, which is when it was received."""

from __future__ import annotations

import os
from pathlib import Path

from kepu.schemas.files import ReceivedFile
from kepu.schemas.vocabulary import office_time


def scan_folder(inbox: Path) -> list[ReceivedFile]:
    """Every regular file below `inbox`, sorted by path, not yet hashed. Nothing is skipped: what is not a
    submission is still listed, so the run can record it as rejected with a reason."""
    found = []
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
            found.append(ReceivedFile(path=path.relative_to(inbox).as_posix(), size=st.st_size, mtime=st.st_mtime,
                                      received_at=office_time(st.st_mtime), location=path))
    return found
