"""One submission file, read: its declared identity, its activity rows, its summary, its issues.

`parse_book` is the single entry from a grid of cells to typed records. It knows nothing of the
unit registry or of other files; identity, versions and totals are decided later (transforms.core).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import DETAIL_FIELD, UNIT_COLUMN_FIELD
from kepu.transforms.declared import Declared, DeclaredIdentity, SummarySheet, read_identity, read_summary
from kepu.transforms.detail import RowKind, has_activity_rows, locate_tables, read_rows
from kepu.transforms.grid import Book
from kepu.transforms.sheets import sheet_tables, sheet_unit
from kepu.transforms.supplements import read_note
from kepu.transforms.unit_summary import unit_summary_issues
from kepu.transforms.text_figures import TEXT_SHEET, TextRecord, narrative_identity, read_text, records

PARSER_VERSION = "7"
"""Bumped whenever parsing changes what it extracts: stored files are then parsed again."""


@dataclass(slots=True)
class ParsedSubmission:
    """One file as read: what it declares, its detail rows (row_kinds: what each non-empty row under the
    header became, by Excel row number), its 汇总表 figures and its issues."""

    identity: DeclaredIdentity
    detail_sheet: str | None
    header_rows: tuple[int, int] | None = None
    """First and last row of the detail table's header, as Excel numbers them."""
    activities: list[dict] = field(default_factory=list)
    summary: SummarySheet | None = None
    issues: list[Issue] = field(default_factory=list)
    row_kinds: list[tuple[int, RowKind]] = field(default_factory=list)
    supplement_note: Declared | None = None
    """A line of commentary saying the file is a supplement (补报 …), for the core to judge."""
    text_records: list[TextRecord] = field(default_factory=list)
    """Figures read from a narrative report's sentences (SPEC §3.13), one unitemized record per form."""

    @property
    def readable(self) -> bool:
        """Whether anything countable was found: an activity table, summary figures or figures in a 总结."""
        return self.detail_sheet is not None or (self.summary is not None and self.summary.has_figures) \
            or bool(self.text_records)


def parse_book(book: Book, default_year: int) -> ParsedSubmission:
    """Typed rows and issues from a workbook's cells. `default_year` completes dates written without one.
    Never raises: a failure on unforeseen content becomes a `parse_failed` issue on this file alone."""
    try:
        return _parse(book, default_year)
    except Exception as exc:  # the last guard: one odd file must not stop a run
        detail = f"{type(exc).__name__}: {exc}"[:200]
        return ParsedSubmission(identity=DeclaredIdentity(), detail_sheet=None,
                                issues=[make_issue("parse_failed", raw=detail)])


def _parse(book: Book, default_year: int) -> ParsedSubmission:
    tables = sheet_tables(book, locate_tables(book), default_year)
    campaign = [t for t in tables if t.other_campaign is None] or tables
    header = campaign[0].header if campaign else None
    # a workbook with a sheet per unit: the sheets' titles name their units, not the workbook's
    per_unit = header is not None and sheet_unit(campaign[0]) is not None and any(
        has_activity_rows(t.header) for t in campaign[1:])
    identity = read_identity(book, None if per_unit else header, default_year)
    summary = read_summary(book, header)
    parsed = ParsedSubmission(identity=identity, detail_sheet=header.sheet.name if header else None,
                              header_rows=header.excel_rows if header else None, summary=summary)
    if identity.reported_on_raw is not None and identity.reported_on is None:
        parsed.issues.append(make_issue("reported_on_unparseable", sheet=identity.reported_on_raw.sheet,
                                        cell=identity.reported_on_raw.cell, raw=identity.reported_on_raw.value))
    if header is not None:
        rows = read_rows(header, default_year)
        parsed.issues.extend(rows.issues)
        parsed.row_kinds = rows.row_kinds
        parsed.supplement_note = read_note(header.sheet, header.first_row, rows.notes, identity.title)
        parsed.activities = _read_sheets(parsed, campaign, rows.activities, default_year)
        parsed.issues.extend(unit_summary_issues(book, {t.header.sheet.name for t in tables}, parsed.activities))
        for other in tables:
            if other.other_campaign is not None and campaign[0].other_campaign is None \
                    and has_activity_rows(other.header):
                parsed.issues.append(make_issue(
                    "other_campaign_sheet", sheet=other.header.sheet.name,
                    cell=other.title.cell if other.title else None, sheet_name=other.header.sheet.name,
                    campaign=other.other_campaign, used=header.sheet.name))
    if summary is not None:
        parsed.issues.extend(summary.issues)
    for sheet_name, cell, formula in book.formulas_without_value:
        sheet = book.sheet(sheet_name)
        if sheet is not None and not sheet.hidden:
            parsed.issues.append(make_issue("formula_no_value", sheet=sheet_name, cell=cell, raw=f"={formula}" if formula else None))
    if book.paragraphs and not parsed.readable:
        _read_narrative(parsed, book.paragraphs, default_year)
        if not parsed.readable:
            parsed.issues.append(make_issue("text_no_figures", raw="总结或报告" if not book.sheets else "Word 文档"))
            return parsed
    if not parsed.readable:
        parsed.issues.append(make_issue("no_detail_table"))
    return parsed


def _read_sheets(parsed: ParsedSubmission, campaign: list, first_rows: list[dict], default_year: int) -> list[dict]:
    """The activities of this campaign's sheets: the first table's; and when the workbook holds several tables
    with rows, every one of them (SPEC §2.3: two detail sheets of the same unit are both read). A sheet named or
    titled for a unit (transforms.sheets) names that unit in its rows (reporting_unit, where the table has no unit
    column of its own); a sheet naming no unit is the workbook's own unit's second table (info
    `second_detail_sheet`), and a row of it repeating one an earlier sheet of that unit holds counts once
    (`mark_sheet_repeats`)."""
    first = campaign[0]
    others = [t for t in campaign[1:] if has_activity_rows(t.header)]
    if not others:
        return first_rows
    activities = _naming(first_rows, sheet_unit(first))
    for other in others:
        unit = sheet_unit(other)
        rows = read_rows(other.header, default_year)
        parsed.issues.extend(rows.issues)
        if unit is None:
            parsed.issues.append(make_issue(
                "second_detail_sheet", sheet=other.header.sheet.name,
                cell=other.header.sheet.address(other.header.first_row, min(other.header.columns.values())),
                sheet_name=other.header.sheet.name, used=first.header.sheet.name))
        named = _naming(rows.activities, unit)
        parsed.issues.extend(mark_sheet_repeats(activities, named))
        activities.extend(named)
    for row in activities:
        row.setdefault("repeat_of", None)
    return activities


REPEAT_FIGURES = ("participants", "volunteers", "materials", "boards", "media_reports", "funding_wan")


def mark_sheet_repeats(earlier: list[dict], rows: list[dict]) -> list:
    """Rows of a later sheet that repeat a counted row of an earlier sheet of the same unit — the same start date
    and normalised name (transforms.dedup.name_key), the same reporting_unit — AND the same figures count once, as a
    补报's do (SPEC §3.2): each gets `repeat_of` (the kept row's `sheet:row`) and an info issue citing both rows.
    Where the figures differ there is no evidence the two rows are one activity (two lectures of one day on two
    sheets look just like this): both stay counted, with a warning naming both figures so the office can decide
    (`same_event`). Rows match one to one, in order."""
    from kepu.transforms.dedup import name_key

    def key(row: dict) -> tuple | None:
        if row.get("row_status") != "ok" or row.get("start_date") is None or not name_key(row.get("activity_name")):
            return None
        return row.get(UNIT_COLUMN_FIELD), row["start_date"], name_key(row.get("activity_name"))

    waiting: dict[tuple, list[dict]] = {}
    for row in earlier:
        if (k := key(row)) is not None and row.get("repeat_of") is None:
            waiting.setdefault(k, []).append(row)
    issues = []
    for row in rows:
        k = key(row)
        if k is None or not waiting.get(k):
            continue
        kept = waiting[k].pop(0)
        differs = [f"{DETAIL_FIELD[f].header}：{_figure(kept.get(f))}与{_figure(row.get(f))}" for f in REPEAT_FIGURES
                   if _figure(kept.get(f)) != _figure(row.get(f))]
        if not differs:
            row["repeat_of"] = f"{kept['source_sheet']}:{kept['source_row']}"
        cited = dict(sheet=row["source_sheet"], cell=row.get("activity_name_cell"), row=row["source_row"],
                     raw=row.get("activity_name"), sheet_name=row["source_sheet"],
                     kept=f"工作表“{kept['source_sheet']}”第{kept['source_row']}行")
        if differs:
            issues.append(make_issue("sheet_repeat_differs", figures="；".join(differs), **cited))
        else:
            issues.append(make_issue("sheet_repeat", **cited))
    return issues


def _figure(value) -> str:
    return "空" if value is None else format(value, "f") if not isinstance(value, int) else str(value)


def _naming(rows: list[dict], unit: tuple[str, str | None] | None) -> list[dict]:
    """Rows of a sheet named for a unit name that unit, unless a unit column of their own names one."""
    if unit is None:
        return rows
    text, cell = unit
    return [row if row.get(UNIT_COLUMN_FIELD) else {**row, UNIT_COLUMN_FIELD: text, f"{UNIT_COLUMN_FIELD}_cell": cell}
            for row in rows]


def cite_paragraph(paragraph: int) -> str:
    """How a figure read from a narrative is cited where a sheet's would cite a cell."""
    return f"第{paragraph}段"


def _read_narrative(parsed: ParsedSubmission, paragraphs: tuple[str, ...], default_year: int) -> None:
    """A 总结's figures as unitemized records, its identity from its title and signature where the file declares
    none in a table, and the issues that quote its sentences (SPEC §3.13)."""
    from kepu.schemas.vocabulary import MEASURE

    reading = read_text(paragraphs)
    parsed.text_records = records(reading)
    found = identity_from_text(paragraphs, default_year)
    ident = parsed.identity
    parsed.identity = DeclaredIdentity(ident.unit_code, ident.unit_name or found.unit_name,
                                       ident.reported_on or found.reported_on, ident.reported_on_raw,
                                       ident.title or found.title)
    for unclear in reading.unclear:
        parsed.issues.append(make_issue("text_figure_unclear", sheet=TEXT_SHEET, cell=cite_paragraph(unclear.paragraph),
                                        raw=unclear.sentence, where=cite_paragraph(unclear.paragraph),
                                        written=unclear.written))
    for measure, total, parts in reading.exceeded:
        figure = next(f for f in reading.figures if f.measure == measure and f.form is None)
        parsed.issues.append(make_issue("text_parts_exceed_total", sheet=TEXT_SHEET,
                                        cell=cite_paragraph(figure.paragraph), raw=figure.sentence,
                                        where=cite_paragraph(figure.paragraph), label=MEASURE[measure].noun,
                                        total=total, parts=parts))
    for measure, figures in reading.ambiguous:
        parsed.issues.append(make_issue("text_whole_unit_ambiguous", sheet=TEXT_SHEET,
                                        cell=cite_paragraph(figures[0].paragraph), raw=figures[0].sentence,
                                        label=MEASURE[measure].noun, count=len(figures),
                                        said="、".join(f"{cite_paragraph(f.paragraph)}“{f.written}”" for f in figures)))
    if parsed.text_records:
        said = []
        for record in parsed.text_records:
            figures = "、".join(f"{_SAID.get(m, MEASURE[m].noun)}{v}{MEASURE[m].unit}"
                               + ("（约数）" if record.approximate.get(m) else "")
                               for m, v in record.values.items() if v is not None)
            said.append(f"{record.activity_type}：{figures}")
        first = min(parsed.text_records, key=lambda r: r.paragraph)
        where = "、".join(cite_paragraph(p) for p in sorted({p for r in parsed.text_records for p, _ in r.cited.values()}))
        parsed.issues.append(make_issue("figures_from_text", sheet=TEXT_SHEET, cell=cite_paragraph(first.paragraph),
                                        raw=first.sentence, where=f"总结{where}", figures="；".join(said)))


_SAID = {"activities": "活动", "participants": "参与"}


def identity_from_text(paragraphs: tuple[str, ...], default_year: int) -> DeclaredIdentity:
    """A narrative's title, and its signature block's unit and date (the 填报日期), as declarations."""
    found = narrative_identity(paragraphs, default_year)
    title = Declared(found.title[1], TEXT_SHEET, cite_paragraph(found.title[0]), found.title[1]) if found.title else None
    name = Declared(found.signed_by[1], TEXT_SHEET, cite_paragraph(found.signed_by[0]), found.signed_by[1]) \
        if found.signed_by else None
    return DeclaredIdentity(unit_name=name, reported_on=found.signed_on[2] if found.signed_on else None, title=title)


def raw_records(sha256: str, parsed: ParsedSubmission) -> dict[str, list[dict]]:
    """The parsed file as rows of the raw extraction tables, keyed by table name."""
    ident = parsed.identity
    declaration = {
        "sha256": sha256,
        "declared_code": ident.unit_code.value if ident.unit_code else None,
        "declared_code_cell": ident.unit_code.cell if ident.unit_code else None,
        "declared_code_sheet": ident.unit_code.sheet if ident.unit_code else None,
        "declared_name": ident.unit_name.value if ident.unit_name else None,
        "declared_name_cell": ident.unit_name.cell if ident.unit_name else None,
        "declared_name_sheet": ident.unit_name.sheet if ident.unit_name else None,
        "reported_at": ident.reported_on,
        "detail_sheet": parsed.detail_sheet,
        "summary_sheet": parsed.summary.sheet if parsed.summary else None,
        "declared_title": ident.title.value if ident.title else None,
        "declared_title_sheet": ident.title.sheet if ident.title else None,
        "declared_title_cell": ident.title.cell if ident.title else None,
        "supplement_note": parsed.supplement_note.value if parsed.supplement_note else None,
        "supplement_note_sheet": parsed.supplement_note.sheet if parsed.supplement_note else None,
        "supplement_note_cell": parsed.supplement_note.cell if parsed.supplement_note else None,
    }
    text_figures = [{
        "sha256": sha256, "activity_type": record.activity_type, "paragraph": record.paragraph,
        "sentence": record.sentence, **record.values, **{f"{m}_approx": a for m, a in record.approximate.items()},
        "cells": {m: cite_paragraph(p) for m, (p, _) in record.cited.items()},
    } for record in parsed.text_records]
    summaries = []
    if parsed.summary is not None:
        summaries.append({"sha256": sha256, "sheet": parsed.summary.sheet, **parsed.summary.values,
                          "cells": dict(parsed.summary.cells)})
    return {
        "declarations": [declaration],
        "activity_rows": [{"sha256": sha256, **row} for row in parsed.activities],
        "summary_figures": summaries,
        "text_figures": text_figures,
        "parse_issues": [issue_record(sha256, i) for i in parsed.issues],
    }


def issue_record(sha256: str | None, issue: Issue) -> dict:
    return {
        "sha256": sha256, "severity": issue.severity, "code": issue.code, "message": issue.message,
        "sheet": issue.sheet, "cell": issue.cell, "raw_value": issue.raw_value, "row_number": issue.row_number,
    }
