"""kepu.toml and units.csv: a wrong line stops the run with a message that names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kepu.settings import load_settings, read_registry
from kepu.schemas.errors import ConfigError
from tests.builders import config_text, make_city

HEADER = "unit_code,unit_name,unit_type,parent_code,aliases,expected\n"


def test_paths_are_relative_to_the_config_and_flags_override(tmp_path):
    city = make_city(tmp_path / "city")
    other = tmp_path / "elsewhere.duckdb"
    settings = load_settings(city.config, warehouse=other)
    assert settings.inbox == (city.root / "inbox").resolve()
    assert settings.warehouse == other.resolve()
    assert settings.campaign.campaign_id == "2023-science-day"
    assert settings.campaign_out == (city.root / "out" / "2023-science-day").resolve()


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace('start = 2023-09-17', 'start = "9月17日"'), "start"),
    (lambda t: t.replace('end = 2023-09-23', 'end = 2023-09-01'), "end"),
    (lambda t: t.replace('id = "2023-science-day"\n', ''), "id"),
    (lambda t: t.replace('[campaign]', '[campain]'), r"\[campaign\]"),
    (lambda t: t + "\n[paths\n", "格式错误"),
])
def test_bad_config_names_the_key(tmp_path, change, message):
    city = make_city(tmp_path / "city")
    city.config.write_text(change(config_text()), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(city.config)


def test_missing_config_and_missing_inbox(tmp_path):
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_settings(tmp_path / "nope.toml")
    city = make_city(tmp_path / "city")
    (city.root / "inbox").rmdir()
    with pytest.raises(ConfigError, match="收件箱"):
        load_settings(city.config)


def write_registry(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "units.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("body, message", [
    ("C000,市科协,city,,,false\nC000,另一个,district,C000,,true\n", "第3行.*重复"),
    ("C000,市科协,city,,,false\nD01,双流区,district,D99,,true\n", "第3行.*D99"),
    ("C000,市科协,city,,,false\nD01,双流区,district,C000,,maybe\n", "第3行.*expected"),
    ("C000,市科协,metropolis,,,false\n", "第2行.*unit_type"),
    ("C000,,city,,,false\n", "第2行.*unit_name"),
])
def test_bad_registry_names_the_line(tmp_path, body, message):
    with pytest.raises(ConfigError, match=message):
        read_registry(write_registry(tmp_path, body))


def test_registry_missing_column(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("unit_code,unit_name\nC000,市科协\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="缺少列.*unit_type"):
        read_registry(path)


def test_registry_gives_each_unit_its_district(tmp_path):
    units = read_registry(write_registry(tmp_path, (
        "C000,江源市科协,city,,,false\n"
        "D01,双流区科协,district,C000,双流区,true\n"
        "D01T01,东升街道,street,D01,东升街道办事处;东升街道科协,true\n"
        "S001,市一中,school,C000,,true\n")))
    districts = dict(zip(units["unit_code"], units["district_code"]))
    assert districts == {"C000": "C000", "D01": "D01", "D01T01": "D01", "S001": "C000"}
    aliases = dict(zip(units["unit_code"], units["aliases"]))
    assert aliases["D01T01"] == ["东升街道办事处", "东升街道科协"]


def test_office_section_is_read_with_defaults(tmp_path):
    city = make_city(tmp_path / "city")
    assert load_settings(city.config).office.city_units_label == "市直单位"
    assert load_settings(city.config).office.name == ""

    city.config.write_text(config_text() + '\n[office]\nname = "江源市科学技术协会"\npreparer = "王丽"\nphone = 12345678\n'
                           'city_units_label = "市本级"\n', encoding="utf-8")
    office = load_settings(city.config).office

    assert (office.name, office.preparer, office.reviewer, office.phone, office.city_units_label) == (
        "江源市科学技术协会", "王丽", "", "12345678", "市本级")


@pytest.mark.parametrize(("section", "message"), [
    ('[office]\nname = ["甲"]\n', "name"),
    ('[office]\nsigner = "王丽"\n', "signer"),
    ('office = "甲"\n', r"\[office\]"),
])
def test_bad_office_section_names_the_key(tmp_path, section, message):
    city = make_city(tmp_path / "city")
    text = config_text()
    city.config.write_text(section + text if not section.startswith("[") else text + "\n" + section, encoding="utf-8")

    with pytest.raises(ConfigError, match=message):
        load_settings(city.config)
