"""Signed editions (SPEC §3.12, issue #22): `kepu sign` keeps what went upward — the edition's rows and the
three files as sent — and every later run explains each figure that moved since, by the files and decisions
behind it, at every level; a run, a rebuild and a rollback leave the edition and its copies as they were."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from kepu.flows.editions import sign
from kepu.flows.maintenance import rebuild, rollback
from kepu.flows.nightly import run
from kepu.schemas.errors import KepuError
from kepu.settings import load_settings
from tests.builders import activity, make_city, query

pytestmark = pytest.mark.usefixtures("prefect_harness")

LATE = datetime(2023, 10, 2, 9, 0)
SENT = ("全市汇总.xlsx", "情况说明.docx", "情况说明.md")


def digests(folder) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in SENT}


def changes(warehouse) -> dict[tuple[str, str, str], tuple]:
    rows = query(warehouse, """select level, code, measure, signed_value, current_value, delta, causes
                               from marts.changes_since_signed""")
    return {(level, code, measure): (signed, current, delta, causes)
            for level, code, measure, signed, current, delta, causes in rows}


def deltas(found, level: str) -> dict[tuple[str, str], Decimal]:
    return {(code, measure): delta for (lv, code, measure), (_, _, delta, _) in found.items() if lv == level}


def upward_header(path) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    return "\n".join(str(v) for row in sheet.iter_rows(max_row=6, values_only=True) for v in row if v is not None)


@pytest.fixture
def city(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("双流区/东升街道.xlsx", "D01T01", [activity("科普讲座进社区", 18, 300), activity("科普展", 19, 200, "展览展示")])
    city.submit("双流区/九江街道.xlsx", "D01T02", [activity("实用技术培训", 19, 80, "培训")])
    city.submit("市直单位/市一中.xlsx", "S001", [activity("青少年科技竞赛", 20, 600, "竞赛")])
    city.submit("市直单位/医学会.xlsx", "X01", [activity("专家义诊", 21, 150, "义诊咨询")])
    city.submit("市直单位/江源市科协.xlsx", "C000", [activity("科普日启动仪式", 17, 5000, "启动仪式"),
                                               activity("院士科普报告", 18, 70)])
    assert run(city.config).outcome == "published"
    return city


def late_files(city) -> None:
    """A 补报, a 补充 repeating one activity and adding one, and the city association's own table sent again."""
    city.submit("双流区/东升街道（补报）.xlsx", "D01T01", [activity("应急演练体验", 22, 120, "互动体验")],
                reported_on=date(2023, 10, 2), received=LATE)
    city.submit("市直单位/医学会（补充）.xlsx", "X01", [activity("专家义诊", 21, 150, "义诊咨询"),
                                                 activity("健康知识讲座", 20, 60)],
                reported_on=date(2023, 10, 2), received=LATE)
    city.submit("市直单位/江源市科协（修订）.xlsx", "C000", [activity("科普日启动仪式", 17, 100, "启动仪式")],
                reported_on=date(2023, 10, 2), received=LATE)


def test_sign_then_late_files_explained_at_every_level(city):
    settings = load_settings(city.config)
    signed = sign(settings, "王丽", "报省科协")
    kept = signed.folder
    assert signed.edition_no == 1 and kept == settings.campaign_out / "已报送" / "第1版"
    before = digests(kept)
    assert "第1版" in upward_header(kept / "全市汇总.xlsx")
    assert "后更新" not in upward_header(kept / "全市汇总.xlsx")
    assert query(city.warehouse, "select edition_no, signed_by, note, participants from audit.editions") == [
        (1, "王丽", "报省科协", 5000 + 70 + 300 + 200 + 80 + 600 + 150)]
    assert not query(city.warehouse, "select * from marts.changes_since_signed")
    with pytest.raises(KepuError, match="当前数据与第1版相同"):
        sign(settings, "王丽")

    late_files(city)
    assert run(city.config).outcome == "published"
    assert digests(kept) == before  # the kept copies are not rewritten
    assert "第1版后更新（未报送）" in upward_header(settings.campaign_out / "全市汇总.xlsx")

    found = changes(city.warehouse)
    city_deltas = deltas(found, "city")
    assert city_deltas == {("2023-science-day", "activities"): 1, ("2023-science-day", "participants"): 120 + 60 - 4970}
    assert deltas(found, "district") == {("D01", "activities"): 1, ("D01", "participants"): 120,
                                         ("C000", "participants"): 60 - 4970}
    assert deltas(found, "unit") == {("D01T01", "activities"): 1, ("D01T01", "participants"): 120,
                                     ("X01", "activities"): 1, ("X01", "participants"): 60,
                                     ("C000", "activities"): -1, ("C000", "participants"): -4970}
    assert deltas(found, "type") == {("互动体验", "activities"): 1, ("互动体验", "participants"): 120,
                                     ("讲座报告", "participants"): -10, ("启动仪式", "participants"): -4900}
    untouched = {code for (level, code, _) in found if level == "unit"}
    assert untouched == {"D01T01", "X01", "C000"}  # 九江街道, 市一中 and 洛带镇 have no rows

    city_causes = found[("city", "2023-science-day", "participants")][3]
    for name in ("东升街道（补报）.xlsx", "医学会（补充）.xlsx", "江源市科协（修订）.xlsx"):
        assert name in city_causes
    assert "补报：东升街道“双流区/东升街道（补报）.xlsx”新增1行" in found[("unit", "D01T01", "participants")][3]
    assert "新增1行、重复1行" in found[("unit", "X01", "activities")][3]
    assert "新版本：江源市科协“市直单位/江源市科协（修订）.xlsx”取代“市直单位/江源市科协.xlsx”" in \
        found[("unit", "C000", "participants")][3]
    assert "10月2日收到（报送后）" in city_causes
    lectures = found[("type", "讲座报告", "participants")][3]  # 院士科普报告 gone with the old version, a 讲座 added
    assert "江源市科协（修订）.xlsx" in lectures and "医学会（补充）.xlsx" in lectures and "东升街道" not in lectures
    # a district names only its own units' files
    assert "江源市科协" not in found[("district", "D01", "participants")][3]
    assert found[("city", "2023-science-day", "participants")][:2] == (Decimal(6400), Decimal(6400 + 180 - 4970))


def test_a_decision_after_signing_is_named_with_its_line(city):
    settings = load_settings(city.config)
    sign(settings, "王丽")
    from kepu.decisions import decide

    (cell,) = query(city.warehouse, "select participants_cell from raw.activity_rows where participants = 600")[0]
    decide(settings, "correct_value", file="市直单位/市一中.xlsx", cell=cell, value="60", reason="电话核实：应为60",
           decided_by="李强")
    run(city.config)
    found = changes(city.warehouse)
    assert deltas(found, "unit") == {("S001", "participants"): -540}
    causes = found[("city", "2023-science-day", "participants")][3]
    assert "decisions.csv 第2行" in causes and "电话核实：应为60" in causes and "由600改为60" in causes
    assert cell in causes


def test_editions_survive_a_rebuild_and_a_rollback(city):
    settings = load_settings(city.config)
    signed = sign(settings, "王丽")
    before = digests(signed.folder)
    edition_rows = query(city.warehouse, "select * from audit.edition_figures order by all")

    rebuild(config=str(city.config))
    assert query(city.warehouse, "select * from audit.edition_figures order by all") == edition_rows
    assert query(city.warehouse, "select edition_no, signed_by from audit.editions") == [(1, "王丽")]
    assert digests(signed.folder) == before
    assert query(city.warehouse, "select same_as_signed from marts.signed_edition") == [(True,)]

    late_files(city)
    run(city.config)
    assert query(city.warehouse, "select same_as_signed from marts.signed_edition") == [(False,)]
    rollback(settings)  # back to the state before the late files: the edition stays, and equals it again
    assert query(city.warehouse, "select edition_no from audit.editions") == [(1,)]
    assert query(city.warehouse, "select same_as_signed from marts.signed_edition") == [(True,)]
    assert digests(signed.folder) == before


def test_rolling_back_to_before_an_edition_keeps_it_and_explains_against_that_state(city):
    settings = load_settings(city.config)
    late_files(city)
    run(city.config)
    sign(settings, "王丽")  # 第1版 includes the late files
    rollback(settings)  # to the state before them
    assert query(city.warehouse, "select edition_no from audit.editions") == [(1,)]
    found = changes(city.warehouse)
    assert deltas(found, "unit")[("D01T01", "activities")] == -1
    assert "不再计入：东升街道“双流区/东升街道（补报）.xlsx”" in found[("unit", "D01T01", "activities")][3]
