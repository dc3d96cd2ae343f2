"""kepu.sources.books.read_book, the edge where bytes become a Book: CSV encodings and delimiters, formula
cells saved without a result, and files that are refused. (The messy-workbook corpus covers the rest.)"""

from __future__ import annotations

import io
import zipfile

import pytest

from kepu.demo.writers import SheetSpec, xlsx_bytes
from kepu.sources.books import ReadError, formulas_without_value, read_book

TABLE = [["活动名称", "活动日期", "参与人数"], ["科普讲座，互动", "9月17日", "120"]]


@pytest.mark.parametrize(("encoding", "delimiter"), [
    ("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","), ("gb18030", ";"), ("utf-16", "\t"), ("utf-8", "\t"),
])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter) -> None:
    text = "\r\n".join(delimiter.join(f'"{cell}"' if "，" in cell else cell for cell in row) for row in TABLE)
    path = tmp_path / "东升街道.csv"
    path.write_bytes(text.encode(encoding))
    book = read_book(path)
    assert [s.name for s in book.sheets] == ["东升街道"]
    assert book.sheets[0].rows == tuple(tuple(row) for row in TABLE)


@pytest.mark.parametrize(("name", "data", "code"), [
    ("a.csv", "活动名称,日期\n".encode("utf-8") + b"\x00\x00", "file_unreadable"),
    ("a.csv", b"\xff\xfe\x00\xd8", "file_unreadable"),
    ("a.xlsx", b"   \n", "file_empty"),
    ("a.pdf", b"%PDF-1.4", "file_not_spreadsheet"),
    ("a.xls", b"PK\x03\x04broken", "file_unreadable"),
])
def test_refused_files(tmp_path, name, data, code) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as refused:
        read_book(path)
    assert refused.value.code == code


def workbook_zip(sheet_xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("xl/workbook.xml", '<workbook><sheets><sheet r:id="rId1" sheetId="1" name="活动明细"/>'
                                       "</sheets></workbook>")
        zf.writestr("xl/_rels/workbook.xml.rels",
                    '<Relationships><Relationship Target="worksheets/sheet1.xml" Id="rId1"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def test_formulas_without_cached_result_are_found_exactly() -> None:
    sheet = (
        '<worksheet><sheetData><row r="4">'
        '<c r="A4" s="1"/>'
        '<c r="I4"><f>100+50</f><v/></c>'
        '<c r="J4"><f>SUM(J1:J3)</f><v>20</v></c>'
        '<c r="K4" t="str"><f>IF(A4="","",A4)</f><v></v></c>'
        '<x:c r="L4"><x:f>1&amp;2</x:f></x:c>'
        '<c r="M4"><f t="shared" si="0"/></c>'
        "</row></sheetData></worksheet>"
    )
    assert formulas_without_value(workbook_zip(sheet)) == (
        ("活动明细", "I4", "100+50"), ("活动明细", "L4", "1&2"), ("活动明细", "M4", ""))


def test_a_reader_crash_is_a_refusal_not_a_traceback(tmp_path, monkeypatch) -> None:
    def crash(path, fmt, limits, with_formulas):
        raise RuntimeError("calamine panicked: index out of bounds")

    monkeypatch.setattr("kepu.sources.books._read_calamine", crash)
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_bytes([SheetSpec("Sheet1", [["活动名称"]])]))
    with pytest.raises(ReadError) as refused:
        read_book(path)
    assert (refused.value.code, refused.value.detail) == ("file_unreadable", "文件内容已损坏，无法识别其中的表格")
