"""What each page of the console shows, gathered from the published warehouse through the named queries
(kepu.warehouse.queries: the `marts` and `audit` views, read-only) and from the campaign's files. No page writes;
no SQL is written here.
"""

from __future__ import annotations

from pathlib import Path

from kepu.console.sheet import excerpt
from kepu.decisions import read_decisions
from kepu.deliverables.wording import open_items_lead
from kepu.schemas.decisions import CORRECTABLE, KIND, VALUE_CODES
from kepu.schemas.issues import CATALOGUE
from kepu.schemas.notices import NOTICE_KINDS, NOTICE_STATUS_LABELS
from kepu.schemas.vocabulary import (
    COMPLETENESS_LABELS,
    MEASURE,
    MEASURES,
    RUN_OUTCOME_LABELS,
    SEVERITY_LABELS,
    SUBMISSION_ROLE_LABELS,
    SUBMISSION_STATUS_LABELS,
)
from kepu.settings import Settings, read_registry
from kepu.transforms.edition_text import headline
from kepu.warehouse import queries

ITEM_LABELS = {"held": "待核实文件", "version": "新版本与旧版本无共同活动", "joint": "疑似联合活动",
               "repeat": "两张明细表中的同名同日活动", "forwarded": "转报与本单位报送数字不同",
               "value": "请核实的数值", "check": "请核实的数字", "late": "逾期文件"}


def figure(value, key: str | None) -> str:
    """A total as the office reads it: money with two decimals, counts with thousands separators."""
    if value is None:
        return ""
    measure = MEASURE.get(key or "")
    if measure is not None and measure.money:
        return f"{float(value):,.2f}"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def when(value, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A date or time as the office writes it; "" for none (None, pandas' NaT)."""
    if value is None or value != value:  # NaT and NaN are not equal to themselves
        return ""
    try:
        return value.strftime(pattern)
    except (AttributeError, ValueError):
        return str(value)


def measures() -> list[dict]:
    return [{"key": m.key, "label": m.label, "unit": m.unit} for m in MEASURES]


def published(settings: Settings) -> bool:
    return settings.warehouse.is_file()


def overview(settings: Settings) -> dict:
    """今日概况: the last run, city totals, completeness, the open items with the biggest figures in question,
    what changed since the last signed edition."""
    wh, cid = settings.warehouse, settings.campaign.campaign_id
    summary = queries.published_summary(wh, cid)
    runs = queries.recent_runs(wh, cid)
    items = queries.open_items_with_effect(wh, cid, VALUE_CODES)
    edition, city, causes = queries.edition_changes(wh, cid)
    return {
        "runs": [{**r, "outcome_label": RUN_OUTCOME_LABELS.get(r["outcome"], r["outcome"])} for r in runs],
        "totals": summary.city_totals,
        "completeness": [(COMPLETENESS_LABELS[k], summary.completeness.get(k, 0)) for k in COMPLETENESS_LABELS
                         if k != "source_unavailable" or summary.completeness.get(k)],
        "issues": [(SEVERITY_LABELS[s], summary.issues.get(s, 0)) for s in SEVERITY_LABELS],
        "rejected": summary.rejected_files,
        "sources": [{**row, "name": "收件箱" if row["source"] == "inbox" else row["source"]}
                    for row in queries.files_by_source(wh, cid)],
        "open_count": len(items),
        "lead": open_items_lead(items) or "",
        "biggest": [{**i, "label": MEASURE[i["measure"]].label, "shown": figure(i["amount"], i["measure"])}
                    for i in items if i.get("share")][:5],
        "edition_line": headline(edition, city, causes),
        "causes": causes,
    }


def open_items(settings: Settings) -> dict:
    """待决定事项: each open item with its cited cell in its original sheet and the decisions that settle it;
    the decisions already written to decisions.csv that no run has applied yet."""
    wh, cid = settings.warehouse, settings.campaign.campaign_id
    items = queries.open_items_with_effect(wh, cid, VALUE_CODES)
    items.sort(key=lambda i: (-(i.get("share") or 0), list(ITEM_LABELS).index(i["item"]),
                              i.get("file_path") or "", i.get("row_number") or 0))
    shown = []
    for number, item in enumerate(items, 1):
        entry = {**item, "number": number, "label": ITEM_LABELS[item["item"]],
                 "title": CATALOGUE[item["detail"]].title if item["detail"] in CATALOGUE else "",
                 "amount_shown": figure(item.get("amount"), item.get("measure")),
                 "measure_label": MEASURE[item["measure"]].label if item.get("measure") else "",
                 "correctable": item["item"] == "value" and item["detail"] != "impossible_duration"}
        if item["item"] in ("value", "joint", "repeat", "forwarded") and item.get("cell"):
            entry["excerpt"] = excerpt(wh, cid, item["file_sha256"], item.get("sheet"), item["cell"])
        shown.append(entry)
    applied = {d["line"] for d in queries.decisions(wh, cid)}
    lines = read_decisions(settings.decisions)
    pending = [{**row, "kind_label": KIND[row["kind"]].label if row["kind"] in KIND else row["kind"]}
               for row in lines.valid.to_dict("records") if row["line"] not in applied]
    for entry in shown:  # an item already decided in decisions.csv, not yet applied by a run, says so
        entry["pending"] = [d["line"] for d in pending if d["file"] == entry["file_sha256"]
                            and (not d["cell"] or not entry.get("cell") or d["cell"].upper().endswith(entry["cell"]))]
    units = read_registry(settings.registry)
    return {"items": shown, "pending": pending, "invalid": lines.invalid, "correctable": CORRECTABLE,
            "units": list(zip(units["unit_code"], units["unit_name"])), "decisions_path": settings.decisions}


def completeness(settings: Settings) -> dict:
    """报送情况: completeness by district and the 催报名单."""
    wh, cid = settings.warehouse, settings.campaign.campaign_id
    marts = queries.read_marts(wh, cid)
    from kepu.transforms.notice_text import held_reason_text

    chase = []
    for r in queries.chase_list(wh, cid):
        why = held_reason_text(r["held_reason"]) if r["status"] == "held" and r.get("held_reason") else ""
        chase.append({**r, "status_label": COMPLETENESS_LABELS[r["status"]], "why": why})
    units = marts.completeness.to_dict("records")
    for u in units:
        u["status_label"] = COMPLETENESS_LABELS.get(u["status"], u["status"])
    return {"districts": queries.completeness_by_district(wh, cid), "labels": COMPLETENESS_LABELS,
            "chase": chase, "units": units}


def unit_page(settings: Settings, unit_code: str) -> dict | None:
    """One unit: its files and versions, rows, issues, 回执 and notices; None when no such unit was expected or
    reported."""
    wh, cid = settings.warehouse, settings.campaign.campaign_id
    marts = queries.read_marts(wh, cid)
    unit = marts.completeness[marts.completeness["unit_code"] == unit_code]
    totals = marts.units[marts.units["unit_code"] == unit_code]
    if unit.empty and totals.empty:
        return None
    row = (unit if not unit.empty else totals).iloc[0].to_dict()
    files = marts.files[marts.files["unit_code"] == unit_code].to_dict("records")
    for f in files:
        f["role_label"] = SUBMISSION_ROLE_LABELS.get(f["role"], f["role"] or "")
        f["status_label"] = SUBMISSION_STATUS_LABELS.get(f["status"], f["status"] or "")
    issues = marts.issues[marts.issues["unit_code"] == unit_code]
    issues = issues.sort_values(["superseded", "issue_no"]).to_dict("records")
    for i in issues:
        i["severity_label"] = SEVERITY_LABELS.get(i["severity"], i["severity"])
    activities = marts.activities[marts.activities["unit_code"] == unit_code].to_dict("records")
    notices = [{**n, "kind_label": NOTICE_KINDS.get(n["kind"], n["kind"]),
                "status_label": NOTICE_STATUS_LABELS.get(n["status"], n["status"])}
               for n in queries.notices(wh, cid) if n.get("unit_code") == unit_code]
    receipt = settings.campaign_out / "回执" / f"{row.get('unit_name', unit_code)}.xlsx"
    return {"unit": row, "status_label": COMPLETENESS_LABELS.get(row.get("status"), ""),
            "totals": totals.iloc[0].to_dict() if not totals.empty else {},
            "files": files, "issues": issues, "activities": activities, "notices": notices,
            "receipt": receipt.relative_to(settings.campaign_out).as_posix() if receipt.is_file() else None}


def deliverables(settings: Settings) -> list[dict]:
    """The files of the campaign's out/ folder, to download (relative paths), the upward ones first."""
    root = settings.campaign_out
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not any(p.startswith(".") for p in path.relative_to(root).parts):
            relative = path.relative_to(root).as_posix()
            found.append({"path": relative, "size": path.stat().st_size, "top": "/" not in relative})
    return sorted(found, key=lambda f: (not f["top"], f["path"]))


def totals(settings: Settings) -> dict:
    """汇总与报送: the totals by district and form, the deliverables, what signing would record."""
    wh, cid = settings.warehouse, settings.campaign.campaign_id
    marts = queries.read_marts(wh, cid)
    edition, city, causes = queries.edition_changes(wh, cid)
    return {"city": marts.city_row, "districts": marts.districts.to_dict("records"),
            "types": marts.types.to_dict("records"), "files": deliverables(settings),
            "edition_line": headline(edition, city, causes),
            "open_count": len(queries.open_items(wh, cid, VALUE_CODES))}


def editions(settings: Settings) -> dict:
    """版本: each signed edition and what changed since the last one."""
    wh, cid = settings.warehouse, settings.campaign.campaign_id
    edition, city, causes = queries.edition_changes(wh, cid)
    labels = {m.key: m.label for m in MEASURES} | {"units_expected": "应报单位", "units_reported": "已报单位",
                                                   "units_on_time": "按时报送单位"}
    return {"editions": queries.editions(wh, cid), "changes": queries.changes_since_signed(wh, cid),
            "levels": {"city": "全市", "district": "区县", "unit": "单位", "type": "活动形式"}, "measure_labels": labels,
            "edition_line": headline(edition, city, causes), "causes": causes}


def safe_download(settings: Settings, relative: str) -> Path | None:
    """The file `relative` names inside the campaign's out/ folder; None for anything else (a path leaving the
    folder, a link, a folder, a hidden file)."""
    root = settings.campaign_out.resolve()
    if not relative or "\x00" in relative or relative.startswith(("/", "\\")):
        return None
    candidate = root / relative
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(root) or candidate.is_symlink() or not resolved.is_file():
        return None
    if any(part.startswith(".") for part in resolved.relative_to(root).parts):
        return None
    return resolved
