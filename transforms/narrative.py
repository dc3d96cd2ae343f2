"""情况说明: the paragraph the city office writes at the end of its year-end summary, from the marts.

In the words of the seeds («据不完全统计，在科普日活动期间，全市共开展科普报告、讲座6场次，听众达4000多人，
举办各类培训班13多期…»), but with exact numbers: one clause per activity form that took place, in a fixed
order, then volunteers, media and funding. Forms with no activities are left out; the figures of units
that sent only a 汇总表 are in the city's totals and named in no form's clause. While some expected unit
has not reported, the paragraph opens 「据不完全统计，」 as the office's own summaries do.

Two versions: the one that goes upward (情况说明.md/.docx, the 全市汇总 sheet), and the office's own
(`internal=True`: the internal workbook and 报告.html), which adds how many units reported and on time.

Pure: a marts.city_totals row and the marts.type_totals frame in, text out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from kepu.schemas.vocabulary import UNITEMIZED_TYPE


@dataclass(frozen=True, slots=True)
class FormPhrase:
    """How the office words one activity form: 「{action}{n}{measure}，{audience}{participants}人次」."""

    activity_type: str
    action: str
    measure: str
    audience: str


FORM_PHRASES = (
    FormPhrase("讲座报告", "举办科普讲座、报告", "场次", "听众"),
    FormPhrase("培训", "举办各类培训班", "期", "参训"),
    FormPhrase("展览展示", "举办科普展览", "场次", "观众"),
    FormPhrase("科技下乡", "送科技下乡", "场次", "参与群众"),
    FormPhrase("宣传活动", "开展科普宣传活动", "场次", "受众"),
    FormPhrase("竞赛", "举办科普竞赛", "场次", "参赛"),
    FormPhrase("参观开放", "科普场馆、基地开放", "场次", "接待参观"),
    FormPhrase("义诊咨询", "开展义诊咨询", "场次", "服务群众"),
    FormPhrase("互动体验", "开展科普互动体验活动", "场次", "参与群众"),
    FormPhrase("启动仪式", "举行启动仪式", "场", "参加群众"),
    FormPhrase("其他", "开展其他形式的科普活动", "场次", "参与群众"),
)
"""In the order the paragraph names them: the seeds' order first (讲座, 培训, 展览, 科技下乡). Every form of
`vocabulary.ACTIVITY_TYPES` has its phrase; the unitemized figures (未分项) have none."""

SILENT_TYPES = (UNITEMIZED_TYPE,)
"""Forms no clause names: a summary-only unit's figures are in the totals, and a sentence about 「只报送汇总数的
单位」 would tell the reader about the office's paperwork, not about the activities."""

MATERIALS_AFTER = "展览展示"
"""The city-wide 展板 and 资料 counts follow the exhibitions clause, as in the seeds."""


def _int(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _money(value) -> Decimal:
    if value is None or pd.isna(value):
        return Decimal("0.00")
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _phrase(activity_type: str) -> FormPhrase:
    for phrase in FORM_PHRASES:
        if phrase.activity_type == activity_type:
            return phrase
    return FormPhrase(activity_type, f"开展{activity_type}活动", "场次", "参与群众")


TEN_THOUSAND = 10000


def count_text(n: int, unit: str, rounded: bool = False) -> str:
    """A count as the paragraph writes it: exact (307383人次), or with `rounded`, the office's style for 1万 and
    more — in 万, cut (never raised) to one decimal, with 余 where a whole number of 万 leaves some over
    (307383 → 30.7万人次, 490065 → 49万余份, 20000 → 2万份); below 1万 always exact."""
    if not rounded or n < TEN_THOUSAND:
        return f"{n}{unit}"
    tenths = n * 10 // TEN_THOUSAND
    if tenths % 10:
        return f"{tenths // 10}.{tenths % 10}万{unit}"
    return f"{tenths // 10}万{'余' if n % TEN_THOUSAND else ''}{unit}"


def money_text(wan: Decimal, rounded: bool = False) -> str:
    """经费 in 万元: exact (3409.86万元), or with `rounded`, whole 万元 with 余 where some is left over (3409万余元);
    below 1万元 always exact."""
    if not rounded or wan < 1:
        return f"{wan}万元"
    whole = int(wan)
    return f"{whole}万{'余' if wan != whole else ''}元"


def form_clauses(types: pd.DataFrame, boards: int, materials: int, rounded: bool = False) -> list[str]:
    """One clause per activity form with activities, in FORM_PHRASES order (forms it does not know
    last, by name); the city's 展板 and 资料 after the exhibitions, or after the last form. `rounded`: counts of
    1万 and more in the office's style (count_text)."""
    known = [p.activity_type for p in FORM_PHRASES]
    rows = {str(r["activity_type"]): r for r in types.to_dict("records")
            if _int(r.get("activities")) > 0 and str(r["activity_type"]) not in SILENT_TYPES}
    order = [t for t in known if t in rows] + sorted(t for t in rows if t not in known)
    materials_clause = "、".join(
        text for n, text in ((boards, f"展出科普展板{count_text(boards, '块', rounded)}"),
                             (materials, f"发放科普资料{count_text(materials, '份', rounded)}")) if n)
    clauses = []
    for activity_type in order:
        phrase, row = _phrase(activity_type), rows[activity_type]
        clause = f"{phrase.action}{_int(row['activities'])}{phrase.measure}"
        participants = _int(row.get("participants"))
        if participants:
            clause += f"，{phrase.audience}{count_text(participants, '人次', rounded)}"
        clauses.append(clause)
        if activity_type == MATERIALS_AFTER and materials_clause:
            clauses.append("全市共" + materials_clause)
            materials_clause = ""
    if materials_clause:
        clauses.append("全市共" + materials_clause)
    return clauses


def reporting_sentence(city: Mapping[str, object]) -> str:
    """应报 / 已报 (rate) / 按时 / 逾期, and how many expected units are still missing or held."""
    expected, reported, on_time = (_int(city.get(k)) for k in ("units_expected", "units_reported", "units_on_time"))
    if not expected:
        return ""
    rate = Decimal(reported * 100) / Decimal(expected)
    sentence = f"全市应报送单位{expected}个，已报送{reported}个，报送率{rate.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    late = reported - on_time
    if reported:
        sentence += f"，其中按时报送{on_time}个" + (f"、逾期报送{late}个" if late else "")
    outstanding = expected - reported
    sentence += f"；尚有{outstanding}个单位未报送或报送材料待核实。" if outstanding else "，应报单位全部报送。"
    return sentence


def incomplete(city: Mapping[str, object]) -> bool:
    """Whether some expected unit has not reported yet (the figures are then 「不完全统计」)."""
    return _int(city.get("units_reported")) < _int(city.get("units_expected"))


def text_sources(activities: pd.DataFrame) -> list[tuple[str, int]]:
    """(unit name, first paragraph) of each unit whose counted figures were read from its 总结's text (SPEC
    §3.13), from marts.activities, by unit name."""
    if activities is None or "from_text" not in activities or activities.empty:
        return []
    read = activities[activities["from_text"].fillna(False).astype(bool)]
    return sorted((str(name), int(rows["source_row"].min())) for name, rows in read.groupby("unit_name"))


def text_sentence(sources: Sequence[tuple[str, int]]) -> str:
    """「以上数字中，有据文字总结读出的：据白沙镇总结（第3段）、…，未经逐项核实。」, or nothing."""
    if not sources:
        return ""
    return ("以上数字中，有据单位文字总结读出的："
            + "、".join(f"据{name}总结（第{paragraph}段）" for name, paragraph in sources) + "，未经逐项核实。")


def situation_paragraph(campaign_name: str, city: Mapping[str, object], types: pd.DataFrame, *,
                        internal: bool = False, from_text: Sequence[tuple[str, int]] = (),
                        rounded: bool = False) -> str:
    """The 情况说明 paragraph for one campaign, from its marts.city_totals row and marts.type_totals; with
    `internal`, followed by how many expected units reported (the office's own version). `from_text` names the
    units whose figures were read from their 总结 (text_sources): the paragraph says so, citing each.
    `rounded`: figures of 1万 and more in the office's style (30.7万人次, 49万余份; [statement] figures), else exact."""
    activities, participants = _int(city.get("activities")), _int(city.get("participants"))
    reporting = reporting_sentence(city) if internal else ""
    if not activities and not participants:
        return f"{campaign_name}期间，全市尚无计入汇总的科普活动。" + reporting
    opening = "据不完全统计，" if incomplete(city) else ""
    text = (f"{opening}{campaign_name}期间，全市共开展科普活动{count_text(activities, '场次', rounded)}，"
            f"参与群众{count_text(participants, '人次', rounded)}。")
    clauses = form_clauses(types, _int(city.get("boards")), _int(city.get("materials")), rounded)
    if clauses:
        text += "其中，" + "；".join(clauses) + "。"
    volunteers, media, funding = _int(city.get("volunteers")), _int(city.get("media_reports")), _money(
        city.get("funding_wan"))
    support = [part for n, part in ((volunteers, f"科普志愿者参与服务{count_text(volunteers, '人次', rounded)}"),
                                    (media, f"媒体报道{count_text(media, '篇', rounded)}"),
                                    (funding, f"投入经费{money_text(funding, rounded)}")) if n]
    if support:
        text += "活动中，" + "，".join(support) + "。"
    return text + text_sentence(from_text) + reporting
