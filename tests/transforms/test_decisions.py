"""decisions.csv lines as `kepu decide` writes them read back exactly, whatever the office typed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kepu.transforms.decisions import HEADER, format_line, parse_decisions

TYPED = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(reason=TYPED.filter(lambda t: t.strip()), by=TYPED, value=TYPED)
def test_a_written_line_reads_back(reason, by, value):
    record = {"kind": "correct_value", "file": "区县/东升街道.xlsx", "cell": "活动明细!I12", "value": value,
              "reason": reason, "decided_by": by, "decided_at": "2023-09-29 10:00"}
    for encoding in ("utf-8-sig", "gb18030"):
        data = (HEADER + format_line(record) + format_line({**record, "reason": "第二行"})).encode(encoding)
        lines = parse_decisions(data)
        if not value.strip():
            assert [i.line for i in lines.invalid] == [2, 3]
            continue
        assert not lines.invalid
        first = lines.valid.iloc[0]
        assert (first["reason"], first["value"]) == (reason.strip(), value.strip())
        assert (first["decided_by"] or "") == by.strip()
        assert lines.valid["line"].tolist()[0] == 2 and lines.valid["reason"].tolist()[1] == "第二行"


def test_a_figure_of_a_summary_is_cited_by_paragraph_and_phrase_for_a_correction_or_an_exclusion():
    from kepu.transforms.decisions import check_record, text_citation

    line = {"kind": "correct_value", "file": "龙泉区/总结.docx", "cell": "第3段“听众600余人”", "value": "650",
            "reason": "电话核实"}
    assert check_record(line) is None and text_citation(line["cell"]) == (3, "听众600余人")
    assert check_record({**line, "kind": "exclude_row", "value": ""}) is None
    assert text_citation("第12段") == (12, None) and text_citation("正文!第2段「举办“科普进社区”讲座4场次」") == (
        2, "举办“科普进社区”讲座4场次")
    assert text_citation("I12") is None and text_citation("第0段") is None
    assert "单元格地址" in check_record({**line, "kind": "same_event", "other_file": "x.xlsx", "other_cell": "A2"})


def test_a_confirm_names_a_file_and_at_most_a_row_or_a_paragraph():
    from kepu.transforms.decisions import check_record

    line = {"kind": "confirm", "file": "双流区/东升街道.xlsx", "reason": "电话核实：数字无误"}
    assert check_record(line) is None
    assert check_record({**line, "cell": "活动明细!C4"}) is None and check_record({**line, "cell": "第3段"}) is None
    assert "单元格地址" in check_record({**line, "cell": "第三段"})
    assert "理由" in check_record({**line, "reason": ""}) and "文件" in check_record({**line, "file": ""})
