"""The `kepu` command as a user meets it: exit codes, one summary, no tracebacks, no Prefect chatter."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import pytest

from tests.builders import activity, add_shadowing_folders, make_city
from tests.kepu_process import kepu, kepu_command, kepu_env

pytestmark = pytest.mark.usefixtures("kepu_children")

CHATTER = ("Traceback", "Starting temporary server", "Finished in state", "prefect.", "INFO", "WARNING")


def test_missing_config_exits_2_with_a_message(tmp_path):
    result = kepu("run", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "找不到配置文件" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_bad_registry_exits_2_naming_the_line(tmp_path):
    city = make_city(tmp_path / "city")
    with open(city.root / "units.csv", "a", encoding="utf-8") as fh:
        fh.write("D01T01,重复的单位,town,D01,,true\n")
    result = kepu("run", "--config", str(city.config))
    assert result.returncode == 2
    assert "第10行" in result.stderr and "重复" in result.stderr
    assert not city.warehouse.exists()


def test_decide_records_or_refuses_in_one_line(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)], received=datetime(2023, 9, 30, 10))
    assert kepu("run", "--config", str(city.config)).returncode == 0

    refused = kepu("decide", "exclude_row", "东升街道.xlsx", "--cell", "B99", "--reason", "测试",
                   "--config", str(city.config))
    assert refused.returncode == 2 and "第99行没有活动记录" in refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    assert not (city.root / "decisions.csv").exists()

    status = kepu("status", "--config", str(city.config))
    assert "待决定事项（1 项）" in status.stdout and "kepu decide accept_on_time" in status.stdout

    recorded = kepu("decide", "accept_on_time", "东升街道.xlsx", "--reason", "系统故障，按时计",
                    "--config", str(city.config))
    assert recorded.returncode == 0, recorded.stderr
    assert "第2行" in recorded.stdout and "将按时计" in recorded.stdout
    again = kepu("run", "--config", str(city.config))
    assert again.returncode == 0 and "按时 1" in again.stdout


def test_run_then_status(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    (city.inbox / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not a workbook")

    result = kepu("run", "--config", str(city.config))

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "已发布" in output and "无法读取 1 个" in output and "120" in output
    assert not any(word in output for word in CHATTER), output

    status = kepu("status", "--config", str(city.config))
    assert status.returncode == 0, status.stderr
    assert "报送情况" in status.stdout and "催报名单" in status.stdout and "最近运行" in status.stdout


def test_sign_then_status_then_sign_again_is_refused(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    assert kepu("run", "--config", str(city.config)).returncode == 0

    nobody = kepu("sign", "--config", str(city.config))
    assert nobody.returncode != 0 and "--by" in nobody.stderr and nobody.stderr.strip().count("\n") == 0
    signed = kepu("sign", "--by", "王丽", "--note", "报省科协", "--config", str(city.config))
    assert signed.returncode == 0, signed.stderr
    assert "已签发第1版" in signed.stdout and "已报送" in signed.stdout
    assert (city.root / "out" / "2023-science-day" / "已报送" / "第1版" / "全市汇总.xlsx").is_file()
    again = kepu("sign", "--by", "王丽", "--config", str(city.config))
    assert again.returncode == 1 and "当前数据与第1版相同" in again.stderr
    assert again.stderr.strip().count("\n") == 0 and "Traceback" not in again.stdout + again.stderr
    status = kepu("status", "--config", str(city.config))
    assert status.stdout.lstrip().startswith("与第1版相同"), status.stdout


def test_status_counts_the_statistician_s_warnings(tmp_path):
    """A society's form with one row pasted twice and an exhibition whose 经费 was typed in 元: both counted,
    both warned, and `kepu status` names each check that found something."""
    city = make_city(tmp_path / "city")
    pasted = activity("科普讲座", 18, 120, venue="文化站", volunteers=5)
    city.submit("东升街道.xlsx", "D01T01", [pasted, activity("节能科普展", 19, 800, "展览展示", funding_wan=3000),
                                           dict(pasted)])
    assert kepu("run", "--config", str(city.config)).returncode == 0

    status = kepu("status", "--config", str(city.config))

    assert status.returncode == 0, status.stderr
    text = "".join(status.stdout.split())
    assert "统计核查：疑似重复填报1条，经费疑似按元填写1条" in text and "未改动汇总数" in text


def test_a_run_from_a_campaign_folder_holding_folders_named_like_kepus_layers(tmp_path):
    """A campaign folder has its own `warehouse/`; `python -m` puts the working directory first on
    sys.path, so a bare `import warehouse` would find that folder instead of kepu's code."""
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    add_shadowing_folders(city.root)

    result = kepu("run", "--config", "kepu.toml", cwd=city.root)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "已发布" in result.stdout and "120" in result.stdout
    status = kepu("status", cwd=city.root)
    assert status.returncode == 0, status.stdout + status.stderr


def test_template_command_writes_the_form(tmp_path):
    out = tmp_path / "模板.xlsx"
    result = kepu("template", "--output", str(out), "--name", "2024年全国科普日")
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def test_on_a_terminal_the_user_sees_progress_and_summary_only(tmp_path):
    """Run under a pseudo-terminal, as a person would: Prefect's first-run telemetry notice and logs
    only appear there, so a pipe would not catch them."""
    import pty

    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    env = kepu_env(own_api=True, COLUMNS="100", TERM="xterm")  # the run's own API: its chatter would show here
    env.pop("DO_NOT_TRACK", None)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(kepu_command("run", "--config", str(city.config)),
                            stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=600) == 0
    os.close(leader)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "已发布" in screen and "120" in screen
    assert "anonymous usage" not in screen and "Traceback" not in screen
    assert not any(word in screen for word in CHATTER[1:]), screen


def test_a_source_that_cannot_be_read_is_named_and_the_run_still_exits_0(tmp_path):
    from tests.builders import config_text
    from tests.servers.records import closed_port

    city = make_city(tmp_path / "city")
    share = tmp_path / "共享"
    share.mkdir()
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    os.replace(city.inbox / "东升街道.xlsx", share / "东升街道.xlsx")
    city.config.write_text(config_text() + f"""
[[sources]]
name = "共享"
url = "{share.as_uri()}"

[[sources]]
name = "龙泉区网盘"
url = "webdav://127.0.0.1:{closed_port()}/upload"
district = "D02"

[run]
source_retries = 1
source_retry_delay = 0
""", encoding="utf-8")

    result = kepu("run", "--config", str(city.config))

    assert result.returncode == 0, result.stderr
    output = "".join((result.stdout + result.stderr).split())  # rich wraps long lines at the terminal's width
    assert "来源「龙泉区网盘」不可用：无法连接到服务器" in output and "来源「共享」：1个条目" in output
    assert "来源不可用2个" in output  # D02 and its town: their district's share is down
    assert not any(word in output for word in CHATTER), output
    status = kepu("status", "--config", str(city.config))
    shown = "".join(status.stdout.split())
    assert "来源不可用" in shown and "龙泉区网盘" in shown and "最近一次运行有来源不可用" in shown


def test_a_bad_source_exits_2_in_one_line(tmp_path):
    city = make_city(tmp_path / "city")
    with open(city.config, "a", encoding="utf-8") as fh:
        fh.write('\n[[sources]]\nname = "邮箱"\nurl = "imaps://imap.example.org/INBOX"\n'
                 'username_env = "KEPU_TEST_UNSET_USER"\npassword_env = "KEPU_TEST_UNSET_PASSWORD"\n')
    result = kepu("run", "--config", str(city.config))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "KEPU_TEST_UNSET_USER 未设置" in result.stderr
    assert not city.warehouse.exists()


def test_run_drafts_notices_and_status_lists_them(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    with open(city.config, "a", encoding="utf-8") as fh:
        fh.write('\n[notices]\nsender = "kepu@example.org"\noffice_email = "kpb@example.org"\n')

    result = kepu("run", "--config", str(city.config))
    assert result.returncode == 0, result.stderr
    assert "通知：已起草 1 份（见 通知/），无邮箱地址 6 个单位（6 份通知未能发出）" in result.stdout

    status = kepu("status", "--config", str(city.config))
    assert status.returncode == 0, status.stderr
    assert "待发送的通知" in status.stdout and "无邮箱地址" in status.stdout and "已起草" in status.stdout


def test_bad_notices_exit_2_in_one_line(tmp_path):
    city = make_city(tmp_path / "city")
    with open(city.config, "a", encoding="utf-8") as fh:
        fh.write('\n[notices]\nmode = "send"\nsender = "kepu@example.org"\noffice_email = "kpb@example.org"\n')
    result = kepu("run", "--config", str(city.config))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "[notices]" in result.stderr and "smtp" in result.stderr
    assert not city.warehouse.exists()


ENGLISH_WORDS = ("Usage", "Options", "Show this message", "Error", "Try ", "No such", "Missing", "Invalid",
                 "Commands", "Arguments", "[default", "<bool>", "INTEGER", "PATH", "TEXT", "Possible")


@pytest.mark.parametrize("args", [
    ["--help"], ["run", "--help"], ["template", "--help"], ["sql", "--help"], ["status", "--help"],
    ["demo", "--help"], ["serve", "--help"], ["run", "--bogus"], ["run", "--workers", "abc"], ["bogus"],
    ["template", "--per-unit"], [], ["decide", "--help"], ["decide"], ["sign", "--help"], ["console", "--help"],
    ["console", "--host", "0.0.0.0", "--config", "nowhere.toml"],
])
def test_help_usage_and_errors_speak_chinese(tmp_path, args):
    result = kepu(*args)
    output = result.stdout + result.stderr

    assert output.strip()
    assert "用法" in output or "错误" in output, output
    assert not [w for w in ENGLISH_WORDS if w in output], output


def test_template_per_unit_writes_one_locked_form_per_expected_unit(tmp_path):
    import openpyxl

    from kepu.sources.books import read_book
    from kepu.transforms.submission import parse_book

    city = make_city(tmp_path / "city")
    result = kepu("template", "--per-unit", "--config", str(city.config), "--output", str(tmp_path / "forms"))

    assert result.returncode == 0, result.stderr
    forms = sorted((tmp_path / "forms").rglob("*.xlsx"))
    expected = [line.split(",") for line in (city.root / "units.csv").read_text(encoding="utf-8").splitlines()[1:]]
    expected = [(code, name) for code, name, *_, flag in expected if flag == "true"]
    assert len(forms) == len(expected)
    for code, name in expected:
        (path,) = [f for f in forms if f.name.startswith(f"{name}_")]
        ws = openpyxl.load_workbook(path)["活动明细"]
        assert (ws["B2"].value, ws["F2"].value) == (name, code)
        assert ws.protection.sheet and ws["B2"].protection.locked and ws["F2"].protection.locked
        assert not ws["B4"].protection.locked and not ws["I2"].protection.locked
        assert "统计时段：2023年9月17日至9月23日" in ws["N2"].value and "2023年9月28日" in ws["N2"].value
        identity = parse_book(read_book(path), 2023).identity
        assert (identity.unit_code.value, identity.unit_name.value) == (code, name)


def test_sql_opens_the_warehouse_read_only(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    assert kepu("run", "--config", str(city.config)).returncode == 0

    query = kepu("sql", "--config", str(city.config), "-e", "select participants from marts.city_totals")
    write = kepu("sql", "--config", str(city.config), "-e", "create table marts.x (i int)")

    assert query.returncode == 0 and "120" in query.stdout, query.stderr
    assert write.returncode != 0 and "read-only" in write.stdout + write.stderr
    missing = kepu("sql", "--warehouse", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 1 and "尚未生成" in missing.stderr


def test_the_readmes_duckdb_command_works_from_the_environment(tmp_path):
    """README: `duckdb -readonly warehouse/kepu.duckdb` — the duckdb-cli package puts it beside kepu."""
    from pathlib import Path

    from kepu.warehouse.shell import duckdb_binary

    city = make_city(tmp_path / "city")
    assert kepu("run", "--config", str(city.config)).returncode == 0
    binary = duckdb_binary()
    assert binary is not None and binary.is_file()
    result = subprocess.run([str(binary), "-readonly", str(Path(city.warehouse)), "-c",
                             "select count(*) from marts.city_totals"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "1" in result.stdout, result.stderr
