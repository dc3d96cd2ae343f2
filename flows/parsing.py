"""The work of one parse batch, kept free of Prefect so a thread, a process or a Dask worker runs it
alike: keep each file's bytes (kepu.sources.store), read them (kepu.sources.books), parse them (transforms).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from kepu.flows.lifecycle import check_stop
from kepu.schemas.files import ReceivedFile
from kepu.schemas.issues import make_issue
from kepu.sources.books import ReadError, read_book
from kepu.sources.store import keep_copy
from kepu.transforms.submission import PARSER_VERSION, issue_record, parse_book, raw_records

RAW_TABLES = ("declarations", "activity_rows", "summary_figures", "parse_issues")


@dataclass(slots=True)
class BatchResult:
    """The files of one batch, kept and parsed (their raw.files rows to be), and the rows of the raw
    extraction tables read from them."""

    files: list[ReceivedFile] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in RAW_TABLES})

    def extend(self, other: BatchResult) -> None:
        self.files.extend(other.files)
        for name, rows in other.tables.items():
            self.tables[name].extend(rows)

    @property
    def rejected(self) -> int:
        """Files that could not be read at all."""
        return sum(1 for f in self.files if f.status == "rejected")

    @property
    def parsed(self) -> int:
        """Files read by the parser in this batch (decided entries are recorded, not parsed)."""
        return sum(1 for f in self.files if f.parser_version)

    @property
    def ignored(self) -> int:
        """Entries that are not submissions (office junk, messages without attachment…)."""
        return sum(1 for f in self.files if f.status == "ignored")


def record_decided(items: list[ReceivedFile]) -> BatchResult:
    """Entries the sources decided without a parse: their raw.files rows as they are, and one issue for each
    rejected one (an ignored entry is no one's problem)."""
    result = BatchResult()
    for item in items:
        result.files.append(item)
        if item.status == "rejected" and item.reject_code:
            issue = make_issue(item.reject_code, reason=(item.reason or "").rstrip("。"))
            result.tables["parse_issues"].append(issue_record(item.sha256, issue))
    return result


def parse_files(items: list[ReceivedFile], store: Path, default_year: int) -> BatchResult:
    """Keep each file in the store, read it and parse it. A file that cannot be read is `rejected` with the
    reason, and its one issue; the others are `read`, whatever their rows say."""
    result = BatchResult()
    for item in items:
        check_stop()  # a stopping run ends its parse threads between files
        stored = keep_copy(store, item.location, item.sha256, item.extension)
        kept = replace(item, stored_as=stored.relative_to(store.parent).as_posix(), parser_version=PARSER_VERSION)
        try:
            parsed = parse_book(read_book(stored, item.path), default_year)
        except ReadError as exc:
            issue = make_issue(exc.code, raw=exc.detail or None)
            result.files.append(replace(kept, status="rejected", reason=issue.message))
            result.tables["parse_issues"].append(issue_record(item.sha256, issue))
            continue
        result.files.append(replace(kept, status="read"))
        for name, rows in raw_records(item.sha256, parsed).items():
            result.tables[name].extend(rows)
    return result
