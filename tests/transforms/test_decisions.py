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
