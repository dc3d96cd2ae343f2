"""今日概况 counts the files by the source they came from (issue #25: "files new/changed/rejected, by source"): each
source's files in all, those its last published run saw first, read, rejected and not submissions, read from
audit.received_files."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from kepu.console.app import Console
from kepu.flows.nightly import run
from kepu.settings import load_settings
from tests.builders import activity, config_text, make_city
from tests.flows.test_sources import source_block


def source_rows(html: str) -> dict[str, list[int]]:
    table = re.search(r'<table id="sources">(.*?)</table>', html, re.S)[1]
    rows = re.findall(r"<tr><td>([^<]+)</td>((?:<td class=\"n\">\d+</td>\s*)+)</tr>", table)
    return {name: [int(n) for n in re.findall(r">(\d+)<", cells)] for name, cells in rows}


@pytest.mark.usefixtures("prefect_harness")
def test_the_overview_counts_files_by_source_and_the_last_run_s_new_ones(tmp_path):
    city = make_city(tmp_path / "city")
    share = tmp_path / "区县共享"
    share.mkdir()
    city.config.write_text(config_text() + source_block("收件箱", city.inbox.as_uri())
                           + source_block("区县共享", share.as_uri()), encoding="utf-8")
    received = datetime(2023, 9, 26, 10)
    city.submit("东升街道.xlsx", "D01T01", [activity("科普讲座", 17, 120)], received=received)
    city.submit("龙泉镇.xlsx", "D01T02", [activity("科普展览", 18, 300)], received=received)
    (city.inbox / "说明.pdf").write_bytes(b"%PDF-1.4 not a table")
    (city.inbox / "Thumbs.db").write_bytes(b"\x00" * 16)
    assert run(city.config).outcome == "published"

    (share / "科协学会").mkdir()
    (share / "科协学会" / "医学会.xlsx").write_bytes((city.inbox / "龙泉镇.xlsx").read_bytes())
    city.submit("市医院.xlsx", "S001", [activity("健康义诊", 21, 80)], received=received)
    assert run(city.config).outcome == "published"

    client = TestClient(Console(load_settings(city.config, check_inputs=False)).application())
    page = client.get("/")
    assert page.status_code == 200
    #                  files, new last run, read, rejected, not submissions
    assert source_rows(page.text) == {"收件箱": [5, 1, 3, 1, 1], "区县共享": [1, 1, 1, 0, 0]}
