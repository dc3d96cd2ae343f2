"""The checks a statistician runs before signing (SPEC §3.7, warehouse/sql/core/checks: duplicates, units,
bounds, outliers, impossible): each warns where it should, cited where it should, and stays silent on the
look-alike rows real cities send by the hundred. None of them changes a total."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from kepu.schemas.bounds import BOUNDS, BOUNDED_MEASURES, load_bounds
from kepu.schemas.errors import ConfigError
from kepu.schemas.issues import STATISTICIAN_CODES
from tests.rules import Raw, sha

DAY = date(2023, 9, 18)


def row(name: str = "科普知识讲座", venue: str = "东升街道文化站", day: date = DAY, **fields) -> dict:
    base = {"activity_name": name, "venue": venue, "start_date": day, "participants": 120, "volunteers": 8,
            "materials": 300, "boards": 4, "media_reports": 1, "funding_wan": Decimal("0.50")}
    return {**base, **fields}


def cited(rows: list[dict]) -> list[dict]:
    """Rows with every figure's cell where the official form puts it (I..N), by row number."""
    letters = dict(zip(BOUNDED_MEASURES, "IJKLMN"))
    return [{**r, **{f"{m}_cell": f"{letters[m]}{4 + i}" for m in BOUNDED_MEASURES}, "start_date_cell": f"D{4 + i}",
             "seq": str(i + 1)} | r for i, r in enumerate(rows)]


def issues_of(core, code: str):
    return [issue for _, issue in core.issues if issue.code == code]


def statistician_codes(core) -> list[str]:
    return sorted(i.code for _, i in core.issues if i.code in STATISTICIAN_CODES)


def independent_rows(rng: random.Random, n: int) -> list[dict]:
    """`n` rows of one busy town: generic names at the town's few venues, figures people round, several events a
    day — many alike, none the same event twice."""
    names = ("科普知识讲座", "科普宣传活动", "健康义诊", "防溺水安全教育", "垃圾分类宣传")
    venues = ("村委会", "文化站", "社区广场", "便民服务中心")
    rows, seen = [], set()
    while len(rows) < n:
        day = DAY + timedelta(days=rng.randint(0, 5))
        name, venue = rng.choice(names), rng.choice(venues)
        if (day, name, venue) in seen:
            continue
        seen.add((day, name, venue))
        participants = rng.choice((100, 120, 150, 200, 300))
        rows.append(row(name, venue, day, activity_type=rng.choice(("讲座报告", "宣传活动", "义诊咨询")),
                        participants=participants, volunteers=rng.choice((5, 8, 10)),
                        materials=rng.choice((200, 300, 500)), boards=rng.choice((0, 2, 4)),
                        media_reports=rng.choice((0, 1, 2, 3)), funding_wan=Decimal(rng.choice(("0.20", "0.50", "1.00")))))
    return rows


# ------------------------------------------------------------------------------------------- duplicates


def test_a_row_pasted_twice_is_warned_citing_both_rows():
    raw = Raw()
    rows = [row(), row("应急救护技能培训", "东升街道便民服务中心", activity_type="培训"), row("科普宣传活动", day=DAY + timedelta(1)),
            row("垃圾分类宣传"), row()]
    raw.file(1, "T01", rows=cited(rows))
    core = raw.build()
    (issue,) = issues_of(core, "duplicate_row")
    assert issue.message.startswith("第4行与第8行内容完全相同，是否重复填报？")
    assert (issue.cell, issue.row_number, issue.severity) == ("B8", 8, "warning")
    assert core.activities["counted"].sum() == 5, "a warning changes no total"


def test_names_are_compared_as_the_joint_rule_compares_them():
    raw = Raw()
    raw.file(1, "T01", rows=cited([row("“科普知识讲座”"), row("科普知识讲座 ")]))
    assert len(issues_of(raw.build(), "duplicate_row")) == 1


@pytest.mark.parametrize("other", [
    row(day=DAY + timedelta(days=1)),          # the same lecture given again the next day
    row(venue="东升街道便民服务中心"),             # a generic name at another venue
    row(participants=121),                     # one figure differs
    row(funding_wan=Decimal("0.60")),
    row(boards=None, media_reports=2),
    row("科普知识讲座（第二场）"),                  # a second session the same day
], ids=["next_day", "other_venue", "participants", "funding", "media", "second_session"])
def test_near_duplicates_are_not_warned(other):
    raw = Raw()
    raw.file(1, "T01", rows=cited([row(), other]))
    assert issues_of(raw.build(), "duplicate_row") == []


def test_many_independent_look_alike_rows_raise_nothing():
    raw = Raw()
    raw.file(1, "T01", rows=cited(independent_rows(random.Random(16), 60)))
    raw.file(2, "T02", rows=cited(independent_rows(random.Random(16), 60)))  # the same rows, another unit
    core = raw.build()
    assert statistician_codes(core) == []


def test_a_new_version_repeating_the_old_ones_rows_is_not_a_duplicate():
    raw = Raw()
    raw.file(1, "T01", reported=date(2023, 9, 20), rows=cited([row(), row("垃圾分类宣传")]))
    raw.file(2, "T01", reported=date(2023, 9, 25), rows=cited([row(), row("垃圾分类宣传"), row("健康义诊")]))
    assert issues_of(raw.build(), "duplicate_row") == []


def test_two_copies_pasted_after_the_first_both_cite_the_first():
    raw = Raw()
    raw.file(1, "T01", rows=cited([row(), row(), row()]))
    found = issues_of(raw.build(), "duplicate_row")
    assert [(i.row_number, i.message[:3]) for i in found] == [(5, "第4行"), (6, "第4行")]


# ------------------------------------------------------------------------------------------- unit slips


@pytest.mark.parametrize("funding, kind, flagged, wan", [
    ("3000", "展览展示", True, "0.3000"),     # the issue's exhibition: 3000 元 typed into 万元
    ("100", "宣传活动", True, "0.0100"),      # a whole number ≥ 100
    ("30", "讲座报告", True, "0.0030"),       # above the lecture bound (20 万元)
    ("20", "讲座报告", False, None),          # at the bound
    ("45", "宣传活动", False, None),          # under the default bound (50 万元)
    ("99.50", "启动仪式", False, None),       # a launch may cost more (100 万元)
    ("120.50", "启动仪式", True, "0.0121"),   # above it, not whole
], ids=lambda v: str(v))
def test_funding_probably_written_in_yuan(funding, kind, flagged, wan):
    raw = Raw()
    raw.file(1, "T01", rows=cited([row(activity_type=kind, funding_wan=Decimal(funding))]))
    core = raw.build()
    found = issues_of(core, "unit_slip_funding")
    assert len(found) == flagged
    if flagged:
        assert found[0].cell == "N4" and f"应为{wan}万元" in found[0].message
        assert issues_of(core, "bound_exceeded") == [] and issues_of(core, "outlier_value") == []


def test_a_file_whose_header_said_yuan_is_judged_by_its_bound_not_as_a_slip():
    """经费（元） 5,000,000 read as 500.00 万元: not typed in the wrong unit (the header said 元), but beyond the
    bound of a lecture all the same."""
    raw = Raw()
    digest = raw.file(1, "T01", rows=cited([row(funding_wan=Decimal("500.00"))]))
    raw.parse_issues.append({"sha256": digest, "severity": "info", "code": "funding_in_yuan",
                             "message": "经费列以“元”为单位，已换算为万元。", "sheet": "活动明细", "cell": "N3"})
    core = raw.build()
    assert issues_of(core, "unit_slip_funding") == []
    (issue,) = issues_of(core, "bound_exceeded")
    assert issue.cell == "N4" and "经费为500.00" in issue.message and "（20万元）" in issue.message


@pytest.mark.parametrize("fields, flagged", [
    ({"materials": 3500, "funding_wan": Decimal("0.35")}, "K4"),   # 经费 in 元 in the 份 column
    ({"boards": 12, "funding_wan": Decimal("12.00")}, "L4"),      # the 万元 figure in the 块 column
    ({"materials": 3500, "funding_wan": Decimal("0.50")}, None),
    ({"boards": 5, "funding_wan": Decimal("5.00")}, None),         # small numbers meet by chance
    ({"materials": 3500, "funding_wan": None}, None),
], ids=["yuan_in_materials", "wan_in_boards", "different", "small", "no_funding"])
def test_counts_that_hold_money(fields, flagged):
    raw = Raw()
    raw.file(1, "T01", rows=cited([row(**fields)]))
    found = issues_of(raw.build(), "unit_slip_count")
    assert [i.cell for i in found] == ([flagged] if flagged else [])


# ------------------------------------------------------------------------------------------- bounds


@pytest.mark.parametrize("measure", [m for m in BOUNDED_MEASURES if m != "funding_wan"])
def test_each_measure_has_a_bound_per_form(measure):
    bound = int(BOUNDS.bound("讲座报告", measure))
    for value, flagged in ((bound, False), (bound + 1, True)):
        raw = Raw()
        fields = {measure: value} | ({"participants": value} if measure == "volunteers" else {})
        raw.file(1, "T01", rows=cited([row(activity_type="讲座报告", **fields)]))
        found = issues_of(raw.build(), "bound_exceeded")
        assert len(found) == flagged, (measure, value)
        if flagged:
            assert f"超出讲座报告类活动的合理上限（{bound}）" in found[0].message


def test_the_issue_s_exhibition_of_thirty_thousand_is_beyond_its_bound_not_an_outlier_too():
    raw = Raw()
    raw.file(1, "T01", rows=cited([*independent_rows(random.Random(3), 12),
                                   row("节能减排科普展", activity_type="展览展示", participants=30000)]))
    core = raw.build()
    assert [i.raw_value for i in issues_of(core, "bound_exceeded")] == ["30000"]
    assert issues_of(core, "outlier_value") == []


def test_bounds_are_data_an_office_edits(tmp_path):
    path = tmp_path / "bounds.toml"
    text = (BOUNDS_TEXT := __import__("kepu.schemas.bounds", fromlist=["BOUNDS_PATH"]).BOUNDS_PATH.read_text("utf-8"))
    path.write_text(text.replace("[forms.\"培训\"]\nparticipants = 5000", "[forms.\"培训\"]\nparticipants = 800"),
                    encoding="utf-8")
    assert load_bounds(path).bound("培训", "participants") == 800
    typo = tmp_path / "typo.toml"
    typo.write_text(BOUNDS_TEXT + '\n[forms."讲坐"]\nparticipants = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="讲坐"):
        load_bounds(typo)


# ------------------------------------------------------------------------------------------- outliers


def launch_among(rng_seed: int, **launch) -> list[dict]:
    return [*independent_rows(random.Random(rng_seed), 12),
            row("2023年全国科普日启动仪式", "东升街道中心广场", DAY - timedelta(1), activity_type="启动仪式", **launch)]


def test_a_form_with_few_rows_is_compared_with_the_whole_city():
    raw = Raw()
    raw.file(1, "T01", rows=cited(launch_among(5, participants=3000)))
    (issue,) = issues_of(raw.build(), "outlier_value")
    assert "远高于全市各类活动（启动仪式类仅1项）" in issue.message and issue.cell == "I16"
    raw = Raw()
    raw.file(1, "T01", rows=cited(launch_among(5, participants=400)))
    assert issues_of(raw.build(), "outlier_value") == []


@pytest.mark.parametrize("previous, flagged", [(2500, False), (150, True)])
def test_a_unit_that_held_as_large_an_event_last_year_is_not_odd(previous, flagged):
    raw = Raw()
    raw.file(1, "T01", rows=cited(launch_among(5, participants=3000)))
    core = raw.build(previous=pd.DataFrame({"unit_code": ["T01"], "activities": [1], "participants": [previous]}))
    found = issues_of(core, "outlier_value")
    assert len(found) == flagged
    if flagged:
        assert "也与本单位上一届（中位数150）相差5倍以上" in found[0].message


def test_funding_and_media_reports_are_checked_too():
    rows = independent_rows(random.Random(7), 30)
    rows[5] = {**rows[5], "funding_wan": Decimal("12.00"), "media_reports": 0}
    rows[8] = {**rows[8], "media_reports": 15, "funding_wan": Decimal("0.50")}
    raw = Raw()
    raw.file(1, "T01", rows=cited(rows))
    found = sorted((i.cell, i.raw_value) for i in issues_of(raw.build(), "outlier_value"))
    assert found == [("M12", "15"), ("N9", "12.00")]


# ------------------------------------------------------------------------------------------- impossible totals


@pytest.mark.parametrize("rows, flagged", [
    ([row(boards=40), row("实用技术培训", activity_type="培训", boards=30)], True),
    ([row(boards=8), row("实用技术培训", activity_type="培训", boards=8)], False),     # roll-ups at a lecture
    ([row(boards=4)] + [row(f"讲座{i}", boards=8) for i in range(40)], False),     # many lectures, a few each
    ([row(boards=40), row("科普展", activity_type="展览展示", boards=30)], False),
    ([row(boards=40), row("科普宣传活动", activity_type="宣传活动", boards=30)], False),
], ids=["no_exhibition", "few_boards", "many_lectures", "with_exhibition", "street_display"])
def test_boards_without_any_exhibition(rows, flagged):
    raw = Raw()
    raw.file(1, "T01", rows=cited([{"activity_type": "讲座报告"} | r for r in rows]))
    found = issues_of(raw.build(), "impossible_boards")
    assert len(found) == flagged
    if flagged:
        assert found[0].cell == "L4" and "展板共70块" in found[0].message


@pytest.mark.parametrize("end, flagged", [(date(2023, 9, 30), True), (date(2023, 9, 24), False), (None, False)])
def test_an_activity_longer_than_the_window(end, flagged):
    raw = Raw()
    raw.file(1, "T01", rows=cited([row(end_date=end)]))
    found = issues_of(raw.build(), "impossible_duration")
    assert len(found) == flagged
    if flagged:
        assert "共13天" in found[0].message and "共7天" in found[0].message and found[0].cell == "D4"


def test_participants_equal_to_the_serial_number_is_a_shifted_column():
    rows = [row(f"讲座{i}", participants=i + 1) for i in range(3)]
    raw = Raw()
    raw.file(1, "T01", rows=cited(rows))
    (issue,) = issues_of(raw.build(), "impossible_shifted_column")
    assert (issue.cell, issue.row_number) == ("I4", 4) and "有3行（第4、5、6行）" in issue.message


@pytest.mark.parametrize("participants", [[5, 150, 200], [100, 150, 200], [30, 31, 32]],
                         ids=["row_number_once", "none", "near_seq"])
def test_one_coincidence_is_not_a_shifted_column(participants):
    raw = Raw()
    raw.file(1, "T01", rows=cited([row(f"讲座{i}", participants=p) for i, p in enumerate(participants)]))
    assert issues_of(raw.build(), "impossible_shifted_column") == []


def test_a_column_equal_to_its_neighbour():
    rows = [row(f"讲座{i}", participants=p, volunteers=p) for i, p in enumerate((120, 80, 300))]
    raw = Raw()
    raw.file(1, "T01", rows=cited(rows))
    (issue,) = issues_of(raw.build(), "impossible_same_column")
    assert issue.cell == "J4" and "“志愿者人数”列与相邻的“参与人数”列逐行完全相同（3行）" in issue.message


@pytest.mark.parametrize("rows", [
    [row(f"讲座{i}", volunteers=v, participants=p) for i, (p, v) in enumerate(((120, 120), (80, 80), (300, 30)))],
    [row(f"讲座{i}", boards=b, media_reports=b) for i, b in enumerate((0, 0, 0))],
    [row(f"讲座{i}", participants=p, volunteers=p) for i, p in enumerate((120, 80))],
], ids=["one_row_differs", "all_zero", "two_rows"])
def test_columns_alike_by_chance_are_not_one_column_typed_twice(rows):
    raw = Raw()
    raw.file(1, "T01", rows=cited(rows))
    assert issues_of(raw.build(), "impossible_same_column") == []


def test_equal_columns_that_are_not_neighbours_are_not_flagged():
    rows = [row(f"讲座{i}", participants=p, boards=p) for i, p in enumerate((12, 8, 30))]
    raw = Raw()
    raw.file(1, "T01", rows=cited(rows))
    assert issues_of(raw.build(), "impossible_same_column") == []


def test_every_statistician_check_is_a_warning_that_changes_no_total():
    rows = [row(), row(), row("展览", activity_type="展览展示", funding_wan=Decimal("3000"), participants=30000)]
    raw = Raw()
    raw.file(1, "T01", rows=cited(rows))
    core = raw.build()
    assert {i.severity for _, i in core.issues if i.code in STATISTICIAN_CODES} == {"warning"}
    assert core.activities["counted"].all() and core.activities["duplicate_of"].isna().all()
    assert sha(1) in {f for f, _ in core.issues}


def test_the_readme_lists_every_check_with_its_bounds():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rules = text.split("- **Checks.**", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{code}`" in rules for code in STATISTICIAN_CODES)
    default = BOUNDS.default
    for figure in (default["funding_wan"], default["volunteers"], default["boards"], default["media_reports"],
                   BOUNDS.bound("讲座报告", "participants"), BOUNDS.bound("讲座报告", "funding_wan"),
                   BOUNDS.boards_without_exhibition, BOUNDS.whole_yuan_from):
        assert f"{figure:,.0f}" in rules or f"{figure:.0f}" in rules, figure


def test_a_few_large_events_of_their_own_form_are_not_odd_beside_a_busy_form():
    """Four district launches of 3,000 in a city of small lectures and 1,500-visitor street promotions: far
    above the city's median, not above what its busiest form typically holds."""
    lectures = [row(f"讲座{i}", participants=80 + 10 * i) for i in range(12)]
    streets = [row(f"宣传{i}", "中心广场", activity_type="宣传活动", participants=1200 + 50 * i) for i in range(9)]
    launches = [row(f"启动仪式{i}", f"广场{i}", activity_type="启动仪式", participants=3000) for i in range(4)]
    raw = Raw()
    raw.file(1, "T01", rows=cited([*lectures, *streets, *launches]))
    assert issues_of(raw.build(), "outlier_value") == []
