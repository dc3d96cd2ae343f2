"""What the office reads first about its signed edition (SPEC §3.12): 「自第1版（9月30日）报送以来：活动场次+1、
参与人次−5,070；原因：…」 or 「与第1版相同」, and the words for one changed figure. Pure: rows in, text out."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kepu.schemas.vocabulary import MEASURE

COUNT_LABELS = {"units_expected": "应报单位数", "units_reported": "已报单位数", "units_on_time": "按时报送单位数"}
LEVEL_LABELS = {"city": "全市", "district": "区县", "unit": "单位", "type": "活动形式"}
MINUS = "−"


def measure_label(measure: str) -> str:
    if measure in COUNT_LABELS:
        return COUNT_LABELS[measure]
    return MEASURE[measure].label.split("（")[0] if measure in MEASURE else measure


def number(value, money: bool = False) -> str:
    """A figure as the office writes it: thousands separated, money with two decimals."""
    if value is None:
        return "—"
    value = Decimal(str(value))
    if money:
        return f"{value:,.2f}"
    return f"{int(value):,}"


def signed_number(value, money: bool = False) -> str:
    """A change with its sign: +1, −5,070 (a true minus sign, as printed)."""
    value = Decimal(str(value))
    text = number(abs(value), money)
    return ("+" if value >= 0 else MINUS) + text


def edition_name(edition_no: int, signed_at: datetime | None) -> str:
    """第1版（9月30日）."""
    return f"第{edition_no}版" + (f"（{signed_at.month}月{signed_at.day}日）" if signed_at else "")


def edition_label(edition_no: int, same_as_signed: bool) -> str:
    """What the upward workbook's header says of its edition: 「第N版」 while the state is that edition's, else
    「第N版后更新（未报送）」; nothing before the first edition."""
    if not edition_no:
        return ""
    return f"第{edition_no}版" if same_as_signed else f"第{edition_no}版后更新（未报送）"


def figure_changes(rows: list[dict]) -> str:
    """「活动场次+1、参与人次−5,070」 from changed figures (measure, delta)."""
    return "、".join(f"{measure_label(r['measure'])}{signed_number(r['delta'], r['measure'] == 'funding_wan')}"
                    for r in rows)


def headline(edition: dict | None, city_changes: list[dict], causes: list[str], limit: int = 8) -> str:
    """The first line of `kepu status` and the morning summary; "" when no edition was signed."""
    if not edition:
        return ""
    name = edition_name(edition["edition_no"], edition.get("signed_at"))
    forced = forced_note(edition)
    if edition.get("same_as_signed"):
        when = edition.get("signed_at")
        return f"与第{edition['edition_no']}版相同" + (f"（{when.month}月{when.day}日报送）。" if when else "。") + forced
    figures = figure_changes(city_changes) or "各项数字未变"
    shown = causes[:limit]
    more = f"等{len(causes)}项" if len(causes) > limit else ""
    reason = f"；原因：{'；'.join(shown)}{more}" if shown else ""
    return f"自{name}报送以来：{figures}{reason}。" + forced


def forced_note(edition: dict) -> str:
    """「第1版为强制签发（理由：…；签发时尚未决定：…）。」 for an edition signed with --force; "" otherwise."""
    if not edition.get("forced"):
        return ""
    pending = f"；签发时尚未决定：{edition['open_items']}" if edition.get("open_items") else ""
    return f"第{edition['edition_no']}版为强制签发（理由：{edition.get('force_reason') or '未写'}{pending}）。"
