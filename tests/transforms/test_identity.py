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
