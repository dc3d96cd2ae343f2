"""What reaches the user's terminal (issue #23, item 7): no library's log (paramiko's ERROR and traceback on a
hung SFTP source), and, without a terminal, whole lines (rich would wrap at 80 columns mid-phrase)."""

from __future__ import annotations

import socket

import pytest

from tests.builders import activity, config_text, make_city
from tests.kepu_process import kepu
from tests.test_cli import CHATTER

pytestmark = pytest.mark.usefixtures("kepu_children")


def test_a_hung_sftp_source_is_named_once_and_no_library_log_reaches_the_console(tmp_path, monkeypatch):
    listener = socket.socket()  # accepts connections and never says a word
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    city = make_city(tmp_path / "city")
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)])
    (city.inbox / "说明.pdf").write_bytes(b"%PDF-1.4 not a table")
    city.config.write_text(config_text() + f"""
[[sources]]
name = "收件箱"
url = "{city.inbox.as_uri()}"

[[sources]]
name = "双流区投递箱"
url = "sftp://127.0.0.1:{port}/upload"
district = "D01"
username_env = "KEPU_SFTP_USER"
password_env = "KEPU_SFTP_PASSWORD"
timeout = 1

[run]
source_retries = 1
source_retry_delay = 0
""", encoding="utf-8")
    monkeypatch.setenv("KEPU_SFTP_USER", "district")
    monkeypatch.setenv("KEPU_SFTP_PASSWORD", "secret")
    monkeypatch.delenv("COLUMNS", raising=False)
    try:
        result = kepu("run", "--config", str(city.config), own_api=True)  # its own API: no log of it either
    finally:
        listener.close()

    assert result.returncode == 0, result.stderr
    assert "来源「双流区投递箱」不可用" in result.stdout
    assert result.stderr.strip() == "", result.stderr
    output = result.stdout + result.stderr
    assert not any(word in output for word in (*CHATTER, "paramiko", "ERROR", "Exception")), output
    files_line = next(line for line in result.stdout.splitlines() if line.startswith("文件："))
    assert "不是表格文件" in files_line and "无法读取" in files_line  # one line, not wrapped at 80 columns
