"""The one settings object: `kepu.toml` (SPEC §2.2) with command-line flags laid over it.

Relative paths in the file are relative to the file; flags are relative to where kepu was started.
Anything wrong stops the run before anything is written, with a message naming the key or line.
"""

from __future__ import annotations

import csv
import os
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pandas as pd

from kepu.schemas.errors import ConfigError
from kepu.schemas.vocabulary import Campaign
from kepu.transforms.units import REGISTRY_COLUMNS, build_units

TASK_RUNNERS = ("process", "thread", "dask")
NIGHTLY_CRON = "0 2 * * *"
"""When `kepu serve` runs the pipeline unless told otherwise: 02:00 on the office's clock (SPEC §6)."""


CITY_UNITS_LABEL = "市直单位"
"""How units directly under the city are shown where districts are listed, unless [office] says otherwise."""


@dataclass(frozen=True)
class Office:
    """The `[office]` section (SPEC §2.2): who signs what goes upward. Empty fields print as blanks to be
    filled in by hand; `name` empty means the registry's city unit signs."""

    name: str = ""
    preparer: str = ""
    reviewer: str = ""
    phone: str = ""
    city_units_label: str = CITY_UNITS_LABEL


@dataclass(frozen=True)
class Settings:
    campaign: Campaign
    inbox: Path
    registry: Path
    warehouse: Path
    out: Path
    config_path: Path | None = None
    workers: int = max(1, min(8, os.cpu_count() or 1))
    batch_size: int = 50
    task_runner: str = "thread"
    dask_address: str | None = None
    office: Office = Office()

    @property
    def campaign_out(self) -> Path:
        """Where this campaign's deliverables go: out/<campaign_id>/."""
        return self.out / self.campaign.campaign_id

    @property
    def store(self) -> Path:
        """Where every received file is kept, by content hash, beside the warehouse file."""
        return self.warehouse.parent / "files"


def _date(section: dict, key: str, where: str) -> date:
    value = section.get(key)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"{where}：[campaign] {key} 应为日期（如 2023-09-17），实际为 {value!r}。")


def _office(section, where: str) -> Office:
    """[office] as an Office; every key optional, each a string."""
    if not isinstance(section, dict):
        raise ConfigError(f"{where}：[office] 应为表。")
    fields = {}
    for key in ("name", "preparer", "reviewer", "phone", "city_units_label"):
        value = section.get(key)
        if value is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ConfigError(f"{where}：[office] {key} 应为文字，实际为 {value!r}。")
        fields[key] = value.strip()
    unknown = sorted(set(section) - {"name", "preparer", "reviewer", "phone", "city_units_label"})
    if unknown:
        raise ConfigError(f"{where}：[office] 不认识的设置 {', '.join(unknown)}（可用 name、preparer、reviewer、phone、"
                          "city_units_label）。")
    if not fields.get("city_units_label", CITY_UNITS_LABEL):
        fields["city_units_label"] = CITY_UNITS_LABEL
    return Office(**fields)


def load_settings(config: Path | None = None, *, inbox: Path | None = None, registry: Path | None = None,
                  warehouse: Path | None = None, out: Path | None = None, workers: int | None = None,
                  task_runner: str | None = None, dask_address: str | None = None) -> Settings:
    """Settings from `config` (default ./kepu.toml) and flags; raises ConfigError when something is wrong."""
    config = Path(config) if config else Path("kepu.toml")
    where = str(config)
    if not config.is_file():
        raise ConfigError(f"找不到配置文件 {config}（可用 --config 指定）。")
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} 格式错误：{exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where} 不是 UTF-8 编码的文本文件。") from exc
    section = data.get("campaign")
    if not isinstance(section, dict):
        raise ConfigError(f"{where}：缺少 [campaign] 部分。")
    for key in ("id", "name"):
        if not isinstance(section.get(key), str) or not section[key].strip():
            raise ConfigError(f"{where}：[campaign] 缺少 {key}。")
    start, end, deadline = (_date(section, k, where) for k in ("start", "end", "deadline"))
    if end < start:
        raise ConfigError(f"{where}：[campaign] end（{end}）早于 start（{start}）。")
    if deadline < end:
        raise ConfigError(f"{where}：[campaign] deadline（{deadline}）早于 end（{end}）。")
    campaign = Campaign(section["id"].strip(), section["name"].strip(), start, end, deadline)

    base = config.resolve().parent
    paths = data.get("paths", {})
    if not isinstance(paths, dict):
        raise ConfigError(f"{where}：[paths] 应为表。")
    defaults = {"inbox": "inbox", "registry": "units.csv", "warehouse": "warehouse/kepu.duckdb", "out": "out"}
    resolved = {k: (base / str(paths.get(k, v))).resolve() for k, v in defaults.items()}
    run = data.get("run", {}) if isinstance(data.get("run", {}), dict) else {}
    office = _office(data.get("office", {}), where)
    settings = Settings(
        campaign=campaign, config_path=config.resolve(), **resolved,
        workers=int(run.get("workers", Settings.workers)), batch_size=int(run.get("batch_size", 50)),
        task_runner=str(run.get("task_runner", "thread")), dask_address=run.get("dask_address"), office=office,
    )
    overrides = {k: Path(v).resolve() for k, v in
                 {"inbox": inbox, "registry": registry, "warehouse": warehouse, "out": out}.items() if v}
    if workers:
        overrides["workers"] = workers
    if task_runner:
        overrides["task_runner"] = task_runner
    if dask_address:
        overrides["dask_address"] = dask_address
    settings = replace(settings, **overrides)
    if settings.task_runner not in TASK_RUNNERS:
        raise ConfigError(f"task_runner “{settings.task_runner}”无效，应为 {', '.join(TASK_RUNNERS)} 之一。")
    if not settings.inbox.is_dir():
        raise ConfigError(f"收件箱文件夹 {settings.inbox} 不存在。")
    if not settings.registry.is_file():
        raise ConfigError(f"单位名录 {settings.registry} 不存在。")
    return settings


def read_registry(path: Path) -> pd.DataFrame:
    """`core.units` rows from units.csv (UTF-8, with or without BOM); ConfigError names the bad line."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.name} 不是 UTF-8 编码，请另存为 UTF-8 CSV。") from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in REGISTRY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(f"{path.name} 第1行：缺少列 {', '.join(missing)}。")
    return build_units(reader, source=path.name)
