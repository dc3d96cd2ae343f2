"""报告.html from a published demo city: parses, self-contained, shows the city's numbers, escapes text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from kepu.deliverables.html_report import bar_chart, html_table
from kepu.schemas.issues import CATALOGUE
from kepu.schemas.vocabulary import place_name
from tests.deliverables.city import PublishedCity, published_city


class Page(HTMLParser):
    """Tags, their attributes and the visible text of a page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)

    @property
    def body(self) -> str:
        return "".join(self.text)


@pytest.fixture(scope="module")
def city(tmp_path_factory, prefect_harness) -> PublishedCity:
    return published_city(tmp_path_factory)


@pytest.fixture(scope="module")
def html(city) -> str:
    return (city.out / "报告.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(html) -> Page:
    return Page(html)


def test_page_is_self_contained(html, page):
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "url(" not in html and "@import" not in html
    assert not [a for _, attrs in page.tags for k, a in attrs.items() if k in ("src", "href") and "://" in (a or "")]
    assert page.count("style") == 1


def test_page_shows_the_city_totals(city, page):
    totals = city.query("select * from marts.city_totals").iloc[0]

    for key in ("activities", "participants", "volunteers", "materials", "boards", "media_reports"):
        assert f"{int(totals[key]):,}" in page.body, key
    assert f"{float(totals['funding_wan']):,.2f}" in page.body
    assert f"全市共开展科普活动{int(totals['activities'])}场次" in page.body


def test_page_charts_every_district(city, page):
    districts = city.query("select * from marts.district_totals order by district_code")

    assert page.count("svg") == 2
    assert page.count("rect") == 2 * len(districts)
    for row in districts.itertuples():
        assert (place_name(row.district_name) if row.district_code != "C000" else "市直单位") in page.body
        assert f"{row.participants:,}" in page.body
    charts = page.body.split("各区县参与人次", 1)[1].split("报送情况")[0]
    assert "江源市科协" not in charts and "双流区科协" not in charts and "双流区" in charts


def test_page_lists_completeness_by_district_and_the_chase_list(city, page):
    chase = city.query("select * from marts.chase_list")

    assert "报送率" in page.body
    assert f"催报名单（{len(chase)} 个单位）" in page.body
    assert all(name in page.body for name in chase["unit_name"])


def test_page_lists_the_most_frequent_issues_of_current_versions(city, page):
    counts = city.query("""
        select i.code, count(*) as n from audit.issues i
        left join core.submissions s on s.file_sha256 = i.file_sha256
        where not exists (select 1 from core.submissions c
                          where c.unit_code = s.unit_code and c.is_current and c.version > s.version)
        group by i.code order by n desc, i.code""")
    top = counts.iloc[0]

    assert f"共 {int(counts['n'].sum()):,} 条" in page.body
    assert CATALOGUE[top["code"]].title in page.body
    assert "参与人数无法识别" in page.body


def test_text_is_escaped():
    table = html_table(["<b>列</b>"], [["<script>alert(1)</script>"]], [False])
    chart = bar_chart("<i>图</i>", ["</svg><script>x</script>"], [3])

    assert "<script>" not in table + chart
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table
    assert "&lt;b&gt;列&lt;/b&gt;" in table
    assert Page(chart).count("script") == 0
