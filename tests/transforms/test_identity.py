"""Which registry unit a file belongs to (SPEC §3.1), from what it declares and where it sits."""

from __future__ import annotations

import pytest

from tests.fixtures.messy_workbooks import registry_rows
from kepu.transforms.identity import UnitIndex, normalize_code, normalize_unit_name
from kepu.transforms.units import build_units


@pytest.fixture(scope="module")
def index() -> UnitIndex:
    return UnitIndex(build_units(registry_rows()))


@pytest.mark.parametrize(("value", "code"), [
    (1023.0, "1023"), (1023, "1023"), ("1023.0", "1023"), (" t0101 ", "T0101"), ("Ｔ０１０１", "T0101"),
    (None, ""), ("10.5", "10.5"),
])
def test_normalize_code(value, code) -> None:
    assert normalize_code(value) == code


@pytest.mark.parametrize(("name", "key"), [
    ("东升街道办事处（盖章）", "东升街道"), ("东升街道科协", "东升街道"), (" 双流区 科协 ", "双流区"),
    ("江源市科学技术协会", "江源市"),
])
def test_normalize_unit_name(name, key) -> None:
    assert normalize_unit_name(name) == key


@pytest.mark.parametrize(("code", "name", "relpath", "expected"), [
    ("T0101", None, "a.xlsx", ("identified", "T0101", "code")),
    ("1023.0", "黄龙溪镇人民政府", "a.xlsx", ("identified", "1023", "code")),
    (None, "东升街道办事处", "a.xlsx", ("identified", "T0101", "name")),
    ("X999", "九江街道", "a.xlsx", ("identified", "T0102", "name")),
    ("T0101", "九江街道", "a.xlsx", ("conflict", None, None)),
    (None, None, "双流区/东升街道科普日.xlsx", ("identified", "T0101", "file_name")),
    (None, None, "双流区东升街道/报表.xlsx", ("identified", "T0101", "folder")),
    (None, None, "双流区/报表.xlsx", ("identified", "D01", "folder")),
    (None, None, "东升街道九江街道合报.xlsx", ("unidentified", None, None)),
    (None, "东风社区", "新建 Microsoft Excel 工作表.xlsx", ("unidentified", None, None)),
])
def test_resolve(index, code, name, relpath, expected) -> None:
    resolution = index.resolve(code, name, relpath)
    assert (resolution.status, resolution.unit_code, resolution.identified_by) == expected


# --- a source's district and the sender's address ----------------------------------------------------------

def _twin_towns() -> UnitIndex:
    """Two districts that each have a 新华街道 (it happens), and units that registered the addresses they use."""
    rows = [
        {"unit_code": "C000", "unit_name": "江源市科协", "unit_type": "city", "expected": "false"},
        {"unit_code": "D01", "unit_name": "双流区科协", "unit_type": "district", "parent_code": "C000",
         "expected": "true", "email": "sl@example.org"},
        {"unit_code": "D02", "unit_name": "龙泉区科协", "unit_type": "district", "parent_code": "C000",
         "expected": "true"},
        {"unit_code": "D01T01", "unit_name": "新华街道", "unit_type": "street", "parent_code": "D01", "expected": "true",
         "email": "xh-sl@example.org; XinHua@Example.org"},
        {"unit_code": "D02T01", "unit_name": "新华街道", "unit_type": "street", "parent_code": "D02", "expected": "true",
         "email": "xh-lq@example.org"},
        {"unit_code": "D02T02", "unit_name": "洛带镇", "unit_type": "town", "parent_code": "D02", "expected": "true",
         "email": "shared@example.org"},
        {"unit_code": "D02T03", "unit_name": "西河镇", "unit_type": "town", "parent_code": "D02", "expected": "true",
         "email": "shared@example.org"},
    ]
    return UnitIndex(build_units(rows))


@pytest.mark.parametrize(("code", "name", "relpath", "district", "expected"), [
    (None, "新华街道", "a.xlsx", None, ("unidentified", None, None)),
    (None, "新华街道", "a.xlsx", "D01", ("identified", "D01T01", "name")),
    (None, "新华街道", "a.xlsx", "D02", ("identified", "D02T01", "name")),
    (None, None, "新华街道报表.xlsx", None, ("unidentified", None, None)),
    (None, None, "新华街道报表.xlsx", "D02", ("identified", "D02T01", "file_name")),
    (None, None, "新华街道/报表.xlsx", "D01", ("identified", "D01T01", "folder")),
    (None, None, "汇总/新华街道.zip/报表.xlsx", "D01", ("identified", "D01T01", "folder")),
    (None, None, "洛带镇.7z/报表.xlsx", None, ("identified", "D02T02", "folder")),
    (None, "洛带镇", "a.xlsx", "D01", ("unidentified", None, None)),
    ("D02T02", None, "a.xlsx", "D01", ("identified", "D02T02", "code")),
])
def test_a_sources_district_narrows_every_name_match(code, name, relpath, district, expected) -> None:
    resolution = _twin_towns().resolve(code, name, relpath, district=district)
    assert (resolution.status, resolution.unit_code, resolution.identified_by) == expected


@pytest.mark.parametrize(("name", "relpath", "sender", "expected"), [
    (None, "报表.xlsx", "xinhua@example.org", ("identified", "D01T01", "sender")),
    (None, "报表.xlsx", "XH-LQ@example.org", ("identified", "D02T01", "sender")),
    (None, "洛带镇.xlsx", "xh-lq@example.org", ("identified", "D02T02", "file_name")),
    ("西河镇", "报表.xlsx", "xh-lq@example.org", ("identified", "D02T03", "name")),
    (None, "报表.xlsx", "shared@example.org", ("unidentified", None, None)),
    (None, "报表.xlsx", "stranger@example.org", ("unidentified", None, None)),
    (None, "报表.xlsx", None, ("unidentified", None, None)),
])
def test_the_senders_address_is_the_last_fallback(name, relpath, sender, expected) -> None:
    """After the file's own words, its name and its folder; an address two units share names neither."""
    resolution = _twin_towns().resolve(None, name, relpath, sender=sender)
    assert (resolution.status, resolution.unit_code, resolution.identified_by) == expected


def test_look_alike_units_in_other_districts_are_never_taken_on_resemblance() -> None:
    """Many districts each with their own 新华街道, 东风社区…: on a district's share every name resolves inside
    that district; without a district the same names stay unidentified, never guessed."""
    rows = [{"unit_code": "C000", "unit_name": "江源市科协", "unit_type": "city", "expected": "false"}]
    towns = ("新华街道", "东风社区", "红星街道", "城关镇")
    for d in range(1, 21):
        rows.append({"unit_code": f"D{d:02}", "unit_name": f"第{d}区科协", "unit_type": "district",
                     "parent_code": "C000", "expected": "true"})
        rows += [{"unit_code": f"D{d:02}T{t}", "unit_name": town, "unit_type": "town", "parent_code": f"D{d:02}",
                  "expected": "true"} for t, town in enumerate(towns)]
    index = UnitIndex(build_units(rows))
    for d in range(1, 21):
        for t, town in enumerate(towns):
            assert index.resolve(None, town, "a.xlsx", district=f"D{d:02}").unit_code == f"D{d:02}T{t}"
            assert index.resolve(None, None, f"{town}科普日报表.xlsx", district=f"D{d:02}").unit_code == f"D{d:02}T{t}"
            assert index.resolve(None, town, f"{town}.xlsx").status == "unidentified"

LOOK_ALIKES = [
    # unit_code, unit_name, unit_type, parent_code, aliases
    ("C000", "江源市科学技术协会", "city", "", "江源市科协"),
    ("D01", "双流区", "district", "C000", "双流区科协"),
    ("D02", "白沙区", "district", "C000", ""),
    ("T01", "白沙镇", "town", "D01", "白沙镇人民政府"),
    ("T02", "白沙街道", "street", "D02", ""),
    ("T03", "东升街道", "street", "D01", ""),
    ("T04", "九江街道", "street", "D01", ""),
    ("S01", "白沙镇中心小学", "school", "T01", ""),
    ("S02", "双流区白沙镇中学", "school", "D01", ""),
]


@pytest.fixture(scope="module")
def look_alikes() -> UnitIndex:
    keys = ("unit_code", "unit_name", "unit_type", "parent_code", "aliases")
    return UnitIndex(build_units([{**dict(zip(keys, row)), "expected": "true"} for row in LOOK_ALIKES]))


@pytest.mark.parametrize(("title", "unit"), [
    ("白沙镇科协2023年全国科普日活动统计表", "T01"),
    ("白沙镇人民政府2023年科普日活动情况表", "T01"),
    ("江源市双流区白沙镇2023年科普日活动统计表", "T01"),  # the city and the district name its ancestors
    ("白沙街道2023年科普日活动统计表", "T02"),  # 白沙 alone names nothing; 白沙街道 is not 白沙镇
    ("白沙区2023年科普日活动统计表", "D02"),
    ("白沙镇中心小学科普日活动统计表", "S01"),  # 白沙镇 only inside the longer name found
    ("双流区白沙镇中学科普日活动统计表", "S02"),
    ("江源市2023年全国科普日活动统计表", None),  # the city's own heading names no sender
    ("2023年全国科普日活动情况统计表", None),
    ("东升街道、九江街道联合开展科普日活动统计表", None),  # two senders: no evidence for either
    ("白沙镇、白沙街道科普日活动统计表", None),
])
def test_a_title_names_one_unit_or_none(look_alikes, title, unit) -> None:
    assert look_alikes.named_in_title(title) == unit


@pytest.mark.parametrize(("relpath", "expected"), [
    ("新建 Microsoft Excel 工作表.xlsx", ("identified", "T01", "title")),
    ("白沙镇中心小学.xlsx", ("identified", "S01", "file_name")),  # a child of the titled unit: the child
    ("东升街道.xlsx", ("identified", "T01", "title")),  # not a child of 白沙镇: the title comes first
    ("双流区/白沙镇中心小学/报表.xlsx", ("identified", "S01", "folder")),
])
def test_the_title_comes_after_code_and_name_before_file_and_folder(look_alikes, relpath, expected) -> None:
    resolution = look_alikes.resolve(None, None, relpath, title="白沙镇科协2023年全国科普日活动统计表")
    assert (resolution.status, resolution.unit_code, resolution.identified_by) == expected
    declared = look_alikes.resolve(None, "东升街道", relpath, title="白沙镇科协2023年全国科普日活动统计表")
    assert (declared.unit_code, declared.identified_by) == ("T03", "name")
