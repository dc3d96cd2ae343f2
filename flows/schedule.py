"""The nightly schedule: a deployment of the kepu-nightly flow on a cron in the office's timezone, the
checks of that cron and timezone before `kepu serve` starts anything, and the watcher that records
scheduled runs which died without recording themselves."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

from prefect.client.schemas.objects import StateType
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

from kepu.flows import lifecycle
from kepu.flows.nightly import nightly, task_runner_for
from kepu.schemas.errors import ConfigError, KepuError
from kepu.schemas.vocabulary import OFFICE_TIMEZONE, OFFICE_TZ, office_now
from kepu.settings import NIGHTLY_CRON, Settings
from kepu.warehouse import publisher, queries


def nightly_deployment(settings: Settings, config: Path, cron: str = NIGHTLY_CRON,
                       timezone: str = OFFICE_TIMEZONE, name: str | None = None):
    """A deployment that runs the whole pipeline for `config` every night (02:00 Beijing time by default;
    Prefect would take UTC if the timezone were left out)."""
    flow = nightly.with_options(task_runner=task_runner_for(settings))
    return flow.to_deployment(
        name=name or f"nightly-{settings.campaign.campaign_id}",
        schedules=[Cron(cron, timezone=timezone)],
        parameters={"config": str(Path(config).resolve())},
        description=f"{settings.campaign.name}：每晚汇总收件箱中的报表并发布。",
        tags=["kepu", settings.campaign.campaign_id],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def check_schedule(cron: str, timezone: str) -> None:
    """ConfigError (one line, Chinese) unless `cron` and `timezone` are what Prefect will accept: checked
    before `kepu serve` starts anything."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from prefect._internal.schemas.validators import validate_cron_string

    try:
        validate_cron_string(cron)
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"--cron “{cron}”不是有效的 cron 表达式：应为 5 段（分 时 日 月 星期），"
                          f"如 \"0 2 * * *\" 表示每天 02:00。") from exc
    try:
        ZoneInfo(timezone)
        CronSchedule(cron=cron, timezone=timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ConfigError(f"--timezone “{timezone}”不是有效的时区名：应为 IANA 时区名，如 Asia/Shanghai。") from exc


def serve_deployment(deployment) -> None:
    """Serve `deployment` (run its scheduled runs) until SIGTERM or Ctrl-C. SIGTERM cancels the runs under
    way (each is sent SIGTERM and records itself as stopped) and returns, as Ctrl-C does: Prefect's own
    SIGTERM handler (3.9) calls its async stop without awaiting it and exits at once, which leaves the
    runs under way going and skips serve's own ending (stopping the local server, saying so)."""
    import asyncio

    from prefect.runner import Runner

    class ServeRunner(Runner):
        _kepu_stopping = False

        def handle_sigterm(self, *args, **kwargs) -> None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # not serving (yet, or any more)
                raise KeyboardInterrupt from None
            if self._kepu_stopping:  # a second SIGTERM: stop at once
                raise KeyboardInterrupt
            self._kepu_stopping = True
            loop.call_soon_threadsafe(lambda: _stopping.append(loop.create_task(self.astop())))

    _stopping: list = []
    runner = ServeRunner()
    runner.add_deployment(deployment)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        pass


# ------------------------------------------------------------------------ runs that died unrecorded

FAILED_STATES = (StateType.FAILED, StateType.CRASHED, StateType.CANCELLED)
WATCH_INTERVAL = 30.0
"""Seconds between looks for scheduled runs that ended without recording themselves."""


def run_id_of(flow_run_id) -> str:
    """The audit.runs id of a scheduled run (kepu.flows.nightly.new_run_id: the end of the flow run's id)."""
    return uuid.UUID(str(flow_run_id)).hex[-12:]


def record_unrecorded_failures(settings: Settings, flow_runs) -> list[str]:
    """A failed, crashed or cancelled scheduled run whose own failure handling never ran (killed, out of
    memory, unable to import its code) gets its audit.runs row here, with Prefect's reason; returns the run
    ids recorded. Runs that recorded themselves are left alone."""
    ended = [r for r in flow_runs if r.state is not None and r.state.type in FAILED_STATES]
    if not ended or not settings.warehouse.exists():
        return []
    known = {r["run_id"] for r in queries.fetch_records(
        settings.warehouse, "select run_id from audit.runs where run_id in (select unnest(?::varchar[]))",
        [[run_id_of(r.id) for r in ended]])}
    recorded = []
    for flow_run in ended:
        run_id = run_id_of(flow_run.id)
        if run_id in known:
            continue
        started = _office_time(flow_run.start_time or flow_run.expected_start_time)
        ended_at = _office_time(flow_run.end_time) or office_now()
        reason = (flow_run.state.message or "").strip() or flow_run.state.name
        row = {"run_id": run_id, "campaign_id": settings.campaign.campaign_id, "started_at": started or ended_at,
               "finished_at": ended_at, "files_seen": 0, "files_new": 0, "files_changed": 0, "files_parsed": 0,
               "files_rejected": 0, "outcome": "failed",
               "message": f"定时运行异常终止，未能记录自身结果（Prefect：{flow_run.state.name}：{reason}）"[:2000]}
        try:
            with lifecycle.guarded(settings.warehouse, command="kepu serve（补记失败运行）", wait=120):
                if publisher.record_run(settings.warehouse, row):
                    recorded.append(run_id)
        except KepuError:
            continue
    return recorded


def _office_time(moment) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(OFFICE_TZ).replace(tzinfo=None)


UPCOMING_STATES = (StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING)
SCHEDULE_GRACE = 90.0
"""Seconds after `kepu serve` registered the deployment by which Prefect must have planned its next run
(its scheduler looks at a newly registered deployment every few seconds)."""


class FailureWatcher(threading.Thread):
    """Beside `kepu serve`, every WATCH_INTERVAL seconds: the deployment's runs since serve started that
    ended failed, crashed or cancelled are checked against audit.runs (`record_unrecorded_failures`), and
    the deployment must have its next run planned: a Prefect server whose scheduler fails (it logs the error
    in its own log and carries on) would otherwise leave the schedule dead without a word. `say` is told,
    once, that no run is planned, and again when runs are planned once more."""

    def __init__(self, settings: Settings, deployment_name: str, interval: float = WATCH_INTERVAL,
                 say: Callable[[str], None] = print, server_log: Path | None = None,
                 grace: float = SCHEDULE_GRACE):
        super().__init__(name="kepu-failure-watcher", daemon=True)
        self.settings = settings
        self.deployment_name = deployment_name
        self.interval = interval
        self.say = say
        self.server_log = server_log
        self.grace = grace
        self.since = datetime.now(dt_timezone.utc)
        self._registered_at = time.monotonic()
        self._unplanned_told = False
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            try:
                self.check()
            except Exception:  # a watcher never takes serve down; the next look tries again
                continue

    def check(self) -> list[str]:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterName, FlowRunFilter,
                                                    FlowRunFilterStartTime, FlowRunFilterStateType)

        deployment = DeploymentFilter(name=DeploymentFilterName(any_=[self.deployment_name]))
        with get_client(sync_client=True) as client:
            flow_runs = client.read_flow_runs(
                deployment_filter=deployment,
                flow_run_filter=FlowRunFilter(
                    state=dict(type=FlowRunFilterStateType(any_=list(FAILED_STATES))),
                    start_time=FlowRunFilterStartTime(after_=self.since)),
                limit=50)
            upcoming = client.read_flow_runs(
                deployment_filter=deployment,
                flow_run_filter=FlowRunFilter(state=dict(type=FlowRunFilterStateType(any_=list(UPCOMING_STATES)))),
                limit=1)
        self.check_planned(bool(upcoming))
        return record_unrecorded_failures(self.settings, flow_runs)

    def check_planned(self, planned: bool) -> None:
        """Say so when the deployment has had no run planned for longer than `grace` (and when it has again)."""
        if planned:
            if self._unplanned_told:
                self.say(f"定时任务已恢复：{self.deployment_name} 的下一次运行已排定。")
            self._unplanned_told = False
        elif not self._unplanned_told and time.monotonic() - self._registered_at >= self.grace:
            where = f"请查看 Prefect 服务日志 {self.server_log}。" if self.server_log else "请查看 Prefect 服务的日志。"
            self.say(f"警告：Prefect 未为定时任务 {self.deployment_name} 排定下一次运行，定时运行不会发生。{where}")
            self._unplanned_told = True

    def stop(self) -> None:
        self._done.set()
