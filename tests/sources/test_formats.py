"""What a file really is decides how it is read (kepu.sources.sniff), and what every refusal says; HTML
tables and Excel 2003 XML as sheets; the limits a file is held to (kepu.sources.extents, read_limits)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kepu.demo.writers import SheetSpec, csv_bytes, xls_bytes, xlsx_bytes
from kepu.schemas.issues import CATALOGUE, make_issue
from kepu.sources.books import ReadError, read_book
from kepu.sources.read_limits import ReadLimits
from tests.fixtures.hostile_files import MISNAMED
from tests.fixtures.other_formats import html_xls_bytes, ods_bytes, xlsb_bytes, xml2003_bytes

TABLE = SheetSpec("活动明细", [["活动名称", "开始日期", "参与人数"], ["科普讲座", "9月17日", 120], ["科普展览", "9月18日", 80]])


@pytest.mark.parametrize("case", MISNAMED, ids=lambda c: c.name)
def test_a_file_is_refused_for_what_it_really_is(case, tmp_path):
    path = tmp_path / case.relpath
    path.write_bytes(case.data)
    with pytest.raises(ReadError) as refused:
        read_book(path, case.relpath)
    message = make_issue(refused.value.code, raw=refused.value.detail or None).message
    assert (refused.value.code, case.says in message) == (case.code, True), message
    assert refused.value.code in CATALOGUE and (refused.value.code == "file_empty" or not refused.value.detail.isascii())


def test_the_same_bytes_get_the_same_reason_whatever_their_name(tmp_path):
    reasons = set()
    for name in ("东升街道.xlsx", "九江街道.ods", "白沙镇.csv", "说明.docx"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(ReadError) as refused:
            read_book(tmp_path / name, name)
        reasons.add(make_issue(refused.value.code, raw=refused.value.detail or None).message)
    assert reasons == {"文件中没有任何内容（空文件）。"}


@pytest.mark.parametrize(("name", "data"), [
    ("东升街道.xlsx", xlsx_bytes([TABLE])), ("东升街道.xls", xls_bytes([TABLE])), ("东升街道.ods", ods_bytes([TABLE])),
    ("东升街道.xlsb", xlsb_bytes([TABLE])), ("东升街道.xml", xml2003_bytes([TABLE])),
    ("东升街道.xls", html_xls_bytes(TABLE)), ("东升街道.csv", csv_bytes(TABLE.rows, "gbk")),
    ("东升街道.txt", "\n".join("\t".join(map(str, r)) for r in TABLE.rows).encode("utf-16")),
])
def test_every_format_gives_the_same_cells(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    sheet = read_book(path, name).sheets[0]
    assert [[None if v is None else str(int(v)) if isinstance(v, float) else str(v) for v in row]
            for row in sheet.rows] == [[str(v) for v in row] for row in TABLE.rows]


def test_content_decides_not_the_name(tmp_path):
    path = tmp_path / "东升街道.csv"
    path.write_bytes(xlsx_bytes([TABLE]))
    assert read_book(path, "东升街道.csv").sheets[0].name == "活动明细"


def test_a_csv_sheet_is_named_after_the_file_the_office_knows_not_the_kept_copy(tmp_path):
    path = tmp_path / "3f2a9c.csv"
    path.write_bytes(csv_bytes(TABLE.rows, "utf-8"))
    book = read_book(path, "双流区.zip/东升街道 报表.csv")
    assert [s.name for s in book.sheets] == ["东升街道 报表"]


def test_html_table_spans_become_merged_ranges_with_the_value_in_the_first_cell(tmp_path):
    page = ("<html><head><meta charset=\"gbk\"></head><body><table>"
            "<tr><th colspan=3>东升街道科普日活动</th></tr>"
            "<tr><td>活动名称</td><td>日期</td><td>参与人数</td></tr>"
            "<tr><td rowspan=2>科普讲座<br>（两场）</td><td>9月17日</td><td x:num=\"120\">120</td></tr>"
            "<tr><td>9月18日</td><td>80</td></tr>"
            "<tr><td>内嵌<table><tr><td>不读</td></tr></table></td></tr>"
            "</table></body></html>").encode("gbk")
    path = tmp_path / "导出.xls"
    path.write_bytes(page)
    (sheet,) = read_book(path, "导出.xls").sheets
    assert sheet.rows == (("东升街道科普日活动", None, None), ("活动名称", "日期", "参与人数"),
                          ("科普讲座\n（两场）", "9月17日", 120.0), (None, "9月18日", "80"), ("内嵌不读", None, None))
    assert sheet.merged == ((0, 0, 0, 2), (2, 0, 3, 0))
    assert sheet.merged_origin(3, 0) == (2, 0)


def test_excel_2003_xml_reads_indexes_merges_types_and_hidden_sheets(tmp_path):
    xml = ('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:x="urn:schemas-microsoft-com:office:excel">'
           '<Worksheet ss:Name="活动"><Table><Row><Cell ss:MergeAcross="1"><Data ss:Type="String">标题</Data></Cell>'
           '</Row><Row ss:Index="3"><Cell ss:Index="2"><Data ss:Type="DateTime">2023-09-17T00:00:00.000</Data></Cell>'
           '<Cell><Data ss:Type="Number">120</Data></Cell></Row></Table></Worksheet>'
           '<Worksheet ss:Name="旧"><Table/><x:WorksheetOptions><x:Visible>SheetHidden</x:Visible>'
           "</x:WorksheetOptions></Worksheet></Workbook>")
    path = tmp_path / "a.xml"
    path.write_text(xml, encoding="utf-8")
    first, old = read_book(path).sheets
    assert first.rows == (("标题", None, None), (None, None, None), (None, datetime(2023, 9, 17), 120.0))
    assert first.merged == ((0, 0, 0, 1),)
    assert (old.name, old.hidden) == ("旧", True)


SMALL = ReadLimits(max_rows=5, max_columns=4, max_cells=12, max_cell_chars=10)
BIG = SheetSpec("Sheet1", [[f"r{r}c{c}" for c in range(3)] for r in range(8)])


@pytest.mark.parametrize(("name", "data"), [
    ("a.xlsx", xlsx_bytes([BIG])), ("a.xls", xls_bytes([BIG])), ("a.ods", ods_bytes([BIG])),
    ("a.xlsb", xlsb_bytes([BIG])), ("a.xml", xml2003_bytes([BIG])), ("a.xls", html_xls_bytes(BIG)),
    ("a.csv", csv_bytes(BIG.rows, "utf-8")),
])
def test_every_format_is_held_to_the_same_limits(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as refused:
        read_book(path, name, limits=SMALL)
    assert refused.value.code == "file_too_large"
    assert "超" in refused.value.detail


def test_a_cell_longer_than_the_limit_refuses_the_file(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_bytes([SheetSpec("Sheet1", [["活动名称", "x" * 11]])]))
    with pytest.raises(ReadError) as refused:
        read_book(path, limits=SMALL)
    assert refused.value.detail == "工作表“Sheet1”有单元格长达 11 个字符，超过 Excel 本身的上限（10 个）"


def test_a_sheet_without_a_header_in_its_head_is_read_only_that_far(tmp_path):
    rows = [["站点名称", "地址"]] + [[f"站点{n}", f"某路{n}号"] for n in range(200)]
    table = [["活动名称", "开始日期", "参与人数"]] + [[f"讲座{n}", date(2023, 9, 17), n] for n in range(200)]
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_bytes([SheetSpec("站点", rows), SheetSpec("活动", table)]))
    stations, activities = read_book(path).sheets
    assert (stations.height, stations.rows_not_read) == (31, 170)
    assert (activities.height, activities.rows_not_read) == (201, 0)


def test_formatted_empty_cells_far_away_are_no_reason_to_refuse(tmp_path):
    """Excel writes a styled but empty cell as `<c r="XFD1048576" s="1"/>`: calamine skips it, so do the limits."""
    import io
    import zipfile

    data = xlsx_bytes([TABLE])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>', 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    path = tmp_path / "a.xlsx"
    path.write_bytes(buffer.getvalue())
    assert read_book(path).sheets[0].rows[1] == ("科普讲座", "9月17日", 120)


# --------------------------------------------------------- from a run over public test spreadsheets (issue #20)


def _moved_workbook(data: bytes, part: str = "xl/book.xml") -> bytes:
    """An xlsx whose workbook part is at `part`, the package's _rels/.rels (and content types) pointing there."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    folder, _, name = part.rpartition("/")
    with zipfile.ZipFile(out, "w") as z:
        for member in source.namelist():
            content = source.read(member)
            if member in ("_rels/.rels", "[Content_Types].xml"):
                content = content.replace(b"xl/workbook.xml", part.encode())
            target = {"xl/workbook.xml": part, "xl/_rels/workbook.xml.rels": f"{folder}/_rels/{name}.rels"}
            z.writestr(target.get(member, member), content)
    return out.getvalue()


MOVED_TABLE = [["活动名称", "开始日期", "参与人数"], ["科普讲座", "9月18日", 100]]


def test_an_xlsx_whose_workbook_part_is_elsewhere_is_read_by_its_package_relationships(tmp_path):
    path = tmp_path / "东升街道.xlsx"
    path.write_bytes(_moved_workbook(xlsx_bytes([SheetSpec("活动明细", MOVED_TABLE)])))
    book = read_book(path)
    assert [s.name for s in book.sheets] == ["活动明细"]
    assert book.sheets[0].rows[1][:2] == ("科普讲座", "9月18日")


def test_an_xlsx_whose_workbook_part_is_outside_xl_is_refused_with_where_it_is(tmp_path):
    path = tmp_path / "东升街道.xlsx"
    path.write_bytes(_moved_workbook(xlsx_bytes([SheetSpec("活动明细", MOVED_TABLE)]), "book/wb.xml"))
    with pytest.raises(ReadError) as refused:
        read_book(path)
    assert refused.value.code == "file_unsupported" and "book/wb.xml" in str(refused.value)


def test_a_word_package_is_still_not_a_workbook(tmp_path):
    """Look-alike: an OOXML package whose officeDocument is a Word document."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", '<Relationships><Relationship Type="http://schemas.openxmlformats.org/'
                                  'officeDocument/2006/relationships/officeDocument" Target="doc/main.xml" Id="r"/>'
                                  '</Relationships>')
        z.writestr("doc/main.xml", "<document/>")
    path = tmp_path / "a.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(ReadError) as refused:
        read_book(path)
    assert refused.value.code == "file_not_spreadsheet"


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_a_csv_with_any_line_ending_is_read(tmp_path, ending):
    """Excel for Mac's "CSV (Macintosh)" ends lines with CR alone; a CR inside quotes stays in its cell."""
    path = tmp_path / "东升街道.csv"
    path.write_bytes(ending.join(["活动名称,开始日期,参与人数", "科普讲座,9月18日,100", '"科普\r展览",9月19日,200', ""])
                     .encode("utf-8"))
    rows = read_book(path).sheets[0].rows
    assert [r[0] for r in rows] == ["活动名称", "科普讲座", "科普\r展览"] and len(rows) == 3


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-16"])
def test_tab_separated_text_saved_as_xls_is_read_like_a_csv(tmp_path, encoding):
    path = tmp_path / "东升街道.xls"
    path.write_bytes("活动名称\t开始日期\t参与人数\r\n科普讲座\t9月18日\t100\r\n".encode(encoding))
    assert read_book(path).sheets[0].rows[1] == ("科普讲座", "9月18日", "100")


@pytest.mark.parametrize("text", ["name,city\r\nJos\xe9,M\xfcnchen\r\n", "caf\xe9,na\xefve\r\n",
                                  "a,b\r\n" * 400 + "Jos\xe9,Z\xfcrich\r\n"])
def test_every_latin1_csv_gets_the_same_reason(tmp_path, text):
    """Whether the first bytes or a later line give the encoding away."""
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ReadError) as refused:
        read_book(path)
    assert (refused.value.code, str(refused.value)) == ("file_unreadable", str(ReadError(
        "file_unreadable", "无法识别的文字编码（不是 UTF-8、UTF-16 或 GBK/GB18030，可能是 Latin-1 等西文编码），请另存为 UTF-8 的 CSV 或 xlsx")))


def test_a_password_protected_ods_is_encrypted_not_damaged(tmp_path):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", '<manifest:manifest><manifest:file-entry manifest:full-path="content.xml">'
                                            '<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>'
                                            '</manifest:file-entry></manifest:manifest>')
        z.writestr("content.xml", b"\x8f\x13\x00\xfe" * 50)
    path = tmp_path / "东升街道.ods"
    path.write_bytes(out.getvalue())
    with pytest.raises(ReadError) as refused:
        read_book(path)
    assert refused.value.code == "file_encrypted" and "OpenDocument" in str(refused.value)


@pytest.mark.parametrize("head, named", [
    (b"\x09\x00\x04\x00\x02\x00\x10\x00", "Excel 2.x 工作表"), (b"\x09\x02\x06\x00\x00\x00\x10\x00", "Excel 3.0 工作表"),
    (b"\x09\x04\x06\x00\x00\x00\x10\x00", "Excel 4.0 工作表"), (b"\x09\x04\x06\x00\x00\x00\x00\x01", "Excel 4.0 工作簿"),
])
def test_excel_2_to_4_worksheets_are_named_in_their_reason(tmp_path, head, named):
    path = tmp_path / "old.xls"
    path.write_bytes(head + b"\x00" * 64)
    with pytest.raises(ReadError) as refused:
        read_book(path)
    assert refused.value.code == "file_unsupported" and named in str(refused.value)
