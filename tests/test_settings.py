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


# --- [[sources]] (SPEC §2.2, §2.4) -------------------------------------------------------------------------

SOURCES = '''
[[sources]]
name = "报送邮箱"
url = "imaps://imap.example.org/INBOX"
username_env = "KEPU_MAIL_USER"
password_env = "KEPU_MAIL_PASSWORD"

[[sources]]
name = "双流区共享"
url = "file:///srv/share/shuangliu"
district = "D01"
glob = "**/*.xls*"

[[sources]]
name = "网上填报"
url = "s3://kepu-forms/2023"
endpoint = "https://oss-cn-chengdu.aliyuncs.com"
region = "cn-chengdu"
username_env = "KEPU_S3_KEY"
password_env = "KEPU_S3_SECRET"
timeout = 30
'''


def test_sources_are_read_in_order_and_the_inbox_need_not_exist(tmp_path):
    city = make_city(tmp_path / "city")
    city.config.write_text(config_text() + SOURCES, encoding="utf-8")
    (city.root / "inbox").rmdir()

    settings = load_settings(city.config)

    assert [(s.name, s.kind, s.district) for s in settings.intake_sources] == [
        ("报送邮箱", "mailbox", None), ("双流区共享", "folder", "D01"), ("网上填报", "store", None)]
    mail, share, store = settings.sources
    assert (mail.username_env, mail.password_env, share.glob, share.folder) == (
        "KEPU_MAIL_USER", "KEPU_MAIL_PASSWORD", "**/*.xls*", Path("/srv/share/shuangliu"))
    assert (store.endpoint, store.region, store.timeout_s) == ("https://oss-cn-chengdu.aliyuncs.com", "cn-chengdu", 30.0)
    assert "KEPU" not in repr(settings).replace("KEPU_", ""), "the settings hold variable names, no secret"


def test_without_sources_the_inbox_is_the_one_source(tmp_path):
    city = make_city(tmp_path / "city")
    (source,) = load_settings(city.config).intake_sources
    assert (source.name, source.kind, source.default, source.folder) == ("inbox", "folder", True,
                                                                         (city.root / "inbox").resolve())
    assert source.shown("双流区/a.xlsx") == "双流区/a.xlsx"


@pytest.mark.parametrize("block, message", [
    ('[[sources]]\nurl = "file:///srv"\n', "缺少 name"),
    ('[[sources]]\nname = "a"\n', "缺少 url"),
    ('[[sources]]\nname = "a/b"\nurl = "file:///srv"\n', "不能含有 /"),
    ('[[sources]]\nname = "a"\nurl = "ftp://example.org/x"\n', "协议“ftp”不受支持"),
    ('[[sources]]\nname = "a"\nurl = "sftp://kepu:s3cret@example.org/x"\n', "不得写密码"),
    ('[[sources]]\nname = "a"\nurl = "sftp:///upload"\n', "缺少主机名"),
    ('[[sources]]\nname = "a"\nurl = "s3:///prefix"\n', "缺少存储桶名"),
    ('[[sources]]\nname = "a"\nurl = "file://server/share"\n', "本机文件夹"),
    ('[[sources]]\nname = "a"\nurl = "imap://mail.example.org/INBOX"\nusername_env = "U"\n', "password_env"),
    ('[[sources]]\nname = "a"\nurl = "sftp://example.org/x"\npassword_env = "my password"\n', "环境变量名"),
    ('[[sources]]\nname = "a"\nurl = "sftp://example.org/x"\npassword = "hunter2"\n', "未知的键 password"),
    ('[[sources]]\nname = "a"\nurl = "s3://b"\nendpoint = "oss.example.org"\n', "endpoint"),
    ('[[sources]]\nname = "a"\nurl = "file:///srv"\ntimeout = 0\n', "timeout"),
    ('[[sources]]\nname = "a"\nurl = "file:///srv"\nca_file = "missing.pem"\n', "ca_file"),
    ('[[sources]]\nname = "a"\nurl = "file:///a"\n[[sources]]\nname = "a"\nurl = "file:///b"\n', "重名"),
    ('[sources]\nname = "a"\nurl = "file:///srv"\n', r"\[\[sources\]\]"),
    ('[run]\nsource_retries = 99\n', "source_retries"),
])
def test_a_bad_source_names_itself_in_one_line(tmp_path, block, message):
    city = make_city(tmp_path / "city")
    city.config.write_text(config_text() + "\n" + block, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(city.config)
    assert "\n" not in str(caught.value)


def test_inbox_flag_with_sources_is_refused(tmp_path):
    city = make_city(tmp_path / "city")
    city.config.write_text(config_text() + SOURCES, encoding="utf-8")
    with pytest.raises(ConfigError, match="--inbox"):
        load_settings(city.config, inbox=city.root / "inbox")


def test_credentials_and_districts_are_checked_before_a_run(tmp_path):
    from kepu.settings import check_sources

    city = make_city(tmp_path / "city")
    city.config.write_text(config_text() + SOURCES, encoding="utf-8")
    settings = load_settings(city.config)
    units = read_registry(city.root / "units.csv")
    env = {"KEPU_MAIL_USER": "kpb", "KEPU_MAIL_PASSWORD": "x", "KEPU_S3_KEY": "k", "KEPU_S3_SECRET": "s"}

    check_sources(settings, units, environ=env)
    with pytest.raises(ConfigError, match="KEPU_S3_SECRET 未设置") as caught:
        check_sources(settings, units, environ={**env, "KEPU_S3_SECRET": ""})
    assert "网上填报" in str(caught.value)
    check_sources(settings, units, credentials=False, environ={})
    city.config.write_text(config_text() + SOURCES.replace('"D01"', '"D01T01"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="D01T01.*不是.*区县"):
        check_sources(load_settings(city.config), units, environ=env)


def test_registry_email_and_contact_are_optional_and_extra_columns_kept_out(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(
        "unit_code,unit_name,unit_type,parent_code,aliases,expected,email,contact,备注\n"
        "C000,江源市科协,city,,,false,,,\n"
        "D01,双流区科协,district,C000,,true,SL@Example.org; sl2@example.org,王丽,市里的\n"
        "S001,市一中,school,C000,,true,,,\n", encoding="utf-8")
    units = read_registry(path)
    emails = dict(zip(units["unit_code"], units["email"]))
    assert emails == {"C000": [], "D01": ["sl@example.org", "sl2@example.org"], "S001": []}
    assert dict(zip(units["unit_code"], units["contact"]))["D01"] == "王丽"
    assert "备注" not in units.columns
    assert list(read_registry(write_registry(tmp_path, "C000,市科协,city,,,false\n"))["email"]) == [[]]


def test_a_bad_email_names_the_line(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(HEADER.rstrip("\n") + ",email\nC000,市科协,city,,,false,无\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="第2行.*email “无”"):
        read_registry(path)


def test_office_section_is_read_with_defaults(tmp_path):
    city = make_city(tmp_path / "city")
    assert load_settings(city.config).office.city_units_label == "市直单位"
    assert load_settings(city.config).office.name == ""

    city.config.write_text(config_text() + '\n[office]\nname = "江源市科学技术协会"\npreparer = "王丽"\nphone = 12345678\n'
                           'city_units_label = "市本级"\n', encoding="utf-8")
    office = load_settings(city.config).office

    assert (office.name, office.preparer, office.reviewer, office.phone, office.city_units_label) == (
        "江源市科学技术协会", "王丽", "", "12345678", "市本级")
    assert office.email == ""


def test_office_email_is_read_and_checked(tmp_path):
    city = make_city(tmp_path / "city")
    city.config.write_text(config_text() + '\n[office]\nemail = " kpb@example.org "\n', encoding="utf-8")
    assert load_settings(city.config).office.email == "kpb@example.org"

    city.config.write_text(config_text() + '\n[office]\nemail = "科普部"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="email “科普部”"):
        load_settings(city.config)


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


NOTICES = '[notices]\nsender = "kepu@example.org"\noffice_email = "kpb@example.org"\n'


def test_notices_default_to_drafts_and_read_the_server_two_ways(tmp_path):
    city = make_city(tmp_path / "city")
    assert load_settings(city.config).notices is None
    city.config.write_text(config_text() + "\n" + NOTICES, encoding="utf-8")
    drafts = load_settings(city.config).notices
    assert drafts.mode == "draft" and drafts.host is None and drafts.office_email == ("kpb@example.org",)
    city.config.write_text(config_text() + "\n" + NOTICES + 'mode = "send"\nsmtp = "smtps://smtp.exmail.qq.com"\n'
                           'username_env = "KEPU_SMTP_USER"\npassword_env = "KEPU_SMTP_PASSWORD"\n', encoding="utf-8")
    sent = load_settings(city.config).notices
    assert (sent.mode, sent.host, sent.port, sent.tls) == ("send", "smtp.exmail.qq.com", 465, "ssl")
    city.config.write_text(config_text() + "\n" + NOTICES + 'mode = "send"\nhost = "relay.local"\ntls = "none"\n',
                           encoding="utf-8")
    relay = load_settings(city.config).notices
    assert (relay.host, relay.port, relay.tls, relay.username_env) == ("relay.local", 25, "none", None)


@pytest.mark.parametrize("block, message", [
    (NOTICES + 'mode = "auto"\n', "mode 应为 draft"),
    (NOTICES + 'mode = "send"\n', "需要 smtp"),
    (NOTICES + 'smtp = "imaps://mail.example.org"\n', "smtps://"),
    (NOTICES + 'smtp = "smtps://kepu:hunter2@smtp.example.org"\n', "不得写用户名或密码"),
    (NOTICES + 'smtp = "smtp://smtp.example.org"\nhost = "smtp.example.org"\n', "只能写一种"),
    (NOTICES + 'host = "smtp.example.org"\ntls = "tls"\n', "tls 应为 starttls"),
    (NOTICES + 'host = "smtp.example.org"\nport = 70000\n', "port"),
    (NOTICES + 'password = "hunter2"\n', "未知的键 password"),
    (NOTICES + 'password_env = "my password"\nusername_env = "U"\n', "环境变量名"),
    (NOTICES + 'password_env = "P"\n', "同时设置"),
    (NOTICES + 'ca_file = "missing.pem"\n', "ca_file"),
    ('[notices]\noffice_email = "kpb@example.org"\n', "sender"),
    ('[notices]\nsender = "kepu@example.org"\n', "office_email"),
    ('[notices]\nsender = "kepu@example.org"\noffice_email = "科普部"\n', "不是有效的邮箱地址"),
])
def test_bad_notices_section_names_the_key_in_one_line(tmp_path, block, message):
    city = make_city(tmp_path / "city")
    city.config.write_text(config_text() + "\n" + block, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(city.config)
    assert "\n" not in str(caught.value)


def test_the_statement_style_and_the_share_sign_tolerates(tmp_path):
    city = make_city(tmp_path / "city")
    settings = load_settings(city.config)
    assert (settings.statement_style, settings.sign_open_share) == ("exact", 0.01)
    city.config.write_text(config_text() + '\n[statement]\nfigures = "rounded"\n[sign]\nopen_share = 0.05\n',
                           encoding="utf-8")
    settings = load_settings(city.config)
    assert (settings.statement_style, settings.sign_open_share) == ("rounded", 0.05)
    city.config.write_text(config_text() + '\n[statement]\nfigures = "约数"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="figures"):
        load_settings(city.config)
