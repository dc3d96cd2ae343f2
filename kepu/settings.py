"""The one settings object: `kepu.toml` (SPEC §2.2) with command-line flags laid over it.

Relative paths in the file are relative to the file; flags are relative to where kepu was started.
Anything wrong stops the run before anything is written, with a message naming the key or line.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from kepu.mail.smtp import DEFAULT_PORTS, TLS_MODES, NoticeConfig
from kepu.schemas.errors import ConfigError
from kepu.schemas.notices import NOTICE_MODES
from kepu.schemas.decisions import FILE_NAME as DECISIONS_FILE
from kepu.schemas.vocabulary import Campaign
from kepu.sources.intake import MAIL_SCHEMES, SCHEMES, SourceConfig, default_inbox
from kepu.transforms.units import REGISTRY_COLUMNS, build_units

TASK_RUNNERS = ("auto", "thread", "process", "dask")
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
    email: str = ""
    """The office's address for questions, printed on each 回执 beside the phone."""
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
    task_runner: str = "auto"
    """How files are parsed in parallel: `auto` (threads, or a pool of processes from `processes_from` files
    to parse on a machine of several cores), `thread`, `process`, `dask` ([run] task_runner)."""
    processes_from: int = 1000
    """Files to parse from which `auto` starts a pool of processes ([run] processes_from): below it, the
    seconds its workers take to start outweigh a second core's help."""
    dask_address: str | None = None
    sources: tuple[SourceConfig, ...] = ()
    """The `[[sources]]` of kepu.toml; empty means the `inbox` folder is the one source."""
    source_retries: int = 2
    source_retry_delay_s: float = 10.0
    office: Office = Office()
    notices: NoticeConfig | None = None
    """The `[notices]` section; None when kepu.toml has none (no notices are drafted or sent)."""
    lock_wait: float = 300.0
    """Seconds a run waits for another run on the same warehouse before refusing ([run] lock_wait)."""
    keep_states: int = 7
    """Published states kept for `kepu rollback` ([run] keep_states)."""
    decisions_path: Path | None = None
    """decisions.csv ([paths] decisions); None: beside kepu.toml (or the registry, without a kepu.toml)."""
    console_password_env: str | None = None
    """`[console] password_env`: the environment variable holding the password `kepu console` asks for when it
    listens on any address other than loopback (None: loopback only)."""
    sign_open_share: float = 0.01
    """`kepu sign` refuses, unless forced with a reason, while an open item's figure is more than this share of
    the city's total of its measure ([sign] open_share; 0.01 = 1%)."""
    statement_style: str = "exact"
    """How 情况说明 writes its figures ([statement] figures): `exact` (307383人次) or `rounded`, the office's style
    (30.7万人次, 49万余份)."""

    @property
    def intake_sources(self) -> tuple[SourceConfig, ...]:
        """Where tonight's run takes submissions from: the configured sources, else the inbox folder."""
        return self.sources or (default_inbox(self.inbox),)

    @property
    def decisions(self) -> Path:
        """The office's decisions (SPEC §3.9): decisions.csv beside kepu.toml unless [paths] says otherwise."""
        if self.decisions_path is not None:
            return self.decisions_path
        base = self.config_path.parent if self.config_path else self.registry.parent
        return base / DECISIONS_FILE

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


OFFICE_KEYS = ("name", "preparer", "reviewer", "phone", "email", "city_units_label")


def _office(section, where: str) -> Office:
    """[office] as an Office; every key optional, each a string."""
    if not isinstance(section, dict):
        raise ConfigError(f"{where}：[office] 应为表。")
    fields = {}
    for key in OFFICE_KEYS:
        value = section.get(key)
        if value is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ConfigError(f"{where}：[office] {key} 应为文字，实际为 {value!r}。")
        fields[key] = value.strip()
    unknown = sorted(set(section) - set(OFFICE_KEYS))
    if unknown:
        raise ConfigError(f"{where}：[office] 不认识的设置 {', '.join(unknown)}（可用 {'、'.join(OFFICE_KEYS)}）。")
    email = fields.get("email", "")
    if email and not _EMAIL.fullmatch(email):
        raise ConfigError(f"{where}：[office] email “{email}”不是有效的邮箱地址。")
    if not fields.get("city_units_label", CITY_UNITS_LABEL):
        fields["city_units_label"] = CITY_UNITS_LABEL
    return Office(**fields)
def _console(section, where: str) -> str | None:
    """[console] password_env, the name of an environment variable (never the password itself)."""
    if not isinstance(section, dict):
        raise ConfigError(f"{where}：[console] 应为表。")
    unknown = sorted(set(section) - {"password_env"})
    if unknown:
        raise ConfigError(f"{where}：[console] 不认识的设置 {', '.join(unknown)}（可用 password_env）。")
    value = section.get("password_env")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}：[console] password_env 应为环境变量的名称（如 KEPU_CONSOLE_PASSWORD）。")
    return value.strip()


def _share(section, where: str) -> float:
    """[sign] open_share: a share between 0 and 1 (0.01 = 1%)."""
    if not isinstance(section, dict):
        raise ConfigError(f"{where}：[sign] 应为表。")
    unknown = sorted(set(section) - {"open_share"})
    if unknown:
        raise ConfigError(f"{where}：[sign] 不认识的设置 {', '.join(unknown)}（可用 open_share）。")
    value = section.get("open_share", Settings.sign_open_share)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(f"{where}：[sign] open_share 应为 0 到 1 之间的数（如 0.01 即 1%），实际为 {value!r}。")
    return float(value)


STATEMENT_STYLES = {"exact": "精确", "rounded": "约数"}


def _statement_style(section, where: str) -> str:
    """[statement] figures: exact (the default) or rounded."""
    if not isinstance(section, dict):
        raise ConfigError(f"{where}：[statement] 应为表。")
    unknown = sorted(set(section) - {"figures"})
    if unknown:
        raise ConfigError(f"{where}：[statement] 不认识的设置 {', '.join(unknown)}（可用 figures）。")
    value = section.get("figures", Settings.statement_style)
    if value not in STATEMENT_STYLES:
        raise ConfigError(f"{where}：[statement] figures 应为 \"exact\"（精确数，默认）或 \"rounded\"（如 30.7万人次），"
                          f"实际为 {value!r}。")
    return value


def _number(section: dict, key: str, default: float, where: str) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{where}：[run] {key} 应为不小于 0 的数，实际为 {value!r}。")
    return value


def load_settings(config: Path | None = None, *, inbox: Path | None = None, registry: Path | None = None,
                  warehouse: Path | None = None, out: Path | None = None, workers: int | None = None,
                  task_runner: str | None = None, dask_address: str | None = None,
                  check_inputs: bool = True) -> Settings:
    """Settings from `config` (default ./kepu.toml) and flags; raises ConfigError when something is wrong.
    `check_inputs=False`: the inbox and the registry need not exist (kepu rebuild and rollback read neither)."""
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
    sources = _sources(data.get("sources"), where, base)
    if sources and inbox:
        raise ConfigError(f"{where} 已配置 [[sources]]，--inbox 不再适用；请把该文件夹作为 file:// 来源加入 [[sources]]。")
    office = _office(data.get("office", {}), where)
    notices = _notices(data.get("notices"), where, base)
    console_password_env = _console(data.get("console", {}), where)
    settings = Settings(
        campaign=campaign, config_path=config.resolve(), **resolved,
        workers=int(run.get("workers", Settings.workers)), batch_size=int(run.get("batch_size", 50)),
        task_runner=str(run.get("task_runner", Settings.task_runner)), dask_address=run.get("dask_address"),
        processes_from=int(_number(run, "processes_from", Settings.processes_from, where)),
        sources=sources, source_retries=_bounded_int(run, "source_retries", 2, 0, 10, where),
        source_retry_delay_s=_bounded_float(run, "source_retry_delay", 10.0, 0, 600, where), office=office,
        notices=notices,
        lock_wait=_number(run, "lock_wait", Settings.lock_wait, where),
        keep_states=int(_number(run, "keep_states", Settings.keep_states, where)),
        decisions_path=(base / str(paths["decisions"])).resolve() if paths.get("decisions") else None,
        console_password_env=console_password_env,
        sign_open_share=_share(data.get("sign", {}), where),
        statement_style=_statement_style(data.get("statement", {}), where),
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
    if check_inputs and not settings.sources and not settings.inbox.is_dir():
        raise ConfigError(f"收件箱文件夹 {settings.inbox} 不存在。")
    if check_inputs and not settings.registry.is_file():
        raise ConfigError(f"单位名录 {settings.registry} 不存在。")
    return settings


_SOURCE_KEYS = ("name", "url", "glob", "district", "username_env", "password_env", "endpoint", "region",
                "host_key_sha256", "ca_file", "timeout")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _sources(value, where: str, base: Path) -> tuple[SourceConfig, ...]:
    """The `[[sources]]` array (SPEC §2.2, §2.4), each checked: a name, a URL kepu can read, credentials named
    by environment variable only."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}：sources 应写成 [[sources]] 表数组。")
    found: list[SourceConfig] = []
    for n, entry in enumerate(value, start=1):
        name = entry.get("name")
        label = f"{where}：第{n}个 [[sources]]" + (f"「{name}」" if isinstance(name, str) and name.strip() else "")
        unknown = sorted(set(entry) - set(_SOURCE_KEYS))
        if unknown:
            raise ConfigError(f"{label} 有未知的键 {', '.join(unknown)}（可用：{', '.join(_SOURCE_KEYS)}）。")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{label} 缺少 name。")
        name = name.strip()
        if "/" in name or "\\" in name:
            raise ConfigError(f"{label} 的 name 不能含有 /。")
        if any(s.name == name for s in found):
            raise ConfigError(f"{label} 的 name 与前面的来源重名。")
        texts = {}
        for key in ("url", "glob", "district", "username_env", "password_env", "endpoint", "region",
                    "host_key_sha256", "ca_file"):
            if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
                raise ConfigError(f"{label} 的 {key} 应为非空文本。")
            texts[key] = entry[key].strip() if key in entry else None
        url = texts.pop("url")
        if not url:
            raise ConfigError(f"{label} 缺少 url。")
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            raise ConfigError(f"{label} 的 url 协议“{parts.scheme or '（无）'}”不受支持，应为 "
                              f"file、sftp、s3、webdav、webdavs、imap 或 imaps。")
        if parts.password:
            raise ConfigError(f"{label} 的 url 中不得写密码；请用 password_env 指定存放密码的环境变量。")
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise ConfigError(f"{label} 的 file:// 地址应为本机文件夹（file:///绝对路径）。")
        elif not parts.hostname:
            raise ConfigError(f"{label} 的 url 缺少{'存储桶名' if scheme == 's3' else '主机名'}。")
        for key in ("username_env", "password_env"):
            if texts[key] and not _ENV_NAME.fullmatch(texts[key]):
                raise ConfigError(f"{label} 的 {key} 应为环境变量名（如 KEPU_MAIL_PASSWORD），不是凭据本身。")
        if scheme in MAIL_SCHEMES and not (texts["username_env"] and texts["password_env"]):
            raise ConfigError(f"{label} 是邮箱，需要 username_env 和 password_env。")
        if texts["endpoint"] and urlsplit(texts["endpoint"]).scheme not in ("http", "https"):
            raise ConfigError(f"{label} 的 endpoint 应为 http:// 或 https:// 地址。")
        if texts["ca_file"]:
            ca_file = (base / texts["ca_file"]).resolve()
            if not ca_file.is_file():
                raise ConfigError(f"{label} 的 ca_file {ca_file} 不存在。")
            texts["ca_file"] = str(ca_file)
        timeout = entry.get("timeout", 10)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
            raise ConfigError(f"{label} 的 timeout 应为 1 到 300 之间的秒数。")
        found.append(SourceConfig(name=name, url=url, timeout_s=float(timeout), **texts))
    return tuple(found)


_NOTICE_KEYS = ("mode", "smtp", "host", "port", "tls", "sender", "sender_name", "office_email", "username_env",
                "password_env", "ca_file", "timeout")
_EMAIL = re.compile(r"[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+")


def _notices(value, where: str, base: Path) -> NoticeConfig | None:
    """The `[notices]` section (SPEC §2.2): how 回执, 催报 and the morning summary go out. The server is
    either `smtp = "smtps://host:465"` (smtp:// with STARTTLS; `tls = "none"` for a plain relay) or
    host/port/tls; credentials only by environment-variable name."""
    if value is None:
        return None
    label = f"{where}：[notices]"
    if not isinstance(value, dict):
        raise ConfigError(f"{label} 应为表。")
    unknown = sorted(set(value) - set(_NOTICE_KEYS))
    if unknown:
        raise ConfigError(f"{label} 有未知的键 {', '.join(unknown)}（可用：{', '.join(_NOTICE_KEYS)}）。")
    texts = {}
    for key in ("mode", "smtp", "host", "tls", "sender", "sender_name", "username_env", "password_env", "ca_file"):
        if key in value and (not isinstance(value[key], str) or not value[key].strip()):
            raise ConfigError(f"{label} 的 {key} 应为非空文本。")
        texts[key] = value[key].strip() if key in value else None
    mode = texts["mode"] or "draft"
    if mode not in NOTICE_MODES:
        raise ConfigError(f"{label} 的 mode 应为 draft（起草，默认）或 send（发送），实际为 “{mode}”。")
    port = value.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        raise ConfigError(f"{label} 的 port 应为 1 到 65535 之间的整数。")
    host, tls = texts["host"], texts["tls"]
    if texts["smtp"]:
        if host or port is not None:
            raise ConfigError(f"{label} 中 smtp 与 host/port 只能写一种。")
        parts = urlsplit(texts["smtp"])
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigError(f"{label} 的 smtp 应写作 smtps://主机:465 或 smtp://主机:587。")
        if parts.password or parts.username:
            raise ConfigError(f"{label} 的 smtp 地址中不得写用户名或密码；请用 username_env、password_env。")
        try:
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"{label} 的 smtp 端口无效。") from exc
        host = parts.hostname
        if parts.scheme == "smtps":
            if tls not in (None, "ssl"):
                raise ConfigError(f"{label} 的 smtps:// 地址即 tls = \"ssl\"，不能再设为 “{tls}”。")
            tls = "ssl"
    tls = tls or "starttls"
    if tls not in TLS_MODES:
        raise ConfigError(f"{label} 的 tls 应为 starttls、ssl 或 none，实际为 “{tls}”。")
    if mode == "send" and not host:
        raise ConfigError(f"{label} 为 mode = \"send\"，需要 smtp（或 host）指定发信服务器。")
    sender = texts["sender"]
    if not sender or not _EMAIL.fullmatch(sender):
        raise ConfigError(f"{label} 的 sender 应为发件邮箱地址，实际为 {value.get('sender')!r}。")
    office = value.get("office_email")
    office = [office] if isinstance(office, str) else office
    if not isinstance(office, list) or not office or not all(isinstance(a, str) for a in office):
        raise ConfigError(f"{label} 缺少 office_email（市科协接收每日汇总的邮箱地址）。")
    office = [a.strip().lower() for item in office for a in re.split(r"[;；,，\s]+", item) if a.strip()]
    bad = [a for a in office if not _EMAIL.fullmatch(a)]
    if bad or not office:
        raise ConfigError(f"{label} 的 office_email “{bad[0] if bad else ''}”不是有效的邮箱地址。")
    for key in ("username_env", "password_env"):
        if texts[key] and not _ENV_NAME.fullmatch(texts[key]):
            raise ConfigError(f"{label} 的 {key} 应为环境变量名（如 KEPU_SMTP_PASSWORD），不是凭据本身。")
    if bool(texts["username_env"]) != bool(texts["password_env"]):
        raise ConfigError(f"{label} 的 username_env 和 password_env 应同时设置（或都不设，发信服务器无需登录时）。")
    ca_file = None
    if texts["ca_file"]:
        ca_file = (base / texts["ca_file"]).resolve()
        if not ca_file.is_file():
            raise ConfigError(f"{label} 的 ca_file {ca_file} 不存在。")
    timeout = value.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise ConfigError(f"{label} 的 timeout 应为 1 到 300 之间的秒数。")
    return NoticeConfig(mode=mode, host=host, port=port or (DEFAULT_PORTS[tls] if host else None), tls=tls,
                        sender=sender, sender_name=texts["sender_name"] or "", office_email=tuple(office),
                        username_env=texts["username_env"], password_env=texts["password_env"],
                        ca_file=str(ca_file) if ca_file else None, timeout_s=float(timeout))


def check_notices(settings: Settings, environ=None) -> None:
    """Before `kepu run` sends: the credential variables [notices] names are set (a scheduled run records
    the sends as failed instead, and the run stays published)."""
    environ = os.environ if environ is None else environ
    config = settings.notices
    if not config or config.mode != "send":
        return
    for key in ("username_env", "password_env"):
        variable = getattr(config, key)
        if variable and not environ.get(variable):
            raise ConfigError(f"[notices] 的凭据环境变量 {variable} 未设置或为空。")


def check_sources(settings: Settings, units: pd.DataFrame, *, credentials: bool = True, environ=None) -> None:
    """What can only be checked before a run: every source's district is a district of the registry, and
    (with `credentials`) every credential variable is set. Raises ConfigError naming the source."""
    environ = os.environ if environ is None else environ
    districts = set(units.loc[units["unit_type"] == "district", "unit_code"])
    for source in settings.sources:
        for key in ("username_env", "password_env"):
            variable = getattr(source, key)
            if credentials and variable and not environ.get(variable):
                raise ConfigError(f"来源「{source.name}」的凭据环境变量 {variable} 未设置或为空。")
        if source.district and source.district not in districts:
            raise ConfigError(f"来源「{source.name}」的 district “{source.district}”不是单位名录中的区县代码。")


def _bounded_int(section: dict, key: str, default: int, low: int, high: int, where: str) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{where}：[run] {key} 应为 {low} 到 {high} 之间的整数。")
    return value


def _bounded_float(section: dict, key: str, default: float, low: float, high: float, where: str) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(f"{where}：[run] {key} 应为 {low:g} 到 {high:g} 之间的秒数。")
    return float(value)


@dataclass(frozen=True)
class RunInputs:
    """What one run is given, each read once (issue #24): its settings, and its registry as units and as the bytes
    they were read from (which the run's inputs fingerprint hashes: the units and the fingerprint always describe
    the same registry, however long the run waited for the warehouse)."""

    settings: Settings
    units: pd.DataFrame
    registry: bytes


def read_inputs(settings: Settings) -> RunInputs:
    """The registry of `settings` read once; ConfigError names a bad line."""
    data = settings.registry.read_bytes()
    return RunInputs(settings, read_registry(settings.registry, data), data)


def read_registry(path: Path, data: bytes | None = None) -> pd.DataFrame:
    """`core.units` rows from units.csv (UTF-8, with or without BOM), or from `data` read from it; ConfigError
    names the bad line."""
    try:
        text = (path.read_bytes() if data is None else data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.name} 不是 UTF-8 编码，请另存为 UTF-8 CSV。") from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in REGISTRY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(f"{path.name} 第1行：缺少列 {', '.join(missing)}。")
    return build_units(reader, source=path.name)
