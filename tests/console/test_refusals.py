"""What `kepu console` refuses, without a browser (Starlette's TestClient, a campaign folder with no warehouse): a
non-loopback address without a password, a form without its CSRF token, a download outside out/, a Host that is
not this machine; and submitted text (a cell holding `<script>`) rendered as text."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from kepu.console import application
from kepu.console import sheet as sheet_module
from kepu.console.app import Console
from kepu.console.security import CSRF_FIELD, console_password, is_loopback
from kepu.schemas.errors import ConfigError
from kepu.settings import load_settings

CAMPAIGN = "2023-science-day"


@pytest.fixture
def campaign(tmp_path) -> Path:
    """A campaign folder: kepu.toml, an inbox, a registry, out/<campaign>/ with one deliverable; no warehouse."""
    (tmp_path / "inbox").mkdir()
    (tmp_path / "units.csv").write_text("unit_code,unit_name,district_code,district_name,unit_type,expected\n",
                                        encoding="utf-8")
    (tmp_path / "kepu.toml").write_text(f"""[campaign]
id = "{CAMPAIGN}"
name = "2023年全国科普日"
start = 2023-09-17
end = 2023-09-23
deadline = 2023-09-28

[console]
password_env = "KEPU_TEST_CONSOLE_PASSWORD"
""", encoding="utf-8")
    out = tmp_path / "out" / CAMPAIGN
    out.mkdir(parents=True)
    (out / "情况说明.md").write_text("科普日期间，全市共开展科普活动1场次。", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not for download", encoding="utf-8")
    return tmp_path


def settings_of(folder: Path):
    return load_settings(folder / "kepu.toml", check_inputs=False)


def csrf_of(html: str) -> str:
    return re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', html)[1]


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("[::1]", True), ("127.0.0.2", True), ("0.0.0.0", False),
                                            ("192.168.1.20", False), ("::", False), ("office-pc", False)])
def test_loopback_is_only_this_machine(host, loopback):
    assert is_loopback(host) is loopback


def test_a_non_loopback_host_without_a_password_does_not_start(campaign, monkeypatch):
    settings = settings_of(campaign)
    with pytest.raises(ConfigError, match="KEPU_TEST_CONSOLE_PASSWORD 未设置"):
        application(settings, "0.0.0.0", environ={})
    without = settings.__class__(**{**settings.__dict__, "console_password_env": None})
    with pytest.raises(ConfigError, match="password_env"):
        application(without, "0.0.0.0", environ={"KEPU_TEST_CONSOLE_PASSWORD": "x"})
    assert console_password(settings, "127.0.0.1", environ={}) is None
    monkeypatch.delenv("KEPU_TEST_CONSOLE_PASSWORD", raising=False)
    from kepu.cli import app

    result = CliRunner().invoke(app, ["console", "--config", str(campaign / "kepu.toml"), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "未启动" in result.output


def test_another_address_asks_for_the_password_compared_and_signed(campaign):
    app = application(settings_of(campaign), "0.0.0.0", environ={"KEPU_TEST_CONSOLE_PASSWORD": "科协2023"})
    client = TestClient(app, base_url="http://office-pc:8765")
    first = client.get("/totals", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login"
    login = client.get("/login")
    token = csrf_of(login.text)
    wrong = client.post("/login", data={CSRF_FIELD: token, "password": "guess"}, follow_redirects=False)
    assert wrong.status_code == 403 and "密码不对" in wrong.text
    assert client.get("/totals", follow_redirects=False).status_code == 303
    right = client.post("/login", data={CSRF_FIELD: token, "password": "科协2023"}, follow_redirects=False)
    assert right.status_code == 303
    assert client.get("/totals").status_code == 200
    forged = TestClient(app, base_url="http://office-pc:8765", cookies={"kepu_session": "c2lkfDE.0000"})
    assert forged.get("/totals", follow_redirects=False).status_code == 303


def test_a_post_without_its_csrf_token_is_refused(campaign):
    settings = settings_of(campaign)
    client = TestClient(Console(settings).application())
    page = client.get("/items")
    token = csrf_of(page.text)
    form = {"kind": "exclude_file", "file": "0" * 64, "reason": "测试"}
    for data in (form, {**form, CSRF_FIELD: "forged"}, {**form, CSRF_FIELD: token + "0"}):
        refused = client.post("/decide", data=data, follow_redirects=False)
        assert refused.status_code == 403
        assert "安全令牌" in refused.text
    other = TestClient(client.app)  # another browser: its own session, the first one's token is not its own
    other.get("/")
    assert other.post("/run", data={CSRF_FIELD: token}, follow_redirects=False).status_code == 403
    assert not settings.decisions.exists()
    accepted = client.post("/decide", data={**form, CSRF_FIELD: token}, follow_redirects=False)
    assert accepted.status_code == 303  # past the gate: `kepu decide`'s own check refuses (no warehouse)
    assert "尚未生成" in client.get(accepted.headers["location"]).text
    assert not settings.decisions.exists()


def test_a_download_outside_out_is_refused(campaign):
    settings = settings_of(campaign)
    outside = campaign / "out" / CAMPAIGN / "link.txt"
    outside.symlink_to(campaign / "secret.txt")
    client = TestClient(Console(settings).application())
    ok = client.get("/download/" + "情况说明.md")
    assert ok.status_code == 200 and "全市共开展" in ok.text
    for path in ("../../secret.txt", "..%2F..%2Fsecret.txt", "%2E%2E/%2E%2E/secret.txt", "link.txt",
                 str(campaign / "secret.txt"), "/etc/passwd", "../../kepu.toml", "nope.xlsx"):
        refused = client.get("/download/" + path)
        assert refused.status_code == 404, path
        assert "not for download" not in refused.text
    from kepu.console.pages import safe_download

    assert safe_download(settings, "情况说明.md") == (campaign / "out" / CAMPAIGN / "情况说明.md").resolve()
    for path in ("../../secret.txt", "link.txt", "/etc/passwd", str(campaign / "secret.txt"), "", "..", "."):
        assert safe_download(settings, path) is None, path


def test_loopback_answers_only_to_this_machine_s_names(campaign):
    client = TestClient(Console(settings_of(campaign)).application(), base_url="http://evil.example:8765")
    assert client.get("/").status_code == 400
    assert TestClient(client.app, base_url="http://127.0.0.1:8765").get("/").status_code == 200


def test_a_cell_holding_script_renders_as_text(campaign, monkeypatch):
    """The cited cell read from the kept original, and the file's name, through the page's own template."""
    settings = settings_of(campaign)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "活动明细"
    ws["B2"] = "活动名称"
    ws["B3"] = "<script>alert('kepu')</script>"
    ws["C3"] = 3000
    kept = settings.warehouse.parent / "files" / "ab" / ("ab" + "0" * 62 + ".xlsx")
    kept.parent.mkdir(parents=True)
    book.save(kept)
    monkeypatch.setattr(sheet_module.queries, "kept_file", lambda wh, cid, sha: {
        "path": "<img src=x onerror=alert(1)>.xlsx", "stored_as": str(kept.relative_to(settings.warehouse.parent))})
    excerpt = sheet_module.excerpt(settings.warehouse, CAMPAIGN, "ab" + "0" * 62, "活动明细", "C3")
    assert ("B3", "<script>alert('kepu')</script>") in excerpt.rows[2][1]
    item = {"number": 1, "item": "value", "label": "请核实的数值", "detail": "over_cap", "title": "超出合理上限",
            "unit_name": "<b>单位</b>", "file_path": "<img src=x onerror=alert(1)>.xlsx", "file_sha256": "ab" + "0" * 62,
            "sheet": "活动明细", "cell": "C3", "message": "<script>x()</script>", "excerpt": excerpt,
            "correctable": True, "amount_shown": "3,000", "measure_label": "经费（万元）", "share": 0.5}
    console = Console(settings)
    html = console.env.get_template("items.html").render(
        title="待决定事项", nav=(), path="/items", csrf_field=CSRF_FIELD, csrf_token="t", flash=None, settings=settings,
        campaign=settings.campaign, signed_in=True, needs_password=False, published=True, job=None, measures=[],
        items=[item], pending=[], invalid=[], correctable={}, units=[], decisions_path=settings.decisions)
    assert "<script>" not in html and "<img" not in html and "<b>单位" not in html
    assert "&lt;script&gt;alert(&#39;kepu&#39;)&lt;/script&gt;" in html
    assert 'class="cited"' in html


def test_a_decision_the_page_sends_is_checked_as_kepu_decide_checks_it(demo_city):
    """On the demo city (read only: a refused decision writes nothing): the page's form refused with `kepu decide`'s
    own words, decisions.csv untouched."""
    settings = load_settings(demo_city.config_path)
    before = settings.decisions.read_bytes() if settings.decisions.exists() else None
    client = TestClient(Console(settings).application())
    page = client.get("/items")
    assert 'class="cited"' in page.text and "3000" in page.text
    sha = re.search(r'name="file" value="([0-9a-f]{64})"', page.text)[1]
    form = {CSRF_FIELD: csrf_of(page.text), "file": sha, "back": "/items"}
    for fields, said in ((dict(kind="correct_value", cell="活动明细!N6", value="三千", reason="电话核实"), "不是有效的"),
                         (dict(kind="correct_value", cell="活动明细!N6", value="0.3"), "理由"),
                         (dict(kind="no_such_kind", reason="x"), "未记录")):
        answer = client.post("/decide", data={**form, **fields})
        assert "未记录" in answer.text and said in answer.text, fields
    assert (settings.decisions.read_bytes() if settings.decisions.exists() else None) == before


@pytest.mark.parametrize("command", ["console", "serve"])
def test_a_taken_port_is_said_in_one_line_before_anything_starts(command, tmp_path):
    import socket

    from kepu.cli import app
    from tests.builders import make_city

    city = make_city(tmp_path / "city")
    with socket.socket() as other:  # another program already listening there
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        option = "--port" if command == "console" else "--console-port"
        result = CliRunner().invoke(app, [command, "--config", str(city.config), option, str(port)])
    assert result.exit_code == 2, result.output
    assert f"控制台无法在 http://127.0.0.1:{port}/ 启动（端口已被其他程序占用）" in result.output
    assert f"请用 {option} 指定其他端口" in result.output and "未启动" in result.output
    assert "已注册定时任务" not in result.output and "Traceback" not in result.output
