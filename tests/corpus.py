"""`make corpus`: every hostile, misnamed, public and damaged file through the reader, each in a fresh process,
with its time and peak memory, against the per-file bound.

Families and their bound (time for read + parse, memory over the process's baseline after imports):
- hostile   — zip bombs, entity bombs, sheets claiming billions of cells …  (< 5 s, < 300 MB)
- misnamed  — a PDF named .xlsx, a Word .doc, encrypted workbooks, empty files …  (< 5 s, < 300 MB)
- mutant    — real workbooks cut short, bit-flipped, parts dropped/renamed/swapped  (< 5 s, < 300 MB)
- public    — small test files of public spreadsheet projects (tests/fixtures/public)  (< 1 s, < 500 MB)
- scale     — a 3.3 MB station list (xlsx) and a 1.6 MB CSV of streets, neither a report  (< 1 s, < 500 MB)

Each file must be read (with every non-empty row under a found table accounted for) or refused with a
catalogued code and a Chinese reason; a crash, a traceback or a bound exceeded fails the command. Speed is
checked here, never in unit tests; tests/sources/test_corpus.py runs the same corpus for outcomes only.

    .venv/bin/python -m tests.corpus [--families hostile,public] [--per-seed 24]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BOUNDS = {"hostile": (5.0, 300), "misnamed": (5.0, 300), "mutant": (5.0, 300), "public": (1.0, 500),
          "scale": (1.0, 500)}
PUBLIC = Path(__file__).parent / "fixtures" / "public"


@dataclass(frozen=True)
class Entry:
    family: str
    name: str
    relpath: str
    path: Path
    expected: str | None = None
    """The refusal code a hostile or misnamed file must get."""


@dataclass
class Outcome:
    kind: str  # read | refused | crash
    code: str | None = None
    reason: str | None = None
    seconds: float = 0.0
    peak_mb: float = 0.0
    unaccounted: list[int] | None = None


def station_list_xlsx() -> bytes:
    """A utility's station list, ~3.3 MB as Excel saves it (shared strings): 60,000 rows of names, addresses,
    phones and coordinates."""
    import openpyxl

    from kepu.form.template import workbook_bytes

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "站点"
    ws.append(["序号", "站点编号", "站点名称", "所属区县", "详细地址", "联系电话", "经度", "纬度", "投运日期"])
    for n in range(1, 60_001):
        ws.append([n, f"ZD{n:06d}", f"城东供水站{n}号", "双流区", f"东升街道长顺路{n}号附{n % 7}", f"0833-{n:07d}",
                   103.9 + n / 1e6, 30.5 + n / 1e6, f"20{10 + n % 13}-0{1 + n % 9}-1{n % 9}"])
    return workbook_bytes(wb)


def streets_csv() -> bytes:
    """A 1.6 MB CSV of streets (名称, 长度, 起止点 …): text, not a report."""
    lines = ["序号,道路名称,所属街道,起点,终点,长度（米）,宽度（米）,等级"]
    lines += [f"{n},长顺{n}路,东升街道,长顺{n}路与{n + 1}路交叉口,长顺{n}路与{n + 2}路交叉口,{100 + n % 900},{8 + n % 20},次干路"
              for n in range(1, 19_001)]
    return ("\n".join(lines) + "\n").encode("gb18030")


def collect(folder: Path, families: set[str], per_seed: int = 24) -> list[Entry]:
    """Write the corpus into `folder`, one sub-folder per family; returns what to read."""
    from tests.fixtures.hostile_files import HOSTILE, MISNAMED
    from tests.fixtures.mutants import mutants

    entries: list[Entry] = []

    def put(family: str, name: str, relpath: str, data: bytes, expected: str | None = None) -> None:
        path = folder / family / name / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entries.append(Entry(family, name, relpath, path, expected))

    if "hostile" in families:
        for case in HOSTILE:
            put("hostile", case.name, case.relpath, case.data, case.code)
    if "misnamed" in families:
        for case in MISNAMED:
            put("misnamed", case.name, case.relpath, case.data, case.code)
    if "mutant" in families:
        for mutant in mutants(per_seed):
            put("mutant", mutant.name, mutant.relpath, mutant.data)
    if "public" in families:
        for path in sorted(PUBLIC.iterdir()):
            if path.name != "SOURCES.md":
                put("public", path.stem, path.name, path.read_bytes())
    if "scale" in families:
        put("scale", "station_list_3MB", "自来水公司站点一览.xlsx", station_list_xlsx())
        put("scale", "streets_csv_1MB", "道路名录.csv", streets_csv())
    return entries


def unaccounted_rows(book, parsed) -> list[int]:
    """Excel row numbers of non-empty rows under the found table's header (inside its columns, a bare number in
    its 序号 column aside: the blank form's printed numbering) that did not end as exactly one row kind: what
    "accounts for every non-empty row" means."""
    from kepu.transforms.grid import is_blank
    from kepu.transforms.labels import header_field, is_summary_heading
    from kepu.transforms.values import parse_count

    if parsed.detail_sheet is None:
        return []
    sheet = book.sheet(parsed.detail_sheet)
    first, last = (n - sheet.first_row - 1 for n in parsed.header_rows)
    def shown(r: int, c: int):
        return sheet.value(*(sheet.merged_origin(r, c) or (r, c)))

    labelled = [c for r in range(first, last + 1) for c in range(sheet.width)
                if not is_blank(sheet.value(r, c)) or header_field(shown(r, c)) is not None]
    mapped = [c for r in range(first, last + 1) for c in range(sheet.width) if header_field(shown(r, c)) is not None]
    beside = [c for c in labelled if c > max(mapped) and is_summary_heading(sheet.value(first, c))]
    span = range(min(labelled), min(beside) if beside else max(labelled) + 1)
    counted = [row for row, _ in parsed.row_kinds]
    seq_column = next((c for c in span for r in range(first, last + 1) if header_field(shown(r, c)) == "seq"), None)
    expected = []
    for r in range(last + 1, sheet.height):
        cells = [(c, sheet.value(r, c)) for c in span if not is_blank(sheet.value(r, c))]
        bare_number = len(cells) == 1 and cells[0][0] == seq_column and parse_count(cells[0][1]).kind == "number"
        if cells and not bare_number:
            expected.append(sheet.row_number(r))
    missing = sorted(set(expected) ^ set(counted))
    if len(counted) != len(set(counted)):
        missing.append(-1)
    return missing


def read_one(path: Path, name: str) -> Outcome:
    """Read and parse one file as the nightly run does; any exception other than a refusal is a crash."""
    from kepu.schemas.issues import make_issue
    from kepu.sources.books import ReadError, read_book
    from kepu.transforms.submission import parse_book

    started = time.perf_counter()
    try:
        book = read_book(path, name)
        parsed = parse_book(book, 2023)
    except ReadError as exc:
        message = make_issue(exc.code, raw=exc.detail or None).message
        return Outcome("refused", exc.code, message, time.perf_counter() - started)
    except BaseException as exc:  # noqa: BLE001 — exactly what this corpus is looking for (a Rust panic too)
        return Outcome("crash", type(exc).__name__, str(exc)[:300], time.perf_counter() - started)
    seconds = time.perf_counter() - started
    failed = [i for i in parsed.issues if i.code == "parse_failed"]
    if failed:
        return Outcome("crash", "parse_failed", failed[0].raw_value, seconds)
    return Outcome("read", None, None, seconds, unaccounted=unaccounted_rows(book, parsed))


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def _one(path: str, name: str) -> None:
    """Child mode: import everything and warm the readers up on a tiny workbook, reset the peak-RSS mark
    (`/proc/self/clear_refs`), then read one file and print its outcome as JSON with the peak over that
    baseline."""
    from kepu.demo.writers import SheetSpec, xlsx_bytes

    warm = Path(path).with_name(".warm.xlsx")
    warm.write_bytes(xlsx_bytes([SheetSpec("a", [["活动名称", "开始日期", "参与人数"], ["讲座", "9月17日", 1]])]))
    read_one(warm, warm.name)
    warm.unlink()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    baseline = _status_mb("VmRSS")
    outcome = read_one(Path(path), name)
    outcome.peak_mb = max(_status_mb("VmHWM") - baseline, 0.0)
    print(json.dumps(asdict(outcome), ensure_ascii=False))


def _batch(folder: str) -> None:
    """Child mode for the test: every file listed on stdin (`family\tname\trelpath\tpath`) read in this one
    process, its outcome as one JSON line each; the name is printed first, so a crash that kills the process
    names its file."""
    for line in sys.stdin:
        family, name, relpath, path = line.rstrip("\n").split("\t")
        print(json.dumps({"start": f"{family}/{name}"}), flush=True)
        outcome = read_one(Path(path), relpath)
        print(json.dumps({"name": f"{family}/{name}", **asdict(outcome)}, ensure_ascii=False), flush=True)


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space: an allocation beyond it fails inside the process (calamine aborts,
    Python raises MemoryError) instead of taking the machine."""
    cap = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def run_in_child(entry: Entry) -> Outcome:
    result = subprocess.run([sys.executable, "-m", "tests.corpus", "--one", str(entry.path), entry.relpath],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not result.stdout.strip():
        return Outcome("crash", f"exit {result.returncode}", (result.stderr or "")[-300:])
    return Outcome(**json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", default=",".join(BOUNDS))
    parser.add_argument("--per-seed", type=int, default=16)
    parser.add_argument("--one", nargs=2, metavar=("PATH", "NAME"))
    parser.add_argument("--batch", metavar="FOLDER")
    args = parser.parse_args()
    if args.one:
        _one(*args.one)
        return 0
    if args.batch:
        _batch(args.batch)
        return 0
    families = set(args.families.split(","))
    failures = 0
    with tempfile.TemporaryDirectory(prefix="kepu-corpus-") as tmp:
        entries = collect(Path(tmp), families, args.per_seed)
        print(f"{'family':9} {'file':48} {'秒':>6} {'MB':>6}  结果")
        worst: dict[str, tuple[float, float]] = {}
        for entry in entries:
            outcome = run_in_child(entry)
            limit_s, limit_mb = BOUNDS[entry.family]
            problems = []
            if outcome.kind == "crash":
                problems.append(f"崩溃 {outcome.code}: {outcome.reason}")
            if outcome.seconds > limit_s or outcome.peak_mb > limit_mb:
                problems.append(f"超出界限（{limit_s} 秒 / {limit_mb} MB）")
            if entry.expected and outcome.code != entry.expected:
                problems.append(f"应为 {entry.expected}")
            if outcome.unaccounted:
                problems.append(f"未归类的行 {outcome.unaccounted[:5]}")
            seen = worst.get(entry.family, (0.0, 0.0))
            worst[entry.family] = (max(seen[0], outcome.seconds), max(seen[1], outcome.peak_mb))
            said = outcome.reason or ("读取（未找到活动明细表）" if outcome.kind == "read" else "")
            flag = "  ✗ " + "；".join(problems) if problems else ""
            print(f"{entry.family:9} {entry.name[:48]:48} {outcome.seconds:6.2f} {outcome.peak_mb:6.0f}  "
                  f"{outcome.code or outcome.kind} {said[:60]}{flag}")
            failures += bool(problems)
        print()
        for family, (seconds, megabytes) in worst.items():
            print(f"{family}: 最慢 {seconds:.2f} 秒，内存峰值（超出基线）{megabytes:.0f} MB；界限 {BOUNDS[family][0]} 秒 / "
                  f"{BOUNDS[family][1]} MB")
    print(f"\n{len(entries)} 个文件，{failures} 个不合格")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
