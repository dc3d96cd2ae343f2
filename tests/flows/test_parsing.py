"""One parse batch, as a thread, a process or a Dask worker runs it: each file kept in the store, read and
parsed; a file that cannot be read is rejected with its reason and one issue, and the others go on."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from kepu.demo.forms import fill_form
from kepu.flows.parsing import RAW_TABLES, parse_files
from kepu.schemas.files import ReceivedFile
from kepu.sources.store import sha256_of
from kepu.transforms.submission import PARSER_VERSION


def received(path: Path, inbox: Path) -> ReceivedFile:
    return ReceivedFile(path=path.relative_to(inbox).as_posix(), size=path.stat().st_size, mtime=0.0,
                        received_at=datetime(2023, 9, 26, 9), location=path, sha256=sha256_of(path))


def test_a_batch_keeps_reads_and_parses_each_file(tmp_path):
    inbox, store = tmp_path / "inbox", tmp_path / "warehouse" / "files"
    form = fill_form(inbox / "东升街道.xlsx", campaign_name="2023年全国科普日", unit_name="东升街道科协",
                     unit_code="D01T01", reported_on=date(2023, 9, 25),
                     activities=[{"activity_name": "科普讲座", "start_date": date(2023, 9, 18), "participants": 120}])
    broken = inbox / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    photo = inbox / "照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")

    result = parse_files([received(p, inbox) for p in (form, broken, photo)], store, 2023)

    by_path = {f.path: f for f in result.files}
    assert {p: f.status for p, f in by_path.items()} == {"东升街道.xlsx": "read", "坏文件.xlsx": "rejected",
                                                         "照片.jpg": "rejected"}
    assert result.rejected == 2
    assert all((store.parent / f.stored_as).is_file() and f.parser_version == PARSER_VERSION for f in result.files)
    assert by_path["照片.jpg"].reason.startswith("该文件实为图片（JPEG）")
    assert set(result.tables) == set(RAW_TABLES)
    assert result.tables["activity_rows"].column("activity_name").to_pylist() == ["科普讲座"]
    assert result.rows == 1
    issues = result.tables["parse_issues"].to_pylist()
    assert sorted(i["code"] for i in issues if i["severity"] == "error") == [
        "file_not_spreadsheet", "file_unreadable"]


def test_a_batch_hands_back_arrow_tables_shaped_like_the_raw_tables(tmp_path):
    """So the writer appends them as they are; a batch of nothing readable still has every table."""
    from kepu.warehouse.loader import table_schema_of

    result = parse_files([], tmp_path / "files", 2023)
    assert result.files == [] and result.rejected == 0
    for name in RAW_TABLES:
        assert result.tables[name].schema == table_schema_of(f"raw.{name}")
        assert result.tables[name].num_rows == 0


def test_names_with_newlines_control_characters_or_255_bytes_are_read_like_any_other(tmp_path):
    """The reader never trusts a name: the kept copy is named by its content, the name only names the sheet
    of a CSV (as Excel would) and is shown as given."""
    from tests.fixtures.hostile_files import MISNAMED

    inbox, store = tmp_path / "inbox", tmp_path / "warehouse" / "files"
    inbox.mkdir()
    names = ["东升\n街道.csv", "九江\x07街道\x1b.xlsx", "a" * 250 + ".xlsx"]
    (inbox / names[0]).write_bytes("活动名称,开始日期,参与人数\n科普讲座,9月17日,120\n".encode("gbk"))
    fill_form(inbox / names[1], campaign_name="2023年全国科普日", unit_name="九江街道", unit_code="D01T02",
              reported_on=date(2023, 9, 25),
              activities=[{"activity_name": "科普展览", "start_date": date(2023, 9, 18), "participants": 80}])
    (inbox / names[2]).write_bytes(next(c for c in MISNAMED if c.name == "pdf_named_xlsx").data)

    result = parse_files([received(inbox / n, inbox) for n in names], store, 2023)

    assert [(f.path, f.status) for f in result.files] == [(names[0], "read"), (names[1], "read"), (names[2], "rejected")]
    assert result.tables["activity_rows"].column("source_sheet").to_pylist() == ["东升\n街道", "活动明细"]
    assert all(f.stored_as.isascii() and "\n" not in f.stored_as for f in result.files)
