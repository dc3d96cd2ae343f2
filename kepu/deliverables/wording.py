"""The words a clerk reads where the warehouse holds something technical: what a spreadsheet library said
about a file it could not open, and a file in conflict told to each unit it names.

The warehouse keeps the library's own text (audit.issues.raw_value) for whoever repairs a file; the
deliverables show these Chinese words instead, so no English and no internal code reaches a 回执 or a
workbook.
"""

from __future__ import annotations

import re

TECHNICAL_CODES = frozenset({"file_unreadable", "file_encrypted", "parse_failed"})
"""Issues whose raw value is a library's message about the file, not a value someone typed."""

_LIBRARY_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), text) for p, text in (
    (r"password|encrypt|protected", "文件设有密码"),
    (r"cannot detect file format|unsupported|unknown format|not supported", "无法识别文件格式"),
    (r"zip|central directory|end of central", "Excel 文件的压缩结构已损坏"),
    (r"\bcfb\b|compound|ole|\bxls\b|biff", "旧版 Excel（.xls）文件结构已损坏"),
    (r"xml|parse|tag|element", "Excel 文件的内部结构已损坏"),
    (r"eof|truncat|unexpected end|incomplete", "文件不完整（可能未下载或未复制完整）"),
    (r"unicode|codec|decode|encoding", "文字编码无法识别"),
    (r"memory|too large|size", "文件过大，无法读取"),
))
_CJK = re.compile(r"[\u4e00-\u9fff]")


def technical_detail(code: str, raw, cell) -> str | None:
    """The raw value of an issue as the outputs show it: a library's message about a file it could not
    read in Chinese (the warehouse keeps the original); anything else unchanged."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return None
    raw = str(raw)
    if code not in TECHNICAL_CODES or _CJK.search(raw):
        return raw
    for pattern, text in _LIBRARY_MESSAGES:
        if pattern.search(raw):
            return text
    return "文件内容无法识别"


def conflict_message(*, own_claim: str, file_path: str, declared_code: str | None, declared_name: str | None,
                     other_unit: str | None) -> str:
    """A file whose 单位代码 and 填报单位 name two units, told to one of them. `own_claim` is which names
    the reader's unit ("code" or "name"); the file may be its own or the other unit's, so the message
    says what to do in either case."""
    other = f"“{other_unit}”" if other_unit else "另一单位"
    if own_claim == "code":
        found = (f"文件“{file_path}”的单位代码“{declared_code or ''}”是本单位的代码，但填报单位写的是"
                 f"“{declared_name or ''}”（{other}）")
        fix = "请将填报单位改为本单位名称后重新报送"
    else:
        found = (f"文件“{file_path}”的填报单位“{declared_name or ''}”是本单位，但单位代码“{declared_code or ''}”"
                 f"是{other}的代码")
        fix = "请将单位代码改为本单位的代码后重新报送"
    return (f"{found}，无法确定是哪个单位报送的，暂未计入全市汇总。如该文件是本单位报送的，{fix}；"
            "如不是，本单位无需处理。")


RECEIPT_GUIDANCE = (
    "说明：“错误”所在的行或文件未计入全市汇总，请更正后重新报送；“警告”请核实，如有误请更正后重新报送；"
    "“提示”无需处理。“单元格”为原报表中的位置，如“活动明细!I12”即“活动明细”工作表 I 列第 12 行；"
    "CSV 文件没有工作表，只写单元格，如“I12”即第 12 行第 I 列。重新报送时请发送完整的报表，新报表将替代旧报表。"
)


LEAD_SHARE = 0.01
"""An open item is named in the lead line when the figure it questions is at least this share of its total."""


def _figure(amount, measure_key: str) -> str:
    from kepu.schemas.vocabulary import MEASURE

    measure = MEASURE[measure_key]
    number = f"{amount:,.2f}".rstrip("0").rstrip(".") if measure.money else f"{int(amount):,}"
    return f"{number}{measure.unit}"


def weighty_items(items: list[dict], share: float) -> list[dict]:
    """The open items (queries.open_items_with_effect) whose figure is more than `share` of the city's total of
    its measure: what `kepu sign` will not sign over unforced."""
    return [i for i in items if i.get("share") is not None and i["share"] > share]


def weighty_text(items: list[dict]) -> str:
    """Each item named in Chinese, biggest first: 「经费疑似按元填写：双流区西航港小学 双流区/西航港小学.xlsx 活动明细!N6
    3,000万元（占全市经费的88.0%）」, joined by ；."""
    from kepu.schemas.issues import CATALOGUE
    from kepu.schemas.vocabulary import MEASURE

    parts = []
    for i in sorted(items, key=lambda i: -(i.get("share") or 0)):
        title = CATALOGUE[i["detail"]].title if i.get("detail") in CATALOGUE else str(i.get("detail"))
        where = " ".join(str(p) for p in (i.get("unit_name"), i.get("file_path")) if p)
        cell = f" {i['sheet']}!{i['cell']}" if i.get("sheet") and i.get("cell") else ""
        parts.append(f"{title}：{where}{cell} {_figure(i['amount'], i['measure'])}"
                     f"（占全市{MEASURE[i['measure']].noun}的{i['share']:.1%}）")
    return "；".join(parts)


def open_items_lead(items: list[dict], shown: int = 3) -> str | None:
    """The line the run summary, the morning summary and 内部核查.xlsx open with (issue #23): how many items
    wait for a decision and, among them, the biggest figures under question, by kind
    (「待决定 18 项，其中经费疑似按元填写 1 项（3,000万元）」). `items`: queries.open_items_with_effect. None when
    nothing waits."""
    from kepu.schemas.issues import CATALOGUE

    if not items:
        return None
    groups: dict[str, list[dict]] = {}
    for item in items:
        if item.get("share") is not None and item["share"] >= LEAD_SHARE:
            groups.setdefault(item["detail"], []).append(item)
    named = sorted(groups.items(), key=lambda g: -max(i["share"] for i in g[1]))[:shown]
    parts = []
    for code, group in named:
        title = CATALOGUE[code].title if code in CATALOGUE else code
        biggest = sorted(group, key=lambda i: -i["share"])[:2]
        figures = "、".join(_figure(i["amount"], i["measure"]) for i in biggest) + ("等" if len(group) > 2 else "")
        parts.append(f"{title} {len(group)} 项（{figures}）")
    return f"待决定 {len(items)} 项" + ("，其中" + "、".join(parts) if parts else "") + "。"
