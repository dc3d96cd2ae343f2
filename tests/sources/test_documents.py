"""Narrative reports as files (kepu.sources.documents, SPEC §3.13): the nine seed summaries as Word `.docx` and as
`.txt` in UTF-8, GBK and GB18030 give the same paragraphs and the same figures; a table inside a Word file is read
like a sheet; hostile and unreadable documents are refused with their reason, in bounded time."""

from __future__ import annotations

import time

import pytest

from kepu.schemas.issues import make_issue
from kepu.sources.books import ReadError, read_book
from kepu.transforms.submission import parse_book, raw_records
from kepu.transforms.text_figures import read_text, records
from tests.fixtures.narratives import HOSTILE, SEEDS, paragraphs, write_docx, write_txt

SIGNED = ["丹江口市科协2023年全国科普日活动总结", *paragraphs(6), "丹江口市科协", "2023年9月25日"]


def _records(parsed) -> list[tuple]:
    return [(r.activity_type, r.values) for r in parsed.text_records]


@pytest.mark.parametrize("n", sorted(SEEDS))
@pytest.mark.parametrize("kind", ["docx", "utf-8", "gbk", "gb18030"])
def test_each_seed_summary_reads_the_same_as_docx_and_as_text(n, kind, tmp_path):
    lines = paragraphs(n)
    path = write_docx(tmp_path / "总结.docx", lines) if kind == "docx" else \
        write_txt(tmp_path / "总结.txt", lines, kind)
    book = read_book(path, path.name)
    assert list(book.paragraphs) == lines and book.sheets == ()
    parsed = parse_book(book, 2023)
    expected = [(r.activity_type, r.values) for r in records(read_text(lines))]
    assert _records(parsed) == expected
    codes = [i.code for i in parsed.issues]
    if expected:
        assert parsed.readable and "figures_from_text" in codes and "text_no_figures" not in codes
    else:
        assert not parsed.readable and codes == ["text_no_figures"]


def test_figures_from_text_cite_their_paragraph_and_quote_their_sentence(tmp_path):
    parsed = parse_book(read_book(write_docx(tmp_path / "总结.docx", SIGNED)), 2023)
    warning = next(i for i in parsed.issues if i.code == "figures_from_text")
    assert (warning.severity, warning.sheet, warning.cell) == ("warning", "正文", "第24段")
    assert "全市共开展科普报告、讲座6场次" in warning.raw_value
    assert "总结第24段" in warning.message and "讲座报告：活动6场次、参与4000人次（约数）" in warning.message
    rows = raw_records("f" * 64, parsed)["text_figures"]
    lecture = next(r for r in rows if r["activity_type"] == "讲座报告")
    assert lecture["paragraph"] == 24 and lecture["cells"] == {"activities": "第24段", "participants": "第24段"}
    assert lecture["participants_approx"] is True and lecture["activities"] == 6


def test_the_title_and_signature_identify_the_unit_and_date_the_report(tmp_path):
    parsed = parse_book(read_book(write_txt(tmp_path / "总结.txt", SIGNED, "gbk")), 2023)
    ident = parsed.identity
    assert ident.title.value == "丹江口市科协2023年全国科普日活动总结" and ident.title.cell == "第1段"
    assert ident.unit_name.value == "丹江口市科协" and ident.unit_name.cell == f"第{len(SIGNED) - 1}段"
    assert str(ident.reported_on) == "2023-09-25"
    declaration = raw_records("f" * 64, parsed)["declarations"][0]
    assert declaration["declared_name"] == "丹江口市科协" and str(declaration["reported_at"]) == "2023-09-25"


def test_a_table_in_a_word_file_is_read_like_a_sheet_and_then_the_sheet_counts(tmp_path):
    table = [["活动名称", "活动形式", "开始日期", "参与人数"], ["科普讲座", "讲座", "2023年9月18日", "120"],
             ["科普展览", "展览", "2023年9月19日", "300余"]]
    path = write_docx(tmp_path / "白沙镇总结.docx", ["白沙镇2023年全国科普日活动总结", "全镇共开展科普讲座6场次。"],
                      table=table, table_after=1)
    book = read_book(path)
    assert [s.name for s in book.sheets] == ["表1"] and book.sheets[0].rows[1] == ("科普讲座", "讲座", "2023年9月18日", "120")
    parsed = parse_book(book, 2023)
    assert parsed.detail_sheet == "表1" and [a["participants"] for a in parsed.activities] == [120, 300]
    assert parsed.text_records == [] and "figures_from_text" not in [i.code for i in parsed.issues]


def test_plain_text_whatever_its_name_is_read_as_a_narrative(tmp_path):
    path = tmp_path / "东升街道.xlsx"
    path.write_bytes("科普日活动总结\n共开展讲座3场\n".encode())
    parsed = parse_book(read_book(path, path.name), 2023)
    assert _records(parsed) == [("讲座报告", {"activities": 3})]


def test_a_csv_table_is_still_a_table(tmp_path):
    path = tmp_path / "东升街道.txt"
    path.write_text("活动名称,开始日期,参与人数\n科普讲座,2023-09-18,120\n", encoding="utf-8")
    book = read_book(path, path.name)
    assert book.paragraphs == () and parse_book(book, 2023).activities[0]["participants"] == 120


# --- hostile and unreadable documents ---------------------------------------------------------------------



@pytest.mark.parametrize("name, relpath, data, code, says", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_and_unreadable_documents_are_refused_with_their_reason_in_bounded_time(name, relpath, data, code,
                                                                                        says, tmp_path):
    path = tmp_path / relpath
    path.write_bytes(data())
    started = time.monotonic()
    with pytest.raises(ReadError) as refused:
        read_book(path, relpath)
    assert time.monotonic() - started < 10
    message = make_issue(refused.value.code, raw=refused.value.detail or None).message
    assert (refused.value.code, says in message) == (code, True), message
