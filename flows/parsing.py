"""The work of one parse batch, kept free of Prefect so a thread, a process or a Dask worker runs it
alike: keep each file's bytes (kepu.sources.store), read them (kepu.sources.books), parse them (transforms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kepu.sources.books import ReadError, read_book
from kepu.schemas.issues import make_issue
from kepu.transforms.submission import PARSER_VERSION, issue_record, parse_book, raw_records
from kepu.sources.store import keep_copy

RAW_TABLES = ("declarations", "activity_rows", "summary_figures", "parse_issues")


@dataclass(frozen=True, slots=True)
class FileToParse:
    """A distinct file (by content) the run must parse, with where to read it from."""

    sha256: str
    relpath: str
    source: Path
    size: int
    received_at: object
    extension: str


@dataclass(slots=True)
class BatchResult:
    """Rows for raw.files and the raw extraction tables, from one batch of files."""

    files: list[dict] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in RAW_TABLES})

    def extend(self, other: "BatchResult") -> None:
        self.files.extend(other.files)
        for name, rows in other.tables.items():
            self.tables[name].extend(rows)


def parse_files(items: list[FileToParse], store: Path, default_year: int) -> BatchResult:
    result = BatchResult()
    for item in items:
        stored = keep_copy(store, item.source, item.sha256, item.extension)
        row = {
            "sha256": item.sha256, "path": item.relpath, "extension": item.extension, "size": item.size,
            "received_at": item.received_at, "stored_as": stored.relative_to(store.parent).as_posix(),
            "parser_version": PARSER_VERSION,
        }
        try:
            parsed = parse_book(read_book(stored), default_year)
        except ReadError as exc:
            issue = make_issue(exc.code, raw=exc.detail or None, ext=item.extension or "无")
            result.files.append({**row, "status": "rejected", "reason": issue.message})
            result.tables["parse_issues"].append(issue_record(item.sha256, issue))
            continue
        result.files.append({**row, "status": "read", "reason": None})
        for name, rows in raw_records(item.sha256, parsed).items():
            result.tables[name].extend(rows)
    return result
