"""Joint activities (SPEC §3.5) with many look-alike but independent records: rows merge only with evidence
(same day, same venue, names equal or nearly so, and one unit naming the other as organizer or partner); each
copy points at the kept copy directly; unlinked identical labels warn once between two units and never for a
generic label. The rules run as the nightly run runs them (tests.flows.test_core's harness)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from kepu.transforms.units import build_units
from tests.rules import Raw, codes, sha

MAIN_SQUARE = "双流万达广场"


def row(name: str, *, venue: str = MAIN_SQUARE, day: int = 18, organizer: str | None = None,
        partners: tuple[str, ...] = (), participants: int = 100) -> dict:
    return {"activity_name": name, "venue": venue, "start_date": date(2023, 9, day), "organizer": organizer,
            "partners": list(partners), "participants": participants}


def received(day: int) -> datetime:
    return datetime(2023, 9, day, 9)


def duplicates(core) -> dict[str, str | None]:
    """file sha256 → the file sha256 of the copy it points at (None when it counts), for one-row files."""
    by_id = dict(zip(core.activities["activity_id"], core.activities["file_sha256"]))
    return {f: by_id.get(d) for f, d in zip(core.activities["file_sha256"], core.activities["duplicate_of"])}


def test_the_partners_copy_points_at_the_organizers_even_when_the_organizers_came_later():
    raw = Raw()
    raw.file(1, "T01", received=received(20), rows=[row("全国科普日双流区主场宣传活动", organizer="双流区科协")])
    raw.file(2, "D01", received=received(22), rows=[row("2023年全国科普日双流区主场活动", organizer="双流区科协",
                                                        partners=("东升街道",))])
    core = raw.build()
    assert duplicates(core) == {sha(1): sha(2), sha(2): None}
    ((file, issue),) = [(f, i) for f, i in core.issues if i.code == "joint_activity_duplicate"]
    assert file == sha(1) and "双流区科协" in issue.message and issue.cell == "B4"


@pytest.mark.parametrize("named_as", ["东升街道办事处", "D01T01 ", "东升街道科协（盖章）"])
def test_a_partner_named_by_alias_or_code_is_evidence(named_as):
    units = build_units([
        {"unit_code": "D01", "unit_name": "双流区科协", "unit_type": "district", "parent_code": "", "aliases": "双流区",
         "expected": "true"},
        {"unit_code": "D01T01", "unit_name": "东升街道", "unit_type": "street", "parent_code": "D01",
         "aliases": "东升街道办事处", "expected": "true"},
    ])
    raw = Raw()
    raw.file(1, "D01T01", received=received(20), rows=[row("科普大篷车进社区")])
    raw.file(2, "D01", received=received(21), rows=[row("科普大篷车进社区", partners=(named_as,))])
    assert duplicates(raw.build(units=units)) == {sha(1): None, sha(2): sha(1)}


def test_without_an_organizer_the_earliest_received_copy_is_kept():
    raw = Raw()
    raw.file(1, "T01", received=received(25), rows=[row("科普大篷车进社区", partners=("九江街道",))])
    raw.file(2, "T02", received=received(21), rows=[row("科普大篷车进社区活动")])
    assert duplicates(raw.build()) == {sha(1): sha(2), sha(2): None}


def test_two_unlinked_units_with_one_label_both_count_and_one_warning_names_both():
    raw = Raw()
    raw.file(1, "T01", received=received(20), rows=[row("科普大篷车进社区", organizer="东升街道")])
    raw.file(2, "T02", received=received(22), rows=[row("“科普大篷车” 进社区", organizer="九江街道")])
    core = raw.build()
    assert duplicates(core) == {sha(1): None, sha(2): None}
    ((file, issue),) = [(f, i) for f, i in core.issues if i.code == "possible_joint_activity"]
    assert (file, issue.severity, issue.cell) == (sha(2), "warning", "B4")
    assert "东升街道" in issue.message and "1.xlsx 活动明细!B4" in issue.message


def test_a_label_shared_by_three_units_is_generic_and_raises_nothing():
    raw = Raw()
    for n, unit in enumerate(("T01", "T02", "D01"), start=1):
        raw.file(n, unit, rows=[row("科普知识讲座", venue="村委会")])
    core = raw.build()
    assert core.activities["duplicate_of"].isna().all()
    assert codes(core) == []


@pytest.mark.parametrize("other", [
    row("科普讲座：防溺水", organizer="双流区科协"),                                   # another event, same place and day
    row("科普讲座：垃圾分类", venue="东升街道文化站", organizer="双流区科协"),             # other venue
    row("科普讲座：垃圾分类", day=19, organizer="双流区科协"),                           # other day
    row("科普讲座：垃圾分类", organizer="九江街道"),                                    # no evidence between the two
], ids=["other-name", "other-venue", "other-day", "unlinked"])
def test_near_misses_do_not_merge(other):
    raw = Raw()
    raw.file(1, "D01", rows=[row("科普讲座：垃圾分类", organizer="双流区科协", partners=("九江街道",)
                                if other["organizer"] != "九江街道" else ())])
    raw.file(2, "T02", rows=[other])
    assert raw.build().activities["duplicate_of"].isna().all()


def test_a_venue_containing_the_other_is_the_same_venue():
    raw = Raw()
    raw.file(1, "D01", received=received(20), rows=[row("科普游园会", venue="双流区万达广场", organizer="双流区科协",
                                                        partners=("九江街道",))])
    raw.file(2, "T02", received=received(21), rows=[row("科普游园会", venue="万达广场")])
    assert duplicates(raw.build()) == {sha(1): None, sha(2): sha(1)}


def test_a_chain_never_merges_its_ends():
    """A–B and B–C are linked and alike, A and C are not alike: B is a copy of A (the organizer's), and C,
    which has no evidence with A, still counts — it is not a copy of a copy."""
    raw = Raw()
    raw.file(1, "D01", received=received(23), rows=[row("知识进社区宣传活动", organizer="双流区科协",
                                                        partners=("东升街道", "九江街道"))])
    raw.file(2, "T01", received=received(20), rows=[row("科普知识进社区宣传活动", organizer="双流区科协",
                                                        partners=("九江街道",))])
    raw.file(3, "T02", received=received(21), rows=[row("科普知识进社区宣传", partners=("东升街道",))])
    core = raw.build()
    assert duplicates(core) == {sha(1): None, sha(2): sha(1), sha(3): None}
    assert core.activities["duplicate_of"].notna().sum() == 1


def test_every_copy_points_at_the_kept_copy_directly():
    """The district organizes, two towns partner: both towns' rows point at the district's, none at another
    town's."""
    raw = Raw()
    raw.file(1, "T01", received=received(19), rows=[row("科普日主场活动", organizer="双流区科协")])
    raw.file(2, "T02", received=received(20), rows=[row("科普日主场活动", organizer="双流区科协")])
    raw.file(3, "D01", received=received(22), rows=[row("科普日主场活动", organizer="双流区科协",
                                                        partners=("东升街道", "九江街道"))])
    assert duplicates(raw.build()) == {sha(1): sha(3), sha(2): sha(3), sha(3): None}


def test_a_row_matches_at_most_one_row_of_another_unit():
    """The town reports two look-alike events that day; the district's row is a copy of the best of them only."""
    raw = Raw()
    raw.file(1, "T01", received=received(19), rows=[row("科普大篷车进社区活动"), row("科普大篷车进社区")])
    raw.file(2, "D01", received=received(20), rows=[row("科普大篷车进社区", partners=("东升街道",))])
    core = raw.build()
    copies = core.activities.dropna(subset=["duplicate_of"])
    assert len(copies) == 1
    kept = core.activities.set_index("activity_id").loc[copies["duplicate_of"].iloc[0]]
    assert kept["activity_name"] == "科普大篷车进社区"


def test_rows_of_superseded_versions_and_of_held_files_never_merge():
    raw = Raw()
    raw.file(1, "T01", reported=date(2023, 9, 20), rows=[row("科普日主场活动", organizer="双流区科协")])
    raw.file(2, "T01", reported=date(2023, 9, 25), rows=[row("另一项活动")])
    raw.file(3, None, name="不存在的单位", rows=[row("科普日主场活动", organizer="双流区科协")])
    raw.file(4, "D01", rows=[row("科普日主场活动", organizer="双流区科协", partners=("东升街道",))])
    assert raw.build().activities["duplicate_of"].isna().all()


def test_hundreds_of_units_with_generic_names_and_venues_all_count():
    """300 towns under 10 districts, 40 activities each in one week: names such as 「科普活动12-3」 at
    「社区3」, every town's 「科普知识讲座」 at 「村委会」 on the first day (each naming its district as partner),
    and the districts' own events. Nothing is evidence of a joint event, so every row counts and nothing warns."""
    registry = [{"unit_code": "C", "unit_name": "江源市科协", "unit_type": "city", "parent_code": "", "aliases": "",
                 "expected": "false"}]
    for d in range(10):
        registry.append({"unit_code": f"D{d}", "unit_name": f"第{d}区科协", "unit_type": "district",
                         "parent_code": "C", "aliases": f"第{d}区", "expected": "true"})
    for t in range(300):
        registry.append({"unit_code": f"D{t % 10}T{t}", "unit_name": f"第{t}镇", "unit_type": "town",
                         "parent_code": f"D{t % 10}", "aliases": "", "expected": "true"})
    units = build_units(registry)
    raw = Raw()
    for t in range(300):
        rows = [row("科普知识讲座", venue="村委会", day=17, organizer=f"第{t}镇", partners=(f"第{t % 10}区科协",))]
        rows += [row(f"科普活动{t}-{i}", venue=f"社区{i % 5}", day=17 + i % 7, organizer=f"第{t}镇",
                     participants=100 + i) for i in range(1, 40)]
        raw.file(t, f"D{t % 10}T{t}", received=datetime(2023, 9, 20) + timedelta(minutes=t), rows=rows)
    for d in range(10):
        raw.file(1000 + d, f"D{d}", rows=[row(f"第{d}区科普日主场活动", venue="区文化广场", organizer=f"第{d}区科协")])
    core = raw.build(units=units)
    counted = core.activities[core.activities["counted"]]
    assert len(counted) == 300 * 40 + 10
    assert counted["duplicate_of"].isna().all()
    assert not {"joint_activity_duplicate", "possible_joint_activity"} & set(codes(core))
    assert int(counted["participants"].sum()) == 300 * (100 + sum(100 + i for i in range(1, 40))) + 10 * 100
