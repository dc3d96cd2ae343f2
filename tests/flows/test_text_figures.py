"""Figures read from a narrative report (总结, SPEC §3.13) through the core rules: a unit that sent only its 总结 is
counted from it, one unitemized record per form flagged from_text and citing its paragraph; a unit that sent a
sheet too is counted once, from the sheet, with a warning where the 总结 says otherwise."""

from __future__ import annotations

from datetime import date, datetime

from tests.rules import Raw

TEXT = [
    {"activity_type": "讲座报告", "activities": 6, "participants": 4000, "participants_approx": True},
    {"activity_type": "培训", "activities": 13, "participants": 3000, "activities_approx": True,
     "participants_approx": True},
    {"activity_type": "未分项", "boards": 300, "materials": 10000, "boards_approx": True, "materials_approx": True},
]


def _issues(core, code: str) -> list[dict]:
    return core.audit_issues[core.audit_issues["code"] == code].to_dict("records")


def test_a_unit_that_sent_only_its_summary_counts_from_its_text():
    raw = Raw()
    text = raw.file(1, "T01", path="东升街道科普日总结.docx", text=TEXT)
    core = raw.build()

    records = core.activities[core.activities["file_sha256"] == text]
    assert records["from_text"].all() and records["counted"].all() and records["is_unitemized"].all()
    assert sorted(zip(records["activity_type"], records["activity_count"])) == [
        ("培训", 13), ("未分项", 0), ("讲座报告", 6)]
    assert set(records["source_cell"]) == {"第3段"} and set(records["source_sheet"]) == {"正文"}
    assert set(records["note"]) == {"全镇共开展……"}
    assert core.total("activities") == 19 and core.total("participants") == 7000
    assert core.total("materials") == 10000 and core.total("boards") == 300
    sub = core.submissions.set_index("file_sha256").loc[text]
    assert sub["is_current"] and sub["status"] == "accepted"


def test_a_unit_with_a_sheet_and_a_summary_counts_once_from_the_sheet_and_warns_of_the_difference():
    raw = Raw()
    form = raw.file(1, "T01", path="东升街道.xlsx", received=datetime(2023, 9, 24, 9),
                    rows=[{"activity_name": "科普讲座", "participants": 4000}])
    text = raw.file(2, "T01", path="东升街道总结.docx", reported=date(2023, 9, 27), received=datetime(2023, 9, 27, 9),
                    text=TEXT)
    core = raw.build()

    records = core.activities[core.activities["file_sha256"] == text]
    assert not records["counted"].any()
    assert core.total("activities") == 1 and core.total("participants") == 4000
    subs = core.submissions.set_index("file_sha256")
    assert subs.loc[form, "is_current"]
    differs = _issues(core, "text_differs_from_sheet")
    assert {i["file_sha256"] for i in differs} == {form}  # on the 回执 of the version that counts
    print(core.audit_issues[["code", "file_sha256", "message"]].to_dict("records"))
    said = {i["message"] for i in differs}
    assert any("活动场次" in m and "19" in m and "报表为1" in m for m in said)
    assert any("发放资料" in m and "10000" in m for m in said)
    assert any("参与人数" in m and "7000" in m and "报表为4000" in m for m in said)
    assert all(i["cell"] == "第3段" and i["severity"] == "warning" for i in differs)


def test_a_summary_that_agrees_with_the_sheet_raises_nothing():
    raw = Raw()
    raw.file(1, "T01", path="东升街道.xlsx", rows=[{"activity_name": "科普讲座", "participants": 4000}])
    raw.file(2, "T01", path="东升街道总结.txt",
             text=[{"activity_type": "讲座报告", "activities": 1, "participants": 4000}])
    core = raw.build()
    assert not _issues(core, "text_differs_from_sheet")
    assert core.total("activities") == 1 and core.total("participants") == 4000
