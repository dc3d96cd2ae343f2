"""How far reading one file may go, and how a file is refused.

Every submission comes from outside: a 2 MB workbook can inflate to gigabytes, two cells can make a reader
allocate a sheet of 17 billion, an XML part can declare entities that expand without end. These limits are
far beyond any real activity report (a town's report has tens of rows, a district's forwarded table a few
thousand) and are checked before the readers do the work they bound: zip directories before anything is
inflated, the extent of every sheet before calamine builds it, text sizes before they are decoded. A file
over a limit is refused with a `ReadError` whose message says which limit and by how much, in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

from kepu.sources.bundles import BundleLimits

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on one file. `zip` bounds the parts of a zip-based workbook (xlsx, xlsm, xlsb, ods), checked on
    the zip directory before a byte is inflated and again while the XML parts are scanned."""

    max_file_bytes: int = 100 * MB
    max_text_bytes: int = 20 * MB
    """CSV, TSV, HTML and XML-2003 files are decoded whole: beyond this they are refused."""
    max_rows: int = 100_000
    max_columns: int = 1_000
    max_cells: int = 2_000_000
    """The rectangle a sheet's values span (rows × columns): what calamine allocates, whatever lies inside."""
    max_cell_chars: int = 32_767
    """Excel's own limit for one cell; a longer cell was not written by a spreadsheet program."""
    max_merged_ranges: int = 20_000
    max_sheets: int = 255
    zip: BundleLimits = BundleLimits(max_member_bytes=100 * MB, max_total_bytes=300 * MB, max_ratio=1000.0,
                                     ratio_floor_bytes=1 * MB, max_members=5000, max_depth=1)


DEFAULT_LIMITS = ReadLimits()


class ReadError(Exception):
    """A file that cannot be read as a submission. `code` is an issue code from schemas.issues; `detail` is the
    Chinese text its message is completed with (what the file really is, what is damaged, which limit)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


def mb(n: int) -> str:
    """A byte count for a message: `2.0 GB`, `35 MB`, `120 KB`."""
    if n >= 1024 * MB:
        return f"{n / 1024 / MB:.1f} GB"
    if n >= MB:
        return f"{n / MB:.0f} MB"
    return f"{max(n // 1024, 1)} KB"
