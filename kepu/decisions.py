"""decisions.csv on disk: the one place that reads it and appends to it (SPEC §3.9).

The file sits beside kepu.toml, UTF-8 with a BOM so Excel opens it; a file Excel saved as plain `CSV` (GBK on a
Chinese Windows) is read too, and a line appended keeps the file's encoding. What a line means is
transforms.decisions's business; a file that cannot be read at all is one invalid line, never an exception.
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kepu.schemas.decisions import (
    CORRECTABLE,
    DATE_CORRECTABLE,
    KIND,
    PARTNER_SEPARATORS,
    SHA_PREFIX_MIN,
    TEXT_CORRECTABLE,
)
from kepu.schemas.errors import KepuError
from kepu.schemas.vocabulary import ACTIVITY_TYPES, MEASURE, MONEY_METRIC, office_now
from kepu.settings import Settings, read_registry
from kepu.transforms.labels import activity_type_of
from kepu.transforms.decisions import (
    HEADER,
    DecisionLines,
    Invalid,
    cell_address,
    check_record,
    decode,
    format_line,
    parse_decisions,
    text_citation,
)
from kepu.warehouse import queries


def read_decisions(path: Path | None) -> DecisionLines:
    """The decisions recorded at `path`; none when there is no such file."""
    if path is None or not path.is_file():
        return DecisionLines()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return DecisionLines(invalid=[Invalid(1, f"无法读取 {path.name}（{exc.strerror or exc}）")])
    return parse_decisions(data)


def decisions_bytes(path: Path | None) -> bytes:
    """The file's bytes as a run's inputs fingerprint reads them (empty when there is none)."""
    try:
        return path.read_bytes() if path is not None and path.is_file() else b""
    except OSError:
        return b""


def append_decision(path: Path, record: dict[str, str | None]) -> int:
    """`record` appended as one line (the file created with its BOM and header first); returns its line number."""
    if not path.is_file() or path.stat().st_size == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
        encoding, existing = "utf-8-sig", ""
        prefix = HEADER
    else:
        existing, encoding = decode(path.read_bytes())
        prefix = "" if existing.endswith(("\n", "\r")) else "\r\n"
    text = prefix + format_line(record)
    # a file that has its BOM keeps one: only a new file starts with it
    data = text.encode("utf-8-sig" if not existing else "utf-8" if encoding == "utf-8-sig" else encoding)
    with open(path, "ab") as sink:
        sink.write(data)
        sink.flush()
        os.fsync(sink.fileno())
    return len((existing + text).splitlines())


# ------------------------------------------------------------------------------------------- kepu decide

class DecisionRefused(KepuError):
    """A decision `kepu decide` will not record, with the reason in Chinese."""


@dataclass(frozen=True)
class Recorded:
    line: int
    path: Path
    preview: str
    """What the next run will do, in Chinese."""


def decide(settings: Settings, kind: str, *, file: str | None = None, cell: str | None = None,
           unit_code: str | None = None, value: str | None = None, other_file: str | None = None,
           other_cell: str | None = None, reason: str | None = None, decided_by: str | None = None,
           decided_at: str | None = None) -> Recorded:
    """One decision checked against the published warehouse and appended to decisions.csv; DecisionRefused
    says why not. Files are written as their full sha256 (a path or a prefix resolved), decided_by defaults to
    the office's preparer (else the login name), decided_at to now (Beijing time)."""
    record = {"kind": (kind or "").strip(), "file": file, "cell": cell, "unit_code": unit_code, "value": value,
              "other_file": other_file, "other_cell": other_cell, "reason": reason,
              "decided_by": decided_by or settings.office.preparer or _login(),
              "decided_at": decided_at or office_now().strftime("%Y-%m-%d %H:%M")}
    record = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in record.items()}
    problem = check_record({k: v or "" for k, v in record.items()})
    if problem:
        raise DecisionRefused(problem + "。")
    spec = KIND[record["kind"]]
    if not settings.warehouse.exists():
        raise DecisionRefused(f"数据仓库 {settings.warehouse} 尚未生成，请先运行 kepu run，再对其中的文件作出决定。")
    target = _file(settings, record["file"], "文件")
    record["file"] = target["sha256"]
    row = other = None
    if spec.row or spec.code in ("accept_on_time", "confirm"):
        if target["superseded_by"]:
            raise DecisionRefused(f"文件“{target['path']}”已被该单位较新的版本取代，对它的决定不会生效；"
                                  "请对现行版本作出决定（kepu status 列出各单位的现行文件）。")
    if spec.row and text_citation(record["cell"]) is not None:
        row = _text_figure(settings, target, record)
        line = append_decision(settings.decisions, record)
        return Recorded(line, settings.decisions, _text_preview(spec.code, target, row, record))
    if spec.code == "confirm" and text_citation(record["cell"]) is not None:
        record["cell"] = _text_paragraph(settings, target, record["cell"])
    elif spec.row or (spec.code == "confirm" and record["cell"]):
        row = _row(settings, target, record["cell"])
    if spec.code in ("same_event", "different_events"):
        other_target = _file(settings, record["other_file"], "另一文件")
        record["other_file"] = other_target["sha256"]
        other = _row(settings, other_target, record["other_cell"])
        if other["activity_id"] == row["activity_id"]:
            raise DecisionRefused("两个单元格指向同一行。")
    if spec.code == "assign_unit":
        registry = read_registry(settings.registry)
        units = dict(zip(registry["unit_code"], registry["unit_name"]))
        if record["unit_code"] not in units:
            raise DecisionRefused(f"单位代码“{record['unit_code']}”不在单位名录中。")
        target["assigned"] = units[record["unit_code"]]
    if spec.code == "correct_value":
        row["field"], row["original"], record["value"] = _correction(settings, target, row, record)
    line = append_decision(settings.decisions, record)
    return Recorded(line, settings.decisions, _preview(spec.code, target, row, other, record))


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a container: the column stays empty
        return ""


def _file(settings: Settings, written: str, label: str) -> dict:
    found = queries.decision_files(settings.warehouse, settings.campaign.campaign_id, written, SHA_PREFIX_MIN)
    by_sha = {f["sha256"]: f for f in found}
    if not by_sha:
        raise DecisionRefused(f"{label}“{written}”不在数据仓库中（本届收到的文件可用路径或 sha256 的至少前"
                              f"{SHA_PREFIX_MIN}位指明）。")
    if len(by_sha) > 1:
        raise DecisionRefused(f"{label}“{written}”对应多个文件（" + "、".join(sorted(f["path"] for f in by_sha.values()))
                              + "），请写出更长的 sha256。")
    return next(iter(by_sha.values()))


def _row(settings: Settings, target: dict, cell: str) -> dict:
    sheet, _, number = cell_address(cell)
    row = queries.decision_row(settings.warehouse, settings.campaign.campaign_id, target["sha256"], number, sheet)
    if row is None:
        raise DecisionRefused(f"文件“{target['path']}”中第{number}行没有活动记录（单元格 {cell}）。")
    return row


def _correction(settings: Settings, target: dict, row: dict, record: dict) -> tuple[str, str, str]:
    """The field the cell holds, its value as published, and the new value written as the rules read it."""
    _, letters, _ = cell_address(record["cell"])
    columns = queries.detail_columns(settings.warehouse, settings.campaign.campaign_id, target["sha256"],
                                     row["source_sheet"], tuple(CORRECTABLE))
    field = columns.get(letters)
    if field is None:
        raise DecisionRefused(f"单元格 {record['cell']} 不是可更正的列（可更正：{'、'.join(CORRECTABLE.values())}）。")
    value = record["value"]
    if field in DATE_CORRECTABLE:
        parsed = parse_date_text(value)
        if parsed is None:
            raise DecisionRefused(f"“{value}”不是有效的日期（如 2023-09-18）。")
        value = parsed.isoformat()
    elif field == "activity_type":
        known = activity_type_of(value)
        if known is None:
            raise DecisionRefused(f"“{value}”不是规定的活动形式（{'、'.join(ACTIVITY_TYPES)}）。")
        value = known
    elif field == "partners":
        names = [n.strip() for n in re.split(PARTNER_SEPARATORS, value) if n.strip()]
        if not names:
            raise DecisionRefused("请写出合作单位名称（多个用“、”分隔）。")
        value = "、".join(names)
    elif field not in TEXT_CORRECTABLE:
        try:
            number = Decimal(value.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise DecisionRefused(f"“{value}”不是有效的{CORRECTABLE[field]}（请写数字）。") from None
        if number < 0 or (field != MONEY_METRIC and number != number.to_integral_value()):
            raise DecisionRefused(f"“{value}”不是有效的{CORRECTABLE[field]}（应为不小于0的{'数' if field == MONEY_METRIC else '整数'}）。")
        value = str(number.normalize() if field == MONEY_METRIC else int(number))
    original = row.get(field)
    if isinstance(original, (list, tuple)):
        original = "、".join(original) or None
    return field, "空" if original is None else str(original), value


def _text_figure(settings: Settings, target: dict, record: dict) -> dict:
    """The figure of a narrative report a `correct_value` or `exclude_row` cites (SPEC §3.13): by its paragraph and
    the phrase stating it, among the figures the report's records count. The citation is written back as the reader
    recorded it, and a corrected value as the rules read it."""
    paragraph, phrase = text_citation(record["cell"])
    figures = [f for f in queries.text_figures(settings.warehouse, settings.campaign.campaign_id, target["sha256"])
               if text_citation(f["citation"]) and text_citation(f["citation"])[0] == paragraph]
    if not figures:
        raise DecisionRefused(f"文件“{target['path']}”第{paragraph}段没有计入汇总的数字（仅文字总结的段落可以这样引用；"
                              "kepu status 与回执列出读出的数字及其段落）。")
    said = text_citation
    exact = [f for f in figures if said(f["citation"])[1] == phrase]
    found = exact or [f for f in figures if phrase and (phrase in said(f["citation"])[1] or said(f["citation"])[1] in phrase)]
    if len(found) != 1:
        listed = "、".join(f"{f['citation']}（{f['activity_type']}{MEASURE[f['measure']].noun}{f['stated']}）" for f in figures)
        raise DecisionRefused(f"文件“{target['path']}”第{paragraph}段计入的数字有：{listed}。"
                              + ("请在单元格中写明是哪一个，" if phrase is None or not found else "“" + phrase + "”对应多个，请写完整，")
                              + f"如 {figures[0]['citation']}。")
    figure = dict(found[0])
    record["cell"] = figure["citation"]
    if record["kind"] == "correct_value":
        measure, value = figure["measure"], record["value"]
        noun = MEASURE[measure].noun
        try:
            number = Decimal(value.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise DecisionRefused(f"“{value}”不是有效的{noun}（请写数字）。") from None
        if not number.is_finite() or number < 0 or (measure != MONEY_METRIC and number != number.to_integral_value()):
            raise DecisionRefused(f"“{value}”不是有效的{noun}（应为不小于0的{'数' if measure == MONEY_METRIC else '整数'}）。")
        record["value"] = str(number.normalize() if measure == MONEY_METRIC else int(number))
    return figure


def _text_preview(kind: str, target: dict, figure: dict, record: dict) -> str:
    unit = target.get("unit_name") or "（单位未定）"
    what = f"{unit}总结“{target['path']}”{figure['citation']}（{figure['activity_type']}{MEASURE[figure['measure']].noun}）"
    if kind == "correct_value":
        said = f"{what}将由{figure['stated']}改为{record['value']}，按更正后的数字计入汇总（原文保留在 core.activities.original_values）"
    else:
        said = f"{what}将不计入汇总（减去{figure['stated']}）"
    if not figure["counted"]:
        said += "；该总结目前未计入汇总（本单位有活动报表），更正只影响与报表的比对"
    return f"下次运行（kepu run）时：{said}。"


def _text_paragraph(settings: Settings, target: dict, cell: str) -> str:
    """The paragraph of a narrative report a `confirm` cites (第3段), one that states figures the report counts."""
    paragraph, _ = text_citation(cell)
    said = {text_citation(f["citation"])[0]
            for f in queries.text_figures(settings.warehouse, settings.campaign.campaign_id, target["sha256"])
            if text_citation(f["citation"])}
    if paragraph not in said:
        listed = "、".join(f"第{p}段" for p in sorted(said))
        raise DecisionRefused(f"文件“{target['path']}”第{paragraph}段没有读出的数字"
                              + (f"（读出数字的段落：{listed}）。" if listed else "（它不是读出数字的文字总结）。"))
    return f"第{paragraph}段"


def parse_date_text(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _preview(kind: str, target: dict, row: dict | None, other: dict | None, record: dict) -> str:
    path, unit = target["path"], target.get("unit_name") or "（单位未定）"
    where = f"文件“{path}”" + (f"第{row['source_row']}行" if row else "")
    name = f"“{row['activity_name']}”" if row and row.get("activity_name") else ""
    said = {
        "assign_unit": f"{where}将归入{target.get('assigned')}（{record['unit_code']}），按版本规则计入",
        "supplement": f"{where}将作为{unit}的补报，追加到其现行版本（由版本规则执行）",
        "exclude_file": f"{where}（{unit}）将整个不计入汇总；该单位如有较早的可计入版本，改以较早版本计入",
        "accept_on_time": f"{unit}的{where}（收到于 {target['received_at']:%Y-%m-%d %H:%M}）将按时计",
        "exclude_row": f"{unit}{where}{name}将不计入汇总",
        "correct_value": f"{unit}{where}{CORRECTABLE.get(row and row.get('field'), '')}将由{row and row.get('original')}"
                         f"改为{record['value']}（原值保留在 core.activities.original_values，回执中告知该单位）",
        "same_event": f"{unit}{where}{name}与文件“{other and other.get('source_file', '')}”"
                      f"第{other and other['source_row']}行将认定为同一活动，只计一次（保留前者）",
        "different_events": f"{where}{name}与第{other and other['source_row']}行将认定为两项不同活动，分别计入，"
                            "不再提示疑似联合活动",
        "confirm": f"{unit}{where}{name}{record['cell'] if not row and record['cell'] else ''}记为经核实无误，"
                   "不改动任何数字，不再列为待决定事项",
    }[kind]
    return f"下次运行（kepu run）时：{said}。"
