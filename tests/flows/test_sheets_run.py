"""Several sheets through a run (issue #20, SPEC §2.3): a unit's two detail sheets both count and a repeat across
them counts once; a sheet whose every row is outside the window is one warning for the sheet, its rows kept and not
counted; days written without a month take the month of the row above; a 汇总 sheet by unit that disagrees with a
town's sheet is a warning citing both, the town's rows counted (the agreeing one raises nothing). One nightly run
on real workbooks."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.builders import make_city, query, write_sheets


@pytest.mark.usefixtures("prefect_harness")
def test_a_units_sheets_a_may_sheet_month_less_days_and_a_disagreeing_summary_through_a_run(tmp_path):
    from kepu.flows.nightly import run

    city = make_city(tmp_path / "city")
    header = ["活动名称", "开始日期", "参与人数"]
    write_sheets(city.inbox / "双流区" / "九江街道.xlsx", {
        "活动明细": [["填报单位：九江街道"], header, ["科普讲座", "9月18日", 100], ["科普展览", "18、19日", 200]],
        "Sheet2": [header, ["科普讲座", "9月18日", 100], ["科技下乡", "9月20日", 50]],
        "Sheet3": [header, ["五月的讲座", "5月21日", 400], ["五月的展览", "5月22日", 300]],
    })
    write_sheets(city.inbox / "双流区" / "各镇街.xlsx", {
        "汇总": [["双流区科协2023年全国科普日活动汇总表"], ["单位", "活动场次", "参与人次"], ["东升街道", 2, 999],
                 ["九江街道", 1, 50]],
        "东升街道": [header, ["科普游园", "9月18日", 150], ["科普义诊", "9月19日", 60]],
        "Sheet3": [["九江街道2023年全国科普日活动统计表"], header, ["科技下乡", "9月20日", 50]],
    })

    assert run(city.config).outcome == "published"

    totals = dict((code, (n, p)) for code, n, p in query(
        city.warehouse, "select unit_code, activities, participants from marts.unit_totals where activities > 0"))
    assert totals == {"D01T02": (3, 350), "D01T01": (2, 210)}
    repeat = query(city.warehouse, "select source_sheet, source_row, duplicate_of from core.activities "
                                   "where duplicate_of is not null and source_file = '双流区/九江街道.xlsx'")
    assert [(s, r, d.split(":", 1)[1]) for s, r, d in repeat] == [("Sheet2", 2, "活动明细:3")]
    may = query(city.warehouse, "select counted, in_window from core.activities where source_sheet = 'Sheet3' "
                                "and source_file = '双流区/九江街道.xlsx'")
    assert may == [(False, False), (False, False)]
    dates = dict(query(city.warehouse, "select activity_name, end_date - start_date from marts.activities"))
    assert dates["科普展览"] == 1

    issues = query(city.warehouse, "select code, sheet, cell, message from audit.issues")
    codes = Counter(code for code, *_ in issues)
    assert codes["sheet_outside_window"] == 1 and codes["outside_window"] == 0 and codes["forwarded_repeat"] == 1
    assert (codes["sheet_repeat"], codes["second_detail_sheet"], codes["month_inferred"]) == (1, 2, 1)
    (summary,) = [i for i in issues if i[0] == "unit_summary_differs"]
    assert summary[1:3] == ("汇总", "C3") and "东升街道!C2:C3" in summary[3] and "999" in summary[3]
    (sheet,) = [i for i in issues if i[0] == "sheet_outside_window"]
    assert sheet[1:3] == ("Sheet3", "B2") and "2023-05-21至2023-05-22" in sheet[3]
