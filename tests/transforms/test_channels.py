"""Which sources a unit's files can come through, and when a failed source makes a unit source_unavailable
rather than missing: only from evidence (its district's source, sources that delivered its files before,
the mailbox for a unit that registered an address), never because a source merely failed."""

from __future__ import annotations

from kepu.transforms.channels import Channel, unavailable_units, unit_channels
from kepu.transforms.units import build_units

UNITS = build_units([
    {"unit_code": "C000", "unit_name": "江源市科协", "unit_type": "city", "expected": "false"},
    {"unit_code": "D01", "unit_name": "双流区科协", "unit_type": "district", "parent_code": "C000", "expected": "true"},
    {"unit_code": "D01T01", "unit_name": "东升街道", "unit_type": "street", "parent_code": "D01", "expected": "true"},
    {"unit_code": "D02", "unit_name": "龙泉区科协", "unit_type": "district", "parent_code": "C000", "expected": "true"},
    {"unit_code": "D02T01", "unit_name": "洛带镇", "unit_type": "town", "parent_code": "D02", "expected": "true"},
    {"unit_code": "S001", "unit_name": "市一中", "unit_type": "school", "parent_code": "C000", "expected": "true",
     "email": "jy1z@example.org"},
    {"unit_code": "X01", "unit_name": "医学会", "unit_type": "society", "parent_code": "C000", "expected": "false"},
])
SOURCES = [Channel("双流区共享", "D01"), Channel("投递箱"), Channel("报送邮箱", mailbox=True)]


def unavailable(failed, delivered=()) -> dict[str, list[str]]:
    frame = unavailable_units("2023", UNITS, SOURCES, failed, delivered)
    return dict(zip(frame["unit_code"], frame["sources"]))


def test_each_unit_has_the_channels_evidence_gives_it():
    channels = unit_channels(UNITS, SOURCES, delivered=[("D02T01", "报送邮箱"), ("D02T01", "旧来源")])
    assert channels == {
        "C000": ["投递箱", "报送邮箱"],          # nothing known: every general source
        "D01": ["双流区共享"], "D01T01": ["双流区共享"],  # its district's share
        "D02": ["投递箱", "报送邮箱"],
        "D02T01": ["报送邮箱"],                  # it sent by mail before; a source no longer configured is no channel
        "S001": ["报送邮箱"],                    # it registered the address it mails from
        "X01": ["投递箱", "报送邮箱"],
    }


def test_a_unit_is_unavailable_only_when_every_one_of_its_channels_failed():
    assert unavailable([]) == {}
    assert unavailable(["双流区共享"]) == {"D01": ["双流区共享"], "D01T01": ["双流区共享"]}
    assert unavailable(["报送邮箱"]) == {"S001": ["报送邮箱"]}, "the drop box still works for everyone else"
    assert unavailable(["投递箱", "报送邮箱"]) == {"D02": ["投递箱", "报送邮箱"], "D02T01": ["投递箱", "报送邮箱"],
                                                 "S001": ["报送邮箱"]}
    assert unavailable(["报送邮箱"], delivered=[("D02T01", "报送邮箱")]) == {"D02T01": ["报送邮箱"],
                                                                        "S001": ["报送邮箱"]}


def test_units_not_expected_are_never_listed():
    assert "X01" not in unavailable(["投递箱", "报送邮箱"]) and "C000" not in unavailable(["投递箱", "报送邮箱"])


def test_the_only_source_failing_leaves_every_expected_unit_unheard():
    frame = unavailable_units("2023", UNITS, [Channel("inbox")], ["inbox"])
    assert set(frame["unit_code"]) == {"D01", "D01T01", "D02", "D02T01", "S001"}


def test_many_look_alike_units_follow_their_own_evidence():
    """Fifty towns in five districts, one share per district, two of them down, a mailbox some towns used
    before: each town's status follows its own district and its own history only."""
    rows = [{"unit_code": "C000", "unit_name": "市科协", "unit_type": "city", "expected": "false"}]
    for d in range(5):
        rows.append({"unit_code": f"D{d}", "unit_name": f"{d}区", "unit_type": "district", "parent_code": "C000",
                     "expected": "true"})
        rows += [{"unit_code": f"D{d}T{t}", "unit_name": f"{d}区{t}镇", "unit_type": "town", "parent_code": f"D{d}",
                  "expected": "true"} for t in range(10)]
    units = build_units(rows)
    sources = [*(Channel(f"share{d}", f"D{d}") for d in range(5)), Channel("mail", mailbox=True)]
    delivered = [(f"D{d}T{t}", "mail") for d in range(5) for t in range(10) if t % 3 == 0]
    frame = unavailable_units("2023", units, sources, ["share1", "share3"], delivered)
    got = set(frame["unit_code"])
    expected = {f"D{d}" for d in (1, 3)} | {f"D{d}T{t}" for d in (1, 3) for t in range(10) if t % 3}
    assert got == expected
