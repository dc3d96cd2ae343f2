"""A 总结 sent instead of the form, end to end (SPEC §3.13, issue #21): a town's .docx and a street's GBK .txt are
read, identified by their title and signature, counted from their sentences as unitemized records per form, shown
as such in the 活动清单, the 回执 and the 情况说明; a street that sent its form too is counted once, from the form."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook

from kepu.decisions import DecisionRefused, decide
from kepu.flows.nightly import run
from kepu.settings import load_settings
from tests.builders import activity, make_city, query, set_received
from tests.fixtures.narratives import write_docx, write_txt

pytestmark = pytest.mark.usefixtures("prefect_harness")

LUODAI = ["洛带镇2023年全国科普日活动总结",
          "今年科普日，我镇围绕主题开展了形式多样的科普活动。",
          "据不完全统计，科普日期间，全镇共开展科普活动12场次，参与群众约3000人次。其中举办科普讲座4场次，听众600余人；"
          "送科技下乡2场次，参与群众500人。",
          "发放科普资料2000余份，出动志愿者40名。",
          "洛带镇人民政府", "2023年9月22日"]
JIUJIANG = ["九江街道科普日活动情况报告", "9月18日，街道在社区广场举办科普展览1场，展出展板30块，参观群众800余人。",
            "九江街道办事处", "2023年9月21日"]


def test_summaries_sent_instead_of_the_form_are_read_counted_and_shown_as_read_from_text(tmp_path):
    city = make_city(tmp_path / "city")
    write_docx(city.inbox / "龙泉区" / "科普日工作总结.docx", LUODAI)
    (city.inbox / "双流区").mkdir(parents=True, exist_ok=True)
    write_txt(city.inbox / "双流区" / "情况报告.txt", JIUJIANG, "gbk")
    city.submit("双流区/东升街道.xlsx", "D01T01", [activity("科普讲座进社区", 18, 300)])
    write_docx(city.inbox / "双流区" / "东升街道总结.docx",
               ["东升街道2023年全国科普日活动总结", "全街道共开展科普讲座3场次，听众500人。", "东升街道", "2023年9月27日"])
    for path in city.inbox.rglob("*"):
        if path.is_file():
            set_received(path, datetime(2023, 9, 26, 10, 0))

    summary = run(city.config)
    assert summary.outcome == "published"

    units = {r[0]: r[1:] for r in query(city.warehouse, "select unit_code, activities, participants, materials,"
                                                          " volunteers, boards from marts.unit_totals")}
    assert units["D02T01"] == (12, 3000, 2000, 40, 0)
    assert units["D01T02"] == (1, 800, 0, 0, 30)
    assert units["D01T01"] == (1, 300, 0, 0, 0)  # the form counts, the 总结 does not
    types = {r[0]: r[1:] for r in query(city.warehouse, "select activity_type, activities, participants "
                                                          "from marts.type_totals")}
    assert types["讲座报告"] == (5, 900) and types["科技下乡"] == (2, 500) and types["展览展示"] == (1, 800)
    assert types["未分项"] == (6, 1900)
    completeness = dict(query(city.warehouse, "select unit_code, status from marts.completeness"))
    assert completeness["D02T01"] == "on_time" and completeness["D01T02"] == "on_time"
    reported = dict(query(city.warehouse, "select unit_code, reported_at from audit.submissions where is_current"))
    assert str(reported["D02T01"]) == "2023-09-22"

    listed = query(city.warehouse, "select unit_code, activity_type, from_text, source_cell, note from marts.activities"
                                   " where from_text order by unit_code, activity_type")
    assert {(u, t, c) for u, t, _, c, _ in listed} >= {("D02T01", "讲座报告", "第3段"), ("D01T02", "展览展示", "第2段")}
    issues = query(city.warehouse, "select unit_code, code, severity, cell from audit.issues where is_current_version")
    assert ("D02T01", "figures_from_text", "warning", "第3段") in issues
    assert ("D01T02", "figures_from_text", "warning", "第2段") in issues
    assert ("D01T01", "text_differs_from_sheet", "warning", "第2段") in issues

    out = city.root / "out" / "2023-science-day"
    statement = (out / "情况说明.md").read_text(encoding="utf-8")
    assert "据洛带镇总结（第3段）" in statement and "据九江街道总结（第2段）" in statement
    receipt = load_workbook(out / "回执" / next(p.name for p in (out / "回执").iterdir() if "洛带镇" in p.name))
    cells = [str(c.value) for sheet in receipt.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any("据总结（第3段）" in c for c in cells)

    # the office phones the town: 600 at the lectures was 650, and the 2 下乡 were 3; the 40 volunteers are not theirs
    settings = load_settings(city.config)
    with pytest.raises(DecisionRefused, match="第3段计入的数字有：.*“听众600余人”"):
        decide(settings, "correct_value", file="龙泉区/科普日工作总结.docx", cell="第3段", value="650", reason="电话核实")
    with pytest.raises(DecisionRefused, match="不是有效的参与人数"):
        decide(settings, "correct_value", file="龙泉区/科普日工作总结.docx", cell="第3段“听众600余人”", value="六百五",
               reason="电话核实")
    recorded = decide(settings, "correct_value", file="龙泉区/科普日工作总结.docx", cell="第3段“听众”",
                      value="650", reason="电话核实")
    assert "第3段“听众600余人”（讲座报告参与人数）将由600改为650" in recorded.preview
    decide(settings, "correct_value", file="龙泉区/科普日工作总结.docx", cell="第3段“送科技下乡2场次”", value="3",
           reason="电话核实")
    decide(settings, "exclude_row", file="龙泉区/科普日工作总结.docx", cell="第4段“出动志愿者40名”", reason="非本镇志愿者")
    lines = settings.decisions.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].split(",")[2] == "第3段“听众600余人”"

    assert run(city.config).outcome == "published"

    units = {r[0]: r[1:] for r in query(city.warehouse, "select unit_code, activities, participants, materials,"
                                                          " volunteers, boards from marts.unit_totals")}
    # the total stated (12 activities, 3000 people) holds: 未分项 gives what the corrected forms took
    assert units["D02T01"] == (12, 3000, 2000, 0, 0), units
    types = {r[0]: r[1:] for r in query(city.warehouse, "select activity_type, activities, participants "
                                                          "from marts.type_totals")}
    assert (types["讲座报告"], types["科技下乡"], types["未分项"]) == ((5, 950), (3, 500), (5, 1850)), types
    decided = query(city.warehouse, "select outcome, effect from audit.decisions order by line")
    assert decided == [
        ("applied", "已将总结第3段“听众600余人”的参与人数由600改为650，按更正后的数字计入"),
        ("applied", "已将总结第3段“送科技下乡2场次”的活动场次由2改为3，按更正后的数字计入"),
        ("applied", "已将总结第4段“出动志愿者40名”（志愿者人数40）排除，不计入汇总")]
