"""报告.html: one page for the office staff who never open SQL.

Self-contained: inline CSS and inline SVG charts, no scripts, fonts or images from anywhere, so it opens
offline and can be mailed as is. Every text from the warehouse is escaped. Sections: city totals,
情况说明, participants and activities by district (bar charts), completeness by district with the
催报名单, activities by form, and the most frequent data problems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from html import escape
from pathlib import Path

import pandas as pd

from kepu.deliverables.city_tables import MEASURE_COLUMNS, CityTables
from kepu.warehouse.queries import Marts
from kepu.deliverables.files import write_text
from kepu.deliverables.tables import INT, MONEY, PERCENT, Table, digest_of
from kepu.schemas.issues import CATALOGUE
from kepu.schemas.vocabulary import COMPLETENESS_LABELS, SEVERITIES, SEVERITY_LABELS, Campaign

TOP_ISSUES = 10
NUMERIC = (INT, MONEY, PERCENT)

CSS = """
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; line-height: 1.6; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; border-left: 4px solid #2f6fb0; padding-left: .5rem; margin-top: 2rem; }
.meta { color: #666; font-size: .9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: .8rem; }
.card { border: 1px solid #d6e2ef; border-radius: 6px; padding: .6rem .8rem; background: #f7fafd; }
.card .label { color: #555; font-size: .85rem; }
.card .value { font-size: 1.4rem; font-weight: bold; color: #1d4f80; }
.card .sub { color: #666; font-size: .8rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; }
svg text { font-size: 12px; fill: #333; }
svg .chart-title { font-size: 14px; font-weight: bold; }
svg rect { fill: #4a86c5; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #ddebf7; }
td.num { text-align: right; white-space: nowrap; }
tr.flagged td { background: #fce4d6; }
p.narrative { background: #fafafa; border: 1px solid #eee; padding: .8rem 1rem; }
@media print { body { margin: 0; max-width: none; } .charts { grid-template-columns: 1fr 1fr; } }
"""


def esc(value) -> str:
    return "" if value is None else escape(str(value), quote=True)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int]) -> str:
    """A horizontal bar chart as inline SVG: one labelled bar per item, its value at the bar's end."""
    label_width, bar_width, value_width, row_height, top = 130, 330, 90, 26, 30
    width = label_width + bar_width + value_width
    height = top + row_height * len(values) + 8
    longest = max(values, default=0) or 1
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{esc(title)}">',
             f"<title>{esc(title)}</title>", f'<text x="0" y="18" class="chart-title">{esc(title)}</text>']
    for i, (label, value) in enumerate(zip(labels, values)):
        y = top + i * row_height
        length = round(bar_width * value / longest, 1)
        parts.append(f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{esc(label)}</text>'
                     f'<rect x="{label_width}" y="{y + 5}" width="{length}" height="{row_height - 10}" rx="2"/>'
                     f'<text x="{label_width + length + 6}" y="{y + 17}">{value:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
               flagged: Sequence[bool] = ()) -> str:
    """A plain table of texts; numeric columns right-aligned, flagged rows shaded."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(f'<td class="num">{esc(v)}</td>' if n else f"<td>{esc(v)}</td>" for v, n in zip(row, numeric))
        body.append(f'<tr class="flagged">{cells}</tr>' if i < len(flagged) and flagged[i] else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def table_html(table: Table) -> str:
    """A city table formatted as in the workbook (labels, thousands separators), without its title."""
    rows = [[c.text(v, grouped=True) for c, v in zip(table.columns, record)] for record in table.rows]
    return html_table([c.header for c in table.columns], rows, [c.kind in NUMERIC for c in table.columns])


def frequent_issues(issues: pd.DataFrame, limit: int = TOP_ISSUES) -> pd.DataFrame:
    """The issue codes found most often: how many times, in how many units, and one example."""
    columns = ["code", "severity", "count", "units", "example", "example_unit"]
    if not len(issues):
        return pd.DataFrame(columns=columns)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    grouped = issues.groupby("code", sort=False).agg(
        severity=("severity", "first"), count=("issue_no", "size"), units=("unit_code", "nunique"),
        example=("message", "first"), example_unit=("unit_name", "first")).reset_index()
    grouped["severity_rank"] = grouped["severity"].map(rank)
    return grouped.sort_values(["count", "severity_rank", "code"], ascending=[False, True, True]).head(limit)[columns]


def _cards(city: Table) -> str:
    record = dict(zip((c.key for c in city.columns), city.rows[0])) if city.rows else {}
    columns = {c.key: c for c in city.columns}
    cards = [(c.header, c.text(record.get(c.key), grouped=True), "") for c in MEASURE_COLUMNS]
    cards.append(("报送率", columns["reporting_rate"].text(record.get("reporting_rate")) or "—",
                  f"应报 {record.get('units_expected') or 0:,}，已报 {record.get('units_reported') or 0:,}，"
                  f"按时 {record.get('units_on_time') or 0:,}"))
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{esc(label)}</div><div class="value">{esc(value)}</div>'
        + (f'<div class="sub">{esc(sub)}</div>' if sub else "") + "</div>" for label, value, sub in cards) + "</div>"


def _completeness_section(by_district: pd.DataFrame, chase: Table) -> str:
    rows = [[r["district_name"], *(f"{int(r[k]):,}" for k in ("expected", *COMPLETENESS_LABELS)),
             "—" if pd.isna(r["reporting_rate"]) else f"{r['reporting_rate']:.1%}"]
            for r in by_district.to_dict("records")]
    html = html_table(["区县", "应报", *COMPLETENESS_LABELS.values(), "报送率"], rows,
                      [False] + [True] * (len(COMPLETENESS_LABELS) + 2))
    if chase.rows:
        return html + f"<h3>催报名单（{len(chase.rows)} 个单位）</h3>" + table_html(chase)
    return html + "<p>应报单位均已报送，无需催报。</p>"


def _issues_section(issues: pd.DataFrame) -> str:
    """Issues of current versions (a superseded file's problems are history)."""
    counts = issues["severity"].value_counts()
    summary = "，".join(f"{SEVERITY_LABELS[s]} {int(counts.get(s, 0)):,} 条" for s in SEVERITIES)
    frequent = frequent_issues(issues).to_dict("records")
    rows = [[CATALOGUE[r["code"]].title if r["code"] in CATALOGUE else r["code"],
             SEVERITY_LABELS[r["severity"]], f"{r['count']:,}", f"{r['units']:,}",
             f"{r['example_unit'] if isinstance(r['example_unit'], str) else '（单位不明）'}：{r['example']}"]
            for r in frequent]
    table = html_table(["问题类型", "严重程度", "条数", "涉及单位", "示例"], rows, [False, False, True, True, False],
                       [r["severity"] == "error" for r in frequent])
    return f"<p>共 {len(issues):,} 条：{esc(summary)}。各单位的问题明细见“回执”文件夹。</p>" + (table if rows else "")


GENERATED_AT = "<!--generated-at-->"
DIGEST_META = re.compile(r'<meta name="kepu-digest" content="([0-9a-f]{64})">')


def written_digest(path: Path) -> str | None:
    """The content digest in a 报告.html kepu wrote, or None."""
    try:
        with open(path, encoding="utf-8") as fh:
            match = DIGEST_META.search(fh.read(4096))
    except (OSError, UnicodeDecodeError):
        return None
    return match.group(1) if match else None


def write_report(path: Path, marts: Marts, tables: CityTables, paragraph: str, campaign: Campaign,
                 generated_at: datetime) -> Path:
    """报告.html, rewritten only when what it says changed (the time it was made aside)."""
    page = render_report(marts, tables, paragraph, campaign, None)
    digest = digest_of(page)
    if written_digest(path) == digest:
        return path
    page = page.replace('<meta charset="utf-8">', f'<meta charset="utf-8">\n<meta name="kepu-digest" content="{digest}">')
    return write_text(path, page.replace(GENERATED_AT, f"{generated_at:%Y-%m-%d %H:%M}"))


def render_report(marts: Marts, tables: CityTables, paragraph: str, campaign: Campaign,
                  generated_at: datetime | None) -> str:
    """The page; `generated_at` None leaves a placeholder for the time it is made."""
    districts = tables.district_totals.frame
    labels = [str(n) for n in districts["district_name"]]
    charts = (bar_chart("各区县参与人次", labels, [int(v) for v in districts["participants"]])
              + bar_chart("各区县活动场次", labels, [int(v) for v in districts["activities"]]))
    received = tables.as_of
    as_of = (f"数据截至 {received:%Y年%-m月%-d日 %H:%M} 收到的文件" if received is not None and not pd.isna(received)
             else "尚未收到文件")
    title = f"{campaign.name}活动情况汇总"
    made = GENERATED_AT if generated_at is None else f"{generated_at:%Y-%m-%d %H:%M}"
    current = tables.issues.frame[~tables.issues.frame["superseded"]]
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>{esc(title)}</h1>
<p class="meta">活动期间 {campaign.start:%Y年%-m月%-d日}—{campaign.end:%-m月%-d日}，
报送截止 {campaign.deadline:%Y年%-m月%-d日}；{esc(as_of)}；本页生成于 {made}。</p>
<h2>全市汇总</h2>
{_cards(tables.city_totals)}
<h2>情况说明</h2>
<p class="narrative">{esc(paragraph)}</p>
<h2>分区县</h2>
<div class="charts">{charts}</div>
<h2>报送情况</h2>
{_completeness_section(tables.district_completeness.frame, tables.chase_list)}
<h2>分类型</h2>
{table_html(tables.type_totals)}
<h2>常见数据问题</h2>
{_issues_section(current)}
</body>
</html>
"""
