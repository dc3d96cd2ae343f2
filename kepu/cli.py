"""The `kepu` command: template, demo, run, decide, sign, status, sql, console, serve. Everything it prints is Chinese, click's
and typer's own words included (kepu.cli_words).

Exit codes: 0 the run completed (rejected files included), 1 the run itself failed, 2 the settings
or the registry are wrong (nothing was written).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Optional, TypeVar

from kepu.flows import prefect_env

prefect_env.configure(verbose="--verbose" in sys.argv or "-v" in sys.argv)

import typer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.markup import escape  # noqa: E402

from kepu import cli_words  # noqa: E402

cli_words.install()

from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn  # noqa: E402

from kepu import progress, terminal  # noqa: E402
from kepu.schemas.errors import ConfigError, KepuError  # noqa: E402
from kepu.schemas.vocabulary import OFFICE_TIMEZONE  # noqa: E402
from kepu.settings import NIGHTLY_CRON, load_settings  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["--help", "-h"]},
                  help="kepu：全国科普日活动报表汇总（收件箱 → DuckDB 数据仓库 → 全市汇总表）。")
console = Console()
console.soft_wrap = not console.is_terminal
"""Piped to a file or the service journal, a line stays whole (rich would wrap it at 80 columns mid-phrase)."""
err = Console(stderr=True, soft_wrap=True)
"""Messages on stderr are one line each, however narrow the terminal or log."""

T = TypeVar("T")
ConfigOpt = Annotated[Path, typer.Option("--config", "-c", metavar="文件", help="配置文件 kepu.toml")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="显示 Prefect 日志")]
FILE, FOLDER, NUMBER, TEXT = "文件", "文件夹", "数字", "文字"

STAGES = {"wait": "等待另一个运行结束", "scan": "读取来源", "parse": "解析报表", "core": "核对与汇总",
          "publish": "发布数据仓库", "outputs": "生成汇总表", "notices": "起草或发送通知", "done": "完成"}


def _fail(message: str, code: int) -> None:
    err.print(f"[bold red]错误：[/]{escape(message)}", soft_wrap=True)  # one line; "[notices]" is no markup
    raise typer.Exit(code)


def _with_progress(action: Callable[[], T]) -> T:
    """Run `action` with a progress bar on a terminal (none in a pipe or a log)."""
    show = console.is_terminal
    lines = os.environ.get("KEPU_PROGRESS") == "lines"
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=not show) as bar:
        current = {"stage": "start", "task": bar.add_task("启动", total=None)}

        def listener(stage: str, done: int, total: int) -> None:
            """A new bar for each stage (rich cannot turn a counted bar back into a spinner); with
            KEPU_PROGRESS=lines (the console's 「立即运行」), each new stage as one line on stderr."""
            if lines and stage != current["stage"]:
                err.print(f"进度：{STAGES.get(stage, stage)}", markup=False, highlight=False)
            if stage != current["stage"]:
                bar.remove_task(current["task"])
                current["stage"] = stage
                current["task"] = bar.add_task(STAGES.get(stage, stage), total=total or None, completed=done)
            else:
                bar.update(current["task"], completed=done)

        stop = progress.listen(listener)
        try:
            return action()
        finally:
            stop()


def _holding_the_warehouse(settings, command: str, wait: float | None, action: Callable[[], T]) -> T:
    """Take the warehouse (kepu.flows.lifecycle) and start the run's Prefect API before Prefect and the flow
    are imported by `action`: the API starts (~5 s) while they load."""
    from kepu.flows import lifecycle, server

    with lifecycle.guarded(settings.warehouse, command=command, out=settings.campaign_out,
                           wait=settings.lock_wait if wait is None else wait,
                           on_wait=lambda _: progress.report("wait")) as guard:
        with server.started_api(guard, folder=settings.warehouse.parent):
            return action()


def _run(config: Path, force: bool = False, wait: float | None = None, **flags):
    """Settings and registry loaded once, here (a mistake in them exits 2 before anything starts), and handed
    to the run."""
    from kepu.settings import read_inputs

    paths = {k: Path(v) for k, v in flags.items() if v and k in ("inbox", "registry", "warehouse", "out")}
    settings = load_settings(config, **paths, workers=flags.get("workers"), task_runner=flags.get("task_runner"))
    inputs = read_inputs(settings)

    def run_flow():
        from kepu.flows.nightly import run

        return run(config, force=force, wait=wait, inputs=inputs, **flags)

    return _holding_the_warehouse(settings, "kepu run", wait, run_flow)


def _or_exit(action: Callable[[], T]) -> T:
    """`action`'s result, or one line and the exit code: 2 settings, 1 the run failed, 128+N stopped by
    signal N."""
    from kepu.flows import lifecycle

    try:
        return action()
    except BaseException as exc:  # a stop first, whatever it surfaced as; then what failed
        signum = lifecycle.stop_signal_of(exc)
        if signum is not None:
            _stopped(lifecycle.describe(exc), signum)
        if isinstance(exc, ConfigError):
            _fail(str(exc), 2)
        if isinstance(exc, KepuError):
            _fail(str(exc), 1)
        if isinstance(exc, Exception):  # the run itself failed: one line; --verbose shows Prefect's log
            _fail(f"运行失败：{type(exc).__name__}: {exc}", 1)
        raise


def _run_or_exit(config: Path, **flags):
    return _or_exit(lambda: _with_progress(lambda: _run(config, **flags)))


def _stopped(message: str, signum: int) -> None:
    """A stopped run: one line, then exit with 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM),
    as a shell reports it. The run has already recorded itself and ended its processes; should a thread
    still be inside one file's parse or a hung source, or a library wait at exit for a server that is gone,
    the exit does not wait for them beyond a second."""
    import threading

    err.print(f"[bold yellow]{escape(message)}[/]", soft_wrap=True)
    sys.stdout.flush()
    sys.stderr.flush()
    code = 128 + signum
    _stopped_with[:] = [code]
    watchdog = threading.Timer(1, os._exit, args=(code,))
    watchdog.daemon = True
    watchdog.start()
    raise SystemExit(code)


@app.command()
def run(
    config: ConfigOpt = Path("kepu.toml"),
    inbox: Annotated[Optional[Path], typer.Option(metavar=FOLDER, help="收件箱文件夹")] = None,
    registry: Annotated[Optional[Path], typer.Option(metavar=FILE, help="单位名录 units.csv")] = None,
    warehouse: Annotated[Optional[Path], typer.Option(metavar=FILE, help="DuckDB 数据仓库文件")] = None,
    out: Annotated[Optional[Path], typer.Option(metavar=FOLDER, help="输出文件夹")] = None,
    workers: Annotated[Optional[int], typer.Option(metavar=NUMBER, help="并行解析的进程/线程数")] = None,
    task_runner: Annotated[Optional[str], typer.Option(metavar=TEXT, help="并行方式：auto（默认：文件多时用多进程）| thread | process | dask")] = None,
    force: Annotated[bool, typer.Option("--force", help="即使大多数已报送单位将不再计入也照常发布")] = False,
    wait: Annotated[Optional[float], typer.Option(metavar=NUMBER, help="另一个运行正在进行时最多等待的秒数（默认 [run] lock_wait，300）")] = None,
    verbose: Verbose = False,
) -> None:
    """汇总收件箱中的报表：校验、入库、发布，并生成全市汇总表。"""
    summary = _run_or_exit(config, inbox=inbox, registry=registry, warehouse=warehouse, out=out,
                           workers=workers, task_runner=task_runner, force=force, wait=wait)
    terminal.print_summary(console, summary)


@app.command()
def demo(
    path: Annotated[Path, typer.Option("--path", metavar=FOLDER, help="示范城市所在文件夹")] = Path("demo"),
    seed: Annotated[int, typer.Option(metavar=NUMBER, help="随机种子（相同种子生成相同数据）")] = 2023,
    scale: Annotated[float, typer.Option(metavar=NUMBER, help="规模倍数")] = 1.0,
    verbose: Verbose = False,
) -> None:
    """生成一个示范城市（单位名录、收件箱中的报表），并完整运行一次汇总。"""
    from kepu.demo.city import build_demo_city, prepare_demo_folder

    try:
        prepare_demo_folder(path)
    except ConfigError as exc:
        _fail(str(exc), 2)
    city = build_demo_city(path, seed=seed, scale=scale)
    console.print(f"示范城市已生成：{city.root}（{city.units} 个单位，收件箱 {city.files} 个文件）")
    summary = _run_or_exit(city.config_path)
    terminal.print_summary(console, summary)


@app.command()
def template(
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", metavar="文件或文件夹",
        help="输出文件（默认 科普日活动报表模板.xlsx）；--per-unit 时为输出文件夹（默认 各单位报表）")] = None,
    config: Annotated[Optional[Path], typer.Option(
        "--config", "-c", metavar=FILE, help="配置文件（取活动名称、统计时段、报送截止和单位名录）")] = None,
    name: Annotated[Optional[str], typer.Option(metavar=TEXT, help="活动名称，如 2023年全国科普日")] = None,
    per_unit: Annotated[bool, typer.Option(
        "--per-unit", help="为每个应报单位生成一份已填好并锁定填报单位、单位代码的报表（读取当前文件夹的 kepu.toml 或 --config）")] = False,
) -> None:
    """生成下发给各单位的官方报表模板（xlsx）。"""
    from kepu.form.per_unit import write_unit_forms
    from kepu.form.template import FormExists, Schedule, write_template

    settings = None
    if config is None and per_unit and Path("kepu.toml").is_file():
        config = Path("kepu.toml")
    if config is not None:
        try:
            settings = load_settings(config)
        except ConfigError as exc:
            _fail(str(exc), 2)
    elif per_unit:
        _fail("--per-unit 需要配置文件（从中读取单位名录）：在 kepu.toml 所在的文件夹运行，或用 --config 指定。", 2)
    campaign_name = name or (settings.campaign.name if settings else "全国科普日")
    schedule = Schedule.of(settings.campaign) if settings else None
    if per_unit:
        from kepu.settings import read_registry

        try:
            units = read_registry(settings.registry)
        except ConfigError as exc:
            _fail(str(exc), 2)
        folder = output or Path("各单位报表")
        try:
            paths = write_unit_forms(folder, units, campaign_name, schedule, settings.office.city_units_label)
        except FormExists as exc:
            _fail(str(exc), 2)
        console.print(f"已为 {len(paths)} 个应报单位生成报表：{folder.resolve()}")
        return
    try:
        path = write_template(output or Path("科普日活动报表模板.xlsx"), campaign_name, schedule)
    except FormExists as exc:
        _fail(str(exc), 2)
    console.print(f"模板已生成：{path.resolve()}")


WarehouseOpt = Annotated[Optional[Path], typer.Option(metavar=FILE, help="DuckDB 数据仓库文件")]


@app.command()
def rebuild(config: ConfigOpt = Path("kepu.toml"), warehouse: WarehouseOpt = None,
            wait: Annotated[Optional[float], typer.Option(metavar=NUMBER, help="另一个运行正在进行时最多等待的秒数")] = None,
            verbose: Verbose = False) -> None:
    """用保存的原始文件（数据仓库旁的 files/ 文件夹）重建整个数据仓库，并重新生成汇总表；不读收件箱。"""
    def action():
        settings = load_settings(config, warehouse=warehouse, check_inputs=False)

        def rebuild_flow():
            from kepu.flows.maintenance import rebuild as rebuild_flow
            from kepu.flows.nightly import task_runner_for
            from kepu.flows.server import run_api

            configured = rebuild_flow.with_options(task_runner=task_runner_for(settings))
            with run_api():
                return configured(config=str(config), warehouse=str(warehouse) if warehouse else None)

        return _holding_the_warehouse(settings, "kepu rebuild", wait, rebuild_flow)

    summary = _or_exit(lambda: _with_progress(action))
    console.print(f"[bold]已重建数据仓库（运行 {summary.run_id}）[/]")
    terminal.print_summary(console, summary, title=False, files=False)


@app.command()
def rollback(config: ConfigOpt = Path("kepu.toml"), warehouse: WarehouseOpt = None,
             to: Annotated[Optional[str], typer.Option("--to", metavar="运行编号", help="回滚到哪一次运行发布的状态（运行编号，可只写开头几位）；"
                                                                  "默认为上一次发布之前的状态")] = None,
             list_: Annotated[bool, typer.Option("--list", help="只列出保存的历史版本，不回滚")] = False) -> None:
    """把数据仓库恢复到保存的某次发布的状态（原子操作，记入 audit.runs），并按该状态重新生成汇总表。"""
    from kepu.flows import maintenance

    try:
        settings = load_settings(config, warehouse=warehouse, check_inputs=False)
    except ConfigError as exc:
        _fail(str(exc), 2)
    if list_:
        states = maintenance.list_states(settings)
        if not states:
            _fail(f"{settings.warehouse.parent / 'history'} 中没有保存的历史版本。", 1)
        terminal.print_states(console, settings, states)
        return
    done = _or_exit(lambda: maintenance.rollback(settings, to))
    console.print(f"[bold]已回滚到运行 {done.state.run_id}（{done.state.published_at:%Y-%m-%d %H:%M:%S} 发布）的状态[/]，"
                  f"记为运行 {done.run_id}。")
    console.print("提示：收件箱和单位名录如未更正，下一次运行会再次发布同样的结果。")
    for line in terminal.describe_outputs(done.outputs):
        console.print(line)


@app.command()
def sign(by: Annotated[Optional[str], typer.Option("--by", metavar=TEXT, help="签发人（必填）")] = None,
         note: Annotated[Optional[str], typer.Option("--note", metavar=TEXT, help="签发说明，如“报省科协”")] = None,
         force: Annotated[bool, typer.Option("--force", help="有影响合计较大的待决定事项时仍签发（须写 --reason）")] = False,
         reason: Annotated[Optional[str], typer.Option("--reason", metavar=TEXT, help="强制签发的理由（记入该版本）")] = None,
         config: ConfigOpt = Path("kepu.toml"),
         wait: Annotated[Optional[float], typer.Option(metavar=NUMBER, help="另一个运行正在进行时最多等待的秒数")] = None) -> None:
    """把当前发布的数据签发为本届的下一个报送版本（第N版），并把报送的全市汇总.xlsx、情况说明留存到 已报送/第N版/。

    有待决定事项影响全市某项合计超过 kepu.toml [sign] open_share（默认1%）时不签发，并列出这些事项；确需先报送时用
    --force --reason "…"，理由记入该版本。"""
    from kepu.flows.editions import sign as sign_edition

    try:
        settings = load_settings(config, check_inputs=False)
    except ConfigError as exc:
        _fail(str(exc), 2)
    signed = _or_exit(lambda: _with_progress(lambda: sign_edition(settings, by, note, wait=wait, force=force,
                                                                  reason=reason)))
    console.print(f"[bold]已签发第{signed.edition_no}版[/]（{signed.signed_at:%Y-%m-%d %H:%M}，签发人 {escape(by.strip())}"
                  f"{'，运行 ' + signed.run_id if signed.run_id else ''}）。", soft_wrap=True)
    console.print(f"报送文件已留存：{escape(str(signed.folder))}", soft_wrap=True)
    if signed.forced_over:
        console.print(f"[bold yellow]强制签发[/]（理由：{escape(reason.strip())}），签发时尚未决定：{escape(signed.forced_over)}",
                      soft_wrap=True)


@app.command()
def status(config: ConfigOpt = Path("kepu.toml"),
           warehouse: Annotated[Optional[Path], typer.Option(metavar=FILE, help="DuckDB 数据仓库文件")] = None) -> None:
    """显示报送情况（按区县）、数据问题和最近几次运行。"""
    try:
        settings = load_settings(config, warehouse=warehouse)
    except ConfigError as exc:
        _fail(str(exc), 2)
    if not settings.warehouse.exists():
        _fail(f"数据仓库 {settings.warehouse} 尚未生成，请先运行 kepu run。", 1)
    terminal.print_status(console, settings)


DECIDE_HELP = """记录市科协的决定（写入 kepu.toml 旁的 decisions.csv），下次运行起每次都执行。

\b
决定类型（KIND）及所需参数：
  assign_unit       将文件归入单位：文件 --unit
  supplement        认定为补报：文件
  same_event        两行为同一活动：文件 --cell --other-file --other-cell
  different_events  两行为不同活动：同上
  exclude_row       不计入某一行：文件 --cell
  exclude_file      不计入整个文件：文件
  accept_on_time    逾期文件按时计：文件
  correct_value     更正单元格：文件 --cell --value
  confirm           核实无误（不改动数字）：文件 [--cell]

文件可写收件箱中的路径或 sha256（至少前8位）；每个决定须写明理由（--reason）。kepu status 列出待决定事项及其命令。
文字总结中读出的数字：--cell 写段落和原文说法，如 '第3段“听众600余人”'（correct_value 更正、exclude_row 去掉该数字）。
confirm 记下电话核实的结果：所问的数字无误，不改动任何数字，kepu status 不再列出该事项。

\b
例：kepu decide correct_value 双流区/东升街道.xlsx --cell I12 \\
      --value 4000 --reason "电话核实：应为4000"
"""


@app.command(help=DECIDE_HELP)
def decide(
    kind: Annotated[str, typer.Argument(metavar="KIND", help="决定类型（见上）", show_default=False)],
    file: Annotated[Optional[str], typer.Argument(metavar="文件", help="文件路径或 sha256（至少前8位）",
                                                  show_default=False)] = None,
    cell: Annotated[Optional[str], typer.Option(metavar="单元格", help="该行的任一单元格，如 I12 或 活动明细!I12；文字总结中的数字写 第3段“听众600余人”")] = None,
    unit: Annotated[Optional[str], typer.Option(metavar="单位代码", help="assign_unit：归入的单位")] = None,
    value: Annotated[Optional[str], typer.Option(metavar="新值", help="correct_value：更正后的值")] = None,
    other_file: Annotated[Optional[str], typer.Option(metavar="文件", help="same_event / different_events：另一文件")] = None,
    other_cell: Annotated[Optional[str], typer.Option(metavar="单元格", help="另一文件中该行的任一单元格")] = None,
    reason: Annotated[Optional[str], typer.Option(metavar=TEXT, help="理由，如“电话核实：应为4000”（必填）")] = None,
    by: Annotated[Optional[str], typer.Option(metavar=TEXT, help="决定人（默认 kepu.toml 的填表人 preparer）")] = None,
    at: Annotated[Optional[str], typer.Option(metavar=TEXT, help="决定时间（默认现在）")] = None,
    config: ConfigOpt = Path("kepu.toml"),
) -> None:
    from kepu.decisions import decide as record_decision

    try:
        settings = load_settings(config, check_inputs=False)
        recorded = record_decision(settings, kind, file=file, cell=cell, unit_code=unit, value=value,
                                   other_file=other_file, other_cell=other_cell, reason=reason, decided_by=by,
                                   decided_at=at)
    except ConfigError as exc:
        _fail(str(exc), 2)
    except KepuError as exc:
        _fail(str(exc), 2)
    console.print(f"已记入 {escape(str(recorded.path))} 第{recorded.line}行。", soft_wrap=True)
    console.print(escape(recorded.preview), soft_wrap=True)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def sql(
    ctx: typer.Context,
    config: ConfigOpt = Path("kepu.toml"),
    warehouse: Annotated[Optional[Path], typer.Option(metavar=FILE, help="DuckDB 数据仓库文件")] = None,
    command: Annotated[Optional[str], typer.Option(
        "--command", "-e", metavar="SQL", help="执行一条 SQL 后退出（不进入交互界面）")] = None,
) -> None:
    """打开数据仓库的只读 SQL 界面（DuckDB 命令行）；分析请查询 marts 和 audit 两层的视图。

    “--” 之后的参数原样交给 duckdb 命令行，如 kepu sql -- -csv（结果以 CSV 显示）。"""
    from kepu.warehouse.shell import ShellError, open_shell

    if warehouse is None:
        try:
            warehouse = load_settings(config).warehouse
        except ConfigError as exc:
            _fail(str(exc), 2)
    extra = list(ctx.args) + (["-c", command] if command else [])
    try:
        code = open_shell(warehouse, extra)
    except ShellError as exc:
        _fail(str(exc), 1)
    raise typer.Exit(code)


HostOpt = Annotated[str, typer.Option("--host", metavar=TEXT, help="控制台监听的地址（默认只限本机 127.0.0.1；其他地址需在 kepu.toml 的 console 部分设置 password_env）")]
ConsolePortOpt = Annotated[int, typer.Option(metavar=NUMBER, help="控制台的端口")]


@app.command("console")
def console_command(config: ConfigOpt = Path("kepu.toml"), host: HostOpt = "127.0.0.1", port: ConsolePortOpt = 8765,
                    verbose: Verbose = False) -> None:
    """在浏览器中打开科协的工作台：今日概况、待决定事项（含原表单元格与决定表单）、报送情况、汇总与报送（签发）、版本。"""
    from kepu import console as office_console

    try:
        settings = load_settings(config, check_inputs=False)
        office_console.application(settings, host)  # refuses before anything listens
        office_console.check_port(host, port)
    except ConfigError as exc:
        _fail(str(exc), 2)
    console.print(f"控制台：{office_console.url(host, port)}（按 Ctrl-C 停止）", soft_wrap=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        office_console.serve(settings, host, port)
    except KeyboardInterrupt:
        pass
    console.print("已停止控制台。")


@app.command()
def serve(
    config: ConfigOpt = Path("kepu.toml"),
    cron: Annotated[str, typer.Option(metavar=TEXT, help="cron 表达式（分 时 日 月 星期）")] = NIGHTLY_CRON,
    timezone: Annotated[str, typer.Option(metavar=TEXT, help="时区（IANA 名称）")] = OFFICE_TIMEZONE,
    port: Annotated[int, typer.Option(metavar=NUMBER, help="本地 Prefect 服务及其界面的端口")] = 4200,
    console_host: Annotated[str, typer.Option(metavar=TEXT, help="控制台（kepu console）的地址")] = "127.0.0.1",
    console_port: Annotated[int, typer.Option(metavar=NUMBER, help="控制台的端口；0 表示不启动控制台")] = 8765,
    verbose: Verbose = False,
) -> None:
    """注册每晚定时运行（默认北京时间 02:00）并持续服务，同时在 --console-port（默认 8765）启动控制台；未配置 PREFECT_API_URL 时在 --port（默认 4200）启动本地 Prefect 服务和界面。"""
    from kepu import console as office_console

    try:
        settings = load_settings(config)
        from kepu.flows.schedule import check_schedule

        check_schedule(cron, timezone)
        if console_port:
            office_console.application(settings, console_host)
            office_console.check_port(console_host, console_port, "--console-port")
    except ConfigError as exc:
        _fail(str(exc), 2)
    from kepu.flows.schedule import FailureWatcher, nightly_deployment, serve_deployment
    from kepu.flows.server import local_server

    def start(server_log: Path | None = None) -> None:
        deployment = nightly_deployment(settings, config, cron=cron, timezone=timezone)
        watcher = FailureWatcher(settings, deployment.name, say=console.print, server_log=server_log)
        console.print(f"已注册定时任务 {deployment.name}：{cron}（{timezone}）。按 Ctrl-C 停止。")
        beside = None
        if console_port:
            beside = office_console.start_beside(settings, console_host, console_port)
            console.print(f"控制台：{office_console.url(console_host, console_port)}", soft_wrap=True)
        watcher.start()
        try:
            serve_deployment(deployment)
        finally:
            watcher.stop()
            if beside is not None:
                beside.stop()

    signal.signal(signal.SIGTERM, _interrupt)
    if os.environ.get("PREFECT_API_URL"):
        try:
            start()
        except KeyboardInterrupt:
            pass
        console.print("已停止定时任务。")
        return
    log_path = settings.warehouse.parent / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    console.print(f"未配置 PREFECT_API_URL，正在启动本地 Prefect 服务（端口 {port}，日志：{log_path}）…")
    try:
        with local_server(port=port, log_path=log_path) as api_url:
            console.print(f"本地 Prefect 服务已就绪，界面：{api_url.removesuffix('/api')}")
            start(log_path)
    except KeyboardInterrupt:
        pass
    except ConfigError as exc:
        _fail(str(exc), 2)
    except KepuError as exc:
        _fail(str(exc), 1)
    console.print("已停止定时任务和本地 Prefect 服务。")


def _interrupt(signum, frame) -> None:
    """SIGTERM (systemd stop) ends `kepu serve` like Ctrl-C, so the local server is stopped too."""
    raise KeyboardInterrupt


_stopped_with: list[int] = []
"""The exit code of a run that was stopped (set by `_stopped`)."""


def main() -> None:  # pragma: no cover
    """The `kepu` command. A stopped run leaves at once once its line is printed: the run has recorded itself
    and ended its processes, and the interpreter's own shutdown (library threads, pools, finalizers) can take
    seconds a stop does not have, where no watchdog thread runs any more."""
    try:
        app()
    except SystemExit:
        if _stopped_with:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(_stopped_with[0])
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
