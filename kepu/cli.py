"""The `kepu` command: template, demo, run, status, sql, serve. Everything it prints is Chinese, click's
and typer's own words included (kepu.cli_words).

Exit codes: 0 the run completed (rejected files included), 1 the run itself failed, 2 the settings
or the registry are wrong (nothing was written).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

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
err = Console(stderr=True)

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", metavar="文件", help="配置文件 kepu.toml")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="显示 Prefect 日志")]
FILE, FOLDER, NUMBER, TEXT = "文件", "文件夹", "数字", "文字"

STAGES = {"scan": "读取来源", "parse": "解析报表", "core": "核对与汇总",
          "publish": "发布数据仓库", "outputs": "生成汇总表", "notices": "起草或发送通知", "done": "完成"}


def _fail(message: str, code: int) -> None:
    err.print(f"[bold red]错误：[/]{escape(message)}", soft_wrap=True)  # one line; "[notices]" is no markup
    raise typer.Exit(code)


def _run_with_progress(config: Path, **flags):
    from kepu.flows.nightly import run

    show = console.is_terminal
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=not show) as bar:
        current = {"stage": "start", "task": bar.add_task("启动", total=None)}

        def listener(stage: str, done: int, total: int) -> None:
            """A new bar for each stage (rich cannot turn a counted bar back into a spinner)."""
            if stage != current["stage"]:
                bar.remove_task(current["task"])
                current["stage"] = stage
                current["task"] = bar.add_task(STAGES.get(stage, stage), total=total or None, completed=done)
            else:
                bar.update(current["task"], completed=done)

        stop = progress.listen(listener)
        try:
            return run(config, **flags)
        finally:
            stop()


def _run_or_exit(config: Path, **flags):
    try:
        return _run_with_progress(config, **flags)
    except ConfigError as exc:
        _fail(str(exc), 2)
    except KepuError as exc:
        _fail(str(exc), 1)
    except Exception as exc:  # the run itself failed: say so in one line; --verbose shows Prefect's log
        _fail(f"运行失败：{type(exc).__name__}: {exc}", 1)


@app.command()
def run(
    config: ConfigOpt = Path("kepu.toml"),
    inbox: Annotated[Optional[Path], typer.Option(metavar=FOLDER, help="收件箱文件夹")] = None,
    registry: Annotated[Optional[Path], typer.Option(metavar=FILE, help="单位名录 units.csv")] = None,
    warehouse: Annotated[Optional[Path], typer.Option(metavar=FILE, help="DuckDB 数据仓库文件")] = None,
    out: Annotated[Optional[Path], typer.Option(metavar=FOLDER, help="输出文件夹")] = None,
    workers: Annotated[Optional[int], typer.Option(metavar=NUMBER, help="并行解析的进程/线程数")] = None,
    task_runner: Annotated[Optional[str], typer.Option(metavar=TEXT, help="并行方式：thread | process | dask")] = None,
    verbose: Verbose = False,
) -> None:
    """汇总收件箱中的报表：校验、入库、发布，并生成全市汇总表。"""
    summary = _run_or_exit(config, inbox=inbox, registry=registry, warehouse=warehouse, out=out,
                           workers=workers, task_runner=task_runner)
    terminal.print_summary(console, summary)


@app.command()
def demo(
    path: Annotated[Path, typer.Option("--path", metavar=FOLDER, help="示范城市所在文件夹")] = Path("demo"),
    seed: Annotated[int, typer.Option(metavar=NUMBER, help="随机种子（相同种子生成相同数据）")] = 2023,
    scale: Annotated[float, typer.Option(metavar=NUMBER, help="规模倍数")] = 1.0,
    verbose: Verbose = False,
) -> None:
    """生成一个示范城市（单位名录、收件箱中的报表），并完整运行一次汇总。"""
    from kepu.demo.city import build_demo_city

    if path.exists() and any(path.iterdir()):
        import shutil

        if not (path / "kepu.toml").is_file():
            _fail(f"{path} 已存在且不是示范城市文件夹，请换一个 --path。", 2)
        shutil.rmtree(path)
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
        "--per-unit", help="为每个应报单位生成一份已填好并锁定填报单位、单位代码的报表（需要 --config）")] = False,
) -> None:
    """生成下发给各单位的官方报表模板（xlsx）。"""
    from kepu.form.per_unit import write_unit_forms
    from kepu.form.template import Schedule, write_template

    settings = None
    if config is not None:
        try:
            settings = load_settings(config)
        except ConfigError as exc:
            _fail(str(exc), 2)
    elif per_unit:
        _fail("--per-unit 需要用 --config 指定配置文件（从中读取单位名录）。", 2)
    campaign_name = name or (settings.campaign.name if settings else "全国科普日")
    schedule = Schedule.of(settings.campaign) if settings else None
    if per_unit:
        from kepu.settings import read_registry

        try:
            units = read_registry(settings.registry)
        except ConfigError as exc:
            _fail(str(exc), 2)
        folder = output or Path("各单位报表")
        paths = write_unit_forms(folder, units, campaign_name, schedule, settings.office.city_units_label)
        console.print(f"已为 {len(paths)} 个应报单位生成报表：{folder.resolve()}")
        return
    path = write_template(output or Path("科普日活动报表模板.xlsx"), campaign_name, schedule)
    console.print(f"模板已生成：{path.resolve()}")


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


@app.command()
def serve(
    config: ConfigOpt = Path("kepu.toml"),
    cron: Annotated[str, typer.Option(metavar=TEXT, help="cron 表达式")] = NIGHTLY_CRON,
    timezone: Annotated[str, typer.Option(metavar=TEXT, help="时区")] = OFFICE_TIMEZONE,
    verbose: Verbose = False,
) -> None:
    """注册每晚定时运行（默认北京时间 02:00）并持续服务；未配置 PREFECT_API_URL 时自动启动本地 Prefect 服务。"""
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        _fail(str(exc), 2)
    from kepu.flows.schedule import nightly_deployment
    from kepu.flows.server import local_server
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    def start(api_url: str | None) -> None:
        deployment = nightly_deployment(settings, config, cron=cron, timezone=timezone)
        console.print(f"已注册定时任务 {deployment.name}：{cron}（{timezone}）。按 Ctrl-C 停止。")
        prefect_serve(deployment, print_starting_message=False)

    if os.environ.get("PREFECT_API_URL"):
        start(os.environ["PREFECT_API_URL"])
        return
    signal.signal(signal.SIGTERM, _interrupt)
    log_path = settings.warehouse.parent / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    console.print(f"未配置 PREFECT_API_URL，正在启动本地 Prefect 服务（日志：{log_path}）…")
    try:
        with local_server(log_path=log_path) as api_url:
            console.print(f"本地 Prefect 服务已就绪：{api_url.removesuffix('/api')}")
            with temporary_settings(updates={PREFECT_API_URL: api_url}):
                start(api_url)
    except KeyboardInterrupt:
        pass
    except KepuError as exc:
        _fail(str(exc), 1)
    console.print("已停止定时任务和本地 Prefect 服务。")


def _interrupt(signum, frame) -> None:
    """SIGTERM (systemd stop) ends `kepu serve` like Ctrl-C, so the local server is stopped too."""
    raise KeyboardInterrupt


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
