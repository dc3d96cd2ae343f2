"""The work of one parse batch, kept free of Prefect so a thread, a process or a Dask worker runs it
alike: keep each file's bytes (kepu.sources.store), read them (kepu.sources.books), parse them (transforms),
and hand back the batch's rows as Arrow tables shaped like the raw tables (kepu.warehouse.loader), ready for
the one writer to append: a batch's rows live in Python only while it is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa

from kepu.flows.lifecycle import check_stop
from kepu.schemas.files import ReceivedFile
from kepu.schemas.issues import make_issue
from kepu.sources.books import ReadError, read_book
from kepu.sources.store import keep_copy
from kepu.transforms.submission import PARSER_VERSION, issue_record, parse_book, raw_records
from kepu.warehouse.loader import to_arrow

RAW_TABLES = ("declarations", "activity_rows", "summary_figures", "text_figures", "parse_issues")


@dataclass(slots=True)
class BatchResult:
    """The files of one batch, kept and parsed (their raw.files rows to be), and the raw extraction tables
    read from them, as Arrow tables without campaign_id."""

    files: list[ReceivedFile] = field(default_factory=list)
    tables: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        """Files that could not be read at all."""
        return sum(1 for f in self.files if f.status == "rejected")

    @property
    def rows(self) -> int:
        """Activity rows read."""
        table = self.tables.get("activity_rows")
        return table.num_rows if table is not None else 0

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
    issues: list[dict] = []
    for item in items:
        result.files.append(item)
        if item.status == "rejected" and item.reject_code:
            issue = make_issue(item.reject_code, reason=(item.reason or "").rstrip("。"))
            issues.append(issue_record(item.sha256, issue))
    result.tables = {name: to_arrow(None, f"raw.{name}", issues if name == "parse_issues" else [])
                     for name in RAW_TABLES}
    return result


def parse_files(items: list[ReceivedFile], store: Path, default_year: int) -> BatchResult:
    """Keep each file in the store, read it and parse it. A file that cannot be read is `rejected` with the
    reason, and its one issue; the others are `read`, whatever their rows say."""
    files: list[ReceivedFile] = []
    rows: dict[str, list[dict]] = {t: [] for t in RAW_TABLES}
    for item in items:
        check_stop()  # a stopping run ends its parse threads between files
        stored = keep_copy(store, item.location, item.sha256, item.extension)
        kept = replace(item, stored_as=stored.relative_to(store.parent).as_posix(), parser_version=PARSER_VERSION)
        try:
            parsed = parse_book(read_book(stored, item.path), default_year)
        except ReadError as exc:
            issue = make_issue(exc.code, raw=exc.detail or None)
            files.append(replace(kept, status="rejected", reason=issue.message))
            rows["parse_issues"].append(issue_record(item.sha256, issue))
            continue
        files.append(replace(kept, status="read"))
        for name, records in raw_records(item.sha256, parsed).items():
            rows[name].extend(records)
    return BatchResult(files, {name: to_arrow(None, f"raw.{name}", records) for name, records in rows.items()})
