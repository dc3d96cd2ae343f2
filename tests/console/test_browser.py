"""`kepu console` in a real browser (Debian's chromium driven by Playwright, no browser downloaded): the clerk's
morning on a copy of the demo city — 今日概况, settle the 3,000万元 figure from 待决定事项 with a reason, run kepu
from the page, see the city's 经费 change, sign the edition, see 版本 show it. Screenshots of each page are kept
(the test's tmp folder, and $KEPU_ARTIFACTS when set)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

from tests.kepu_process import kepu_started
from tests.servers.debian import ensure_tools

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RUN_DEADLINE_S = 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, deadline_s: float = 600) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kepu console exited {process.returncode}: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=60):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"kepu console did not answer at {url} within {deadline_s} s")


def funding(page) -> Decimal:
    """The city's 经费 (万元) as 今日概况 shows it."""
    return Decimal(page.locator('#city-totals [data-measure="funding_wan"] .v').inner_text().replace(",", ""))


@pytest.fixture
def console_city(demo_city, kepu_children, tmp_path):
    """A copy of the demo city (the session's own is only read) with `kepu console` serving it on a loopback port."""
    folder = tmp_path / "city"
    shutil.copytree(demo_city.root, folder)
    port = free_port()
    process = kepu_started("console", "--config", str(folder / "kepu.toml"), "--port", str(port), cwd=folder,
                           new_session=False)  # the runs it starts report to the session's test API
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url + "/", process)
        yield folder, url
    finally:
        process.terminate()
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_clerk_settles_the_3000_wan_figure_runs_and_signs_in_a_browser(console_city, tmp_path):
    ensure_tools({"chromium": "chromium"})
    from playwright.sync_api import expect, sync_playwright

    folder, url = console_city
    shots = tmp_path / "screenshots"
    shots.mkdir()

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"))  # the window as the clerk sees it first

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(300_000)  # a busy 2-core machine renders a page in seconds, not ms
            page.set_default_navigation_timeout(RUN_DEADLINE_S * 1000)

            page.goto(url + "/")
            expect(page.locator("h1")).to_have_text("今日概况")
            expect(page.locator("#lead")).to_contain_text("3,000万元")
            before = funding(page)
            shot(page, "01-今日概况")

            page.click("nav >> text=待决定事项")
            item = page.locator("section.item", has_text="双流区西航港小学.xlsx · 活动明细!N6")
            expect(item.locator("td.cited")).to_have_text("3000")  # the cell as typed, in its original sheet
            shot(page, "02-待决定事项")
            form = item.locator('form[data-kind="correct_value"]')
            form.locator('input[name="value"]').fill("0.3")
            form.locator('input[name="reason"]').fill("电话核实：填的是3000元")
            form.locator("button").click(timeout=RUN_DEADLINE_S * 1000)
            expect(page.locator(".flash.done")).to_contain_text("将由3000.00改为0.3")
            expect(page.locator("#pending")).to_contain_text("电话核实：填的是3000元")
            shot(page, "03-已记入决定")
            assert "电话核实：填的是3000元" in (folder / "decisions.csv").read_text(encoding="utf-8-sig")

            page.click("#run-now")
            page.wait_for_url("**/run")
            shot(page, "04-运行中")
            expect(page.locator("#outcome")).to_contain_text("运行完成", timeout=RUN_DEADLINE_S * 1000)
            shot(page, "05-运行完成")

            page.goto(url + "/")
            after = funding(page)
            assert after == before - Decimal("3000") + Decimal("0.3"), (before, after)
            expect(page.locator("#lead")).not_to_contain_text("3,000万元")
            shot(page, "06-今日概况-运行后")

            page.click("nav >> text=报送情况")
            expect(page.locator("#chase")).to_be_visible()
            shot(page, "07-报送情况")

            page.click("nav >> text=汇总与报送")
            expect(page.locator('#city [data-measure="funding_wan"]')).to_have_text(f"{after:,.2f}")
            shot(page, "08-汇总与报送")
            sign = page.locator("form#sign")
            sign.locator('input[name="by"]').fill("王丽")
            sign.locator('input[name="note"]').fill("报省科协")
            sign.locator("button").click(timeout=RUN_DEADLINE_S * 1000)
            # two figures still open weigh more than 1% of a city total (30,000人次, 4,000人次): refused, named
            expect(page.locator(".flash.refused")).to_contain_text("未签发", timeout=RUN_DEADLINE_S * 1000)
            expect(page.locator(".flash.refused")).to_contain_text("待决定事项")
            shot(page, "08b-签发被拒")
            sign = page.locator("form#sign")
            sign.locator('input[name="by"]').fill("王丽")
            sign.locator('input[name="note"]').fill("报省科协")
            sign.locator('input[name="reason"]').fill("省科协催报，核实后补报第2版")
            sign.locator("button").click(timeout=RUN_DEADLINE_S * 1000)  # signing writes the deliverables again
            page.wait_for_url("**/editions", timeout=RUN_DEADLINE_S * 1000)
            expect(page.locator(".flash.done")).to_contain_text("已签发第1版")
            expect(page.locator("#editions")).to_contain_text("第1版")
            expect(page.locator("#editions")).to_contain_text("报省科协")
            shot(page, "09-版本")
            assert (folder / "out" / "2023-science-day" / "已报送" / "第1版" / "全市汇总.xlsx").is_file()
        finally:
            browser.close()
            if os.environ.get("KEPU_ARTIFACTS"):
                kept = Path(os.environ["KEPU_ARTIFACTS"]) / "console"
                shutil.copytree(shots, kept, dirs_exist_ok=True)
    assert len(list(shots.glob("*.png"))) == 10
