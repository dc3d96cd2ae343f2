"""Putting files in place: every output is written beside its final name and renamed over it, so a
reader never opens a half-written file, and only when what it says changed, so a night with nothing new
rewrites nothing; and unit names made safe to use as file names."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)
MAX_NAME = 80
"""Characters of a file name stem (a CJK character is three bytes; file systems allow 255)."""


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary_path)`, then rename the result to `path`; returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """`text` to `path`, unless the file already holds exactly these bytes (then it is left untouched)."""
    data = text.encode(encoding)
    return write_bytes(path, data)


def write_bytes(path: Path, data: bytes) -> Path:
    """`data` to `path`, unless the file already holds exactly these bytes (then it is left untouched)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return path
    except OSError:
        pass
    return write_atomically(path, lambda p: p.write_bytes(data))


def write_if_changed(path: Path, digest: str, written: Callable[[Path], str | None],
                     write: Callable[[Path], object]) -> Path:
    """Write `path` with `write` (atomically) unless `written(path)`, the digest stored in the file there,
    is already `digest`: an unchanged deliverable keeps its bytes and its modification time."""
    if written(path) != digest:
        write_atomically(path, write)
    return path


def safe_filename(name: str, fallback: str) -> str:
    """`name` as a file name stem on any system: path separators, `:*?"<>|` and control characters
    removed, Chinese kept; `fallback` when nothing usable is left."""
    stem = _UNSAFE.sub("", name).strip().strip(".").strip()[:MAX_NAME].rstrip(". ")
    if not stem or _WINDOWS_RESERVED.match(stem):
        stem = _UNSAFE.sub("", fallback).strip(". ") or "unnamed"
    return stem
