"""The content-addressed store: every received file's bytes, kept under their sha256 beside the
warehouse, so any version can be parsed again after it left the inbox (SPEC §3.2)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path


def sha256_of(path: Path) -> str:
    """The content address of a file: the sha256 of its bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stored_path(store: Path, sha256: str, extension: str) -> Path:
    return store / sha256[:2] / f"{sha256}{extension}"


def keep_copy(store: Path, source: Path, sha256: str, extension: str) -> Path:
    """Copy `source` into the store once; later copies of the same bytes are no-ops."""
    target = stored_path(store, sha256, extension)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(source, partial)
        partial.replace(target)
    return target
