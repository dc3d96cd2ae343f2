"""decisions.csv on disk: the one place that reads it and appends to it (SPEC §3.9).

The file sits beside kepu.toml, UTF-8 with a BOM so Excel opens it; a file Excel saved as plain `CSV` (GBK on a
Chinese Windows) is read too, and a line appended keeps the file's encoding. What a line means is
transforms.decisions's business; a file that cannot be read at all is one invalid line, never an exception.
"""

from __future__ import annotations

import os
from pathlib import Path

from kepu.transforms.decisions import HEADER, DecisionLines, Invalid, decode, format_line, parse_decisions


def read_decisions(path: Path | None) -> DecisionLines:
    """The decisions recorded at `path`; none when there is no such file."""
    if path is None or not path.is_file():
        return DecisionLines()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return DecisionLines(invalid=[Invalid(1, f"无法读取 {path.name}（{exc.strerror or exc}）")])
    return parse_decisions(data)


def decisions_bytes(path: Path | None) -> bytes:
    """The file's bytes as a run's inputs fingerprint reads them (empty when there is none)."""
    try:
        return path.read_bytes() if path is not None and path.is_file() else b""
    except OSError:
        return b""


def append_decision(path: Path, record: dict[str, str | None]) -> int:
    """`record` appended as one line (the file created with its BOM and header first); returns its line number."""
    if not path.is_file() or path.stat().st_size == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
        encoding, existing = "utf-8-sig", ""
        prefix = HEADER
    else:
        existing, encoding = decode(path.read_bytes())
        prefix = "" if existing.endswith(("\n", "\r")) else "\r\n"
    text = prefix + format_line(record)
    # a file that has its BOM keeps one: only a new file starts with it
    data = text.encode("utf-8-sig" if not existing else "utf-8" if encoding == "utf-8-sig" else encoding)
    with open(path, "ab") as sink:
        sink.write(data)
        sink.flush()
        os.fsync(sink.fileno())
    return len((existing + text).splitlines())
