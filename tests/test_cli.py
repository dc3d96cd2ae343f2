"""The `kepu` command as a user meets it: exit codes, one summary, no tracebacks, no Prefect chatter."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.builders import activity, add_shadowing_folders, make_city

CHATTER = ("Traceback", "Starting temporary server", "Finished in state", "prefect.", "INFO", "WARNING")


def kepu(*args: str, home, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return subprocess.run([sys.executable, "-m", "kepu.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600, cwd=cwd)


def test_missing_config_exits_2_with_a_message(tmp_path):
    result = kepu("run", "--config", str(tmp_path / "nope.toml"), home=tmp_path / "home")
    assert result.returncode == 2
    assert "找不到配置文件" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_bad_registry_exits_2_naming_the_line(tmp_path):
    city = make_city(tmp_path / "city")
    with open(city.root / "units.csv", "a", encoding="utf-8") as fh:
        fh.write("D01T01,重复的单位,town,D01,,true\n")
    result = kepu("run", "--config", str(city.config), home=tmp_path / "home")
    assert result.returncode == 2
    assert "第10行" in result.stderr and "重复" in result.stderr
    assert not city.warehouse.exists()


def test_run_then_status(tmp_path):
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    (city.inbox / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not a workbook")

    result = kepu("run", "--config", str(city.config), home=tmp_path / "home")

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "已发布" in output and "无法读取 1 个" in output and "120" in output
    assert not any(word in output for word in CHATTER), output

    status = kepu("status", "--config", str(city.config), home=tmp_path / "home")
    assert status.returncode == 0, status.stderr
    assert "报送情况" in status.stdout and "催报名单" in status.stdout and "最近运行" in status.stdout


def test_a_run_from_a_campaign_folder_holding_folders_named_like_kepus_layers(tmp_path):
    """A campaign folder has its own `warehouse/`; `python -m` puts the working directory first on
    sys.path, so a bare `import warehouse` would find that folder instead of kepu's code."""
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    add_shadowing_folders(city.root)

    result = kepu("run", "--config", "kepu.toml", home=tmp_path / "home", cwd=city.root)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "已发布" in result.stdout and "120" in result.stdout
    status = kepu("status", home=tmp_path / "home", cwd=city.root)
    assert status.returncode == 0, status.stdout + status.stderr


def test_template_command_writes_the_form(tmp_path):
    out = tmp_path / "模板.xlsx"
    result = kepu("template", "--output", str(out), "--name", "2024年全国科普日", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def test_on_a_terminal_the_user_sees_progress_and_summary_only(tmp_path):
    """Run under a pseudo-terminal, as a person would: Prefect's first-run telemetry notice and logs
    only appear there, so a pipe would not catch them."""
    import pty

    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    env.update(PREFECT_HOME=str(tmp_path / "home"), COLUMNS="100", TERM="xterm")
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kepu.cli", "run", "--config", str(city.config)],
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
