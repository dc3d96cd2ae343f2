"""The nightly schedule: a deployment of the kepu-nightly flow on a cron in the office's timezone."""

from __future__ import annotations

from pathlib import Path

from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

from kepu.flows.nightly import nightly, task_runner_for
from kepu.schemas.vocabulary import OFFICE_TIMEZONE
from kepu.settings import NIGHTLY_CRON, Settings


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
