"""What the `kepu` command prints on the terminal: the summary at the end of a run and `kepu status`
(completeness by district, the chase list, issues, the last runs). Not 报告.html: that is a deliverable."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from kepu.schemas.vocabulary import COMPLETENESS_LABELS, MEASURES, SEVERITY_LABELS
from kepu.settings import Settings
from kepu.warehouse import queries


def print_summary(console: Console, summary) -> None:
    t = summary.city_totals
    console.print(f"[bold]运行 {summary.run_id}（{summary.campaign_id}）：{'已发布' if summary.outcome == 'published' else '失败'}[/]")
    rejected = summary.rejected_files
    console.print(f"文件：收件箱 {summary.files_seen} 个，新增 {summary.files_new} 个，变更 {summary.files_changed} 个，"
                  f"本次解析 {summary.files_parsed} 个；不是表格文件 {rejected.get('unsupported', 0)} 个，"
                  f"无法读取 {rejected.get('unreadable', 0)} 个")
    done = summary.completeness
    console.print(f"单位：应报 {t.get('units_expected', 0)} 个，已报 {t.get('units_reported', 0)} 个"
                  f"（按时 {t.get('units_on_time', 0)}，逾期 {done.get('late', 0)}），"
                  f"未报 {done.get('missing', 0)} 个，待核实 {done.get('held', 0)} 个")
    table = Table(title="全市汇总", show_header=True, header_style="bold")
    table.add_column("指标")
    table.add_column("数值", justify="right")
    for measure in MEASURES:
        value = t.get(measure.key) or 0
        table.add_row(measure.label, f"{value:,.2f}" if measure.money else f"{int(value):,}")
    console.print(table)
    issues = summary.issues
    console.print("数据问题：" + "，".join(f"{SEVERITY_LABELS[s]} {issues.get(s, 0)} 条" for s in SEVERITY_LABELS))
    console.print(f"数据仓库：{summary.warehouse}")
    for line in describe_outputs(summary.outputs):
        console.print(line)


def describe_outputs(paths: list[str]) -> list[str]:
    """The output folder with its files named and its sub-folders counted (回执 can run to hundreds)."""
    if not paths:
        return []
    files = [Path(p) for p in paths]
    root = Path(os.path.commonpath([str(f.parent) for f in files]))
    top = sorted(f.name for f in files if f.parent == root)
    folders: dict[str, int] = {}
    for f in files:
        if f.parent != root:
            folders[f.relative_to(root).parts[0]] = folders.get(f.relative_to(root).parts[0], 0) + 1
    lines = [f"输出：{root}"]
    lines += [f"  {name}" for name in top]
    lines += [f"  {name}/（{count} 个文件）" for name, count in sorted(folders.items())]
    return lines


def print_status(console: Console, settings: Settings) -> None:
    cid = settings.campaign.campaign_id
    wh = settings.warehouse
    table = Table(title=f"{settings.campaign.name} 报送情况（截止 {settings.campaign.deadline}）", header_style="bold")
    for label in ("区县", "应报", "按时", "逾期", "待核实", "未报"):
        table.add_column(label, justify="left" if label == "区县" else "right")
    for row in queries.completeness_by_district(wh, cid):
        table.add_row(str(row["district_name"]), *(str(row[k]) for k in ("expected", "on_time", "late", "held",
                                                                        "missing")))
    console.print(table)
    chase = queries.chase_list(wh, cid)
    if chase:
        console.print("催报名单：" + "；".join(
            f"{r['district_name']} {r['unit_name']}（{COMPLETENESS_LABELS[r['status']]}）" for r in chase))
    counts = queries.published_summary(wh, cid).issues
    console.print("数据问题：" + "，".join(f"{SEVERITY_LABELS[s]} {counts.get(s, 0)} 条" for s in SEVERITY_LABELS))
    table = Table(title="最近运行", header_style="bold")
    for label in ("运行", "开始", "结束", "文件", "新增", "变更", "解析", "结果"):
        table.add_column(label)
    for r in queries.recent_runs(wh, cid):
        outcome = "已发布" if r["outcome"] == "published" else f"失败：{r['message']}"
        table.add_row(r["run_id"], str(r["started_at"]), str(r["finished_at"]), str(r["files_seen"]),
                      str(r["files_new"]), str(r["files_changed"]), str(r["files_parsed"]), outcome)
    console.print(table)
