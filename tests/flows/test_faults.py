"""Faults around a run: a full disk or an I/O error while staging leaves the published warehouse as it was,
records the failure and lets the next run complete; a run that would stop counting most reporting units
refuses unless forced; a scheduled run whose settings broke still records its failure."""

from __future__ import annotations

import errno
import shutil
import subprocess

import pytest

from kepu.flows.nightly import nightly, run
from kepu.schemas.errors import ConfigError, RunFailed, RunRefused
from kepu.warehouse import publisher
from tests.builders import UNITS, activity, make_city, query

pytestmark = pytest.mark.usefixtures("prefect_harness")


def data(warehouse) -> dict:
    return {table: sorted(query(warehouse, f"select * from {table}"), key=repr)
            for table in ("marts.city_totals", "core.activities", "raw.files")}


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a 48 MB tmpfs when the test may mount one (root, CAP_SYS_ADMIN), else None."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "kepu-test", str(folder)],
                             capture_output=True).returncode == 0
    yield folder if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder, leave: int) -> object:
    """A ballast file taking all the space of `folder`'s file system but `leave` bytes."""
    ballast = folder / "ballast"
    free = shutil.disk_usage(folder).free
    with open(ballast, "wb") as fh:
        fh.truncate(0)
        remaining = free - leave
        block = b"\0" * (1 << 20)
        while remaining > 0:
            try:
                remaining -= fh.write(block[: min(len(block), remaining)])
            except OSError:
                break
    return ballast


def test_a_full_disk_while_staging_publishes_nothing_and_the_next_run_completes(tmp_path, small_disk, monkeypatch):
    city = make_city(tmp_path / "city")
    warehouse = (small_disk or tmp_path) / "warehouse" / "kepu.duckdb"
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    run(city.config, warehouse=warehouse)
    before = data(warehouse)
    city.submit("九江街道.xlsx", "D01T02", [activity("科普展", 18, 200, "展览展示")])

    if small_disk is not None:  # the real thing: the staging copy does not fit
        ballast = fill(small_disk, leave=warehouse.stat().st_size // 2)
    else:  # no mount allowed here: the copy fails as it would
        real_copy = shutil.copyfile

        def no_space(source, target, **kwargs):
            if ".staging" in str(target):
                raise OSError(errno.ENOSPC, "No space left on device", str(target))
            return real_copy(source, target, **kwargs)

        monkeypatch.setattr(publisher.shutil, "copyfile", no_space)
    with pytest.raises(RunFailed) as failed:
        run(city.config, warehouse=warehouse)

    assert str(failed.value).startswith("磁盘空间不足")
    assert data(warehouse) == before  # the published state, untouched
    assert query(warehouse, "select outcome, message from audit.runs where outcome = 'failed'") == [
        ("failed", str(failed.value))]
    assert not list(warehouse.parent.glob(".*staging*")) and not list(warehouse.parent.glob("files/??/*.part"))

    if small_disk is not None:
        ballast.unlink()
    else:
        monkeypatch.undo()
    summary = run(city.config, warehouse=warehouse)
    assert summary.outcome == "published"
    assert query(warehouse, "select participants from marts.city_totals") == [(320,)]


def test_an_io_error_when_publishing_keeps_the_published_state(tmp_path, monkeypatch):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    run(city.config)
    before = data(city.warehouse)
    city.submit("九江街道.xlsx", "D01T02", [activity("科普展", 18, 200, "展览展示")])
    real_replace = publisher.os.replace
    calls = []

    def failing_replace(source, target):
        if str(target) == str(city.warehouse.resolve()) and not calls:
            calls.append(source)
            raise OSError(errno.EIO, "Input/output error", str(target))
        return real_replace(source, target)

    monkeypatch.setattr(publisher.os, "replace", failing_replace)
    with pytest.raises(RunFailed, match="读写文件出错（Input/output error"):
        run(city.config)

    assert data(city.warehouse) == before
    assert [o for o, in query(city.warehouse, "select outcome from audit.runs order by started_at")] == [
        "published", "failed"]
    monkeypatch.undo()
    assert run(city.config).outcome == "published"


def test_a_run_that_would_drop_most_reporting_units_refuses_unless_forced(tmp_path):
    city = make_city(tmp_path / "city")
    for path, code in (("东升街道.xlsx", "D01T01"), ("九江街道.xlsx", "D01T02"), ("洛带镇.xlsx", "D02T01"),
                       ("市一中.xlsx", "S001")):
        city.submit(path, code, [activity("科普讲座", 17, 100)])
    run(city.config)
    wrong = city.root / "两个单位.csv"
    wrong.write_text("unit_code,unit_name,unit_type,parent_code,aliases,expected\n"
                     "C000,江源市科协,city,,,false\nD01T01,东升街道,street,C000,,true\n", encoding="utf-8")

    with pytest.raises(RunRefused) as refused:
        run(city.config, registry=wrong)

    message = str(refused.value)
    assert "4 个已报送单位中的 3 个不再计入" in message and "九江街道" in message and "--force" in message
    assert query(city.warehouse, "select units_reported, participants from marts.city_totals") == [(4, 400)]
    assert query(city.warehouse, "select outcome, message from audit.runs where outcome = 'failed'") == [
        ("failed", message)]

    run(city.config, registry=wrong, force=True)
    assert query(city.warehouse, "select units_reported from marts.city_totals") == [(1,)]


def test_one_unit_leaving_is_not_a_mass_removal(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 100)])
    city.submit("九江街道.xlsx", "D01T02", [activity("科普讲座", 17, 100)])
    run(city.config)
    fewer = city.root / "fewer.csv"
    fewer.write_text("unit_code,unit_name,unit_type,parent_code,aliases,expected\n" + "\n".join(
        ",".join(u) for u in UNITS if u[0] != "D01T02") + "\n", encoding="utf-8")
    assert run(city.config, registry=fewer).outcome == "published"


def test_a_scheduled_run_whose_settings_broke_records_its_failure(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 100)])
    run(city.config)
    with open(city.root / "units.csv", "a", encoding="utf-8") as fh:  # edited by hand since serve started
        fh.write("D01T01,重复的单位,town,D01,,true\n")
    with pytest.raises(ConfigError):
        nightly(config=str(city.config))
    text = city.config.read_text(encoding="utf-8")
    city.config.write_text(text.replace("deadline = 2023-09-28", "deadline = 2023-09-01"), encoding="utf-8")
    with pytest.raises(ConfigError):
        nightly(config=str(city.config))

    failures = query(city.warehouse, "select message from audit.runs where outcome = 'failed' order by started_at")
    assert len(failures) == 2
    assert "第10行" in failures[0][0] and "重复" in failures[0][0]
    assert "deadline" in failures[1][0]
    assert query(city.warehouse, "select participants from marts.city_totals") == [(100,)]
