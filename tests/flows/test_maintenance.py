"""Repairing the warehouse: a damaged file stops the next run (one Chinese line) and `kepu rebuild` recreates
it from the kept files, even after the inbox was cleaned; a bad night is undone with `kepu rollback`, which
keeps a bounded number of states and records itself."""

from __future__ import annotations

import os
import shutil
from datetime import datetime

import duckdb
import pytest

from kepu.flows.maintenance import list_states, rebuild, rollback
from kepu.flows.nightly import run
from kepu.schemas.errors import KepuError, WarehouseDamaged
from kepu.settings import load_settings
from kepu.warehouse import publisher
from tests.builders import activity, make_city, query

pytestmark = pytest.mark.usefixtures("prefect_harness")

TABLES_COMPARED = ("marts.city_totals", "marts.district_totals", "marts.unit_totals", "marts.type_totals",
                   "marts.completeness", "core.submissions", "core.activities", "audit.issues", "raw.files",
                   "raw.file_sightings")


def snapshot(warehouse) -> dict[str, list[tuple]]:
    """Every row a user or the next run depends on (times of the run itself left out)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found = {}
        for table in TABLES_COMPARED:
            columns = [c for c, *_ in con.execute(f"describe {table}").fetchall() if c not in ("first_run_id",
                                                                                                "last_run_id")]
            found[table] = sorted(con.execute(f"select {', '.join(columns)} from {table}").fetchall(), key=repr)
        return found
    finally:
        con.close()


@pytest.fixture
def city(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("双流区/东升街道.xlsx", "D01T01", [activity("科普讲座进社区", 17, 300, volunteers=12),
                                               activity("老科协专家义诊", 18, 150, "义诊咨询")])
    city.submit("双流区/九江街道.xlsx", "D01T02", [activity("实用农业技术培训班", 19, 80, "培训")],
                received=datetime(2023, 9, 30, 9, 0))
    city.submit("市直单位/市一中.xlsx", "S001", [activity("青少年科技创新竞赛", 20, 600, "竞赛")])
    (city.inbox / "损坏.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    return city


def damage(path, how: str) -> None:
    size = path.stat().st_size
    if how == "truncated":
        os.truncate(path, size // 2)
    elif how == "overwritten":
        path.write_bytes(os.urandom(size))
    elif how == "emptied":
        path.write_bytes(b"")
    elif how == "replaced by text":
        path.write_text("这不是数据库", encoding="utf-8")


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_harness):
    """A published warehouse file to damage copies of."""
    city = make_city(tmp_path_factory.mktemp("published") / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    run(city.config)
    return city.warehouse


@pytest.mark.parametrize("how", ["truncated", "overwritten", "emptied", "replaced by text"])
def test_every_kind_of_damage_is_told_in_one_line(published, tmp_path, how):
    copy = tmp_path / "kepu.duckdb"
    shutil.copyfile(published, copy)
    publisher.check_readable(copy)
    damage(copy, how)
    with pytest.raises(WarehouseDamaged) as told:
        publisher.check_readable(copy)
    assert str(told.value) == publisher.damaged_message(copy.resolve())
    assert "已损坏" in str(told.value) and "kepu rebuild" in str(told.value) and "\n" not in str(told.value)


def test_a_damaged_warehouse_stops_the_next_run_and_rebuild_restores_it(city):
    run(city.config)
    before = snapshot(city.warehouse)
    published_bytes = city.warehouse.stat().st_size
    damage(city.warehouse, "truncated")

    with pytest.raises(WarehouseDamaged):
        run(city.config)
    assert city.warehouse.stat().st_size == published_bytes // 2  # nothing written to it

    shutil.rmtree(city.inbox)  # the office cleaned its inbox meanwhile
    city.inbox.mkdir()
    summary = rebuild(str(city.config))

    assert summary.outcome == "published" and summary.files_parsed == 4
    assert snapshot(city.warehouse) == before
    kept_aside = list(city.warehouse.parent.glob("kepu.duckdb.damaged-*"))
    assert len(kept_aside) == 1 and any("已保留" in note for note in summary.notes)
    outcomes = [o for o, in query(city.warehouse, "select outcome from audit.runs order by started_at")]
    assert outcomes == ["published", "published"]
    assert (city.root / "out" / "2023-science-day" / "全市汇总.xlsx").is_file()
    again = run(city.config)  # the rebuilt warehouse is a normal one: an empty inbox changes nothing
    assert again.outcome in ("published", "unchanged") and snapshot(city.warehouse) == before


def test_rebuild_without_an_index_uses_the_readable_warehouse(city):
    run(city.config)
    before = snapshot(city.warehouse)
    publisher.index_path(city.warehouse).unlink()
    rebuild(str(city.config))
    assert snapshot(city.warehouse) == before


def test_rebuild_refuses_when_kept_files_are_missing(city):
    run(city.config)
    before = city.warehouse.read_bytes()
    victim = next((city.warehouse.parent / "files").glob("??/*.xlsx"))
    victim.unlink()
    with pytest.raises(KepuError, match="保存副本不在"):
        rebuild(str(city.config))
    assert city.warehouse.read_bytes() == before


def test_rebuild_gives_every_campaign_its_registry_and_history(tmp_path):
    last_year = make_city(tmp_path / "2022", campaign_id="2022-science-day", name="2022年全国科普日",
                          start="2022-09-15", end="2022-09-21", deadline="2022-09-26")
    last_year.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 100)])
    this_year = make_city(tmp_path / "2023")
    this_year.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 1500)])
    shared = tmp_path / "shared" / "kepu.duckdb"
    run(last_year.config, warehouse=shared)
    run(this_year.config, warehouse=shared)
    before = snapshot(shared)
    yoy = query(shared, "select * from marts.year_over_year order by all")
    damage(shared, "truncated")

    rebuild(str(this_year.config), warehouse=str(shared))

    assert snapshot(shared) == before
    assert query(shared, "select * from marts.year_over_year order by all") == yoy


def test_rollback_undoes_a_bad_night_and_can_itself_be_undone(city):
    good = run(city.config)
    before = snapshot(city.warehouse)
    city.submit("双流区/东升街道（错）.xlsx", "D01T01", [activity("科普讲座进社区", 17, 300000)],
                received=datetime(2023, 9, 27, 9, 0))
    bad = run(city.config)
    after_bad = snapshot(city.warehouse)
    settings = load_settings(city.config)

    listed = list_states(settings)
    assert [s.run_id for s, _ in listed] == [good.run_id]
    assert listed[0][1]["participants"] == 1130

    done = rollback(settings)

    assert done.state.run_id == good.run_id
    assert snapshot(city.warehouse) == before
    runs = query(city.warehouse, "select run_id, outcome, message from audit.runs order by started_at")
    assert [(r, o) for r, o, _ in runs] == [(good.run_id, "published"), (bad.run_id, "published"),
                                            (done.run_id, "rolled_back")]
    assert good.run_id in runs[-1][2]
    assert query(city.warehouse, "select participants from marts.city_totals") == [(1130,)]
    assert done.outputs  # the deliverables follow the restored state

    undone = rollback(settings, to=bad.run_id[:6])
    assert undone.state.run_id == bad.run_id
    assert snapshot(city.warehouse) == after_bad


def test_rollback_names_what_it_can_restore(city):
    with pytest.raises(KepuError, match="没有保存的历史版本"):
        rollback(load_settings(city.config))
    first = run(city.config)
    city.submit("双流区/补报.xlsx", "D02T01", [activity("科普展", 18, 10, "展览展示")],
                received=datetime(2023, 9, 26, 10, 0))
    assert run(city.config).outcome == "published"  # a run with nothing new publishes nothing, keeps nothing
    with pytest.raises(KepuError) as unknown:
        rollback(load_settings(city.config), to="nosuchrun")
    assert "找不到运行 nosuchrun" in str(unknown.value) and first.run_id in str(unknown.value)


def test_only_the_last_n_states_are_kept_and_without_copies(city):
    (city.root / "kepu.toml").write_text(city.config.read_text(encoding="utf-8") + "\n[run]\nkeep_states = 2\n",
                                         encoding="utf-8")
    ids, inodes = [], {}
    for n in range(4):
        city.submit(f"双流区/补报{n}.xlsx", "D02T01", [activity("科普展", 18, 10 + n, "展览展示")],
                    received=datetime(2023, 9, 26, 10, n))
        ids.append(run(city.config).run_id)
        inodes[ids[-1]] = city.warehouse.stat().st_ino

    states = publisher.kept_states(city.warehouse)
    assert [s.run_id for s in states] == [ids[2], ids[1]]
    for state in states:  # the very file that was published (a hard link), not a copy of it
        assert state.file.stat().st_ino == inodes[state.run_id]
