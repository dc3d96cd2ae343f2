"""What the `kepu` command prints on the terminal: the summary at the end of a run and `kepu status`
(completeness by district, the chase list, issues, the last runs). Not 报告.html: that is a deliverable."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.markup import escape

from kepu.deliverables.wording import open_items_lead
from kepu.schemas.decisions import CORRECTABLE, VALUE_CODES
from kepu.schemas.issues import CATALOGUE, STATISTICIAN_CODES
from kepu.schemas.notices import NOTICE_KINDS, NOTICE_STATUS_LABELS
from kepu.schemas.vocabulary import COMPLETENESS_LABELS, MEASURES, RUN_OUTCOME_LABELS, SEVERITY_LABELS
from kepu.settings import Settings
from kepu.transforms.edition_text import headline
from kepu.warehouse import queries


def print_summary(console: Console, summary, title: bool = True, files: bool = True) -> None:
    t = summary.city_totals
    if title:
        console.print(f"[bold]运行 {summary.run_id}（{summary.campaign_id}）：{RUN_OUTCOME_LABELS[summary.outcome]}[/]")
    lead = summary_lead(summary)
    if lead:
        console.print(f"[bold yellow]{lead}[/]（kepu status 列出每一项及决定它的命令）", soft_wrap=True)
    for note in getattr(summary, "notes", []):
        console.print(note, soft_wrap=True)
    if files:
        sources = getattr(summary, "sources", [])
        where = "收件箱" if len(sources) <= 1 and not any(s.failure for s in sources) else f"{len(sources)} 个来源共"
        ignored = getattr(summary, "files_ignored", 0)
        rejected = summary.rejected_files
        console.print(f"文件：{where} {summary.files_seen} 个，新增 {summary.files_new} 个，变更 {summary.files_changed} 个，"
                      f"本次解析 {summary.files_parsed} 个；不是表格文件 {rejected.get('unsupported', 0)} 个，"
                      f"无法读取 {rejected.get('unreadable', 0)} 个"
                      + (f"，忽略 {ignored} 个（非报送文件）" if ignored else ""))
        if len(sources) > 1 or any(s.failure for s in sources):
            for source in sources:
                if source.failure:
                    console.print(f"[bold red]来源「{source.name}」不可用：{source.failure}[/]（已重试；本次未包含该来源的文件）")
                else:
                    console.print(f"  来源「{source.name}」：{source.listed} 个条目，未变 {source.unchanged} 个，"
                                  f"本次取回 {source.fetched} 个")
    done = summary.completeness
    unavailable = done.get("source_unavailable", 0)
    console.print(f"单位：应报 {t.get('units_expected', 0)} 个，已报 {t.get('units_reported', 0)} 个"
                  f"（按时 {t.get('units_on_time', 0)}，逾期 {done.get('late', 0)}），"
                  f"未报 {done.get('missing', 0)} 个，待核实 {done.get('held', 0)} 个"
                  + (f"，来源不可用 {unavailable} 个" if unavailable else ""))
    if done.get("held") and getattr(summary, "warehouse", "") and Path(summary.warehouse).is_file():
        for line in held_lines(Path(summary.warehouse), summary.campaign_id):
            console.print(f"  待核实：{line}", soft_wrap=True, markup=False)
    table = Table(title="全市汇总", show_header=True, header_style="bold")
    table.add_column("指标")
    table.add_column("数值", justify="right")
    for measure in MEASURES:
        value = t.get(measure.key) or 0
        table.add_row(measure.label, f"{value:,.2f}" if measure.money else f"{int(value):,}")
    console.print(table)
    issues = summary.issues
    console.print("数据问题：" + "，".join(f"{SEVERITY_LABELS[s]} {issues.get(s, 0)} 条" for s in SEVERITY_LABELS))
    report = getattr(summary, "notices", None)
    if report is not None:
        console.print(report.line(), style="bold red" if report.failed or report.error else None)
    console.print(f"数据仓库：{summary.warehouse}")
    for line in describe_outputs(summary.outputs):
        console.print(line)


def summary_line(summary) -> str:
    """A run in one line, for the service journal (`kepu serve`): outcome, units, the headline totals,
    warnings, the open items."""
    t = summary.city_totals
    money = t.get("funding_wan") or 0
    line = (f"运行 {summary.run_id}：{RUN_OUTCOME_LABELS.get(summary.outcome, summary.outcome)}；"
            f"已报 {t.get('units_reported', 0)}/{t.get('units_expected', 0)} 个单位，"
            f"活动 {int(t.get('activities') or 0):,} 场，参与 {int(t.get('participants') or 0):,} 人次，"
            f"经费 {money:,.2f} 万元；数据问题 {sum(summary.issues.values())} 条")
    lead = summary_lead(summary)
    return line + (f"；{lead}" if lead else "。")


def summary_lead(summary) -> str | None:
    """The open items and the biggest figures under question, read from the published warehouse."""
    warehouse = Path(summary.warehouse) if getattr(summary, "warehouse", "") else None
    if warehouse is None or not warehouse.is_file():
        return None
    return open_items_lead(queries.open_items_with_effect(warehouse, summary.campaign_id, VALUE_CODES))


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


def edition_headline(settings: Settings) -> str:
    """「自第1版（9月30日）报送以来：…」 or 「与第1版相同」; "" before the first edition."""
    edition, city, causes = queries.edition_changes(settings.warehouse, settings.campaign.campaign_id)
    return headline(edition, city, causes)


def print_status(console: Console, settings: Settings) -> None:
    cid = settings.campaign.campaign_id
    wh = settings.warehouse
    lead = edition_headline(settings)
    if lead:
        console.print(escape(lead), soft_wrap=True)
    table = Table(title=f"{settings.campaign.name} 报送情况（截止 {settings.campaign.deadline}）", header_style="bold")
    rows = queries.completeness_by_district(wh, cid)
    columns = {"expected": "应报", "on_time": "按时", "late": "逾期", "held": "待核实", "missing": "未报"}
    if any(row.get("source_unavailable") for row in rows):
        columns["source_unavailable"] = "来源不可用"
    table.add_column("区县")
    for label in columns.values():
        table.add_column(label, justify="right")
    for row in rows:
        table.add_row(str(row["district_name"]), *(str(row[k]) for k in columns))
    console.print(table)
    chase = queries.chase_list(wh, cid)
    if chase:
        console.print("催报名单：" + "；".join(
            f"{r['district_name']} {r['unit_name']}（{COMPLETENESS_LABELS[r['status']]}{held_why(r)}）" for r in chase),
            soft_wrap=True, markup=False)
    counts = queries.published_summary(wh, cid).issues
    console.print("数据问题：" + "，".join(f"{SEVERITY_LABELS[s]} {counts.get(s, 0)} 条" for s in SEVERITY_LABELS))
    print_check_counts(console, settings)
    table = Table(title="最近运行", header_style="bold")
    for label in ("运行", "开始", "结束", "文件", "新增", "变更", "解析", "结果"):
        table.add_column(label)
    runs = queries.recent_runs(wh, cid)
    for r in runs:
        outcome = RUN_OUTCOME_LABELS.get(r["outcome"], r["outcome"])
        if r["outcome"] in ("failed", "rolled_back") and r["message"]:
            outcome += f"：{r['message']}"
        if r["outcome"] == "published" and r.get("failed_sources"):
            outcome += f"（来源不可用：{'、'.join(r['failed_sources'])}）"
        table.add_row(r["run_id"], str(r["started_at"]), str(r["finished_at"]), str(r["files_seen"]),
                      str(r["files_new"]), str(r["files_changed"]), str(r["files_parsed"]), outcome)
    console.print(table)
    if runs and runs[0].get("failed_sources") and runs[0]["outcome"] == "published":
        console.print(f"[bold red]最近一次运行有来源不可用：[/]{runs[0]['message']}")
    print_notices(console, settings)
    print_open_items(console, settings)


def held_why(row: dict) -> str:
    """Why a unit is held, for wherever its status is shown: its file and that file's first error
    (「：说明.pdf，该文件实为 PDF 文档…」), else the kind of problem (「：文件无法读取或没有有效记录」)."""
    if row.get("status") != "held" or not row.get("held_reason"):
        return ""
    from kepu.transforms.notice_text import held_reason_text

    detail = row.get("held_detail")
    why = str(detail).rstrip("。") if detail and detail == detail else held_reason_text(row["held_reason"])
    return "：" + (f"{row['file_path']}，" if row.get("file_path") else "") + why


def held_lines(warehouse: Path, campaign_id: str) -> list[str]:
    """Each held unit with its reason, for the run summary (「白沙县双河初级中学：…」)."""
    try:
        chase = queries.chase_list(warehouse, campaign_id)
    except Exception:  # a warehouse made before held_detail: the counts alone
        return []
    return [f"{r['unit_name']}{held_why(r)}" for r in chase if r["status"] == "held"]


SHOWN_ITEMS = 30
"""Open items `kepu status` prints; the rest are counted (数据问题 in 内部核查.xlsx lists them all)."""


def open_item_lines(items: list[dict]) -> list[tuple[str, str]]:
    """Each open item as (what it is, the `kepu decide` command that decides it)."""
    lines = []
    for r in items:
        file = r["file_sha256"][:12]
        where = f"{r['sheet']}!{r['cell']}" if r.get("sheet") and r.get("cell") else ""
        if r["item"] == "held":
            what = f"[待核实] 文件“{r['file_path']}”{'单位信息矛盾' if r['detail'] == 'conflict' else '无法识别单位'}" + (
                f"（指向 {r['unit_name']}）" if r.get("unit_name") else "")
            command = f"kepu decide assign_unit {file} --unit <单位代码> --reason \"…\""
        elif r["item"] == "joint":
            what = (f"[疑似联合活动] {r['unit_name']} “{r['detail']}”（{r['file_path']} {where}）"
                    f"与 {r['other_unit']} 的同名活动")
            command = (f"kepu decide same_event {file} --cell {r['cell']} --other-file {r['other_sha256'][:12]} "
                       f"--other-cell {r['other_cell']} --reason \"…\"（或 different_events）")
        elif r["item"] == "version":
            what = f"[新版本与旧版本无共同活动] {r['unit_name']} 的文件“{r['file_path']}”：{r['message']}"
            command = f"kepu decide supplement {file} --reason \"…\"（如是补报；否则无需处理）"
        elif r["item"] == "repeat":
            earlier, later = shell_cell(r["other_sheet"], r["other_cell"]), shell_cell(r["sheet"], r["cell"])
            what = f"[请核实] {r['unit_name'] or ''} {r['file_path']} {where}：{r['message']}"
            command = (f"kepu decide same_event {file} --cell {earlier} --other-file {file} --other-cell {later} "
                       "--reason \"电话核实：同一活动\"（如是两项不同活动：different_events）")
        elif r["item"] == "forwarded":
            own = shell_cell(r["sheet"], r["cell"])
            what = f"[请核实] {r['unit_name'] or ''} {r['file_path']} {where}：{r['message']}"
            command = f"kepu decide confirm {file} --cell {own} --reason \"电话核实：以本单位报送的数字为准\""
            if r.get("figure_cell") and r.get("figure_value") is not None:
                command += (f"（如转报表的数字才对：kepu decide correct_value {file} --cell "
                            f"{shell_cell(r['sheet'], r['figure_cell'])} --value {r['figure_value']} "
                            "--reason \"电话核实：以转报表的数字为准\"）")
        elif r["item"] == "check":
            cited = f" {r['cell']}" if r.get("cell") else ""
            what = f"[请核实] {r['unit_name'] or ''} {r['file_path']}{cited}：{r['message']}"
            paragraph = f" --cell {r['cell']}" if r.get("cell") else ""
            otherwise = "，或 correct_value 更正总结中的数字" if r.get("cell") else ""
            command = (f"kepu decide confirm {file}{paragraph} --reason \"电话核实：{CHECKED[r['detail']]}\""
                       f"（核实无误时；数字有误请该单位更正后重新报送{otherwise}）")
        elif r["item"] == "late":
            what = f"[逾期] {r['unit_name']} 的文件“{r['file_path']}”逾期 {r['detail']} 天"
            command = f"kepu decide accept_on_time {file} --reason \"…\"（如确属按时报送）"
        elif r["detail"] == "duplicate_row":
            what = f"[请核实] {r['unit_name'] or ''} {r['file_path']} {where}：{r['message']}"
            command = f"kepu decide exclude_row {file} --cell {r['cell']} --reason \"电话核实：重复填报\"（如确为重复）"
        elif r["detail"] == "impossible_duration" and r.get("field") != "end_date":
            # start and end written in one cell (9月23日-10月23日): no cell holds the end date alone
            what = f"[请核实] {r['unit_name'] or ''} {r['file_path']} {where}：{r['message']}"
            command = (f"请该单位更正结束日期后重新报送；如该行不应计入：kepu decide exclude_row {file} --cell {r['cell']} "
                       "--reason \"…\"（起止日期写在同一单元格中）")
        else:
            what = f"[请核实] {r['unit_name'] or ''} {r['file_path']} {where}：{r['message']}"
            command = (f"kepu decide correct_value {file} --cell {r['cell']} --value {wanted_value(r)} "
                       "--reason \"电话核实：…\"（或 exclude_row）")
        lines.append((what, command))
    return lines


CHECKED = {"text_differs_from_sheet": "以活动报表为准", "text_parts_exceed_total": "分项无误",
           "year_over_year_jump": "数字无误"}
"""What a `confirm` of a `check` item says the office found, in the reason `kepu status` suggests."""


def shell_cell(sheet: str | None, cell: str) -> str:
    """A row's cell with its sheet (a file with two detail sheets has a row 3 on each), quoted for the shell."""
    return shlex.quote(f"{sheet}!{cell}" if sheet else cell)


def wanted_value(item: dict) -> str:
    """What `--value` a value item asks for, by the field its cell holds (「<正确结束日期>」)."""
    field = item.get("field")
    if field is None and item["detail"] in ("outside_window", "invalid_start_date"):
        field = "start_date"
    if field in ("start_date", "end_date"):
        return f"<正确{CORRECTABLE[field]}>"
    return f"<正确的{CORRECTABLE[field]}>" if field in CORRECTABLE else "<正确值>"


def print_open_items(console: Console, settings: Settings) -> None:
    """What a person must decide (SPEC §3.9), each with the command that decides it."""
    items = queries.open_items(settings.warehouse, settings.campaign.campaign_id, VALUE_CODES)
    if not items:
        console.print("待决定事项：无")
        return
    lead = open_items_lead(queries.open_items_with_effect(settings.warehouse, settings.campaign.campaign_id,
                                                          VALUE_CODES))
    if lead:
        console.print(f"[bold yellow]{lead}[/]", soft_wrap=True)
    console.print(f"[bold]待决定事项（{len(items)} 项）[/]：决定记入 {settings.decisions}，下次运行起执行")
    for what, command in open_item_lines(items[:SHOWN_ITEMS]):
        console.print(f"• {what}", soft_wrap=True, markup=False)
        console.print(f"    {command}", soft_wrap=True, markup=False)
    if len(items) > SHOWN_ITEMS:
        console.print(f"…另有 {len(items) - SHOWN_ITEMS} 项，见 内部核查.xlsx 的“数据问题”或 kepu sql")


def print_check_counts(console: Console, settings: Settings) -> None:
    """The statistician's checks (SPEC §3.7) one by one, those that found something: warnings to look at
    before the totals go up, none of which changed a total."""
    counts = queries.issue_counts(settings.warehouse, settings.campaign.campaign_id, STATISTICIAN_CODES)
    found = [f"{CATALOGUE[code].title} {counts[code]} 条" for code in STATISTICIAN_CODES if counts.get(code)]
    console.print("统计核查：" + ("，".join(found) + "（均为警告，未改动汇总数）" if found else "未发现问题"))


def print_notices(console: Console, settings: Settings) -> None:
    """Notices still to go out ([notices]): drafts waiting for mode send, sends that failed (retried by the
    next run), units with no address."""
    rows = [r for r in queries.notices(settings.warehouse, settings.campaign.campaign_id)
            if r["is_current"] and r["status"] in ("drafted", "failed", "no_address")]
    if not rows:
        if settings.notices:
            console.print("通知：没有待发送或发送失败的通知")
        return
    table = Table(title="待发送的通知", header_style="bold")
    for label in ("类型", "单位", "状态", "尝试", "原因 / 草稿"):
        table.add_column(label)
    order = {"failed": 0, "no_address": 1, "drafted": 2}
    for r in sorted(rows, key=lambda r: (order[r["status"]], r["kind"], r["unit_code"] or "")):
        detail = r["last_error"] if r["status"] == "failed" else (r["draft_path"] or "单位名录中补充 email")
        table.add_row(NOTICE_KINDS[r["kind"]], r["unit_name"] or "市科协", NOTICE_STATUS_LABELS[r["status"]],
                      str(r["attempts"]), detail or "")
    console.print(table)


def print_states(console: Console, settings: Settings, states: list) -> None:
    """`kepu rollback --list`: the kept states, newest first, with the campaign's headline figures in each."""
    table = Table(title=f"保存的历史版本（{settings.campaign.name}）", header_style="bold")
    for label in ("运行", "发布时间", "已报单位", "活动场次", "参与人次"):
        table.add_column(label, justify="left" if label in ("运行", "发布时间") else "right")
    for state, totals in states:
        table.add_row(state.run_id, f"{state.published_at:%Y-%m-%d %H:%M:%S}",
                      *(f"{int(totals[k]):,}" if totals.get(k) is not None else "—"
                        for k in ("units_reported", "activities", "participants")))
    console.print(table)
    console.print("回滚：kepu rollback --to <运行编号>")
