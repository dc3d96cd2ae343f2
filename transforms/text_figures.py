"""Figures read from a narrative report (总结, SPEC §3.13): the sentences a unit wrote instead of a form.

「全市共开展科普报告、讲座6场次，听众达4000多人，举办各类培训班13多期，参训人数达3000多人。」 becomes 讲座报告: 6
activities, 4000 participants (approximate); 培训: 13 activities (approximate), 3000 participants (approximate).

One step per habit of the writers, each small and named:
- `sentences`: paragraphs split on 。；！? and line ends, each sentence remembering its paragraph (第N段);
- `figures_in`: each number with a measure word after it (schemas/synonyms.toml [narrative.measures]), read as
  sheets read it (余, 多, 约, 近 approximate; 万 multiplies), its form from the clause (the sheet reader's
  [activity_types]) or carried from the clause before it in the sentence (「举办培训班13期，参训人数达3000人」).
  Placeholders (`20xx`, `xxx余人`), dates, ratios and ranks (人均0.5元, 第四届, 3.4%) and numbers with no
  measure word (32个项目, 13号文件) are no figures; a figure whose measure the sentence does not make clear is
  an `unclear` reading, quoted in an info issue, never a guess;
- `overall`: a sentence naming the whole unit with 共 (「全镇共开展…」) or 「据不完全统计」 is the unit's overall
  statement. Where a text has one, its figures are the unit's and every other sentence is one of its parts, not
  added again; a figure with no form there is the total, and the forms' figures are its parts (what no form
  takes stays in the total, as 未分项);
- `records`: per form one unitemized record (like a 汇总表's, SPEC §3.4); the whole-unit figures (志愿者, 资料,
  展板, 媒体报道, 经费) and what the total leaves are the 未分项 record. Each figure cites its paragraph.
- `narrative_identity`: the title (first paragraphs) and the signature block (unit and date, last paragraphs).

Pure: paragraphs in, figures and records out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from kepu.schemas.synonyms import SYNONYMS
from kepu.schemas.vocabulary import MONEY_METRIC, TEXT_SHEET, UNITEMIZED_TYPE
from kepu.transforms.labels import activity_type_of
from kepu.transforms.values import parse_amount, parse_count, parse_date_span

WORDS = SYNONYMS.narrative
WHOLE_UNIT = ("volunteers", "materials", "boards", "media_reports", MONEY_METRIC)
FORM_MEASURES = ("activities", "participants")
TEN_THOUSAND = Decimal(10000)

_SENTENCE_END = re.compile(r"(?<=[。；;！!？?])|\n")
_CLAUSE_END = re.compile(r"(?<=[，,：:、])")
_PLACEHOLDER_CHARS = "xX×＿_\\*＊□○"
_ARABIC = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_CHINESE = r"[零〇一二两三四五六七八九十百千万]+"
_PREFIX = r"(?:不少于|将近|接近|大约|超过|约|近|逾|超)?"


@cache
def _figure_pattern() -> re.Pattern[str]:
    measures = "|".join(sorted(map(re.escape, WORDS.measures), key=len, reverse=True))
    return re.compile(
        rf"(?P<prefix>{_PREFIX})"
        rf"(?P<number>(?<![0-9０-９.．{re.escape(_PLACEHOLDER_CHARS)}A-Za-z])(?:{_ARABIC}|{_CHINESE}))"
        rf"(?P<scale>[百千万]?)(?P<approx>余|多|左右|以上)?(?P<scale2>万?)"
        rf"(?![{re.escape(_PLACEHOLDER_CHARS)}0-9０-９])"
        rf"(?P<measure>{measures})")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a narrative, with the 1-based number of its paragraph (its 第N段)."""

    paragraph: int
    text: str


@dataclass(frozen=True, slots=True)
class TextFigure:
    """One figure a sentence states. `measure` is a key of schemas.vocabulary.MEASURES; `form` the activity form
    for activities and participants (None: the whole unit, or the total of an overall statement)."""

    paragraph: int
    sentence: str
    measure: str
    value: int | Decimal
    approximate: bool
    form: str | None
    overall: bool = False
    written: str = ""
    phrase: str = ""
    """The clause up to the figure's end (「其中举办科普讲座4场次」): how the office cites it (`cite_figure`)."""


def cite_figure(paragraph: int, phrase: str) -> str:
    """How one figure of a narrative is cited in decisions.csv where a sheet's cell would be: 第3段“听众600余人”."""
    return f"第{paragraph}段“{phrase}”"


@dataclass(frozen=True, slots=True)
class UnclearFigure:
    """A number with a measure word whose meaning the sentence does not make clear: quoted, not counted."""

    paragraph: int
    sentence: str
    written: str


@dataclass(slots=True)
class Reading:
    """What a narrative's text yields: the figures counted, those left as parts of an overall statement, the
    unclear ones, and whether the parts exceed a stated total."""

    figures: list[TextFigure] = field(default_factory=list)
    parts_not_added: list[TextFigure] = field(default_factory=list)
    unclear: list[UnclearFigure] = field(default_factory=list)
    exceeded: list[tuple[str, int | Decimal, int | Decimal]] = field(default_factory=list)
    """(measure, total stated, sum of the forms' parts) where the parts say more than the total."""
    ambiguous: list[tuple[str, list[TextFigure]]] = field(default_factory=list)
    """A whole-unit measure the overall statement does not give, stated more than once elsewhere: which of them
    is the unit's (or are they the same group told twice?) is not guessed."""


def sentences(paragraphs: tuple[str, ...] | list[str]) -> list[Sentence]:
    """Each paragraph's sentences, split after 。；！？ and at line ends."""
    out = []
    for n, paragraph in enumerate(paragraphs, start=1):
        for piece in _SENTENCE_END.split(paragraph):
            text = piece.strip()
            if text:
                out.append(Sentence(n, text))
    return out


def is_overall(text: str) -> bool:
    """Whether a sentence is the unit's overall statement: 「据不完全统计」, or the whole unit with 共 after it."""
    if any(phrase in text for phrase in WORDS.overall_phrases):
        return True
    for subject in WORDS.overall_subjects:
        start = text.find(subject)
        while start >= 0:
            window = text[start + len(subject):start + len(subject) + 8]
            if any(word in window for word in WORDS.overall_words):
                return True
            start = text.find(subject, start + 1)
    return False


def _has(text: str, measure: str) -> bool:
    return any(word in text for word in WORDS.cues.get(measure, ()))


def _number(match: re.Match[str]) -> tuple[int | Decimal, bool] | None:
    """The figure a match writes, read as a sheet cell reads it; None for a bare Chinese numeral (两次, 五名):
    in running text those are words, not counts."""
    number = match["number"]
    chinese = not re.match(r"[0-9０-９]", number)
    if chinese and not (re.search(r"[十百千万]", number) or match["approx"] or match["prefix"]):
        return None
    written = f"{match['prefix']}{number}{match['scale']}{match['approx'] or ''}{match['scale2']}"
    if WORDS.measures[match["measure"]] == "funding_wan":
        parsed = parse_amount(written + "万元")
        if parsed.kind != "number" or parsed.value is None:
            return None
        value = parsed.value if parsed.unit_hint == "万元" else parsed.value / TEN_THOUSAND
        return value, parsed.approximate
    if WORDS.measures[match["measure"]] == "funding_yuan":
        parsed = parse_amount(written)
        if parsed.kind != "number" or parsed.value is None:
            return None
        return parsed.value / TEN_THOUSAND, parsed.approximate
    parsed = parse_count(written)
    if parsed.kind != "number" or parsed.value is None:
        return None
    return parsed.value, parsed.approximate


def figures_in(sentence: Sentence) -> tuple[list[TextFigure], list[UnclearFigure]]:
    """The figures one sentence states, each with its measure and form, and the unclear ones. An activity count's
    form is the one its clause names before the number, else the form carried from the clause before it (the
    last count's, or a clause naming a form without a figure); participants belong to the carried form first."""
    figures: list[TextFigure] = []
    unclear: list[UnclearFigure] = []
    overall = is_overall(sentence.text)
    carried: str | None = None
    for clause in _CLAUSE_END.split(sentence.text):
        counted_any = False
        for match in _figure_pattern().finditer(clause):
            before = clause[:match.start()]
            if any(before.endswith(word) for word in WORDS.not_figure_prefixes):
                continue
            read = _number(match)
            if read is None:
                continue
            value, approximate = read
            written = match.group(0)
            named = activity_type_of(before) if before.strip() else None
            measure = _measure(WORDS.measures[match["measure"]], clause, named or carried)
            generic = any(word in before for word in WORDS.generic_activities)
            if measure == "activities":
                form = named or (None if generic else carried)
                if form is None and not generic:
                    measure = None
                else:
                    carried = form
            elif measure == "participants":
                form = carried or named  # 「举办科普展览1场，参观群众800人」: the exhibition's visitors
            else:
                form = None
            if measure is None:
                unclear.append(UnclearFigure(sentence.paragraph, sentence.text, written))
                continue
            figures.append(TextFigure(sentence.paragraph, sentence.text, measure, value, approximate, form, overall,
                                      written, clause[:match.end()].strip()))
            counted_any = True
        if not counted_any and _names_activity(clause):
            carried = activity_type_of(clause) or carried
    return figures, unclear


def _names_activity(clause: str) -> bool:
    """Whether a clause without an activity count still names an activity form to carry (「举办各类培训班」)."""
    return not any(_has(clause, m) for m in ("materials", "boards", "media_reports", "funding_wan"))


def _measure(kind: str, clause: str, form: str | None) -> str | None:
    """Which measure a figure of this kind counts in this clause, or None when the clause does not say."""
    if kind == "activities":
        if match_any(clause, WORDS.not_activity_cues):
            return None
        return "activities"
    if kind == "people":
        if _has(clause, "volunteers"):
            return "volunteers"
        if _has(clause, "participants") or form is not None:
            return "participants"
        return None
    if kind in ("funding_wan", "funding_yuan"):
        return MONEY_METRIC if _has(clause, MONEY_METRIC) else None
    return kind if _has(clause, kind) else None


def match_any(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


def read_text(paragraphs: tuple[str, ...] | list[str]) -> Reading:
    """Every figure of a narrative: where it has an overall statement, that statement's figures (the rest of its
    paragraph, and a paragraph right after it beginning 其中), and a whole-unit figure (志愿者, 资料 …) it does not
    give where the text states that measure once; else every sentence's."""
    reading = Reading()
    found: list[tuple[Sentence, list[TextFigure]]] = []
    unclear_in: list[list[UnclearFigure]] = []
    for sentence in sentences(paragraphs):
        figures, unclear = figures_in(sentence)
        found.append((sentence, figures))
        unclear_in.append(unclear)
    overall_at = {i for i, (sentence, figures) in enumerate(found) if figures and is_overall(sentence.text)}
    for i in sorted(overall_at):
        paragraph, j = found[i][0].paragraph, i + 1
        while j < len(found) and (found[j][0].paragraph == paragraph or (
                found[j][0].paragraph == found[j - 1][0].paragraph + 1 and found[j][0].text.startswith("其中"))):
            paragraph = found[j][0].paragraph
            overall_at.add(j)
            j += 1
    for i, (_, figures) in enumerate(found):
        if not overall_at or i in overall_at:
            reading.figures.extend(figures)
            reading.unclear.extend(unclear_in[i])
        else:
            reading.parts_not_added.extend(figures)
    if overall_at:
        reading.figures = _once(reading.figures)
        stated = {f.measure for f in reading.figures}
        for measure in WHOLE_UNIT:
            elsewhere = [f for f in reading.parts_not_added if f.measure == measure]
            if measure in stated or not elsewhere:
                continue
            if len(elsewhere) == 1:
                reading.figures.append(elsewhere[0])
                reading.parts_not_added.remove(elsewhere[0])
            else:
                reading.ambiguous.append((measure, elsewhere))
    return reading


def _once(figures: list[TextFigure]) -> list[TextFigure]:
    """In an overall statement a whole-unit figure, a form's figure or the total is stated once: the first."""
    seen: set[tuple[str, str | None]] = set()
    kept = []
    for figure in figures:
        key = (figure.measure, figure.form)
        if key in seen:
            continue
        seen.add(key)
        kept.append(figure)
    return kept


@dataclass(slots=True)
class TextRecord:
    """One unitemized record read from a narrative: a form's figures, or (activity_type 未分项) the whole unit's
    and what a stated total leaves beyond its forms. `cited` gives each measure's paragraph and sentence."""

    activity_type: str
    values: dict[str, int | Decimal | None] = field(default_factory=dict)
    approximate: dict[str, bool] = field(default_factory=dict)
    cited: dict[str, tuple[int, str]] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)
    """Each figure this record counts, by its citation (`cite_figure`) → `measure:value` as the text states it, and
    `measure:value:total` for an overall statement's total (this 未分项 record holds what the forms leave of it):
    what a `correct_value` on that citation changes."""

    @property
    def paragraph(self) -> int:
        return min(p for p, _ in self.cited.values())

    @property
    def sentence(self) -> str:
        return min(self.cited.values())[1]


def records(reading: Reading) -> list[TextRecord]:
    """The figures as one record per form, and one 未分项 record for the whole unit and what a stated total
    leaves beyond its forms (never both added). Records in a fixed order: forms as the figures first name them."""
    by_type: dict[str, TextRecord] = {}

    def add(activity_type: str, figure: TextFigure, value: int | Decimal, total: bool = False) -> None:
        record = by_type.setdefault(activity_type, TextRecord(activity_type))
        previous = record.values.get(figure.measure)
        record.values[figure.measure] = value if previous is None else previous + value
        record.approximate[figure.measure] = record.approximate.get(figure.measure, False) or figure.approximate
        record.cited.setdefault(figure.measure, (figure.paragraph, figure.sentence))
        record.phrases.setdefault(cite_figure(figure.paragraph, figure.phrase),
                                  f"{figure.measure}:{figure.value}" + (":total" if total else ""))

    totals = [f for f in reading.figures if f.measure in FORM_MEASURES and f.form is None and f.overall]
    for figure in reading.figures:
        if figure.measure in FORM_MEASURES and figure.form is not None:
            add(figure.form, figure, figure.value)
        elif figure not in totals:
            add(UNITEMIZED_TYPE, figure, figure.value)
    for total in totals:
        parts = sum((r.values.get(total.measure) or 0 for t, r in by_type.items() if t != UNITEMIZED_TYPE), 0)
        if parts > total.value:
            reading.exceeded.append((total.measure, total.value, parts))
        rest = total.value - parts if total.value > parts else 0
        if rest or not parts:
            add(UNITEMIZED_TYPE, total, rest, total=True)
    return list(by_type.values())


# --- identity: the title and the signature block -----------------------------------------------------------

TITLE_PARAGRAPHS = 3
SIGNATURE_PARAGRAPHS = 4
MAX_SIGNATURE_CHARS = 30
_TITLE_WORDS = ("总结", "报告", "情况", "汇报", "小结")
_DATE_LINE = re.compile(r"^(?:[0-9０-９]{4}|[〇零一二三四五六七八九]{4})\s*年.{1,6}[日号]?$")


@dataclass(frozen=True, slots=True)
class TextIdentity:
    """What a narrative declares about its unit: the title (paragraph, text), the signature's unit name and
    its date (the 填报日期)."""

    title: tuple[int, str] | None = None
    signed_by: tuple[int, str] | None = None
    signed_on: tuple[int, str, date] | None = None


def narrative_identity(paragraphs: tuple[str, ...] | list[str], default_year: int) -> TextIdentity:
    """The title among the first paragraphs (a short line holding 总结/报告/情况 and no sentence end), and the
    signature block among the last: a date line and a short line naming a unit above or below it."""
    title = None
    for n, text in enumerate(paragraphs[:TITLE_PARAGRAPHS], start=1):
        if len(text) <= 60 and any(word in text for word in _TITLE_WORDS) and not re.search(r"[。；，]", text):
            title = (n, text)
            break
    signed_by = signed_on = None
    first = max(len(paragraphs) - SIGNATURE_PARAGRAPHS, 0)
    for n in range(len(paragraphs), first, -1):
        text = paragraphs[n - 1].strip()
        if signed_on is None and _DATE_LINE.match(text):
            span = parse_date_span(text, default_year)
            if span.kind == "date" and span.start is not None:
                signed_on = (n, text, span.start)
                continue
        if signed_by is None and len(text) <= MAX_SIGNATURE_CHARS and not re.search(r"[。；，,：:！？0-9]", text) \
                and (title is None or n != title[0]):
            signed_by = (n, text)
    return TextIdentity(title, signed_by, signed_on)
