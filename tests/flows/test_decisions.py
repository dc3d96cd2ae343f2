"""The office's decisions (SPEC §3.9) applied by the core rules: each kind changes the totals exactly as it says,
a decision whose target is gone is a decision_stale warning that does nothing, and a line that cannot be a
decision is a decision_invalid error naming its line while the others still apply."""

from __future__ import annotations

from datetime import date, datetime

from kepu.schemas.decisions import COLUMNS
from tests.rules import Raw, codes

HEADER = ",".join(COLUMNS)


def decisions(*lines: str, newline: str = "\n") -> str:
    return newline.join((HEADER, *lines)) + newline


def row(name: str, participants, n: int = 0, **fields) -> dict:
    """A detail row whose participants sit in column I of its sheet row (4 + its index)."""
    return {"activity_name": name, "participants": participants, **fields}


def cells(rows: list[dict]) -> list[dict]:
    return [{**r, "participants_cell": f"I{4 + i}", "start_date_cell": f"D{4 + i}"} for i, r in enumerate(rows)]


def effect(core, line: int) -> tuple[str, str]:
    found = core.decisions.set_index("line").loc[line]
    return found["outcome"], found["effect"]


def test_correct_value_changes_the_total_and_keeps_the_original():
    raw = Raw()
    f = raw.file(1, "T01", rows=cells([row("科普讲座", 100), row("科普展览", 40000)]))
    before = raw.build()
    assert before.total() == 40100
    core = raw.build(decisions=decisions(f"correct_value,{f},I5,,4000,,,电话核实：应为4000,王丽,2023-09-29 10:00"))
    assert core.total() == 4100
    corrected = core.activities.set_index("source_row").loc[5]
    assert corrected["participants"] == 4000
    assert list(corrected["corrected_fields"]) == ["participants"]
    assert list(corrected["original_values"]) == ["40000"]
    assert effect(core, 2) == ("applied", "已将第5行参与人数由40000改为4000")
    (applied,) = [i for s, i in core.issues if i.code == "decision_applied"]
    assert (applied.sheet, applied.cell, applied.raw_value) == ("活动明细", "I5", "40000")
    assert "电话核实：应为4000" in applied.message
    assert core.audit_issues.set_index("code").loc["decision_applied", "is_current_version"]


def test_correct_value_makes_a_row_rejected_for_that_value_count():
    raw = Raw()
    f = raw.file(1, "T01", rows=cells([row("科普讲座", 100),
                                       row("科普展览", None, row_status="rejected", reject_code="invalid_participants")]))
    assert raw.build().total() == 100
    core = raw.build(decisions=decisions(f"correct_value,{f},I5,,300,,,电话核实,王丽,"))
    assert core.total() == 300 + 100 and core.total("activities") == 2
    assert core.submissions["status"].tolist() == ["accepted"]
    assert effect(core, 2) == ("applied", "已将第5行参与人数由空改为300")


def test_correct_start_date_moves_a_row_into_the_window():
    raw = Raw()
    f = raw.file(1, "T01", rows=cells([row("科普讲座", 100), row("科普展览", 50, start_date=date(2022, 9, 18),
                                                                end_date=date(2022, 9, 18))]))
    core = raw.build(decisions=decisions(f"correct_value,{f},D5,,2023-09-18,,,年份填错,王丽,"))
    assert core.total() == 150
    assert "outside_window" in codes(raw.build()) and "outside_window" not in codes(core)
    moved = core.activities.set_index("source_row").loc[5]  # a one-day activity: its end date moves with it
    assert (moved["start_date"], moved["end_date"]) == (date(2023, 9, 18), date(2023, 9, 18))


def test_exclude_row_and_exclude_file():
    raw = Raw()
    f = raw.file(1, "T01", rows=cells([row("科普讲座", 100), row("测试行", 7)]))
    old = raw.file(2, "T02", reported=date(2023, 9, 24), rows=cells([row("科普讲座", 1000)]))
    new = raw.file(3, "T02", reported=date(2023, 9, 26), rows=cells([row("误报", 5)]))
    assert raw.build().total() == 112
    core = raw.build(decisions=decisions(f"exclude_row,{f[:12]},B5,,,,,测试数据,王丽,",
                                         f"exclude_file,{new},,,,,,报错了届次,王丽,"))
    # the excluded newer file cannot be current: the unit's earlier version counts again
    assert core.total() == 100 + 1000
    current = core.submissions.set_index("file_sha256")["is_current"]
    assert current[old] and not current[new]
    assert effect(core, 2) == ("applied", "已将第5行“测试行”排除，不计入汇总")
    assert effect(core, 3) == ("applied", "已将文件“3.xlsx”整个排除（1行），不计入汇总")


def test_assign_unit_counts_a_held_file():
    raw = Raw()
    held = raw.file(1, None, name="不知名单位", path="收件箱/扫描件.xlsx", rows=cells([row("科普讲座", 300)]))
    before = raw.build()
    assert before.total() == 0 and "unit_unidentified" in codes(before)
    core = raw.build(decisions=decisions("assign_unit,收件箱/扫描件.xlsx,,T02,,,,电话确认为九江街道,王丽,"))
    assert core.total() == 300 and core.total("units_reported") == 1
    sub = core.submissions.set_index("file_sha256").loc[held]
    assert (sub["unit_code"], sub["identified_by"], sub["status"]) == ("T02", "decision", "accepted")
    assert "unit_unidentified" not in codes(core)
    assert effect(core, 2)[1] == "已将文件“收件箱/扫描件.xlsx”归入九江街道（T02），作为其现行版本计入汇总"


def test_accept_on_time():
    raw = Raw()
    late = raw.file(1, "T01", received=datetime(2023, 9, 30, 9), rows=cells([row("科普讲座", 100)]))
    assert raw.build().total("units_on_time") == 0
    core = raw.build(decisions=decisions(f"accept_on_time,{late},,,,,,系统故障延误,王丽,"))
    assert core.total("units_on_time") == 1 and core.total() == 100
    assert core.completeness.set_index("unit_code").loc["T01", "status"] == "on_time"
    assert effect(core, 2) == ("applied", "已将2天后收到的文件按时计")


def joint_pair(raw: Raw, **second) -> tuple[str, str]:
    a = raw.file(1, "T01", received=datetime(2023, 9, 26, 9),
                 rows=cells([row("科普知识讲座", 200, venue="双流区图书馆")]))
    b = raw.file(2, "T02", received=datetime(2023, 9, 26, 10),
                 rows=cells([row("科普知识讲座", 200, venue="双流区图书馆", **second)]))
    return a, b


def test_same_event_counts_two_unlinked_rows_once():
    raw = Raw()
    a, b = joint_pair(raw)
    before = raw.build()
    assert before.total() == 400 and "possible_joint_activity" in codes(before)
    core = raw.build(decisions=decisions(f"same_event,{a},B4,,,{b},B4,主办方确认为同一场,王丽,"))
    assert core.total() == 200 and core.total("activities") == 1
    assert "possible_joint_activity" not in codes(core)
    acts = core.activities.set_index("file_sha256")
    assert acts.loc[b, "duplicate_of"] == acts.loc[a, "activity_id"]
    assert effect(core, 2) == ("applied", "已认定第4行“科普知识讲座”与九江街道第4行为同一活动，只计一次")


def test_different_events_silences_the_warning_and_undoes_a_merge():
    raw = Raw()
    a, b = joint_pair(raw)
    core = raw.build(decisions=decisions(f"different_events,{a},B4,,,{b},B4,两场不同的讲座,王丽,"))
    assert core.total() == 400 and "possible_joint_activity" not in codes(core)

    linked = Raw()
    a, b = joint_pair(linked, partners=["东升街道"])
    assert linked.build().total() == 200  # merged with evidence
    core = linked.build(decisions=decisions(f"different_events,{a},B4,,,{b},B4,上午下午各一场,王丽,"))
    assert core.total() == 400 and core.activities["duplicate_of"].isna().all()
    assert "joint_activity_duplicate" not in codes(core)
    assert effect(core, 2) == ("applied", "已认定为两项不同活动，取消联合活动的合并，分别计入")


def test_a_decision_on_a_superseded_version_is_stale_and_does_nothing():
    raw = Raw()
    old = raw.file(1, "T01", reported=date(2023, 9, 24), rows=cells([row("科普讲座", 40000)]))
    raw.file(2, "T01", reported=date(2023, 9, 26), rows=cells([row("科普讲座", 500)]))
    core = raw.build(decisions=decisions(f"correct_value,{old},I4,,4000,,,电话核实,王丽,",
                                         f"exclude_row,{old},B4,,,,,重复,王丽,",
                                         f"accept_on_time,{old},,,,,,迟到,王丽,",
                                         "exclude_file,不存在.xlsx,,,,,,误报,王丽,"))
    assert core.total() == 500
    assert core.activities["corrected_fields"].isna().all()
    for line in (2, 3, 4):
        assert effect(core, line) == ("stale", "目标已不存在（该单位已报送新版本），未执行")
    assert effect(core, 5) == ("stale", "目标已不存在（找不到文件“不存在.xlsx”），未执行")
    stale = [i for s, i in core.issues if i.code == "decision_stale"]
    assert len(stale) == 4 and all(i.severity == "warning" for i in stale)
    assert any(i.message.startswith("decisions.csv 第2行（更正单元格的值）：目标已不存在") for i in stale)


def test_a_row_that_is_gone_is_stale():
    raw = Raw()
    f = raw.file(1, "T01", rows=cells([row("科普讲座", 100)]))
    core = raw.build(decisions=decisions(f"exclude_row,{f},B40,,,,,重复,王丽,"))
    assert core.total() == 100
    assert effect(core, 2) == ("stale", "目标已不存在（文件中第40行没有活动记录），未执行")


def test_invalid_lines_are_errors_with_their_line_and_the_rest_apply():
    raw = Raw()
    f = raw.file(1, "T01", rows=cells([row("科普讲座", 100), row("测试行", 7)]))
    core = raw.build(decisions=decisions(
        f"delete_row,{f},B5,,,,,测试,王丽,",            # 2: no such kind
        f"exclude_row,{f},B5,,,,,,王丽,",                # 3: no reason
        f"exclude_row,{f},第5行,,,,,测试,王丽,",          # 4: not a cell
        "",                                             # 5: blank, skipped
        f"correct_value,{f},I4,,很多,,,电话核实,王丽,",    # 6: not a number
        f"correct_value,{f},Z4,,5,,,电话核实,王丽,",       # 7: not a correctable column
        f"exclude_row,{f},B5,,,,,测试数据,王丽,",         # 8: fine
    ))
    assert core.total() == 100
    outcomes = dict(zip(core.decisions["line"], core.decisions["outcome"]))
    assert outcomes == {2: "invalid", 3: "invalid", 4: "invalid", 6: "invalid", 7: "invalid", 8: "applied"}
    messages = sorted(i.message for s, i in core.issues if i.code == "decision_invalid")
    assert len(messages) == 5 and all(i.severity == "error" for s, i in core.issues if i.code == "decision_invalid")
    assert any(m.startswith("decisions.csv 第2行无效：决定类型“delete_row”无效") for m in messages)
    assert any(m.startswith("decisions.csv 第3行无效：exclude_row（不计入某一行）须填写理由") for m in messages)
    assert any("第6行无效：“很多”不是有效的参与人数" in m for m in messages)
    assert any("第7行无效：单元格Z4不是可更正的列" in m for m in messages)


def test_an_excel_saved_file_bom_crlf_and_gbk():
    raw = Raw()
    f = raw.file(1, "T01", rows=cells([row("科普讲座", 100), row("测试行", 7)]))
    text = decisions(f"exclude_row,{f},活动明细!B5,,,,,\"测试数据，不计\",王丽,2023/9/29 10:00", newline="\r\n")
    for data in (text.encode("utf-8-sig"), text.encode("gbk")):
        core = raw.build(decisions=data)
        assert core.total() == 100
        assert core.decisions["reason"].tolist() == ["测试数据，不计"]


def test_a_header_without_the_columns_is_one_invalid_line():
    raw = Raw()
    raw.file(1, "T01", rows=cells([row("科普讲座", 100)]))
    core = raw.build(decisions="类型,文件\nexclude_row,x\n")
    assert core.total() == 100
    (issue,) = [i for s, i in core.issues if i.code == "decision_invalid"]
    assert issue.message.startswith("decisions.csv 第1行无效：表头缺少列")


def test_supplement_is_recorded_for_the_version_rule():
    raw = Raw()
    f = raw.file(1, "T01", rows=cells([row("科普讲座", 100)]))
    core = raw.build(decisions=decisions(f"supplement,{f},,,,,,补报材料,王丽,"))
    assert effect(core, 2)[0] == "recorded"


def test_same_event_merges_only_the_pair_named_among_look_alikes():
    """Every unit reports the same generic lecture several times; the office names one pair: exactly that pair
    becomes one event, every other look-alike row still counts."""
    raw = Raw()
    a = raw.file(1, "T01", rows=cells([row("科普知识讲座", 100 + i, venue="村委会") for i in range(6)]))
    b = raw.file(2, "T02", rows=cells([row("科普知识讲座", 200 + i, venue="村委会") for i in range(6)]))
    raw.file(3, "D01", rows=cells([row("科普知识讲座", 300 + i, venue="村委会") for i in range(6)]))
    before = raw.build()
    core = raw.build(decisions=decisions(f"same_event,{a},B6,,,{b},I7,同一场,王丽,"))
    assert before.total("activities") - core.total("activities") == 1
    assert before.total() - core.total() == 203  # the copy's figure (row 7 of the second file) only
    copies = core.activities[core.activities["duplicate_of"].notna()]
    assert copies[["file_sha256", "source_row"]].values.tolist() == [[b, 7]]


def test_appending_keeps_the_files_encoding_and_its_one_bom(tmp_path):
    from kepu.decisions import append_decision, read_decisions

    record = {"kind": "exclude_file", "file": "东升街道.xlsx", "reason": "误报，不计", "decided_by": "王丽"}
    fresh = tmp_path / "fresh" / "decisions.csv"
    assert append_decision(fresh, record) == 2 and append_decision(fresh, record) == 3
    data = fresh.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    assert read_decisions(fresh).valid["reason"].tolist() == ["误报，不计"] * 2

    excel = tmp_path / "decisions.csv"  # saved by Excel as plain CSV on a Chinese Windows: GBK, CRLF, no newline at end
    excel.write_bytes(decisions("exclude_file,九江街道.xlsx,,,,,,重复报送,李强,", newline="\r\n").rstrip().encode("gbk"))
    assert append_decision(excel, record) == 3
    lines = read_decisions(excel)
    assert lines.encoding == "gb18030" and not lines.invalid
    assert lines.valid["file"].tolist() == ["九江街道.xlsx", "东升街道.xlsx"]


def form_cells(rows: list[dict]) -> list[dict]:
    """Rows with every column of the form cited where the official form has it: C 活动形式, D 开始, E 结束,
    F 地点, G 主办, H 合作, I 参与人数."""
    letters = {"activity_type": "C", "start_date": "D", "end_date": "E", "venue": "F", "organizer": "G",
               "partners": "H", "participants": "I"}
    return [{**r, **{f"{f}_cell": f"{c}{4 + i}" for f, c in letters.items()}} for i, r in enumerate(rows)]


def test_correct_value_takes_every_column_of_the_form():
    """End date, venue, form, organizer and partners are corrected like a figure: new value, original kept (#23)."""
    raw = Raw()
    f = raw.file(1, "T01", rows=form_cells([row("科普讲座", 100, end_date=date(2023, 9, 18), venue="文化站",
                                                organizer="东升街道", partners=["甲", "乙"])]))
    core = raw.build(decisions=decisions(
        f"correct_value,{f},E4,,2023-09-19,,,电话核实,王丽,",
        f"correct_value,{f},F4,,东升社区活动中心,,,电话核实,王丽,",
        f"correct_value,{f},C4,,展览展示,,,电话核实,王丽,",
        f"correct_value,{f},G4,,东升街道科协,,,电话核实,王丽,",
        f"correct_value,{f},H4,,区科协、区图书馆,,,电话核实,王丽,"))
    got = core.activities.set_index("source_row").loc[4]
    assert got["end_date"] == date(2023, 9, 19) and got["start_date"] == date(2023, 9, 18)
    assert (got["venue"], got["activity_type"], got["organizer"]) == ("东升社区活动中心", "展览展示", "东升街道科协")
    assert list(got["partners"]) == ["区科协", "区图书馆"]
    assert list(got["corrected_fields"]) == ["end_date", "venue", "activity_type", "organizer", "partners"]
    assert list(got["original_values"]) == ["2023-09-18", "文化站", "讲座报告", "东升街道", "甲、乙"]
    assert [effect(core, n)[0] for n in range(2, 7)] == ["applied"] * 5
    assert effect(core, 6)[1] == "已将第4行合作单位由甲、乙改为区科协、区图书馆"


def test_a_corrected_end_date_settles_an_activity_too_long():
    """The warning cites the end date's cell (E4), and a correct_value there clears it (#23)."""
    raw = Raw()
    f = raw.file(1, "T01", rows=form_cells([row("科普讲座", 100, end_date=date(2023, 10, 18))]))
    (long,) = [i for _, i in raw.build().issues if i.code == "impossible_duration"]
    assert long.cell == "E4"
    core = raw.build(decisions=decisions(f"correct_value,{f},E4,,2023-09-19,,,电话核实：应为9月19日,王丽,"))
    assert "impossible_duration" not in codes(core)
    assert core.activities.set_index("source_row").loc[4, "end_date"] == date(2023, 9, 19)


def test_a_form_not_in_the_list_is_an_invalid_decision():
    raw = Raw()
    f = raw.file(1, "T01", rows=form_cells([row("科普讲座", 100)]))
    core = raw.build(decisions=decisions(f"correct_value,{f},C4,,跳舞,,,电话核实,王丽,"))
    assert effect(core, 2) == ("invalid", "“跳舞”不是有效的活动形式，未执行")
    assert core.activities.set_index("source_row").loc[4, "activity_type"] == "讲座报告"
