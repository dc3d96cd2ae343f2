"""Small cities for tests: a kepu.toml, a units.csv and an inbox of forms filled from the template."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from kepu.demo.forms import fill_form
from kepu.schemas.vocabulary import OFFICE_TZ

CAMPAIGN_ID = "2023-science-day"

UNITS = [
    # unit_code, unit_name, unit_type, parent_code, aliases, expected
    ("C000", "江源市科协", "city", "", "", "false"),
    ("D01", "双流区科协", "district", "C000", "双流区", "true"),
    ("D01T01", "东升街道", "street", "D01", "东升街道办事处;东升街道科协", "true"),
    ("D01T02", "九江街道", "street", "D01", "", "true"),
    ("D02", "龙泉区科协", "district", "C000", "", "true"),
    ("D02T01", "洛带镇", "town", "D02", "洛带镇人民政府", "true"),
    ("S001", "江源市第一中学", "school", "C000", "市一中", "true"),
    ("X01", "江源市医学会", "society", "C000", "", "false"),
]


def config_text(campaign_id: str = CAMPAIGN_ID, name: str = "2023年全国科普日", start: str = "2023-09-17",
                end: str = "2023-09-23", deadline: str = "2023-09-28") -> str:
    return f"""[campaign]
id = "{campaign_id}"
name = "{name}"
start = {start}
end = {end}
deadline = {deadline}

[paths]
inbox = "inbox"
registry = "units.csv"
warehouse = "warehouse/kepu.duckdb"
out = "out"
"""


@dataclass
class City:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "kepu.toml"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "kepu.duckdb"

    def submit(self, relpath: str, unit_code: str, activities: list[dict], *, reported_on: date = date(2023, 9, 25),
               received: datetime = datetime(2023, 9, 26, 10, 0), unit_name: str | None = None,
               **form) -> Path:
        """A filled official form saved in the inbox with its modification time set to `received`
        (Beijing time)."""
        names = {u[0]: u[1] for u in UNITS}
        path = self.inbox / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        fill_form(path, campaign_name="2023年全国科普日", unit_name=unit_name or names.get(unit_code, unit_code),
                  unit_code=unit_code, reported_on=reported_on, activities=activities, **form)
        set_received(path, received)
        return path


def set_received(path: Path, received: datetime) -> None:
    stamp = received.replace(tzinfo=OFFICE_TZ).timestamp()
    os.utime(path, (stamp, stamp))


SHADOWING_FOLDERS = ("flows", "schemas", "transforms", "warehouse")
"""Names of kepu's layers that a campaign folder may also hold (its `warehouse/` data folder, say)."""


def write_sheets(path: Path, sheets: dict[str, list[list]], received: datetime = datetime(2023, 9, 25, 10)) -> None:
    """A workbook of sheets written row by row as given (no official form), received at `received`."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for values in rows:
            sheet.append(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    set_received(path, received)


def add_shadowing_folders(root: Path) -> None:
    """Folders named like kepu's layers in `root`: `warehouse/` as the data folder it is, the others as
    packages that fail when imported. Code run from `root` (where `python -m` puts `root` on sys.path)
    must still import kepu's own modules."""
    for name in SHADOWING_FOLDERS:
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        if name != "warehouse":
            (folder / "__init__.py").write_text(
                f"raise ImportError('the folder {name}/ in the working directory was imported')\n", encoding="utf-8")
    (root / "warehouse" / "sql").mkdir(exist_ok=True)


def make_city(root: Path, units=UNITS, **config) -> City:
    root.mkdir(parents=True, exist_ok=True)
    (root / "inbox").mkdir(exist_ok=True)
    (root / "kepu.toml").write_text(config_text(**config), encoding="utf-8")
    with open(root / "units.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["unit_code", "unit_name", "unit_type", "parent_code", "aliases", "expected"])
        writer.writerows(units)
    return City(root)


def activity(name: str, day: int, participants, activity_type: str = "讲座报告", **fields) -> dict:
    """One activity row for `fill_form`, dated September `day` 2023."""
    return {"activity_name": name, "activity_type": activity_type, "start_date": date(2023, 9, day),
            "participants": participants, **fields}


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    """Rows of `sql` on a warehouse file, opened read-only as an analyst would."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def built_once(tmp_path_factory, name: str, build):
    """What `build(folder)` returns, built once per test session however many pytest-xdist workers ask: the
    first builds it in a folder all workers share (under a file lock) and leaves it pickled beside; the others
    wait for it and read it. For fixtures every test only reads (the demo city after its run)."""
    import fcntl
    import pickle

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / f"shared-{name}"
    record = shared / f"shared-{name}.pickle"
    with open(shared / f"shared-{name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if record.exists():
                return pickle.loads(record.read_bytes())
            built = build(folder)
            record.write_bytes(pickle.dumps(built))
            return built
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
