"""The content-addressed store: every received file's bytes, kept under their sha256 beside the
warehouse, so any version can be parsed again after it left the inbox (SPEC §3.2)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from pathlib import Path


def sha256_of(path: Path) -> str:
    """The content address of a file: the sha256 of its bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


SAFE_EXTENSION = re.compile(r"\.[0-9a-z]{1,16}")
"""What of a submitted name's extension goes into a kept file's name: letters and digits only, so no
name a sender chose (`报表.xlsx/../..`, a newline, 250 characters) can shape a path in the store."""


def stored_path(store: Path, sha256: str, extension: str) -> Path:
    """`files/ab/ab…cd.xlsx`: the content address, and the submitted extension when it is a plain one."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    suffix = extension.lower() if SAFE_EXTENSION.fullmatch(extension.lower()) else ""
    return store / sha256[:2] / f"{sha256}{suffix}"


def keep_copy(store: Path, source: Path, sha256: str, extension: str) -> Path:
    """Copy `source` into the store once; later copies of the same bytes are no-ops."""
    target = stored_path(store, sha256, extension)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        try:
            shutil.copyfile(source, partial)
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)  # a full disk or a stopped run leaves no half-copied file
            raise
    return target


INCOMING = ".incoming"
"""The store's own scratch folder: bytes on their way in (fetched, unpacked) wait here, on the store's file
system so that taking them in is a rename. Only a run holding the warehouse lock writes here; a run clears what
a killed one left."""


class TooLarge(Exception):
    """A file over the size a submission can have; nothing of it is kept."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"文件超过大小上限（{max_bytes / 1024 / 1024:.0f} MB），未读取")
        self.reason = str(self)


def incoming(store: Path) -> Path:
    folder = store / INCOMING
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clear_incoming(store: Path) -> None:
    """Remove what a run that was killed left on its way in."""
    shutil.rmtree(store / INCOMING, ignore_errors=True)


def take_in(store: Path, source: Path, extension: str, max_bytes: int) -> tuple[Path, str, int]:
    """Copy the file at `source` into the store while hashing it: the kept copy is exactly the bytes hashed,
    whatever happens to the original meanwhile. Returns (kept path, sha256, size). Raises TooLarge past
    `max_bytes`, and OSError when the file cannot be opened or read (nothing is left behind either way)."""
    scratch = incoming(store) / f"{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(source, "rb") as fh, open(scratch, "wb") as out:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        return adopt(store, scratch, sha, extension), sha, size
    finally:
        scratch.unlink(missing_ok=True)


def adopt(store: Path, path: Path, sha256: str, extension: str) -> Path:
    """Move a file already hashed (fetched or unpacked into the store's scratch folder) to its place in the
    store; a copy the store already holds wins and the new one is dropped."""
    target = stored_path(store, sha256, extension)
    if target.exists():
        path.unlink(missing_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    return target
