"""What each notice says (SPEC §5 通知/): the subject and body of a unit's 回执 e-mail, of a 催报, and of the
office's morning summary, from plain values. No date but the deadline goes into a unit's notice, so the same
facts make the same notice (and it is sent once) however many nights they stay true."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kepu.schemas.vocabulary import Campaign

AUTOMATIC = "（本邮件由市科协报表汇总系统自动发出；如有疑问请回复本邮件或来电。）"


@dataclass(frozen=True)
class Signature:
    """Who a notice comes from: the [office] name and phone."""

    office: str
    phone: str = ""

    def lines(self) -> list[str]:
        return [self.office] + ([f"联系电话：{self.phone}"] if self.phone else [])


def _day(value: date) -> str:
    return f"{value:%Y年%-m月%-d日}"


def _letter(greeting: str, paragraphs: Sequence[str], signature: Signature) -> str:
    parts = [f"{greeting}：", "", *(f"　　{p}" for p in paragraphs if p), "", *signature.lines(), "", AUTOMATIC]
    return "\n".join(parts) + "\n"


def receipt_notice(campaign: Campaign, unit_name: str, fields: Sequence[tuple[str, str]], counted: str,
                   issues_title: str, issue_count: int, attachment: str, signature: Signature) -> tuple[str, str]:
    """Subject and body of the e-mail that carries a unit's 回执: what came, what counted, what to act on."""
    subject = f"{campaign.name}报表回执：{unit_name}"
    facts = "；".join(f"{label}：{value}" for label, value in fields if value not in (None, ""))
    if issue_count:
        action = (f"{issues_title}。附件《{attachment}》逐条列出每个问题所在的工作表和单元格（如 活动明细!I12）及处理意见，"
                  f"请核对修改后重新报送完整报表（只补充活动的，请在文件名中注明“补报”）。")
    else:
        action = f"未发现需要处理的问题。详见附件《{attachment}》。"
    body = _letter(unit_name, [f"市科协已收到贵单位的{campaign.name}活动报表。{facts}。",
                               f"计入全市汇总：{counted}。", action], signature)
    return subject, body


def chase_notice(campaign: Campaign, unit_name: str, status: str, file_path: str | None, held_reason: str | None,
                 past_deadline: bool, signature: Signature, *, attachment: str | None = None) -> tuple[str, str]:
    """Subject and body of a 催报: a missing unit is asked for its report; a held one is told what came and
    why it could not be counted (`held_reason`: what was found in its file, worded for the unit), and pointed
    to its 回执 only when one is attached (`attachment`, its file name). Before the deadline it reminds; after
    it, it says the deadline has passed."""
    deadline = _day(campaign.deadline)
    if status == "held":
        subject = f"{campaign.name}报表待核实：{unit_name}"
        reason = (held_reason or "文件无法处理").rstrip("。")
        what = f"市科协收到了与贵单位有关的文件《{file_path}》，但未能计入全市汇总：{reason}。"
        ask = (f"请核对附件《{attachment}》所列问题，修正后重新报送完整报表" if attachment
               else "请按上述说明修正后重新报送完整报表") + "；如该文件不是贵单位报送的，也请告知。"
        paragraphs = [what, ask, f"报送截止日期为{deadline}。"]
    else:
        subject = f"{campaign.name}报表催报：{unit_name}"
        when = f"报送截止日期{deadline}已过" if past_deadline else f"报送截止日期为{deadline}"
        paragraphs = [f"{when}，市科协尚未收到贵单位的{campaign.name}活动报表。",
                      f"请尽快按统一模板填报{_day(campaign.start)}至{_day(campaign.end)}期间开展的科普活动，"
                      "回复本邮件报送；未开展活动的，也请回复说明。"]
    return subject, _letter(unit_name, paragraphs, signature)


HELD_REASONS = {"rejected": "文件无法读取或没有有效记录", "unidentified": "无法识别报送单位",
                "conflict": "表中单位代码与填报单位不一致"}
"""marts.completeness.held_reason codes as a 催报 explains them."""


def held_reason_text(codes: str | None) -> str:
    if not codes:
        return ""
    return "；".join(HELD_REASONS.get(code, code) for code in str(codes).split("、"))


@dataclass(frozen=True)
class SummaryFacts:
    """What the office's morning summary reports, as display-ready lines."""

    day: date
    received: Sequence[str]
    """Files that came in since the previous summary: one line each (unit, file, what became of it)."""
    rejected: Sequence[str]
    """Files of those that could not be counted, with the reason."""
    chase: Sequence[str]
    """Expected units missing or held: 区县 单位（状态）."""
    completeness: str
    """One line: expected, reported, on time, late, missing, held."""
    totals: Sequence[str]
    """City totals, one measure a line."""
    paragraph: str
    """The 情况说明 paragraph."""
    no_address: Sequence[str]
    """Units whose notice could not be sent for want of an address."""
    failures: Sequence[str]
    """Notices the server did not take, to be retried."""
    drafted: int
    attachment: str
    edition: str = ""
    """「自第1版（9月30日）报送以来：…」 or 「与第1版相同」 (SPEC §3.12); "" before the first edition."""
    lead: str | None = None
    """The open items and the biggest figures under question (wording.open_items_lead), first in the body."""
    notes: Sequence[str] = ()
    """What the run said about itself (a warehouse another program held open read-write, who held it)."""


def _section(title: str, lines: Sequence[str], empty: str, limit: int = 200) -> list[str]:
    shown = list(lines[:limit])
    more = [f"……另有 {len(lines) - limit} 项，见内部核查.xlsx"] if len(lines) > limit else []
    return [f"【{title}】", *(f"  {line}" for line in shown or [empty]), *more, ""]


def summary_notice(campaign: Campaign, facts: SummaryFacts, signature: Signature) -> tuple[str, str]:
    """Subject and body of the office's summary: what came in, what was rejected, who is missing, the totals."""
    subject = f"{campaign.name}报表汇总日报（{_day(facts.day)}）：新收文件 {len(facts.received)} 个，催报 {len(facts.chase)} 个单位"
    lines = [*([facts.edition, ""] if facts.edition else []),
             f"{campaign.name}报表汇总，数据截至{_day(facts.day)}。", ""]
    if facts.lead:
        lines += ["【待决定事项】", f"  {facts.lead}上报前请逐项核实（kepu status 列出每一项及决定它的命令）。", ""]
    if facts.notes:
        lines += _section("运行情况", facts.notes, "")
    lines += [
             *_section("新收文件", facts.received, "上次汇总以来没有收到新文件"),
             *_section("未能计入的文件", facts.rejected, "无"),
             *_section("催报名单", facts.chase, "无：应报单位均已报送"),
             "【报送情况】", f"  {facts.completeness}", "",
             *_section("全市汇总", facts.totals, "无"),
             "【情况说明】", f"  {facts.paragraph}", ""]
    if facts.no_address:
        lines += _section("无邮箱地址、未能发送通知的单位（请在单位名录 email 列补充）", facts.no_address, "")
    if facts.failures:
        lines += _section("发送失败的通知（下次运行自动重试）", facts.failures, "")
    if facts.drafted:
        lines += [f"另有 {facts.drafted} 份通知已起草，见 通知/ 文件夹（[notices] mode = \"draft\"，核对后改为 \"send\" 即发出）。", ""]
    lines += [f"附件：《{facts.attachment}》（上报用汇总表）。", "", *signature.lines()]
    return subject, "\n".join(lines) + "\n"
