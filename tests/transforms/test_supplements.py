"""What marks a file a supplement (SPEC §3.2): a word that reads as a mark, in the file's name, title or a line of
commentary — never an activity's name or 备注, an instruction, or a unit's own name."""

from __future__ import annotations

import pandas as pd
import pytest

from kepu.transforms.grid import Book, Sheet
from kepu.transforms.identity import UnitIndex
from kepu.transforms.submission import parse_book, raw_records
from kepu.transforms.supplements import find_marks, supplement_word
from kepu.transforms.units import build_units


@pytest.mark.parametrize("text, word", [
    ("气象学会（补报）", "补报"),
    ("现补报我单位两项活动", "补报"),
    ("本表为增报内容", "增报"),
    ("东升街道续报2", "续报"),
    ("气象学会补充", "补充"),
    ("气象学会（补充）", "补充"),
    ("补充-气象学会", "补充"),
    ("以下为我单位补充报送的活动", "补充"),
    ("补充活动统计表", "补充"),
    ("由于疏漏未及时报送，现补报如下", "补报"),
])
def test_a_mark(text, word):
    assert supplement_word(text) == word


@pytest.mark.parametrize("text", [
    "补充营养讲座",                       # 补充 as an ordinary word
    "关于补充说明的函",
    "气象学会2023年全国科普日活动统计表",
    "注：如有遗漏，请于9月30日前补报",     # instructions
    "逾期未报的单位请及时补报",
    "无需补报",
    "如需补充，请另附表",
    "注：本表含补报活动2项",              # a full table saying what it includes
    "东升街道（包括补报）",
    "",
    None,
])
def test_not_a_mark(text):
    assert supplement_word(text) is None


def test_a_units_own_name_is_masked():
    assert supplement_word("补充村科普日活动统计表", masked=("补充村",)) is None
    assert supplement_word("补充村（补报）", masked=("补充村",)) == "补报"


HEADER = ("序号", "活动名称", "活动形式", "开始日期", "参与人数（人次）", "备注")


def book(*rows) -> Book:
    width = max(len(r) for r in rows)
    return Book((Sheet("活动明细", tuple(tuple(r) + (None,) * (width - len(r)) for r in rows)),))


def parsed_note(b: Book) -> str | None:
    return raw_records("x" * 64, parse_book(b, 2023))["declarations"][0]["supplement_note"]


def test_a_note_row_under_the_table_or_a_line_above_it_is_kept():
    below = book(("东升街道2023年全国科普日活动统计表",), ("填报单位：东升街道",), HEADER,
                 (1, "应急演练", "培训", "2023-09-20", 300, None),
                 ("注：以上为补报活动，此前报送的两项不变",))
    declaration = raw_records("x" * 64, parse_book(below, 2023))["declarations"][0]
    assert (declaration["supplement_note"], declaration["supplement_note_sheet"],
            declaration["supplement_note_cell"]) == ("注：以上为补报活动，此前报送的两项不变", "活动明细", "A5")
    above = book(("东升街道2023年全国科普日活动统计表",), ("现补报我单位一项活动",), HEADER,
                 (1, "应急演练", "培训", "2023-09-20", 300, None))
    assert parsed_note(above) == "现补报我单位一项活动"


def test_an_activity_named_or_noted_so_is_no_note():
    rows = book(("东升街道2023年全国科普日活动统计表",), HEADER,
                (1, "补充营养讲座", "讲座", "2023-09-20", 300, "补报"),
                (2, "补报活动展", "展览", "2023-09-21", 100, "本次补充"))
    parsed = parse_book(rows, 2023)
    assert len(parsed.activities) == 2 and parsed.supplement_note is None


def test_find_marks_name_then_title_then_note():
    units = build_units([{"unit_code": "T01", "unit_name": "补充村", "unit_type": "other", "parent_code": "",
                          "aliases": "", "expected": "true"}])
    files = pd.DataFrame([
        {"sha256": "a", "path": "x/补充村（补报）.xlsx", "source_path": None, "declared_title": "（补充）"},
        {"sha256": "b", "path": "补充村.xlsx", "source_path": None, "declared_title": "补充村科普日统计表（增报）"},
        {"sha256": "c", "path": "补充村.xlsx", "source_path": None, "declared_title": "补充村科普日统计表",
         "supplement_note": "注：补充村续报", "supplement_note_sheet": "活动明细", "supplement_note_cell": "A9"},
        {"sha256": "d", "path": "补充村.xlsx", "source_path": None, "declared_title": "补充村科普日统计表",
         "supplement_note": "注：补充村协办"},
    ]).reindex(columns=["sha256", "path", "source_path", "declared_title", "declared_title_sheet",
                        "declared_title_cell", "supplement_note", "supplement_note_sheet", "supplement_note_cell"])
    marks = find_marks(files, UnitIndex(units))
    assert marks[["sha256", "marked_by", "mark_word", "mark_text"]].values.tolist() == [
        ["a", "file_name", "补报", "补充村（补报）.xlsx"],
        ["b", "title", "增报", "补充村科普日统计表（增报）"],
        ["c", "note", "续报", "注：补充村续报"],
    ]
