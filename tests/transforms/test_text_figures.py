"""Figures read from a narrative report's sentences (transforms.text_figures, SPEC §3.13): the nine real summaries
of the seeds, each with every figure a careful reader takes from it — form, measure, value, approximate — and
nothing invented from placeholders, dates, ordinals or other numbers; then one habit of the writers per case."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kepu.transforms.text_figures import narrative_identity, read_text, records, sentences
from tests.fixtures.narratives import SEEDS, paragraphs

# (form, measure, value, approximate); form None: a whole-unit figure or a total
EXPECTED: dict[int, list[tuple[str | None, str, int, bool]]] = {
    1: [],  # 受益居民20xx余人: a placeholder; 四个科普宣传一条街, 一是/二是: words
    2: [],  # x月xx日, xxx余人, xxxx余份, 约xxx人次, xx余名, xxx余份, x个镇: placeholders all
    3: [],  # 1、2、… list numbers; 五名佼佼者: a word
    4: [],  # 三个方面, 2、3、 headings
    5: [],  # 五区四县, 六个一
    6: [  # 「据不完全统计…全市共开展…」 (第23段) is the city's overall statement; the events told before it are its parts
        ("讲座报告", "activities", 6, False),
        ("讲座报告", "participants", 4000, True),
        ("培训", "activities", 13, True),
        ("培训", "participants", 3000, True),
        ("展览展示", "activities", 10, False),
        (None, "boards", 300, True),
        (None, "materials", 10000, True),
        ("科技下乡", "activities", 15, False),
        ("科技下乡", "participants", 6000, True),
    ],
    7: [],  # 20\_\_年, 20个电子科普画廊, 第四届, 32个项目, 27项, 112项, 人均0.5元, 3.4%, 6.9%, 17%, 两次
    8: [],  # 20xx年
    9: [],  # xx年上半年, 1、4、5、7、8、
}


def _said(figures) -> list[tuple]:
    return [(f.form, f.measure, f.value, f.approximate) for f in figures]


@pytest.mark.parametrize("n", sorted(SEEDS))
def test_every_figure_a_careful_reader_takes_from_the_seed_summaries(n):
    reading = read_text(paragraphs(n))
    assert _said(reading.figures) == EXPECTED[n]
    assert not reading.exceeded


@pytest.mark.parametrize("n", sorted(SEEDS))
def test_nothing_is_invented_from_placeholders_dates_ordinals_or_other_numbers(n):
    reading = read_text(paragraphs(n))
    for figure in (*reading.figures, *reading.parts_not_added):
        assert figure.written in figure.sentence
        assert not any(c in figure.written for c in "xX_＿\\%％年月日号届个项"), figure
        start = figure.sentence.index(figure.written)
        assert figure.sentence[max(start - 1, 0):start] not in ("第", "均"), figure


def test_the_seed_with_an_overall_statement_counts_it_once_and_its_parts_not_again():
    reading = read_text(paragraphs(6))
    assert {f.paragraph for f in reading.figures} == {23}
    # the events told before the statement are in its totals: 500 leaflets here, 150 patients there…
    assert ("materials", 500) in [(f.measure, f.value) for f in reading.parts_not_added]
    assert sum(f.value for f in reading.figures if f.measure == "materials") == 10000
    by_type = {r.activity_type: (r.values, r.approximate) for r in records(reading)}
    assert by_type == {
        "讲座报告": ({"activities": 6, "participants": 4000}, {"activities": False, "participants": True}),
        "培训": ({"activities": 13, "participants": 3000}, {"activities": True, "participants": True}),
        "展览展示": ({"activities": 10}, {"activities": False}),
        "未分项": ({"boards": 300, "materials": 10000}, {"boards": True, "materials": True}),
        "科技下乡": ({"activities": 15, "participants": 6000}, {"activities": False, "participants": True}),
    }
    assert all(r.paragraph == 23 and "全市共" in r.sentence for r in records(reading))


def test_sentences_split_on_full_stops_semicolons_exclamations_and_line_ends():
    said = sentences(["一是开展讲座。二是举办培训；三是展览！", "第二段\n第三行"])
    assert [(s.paragraph, s.text) for s in said] == [
        (1, "一是开展讲座。"), (1, "二是举办培训；"), (1, "三是展览！"), (2, "第二段"), (2, "第三行")]


@pytest.mark.parametrize("text", [
    "受益居民20xx余人。", "x月xx日，活动现场共xxx余人参加。", "发放各类科普资料共计xxxx余份，吸引了群众约xxx人次。",
    "20\\_\\_年在全市建立起20个电子科普画廊。", "我区的科普经费目前已基本达到了人均0.5元的标准。",
    "我市公民具备基本科学素养的只占3.4%。", "在大连市第四届中小学科技节，我区参加了全部32个项目的比赛。",
    "一是成立了领导小组。", "区委常委会每年至少两次听取科普工作的汇报。", "9月14日—9月20日，市科协开展了活动。",
    "以丹科协[20xx]13号文件向全市20个镇下发了通知。", "省级奖励27项，市级奖励112项。", "我们在每个班中选出了五名佼佼者。",
])
def test_placeholders_dates_ratios_ranks_and_words_are_no_figures(text):
    reading = read_text([text])
    assert reading.figures == [] and reading.unclear == []


@pytest.mark.parametrize("text, expected", [
    ("开展科普讲座3场，听众约500人。", [("讲座报告", "activities", 3, False), ("讲座报告", "participants", 500, True)]),
    ("举办实用技术培训班近20期，培训农民1.2万人次。",
     [("培训", "activities", 20, True), ("培训", "participants", 12000, False)]),
    ("组织义诊咨询活动2次，服务群众两百余人。", [("义诊咨询", "activities", 2, False), ("义诊咨询", "participants", 200, True)]),
    ("出动科普志愿者80余名，发放宣传资料3000份，展出展板20块，媒体报道5篇，投入经费1.5万元。",
     [(None, "volunteers", 80, True), (None, "materials", 3000, False), (None, "boards", 20, False),
      (None, "media_reports", 5, False), (None, "funding_wan", Decimal("1.5"), False)]),
    ("活动经费3000元。", [(None, "funding_wan", Decimal("0.3"), False)]),
    ("开展科普活动12场次，参与群众近千人。", [(None, "activities", 12, False), (None, "participants", 1000, True)]),
])
def test_each_figure_with_its_form_measure_and_approximate_flag(text, expected):
    assert _said(read_text([text]).figures) == expected


def test_a_figure_whose_measure_is_unclear_is_quoted_never_guessed():
    reading = read_text(["回收调查问卷200份，组织学员收看科普视频300余次，到场400人。"])
    assert reading.figures == []
    assert [u.written for u in reading.unclear] == ["200份", "300余次", "400人"]
    assert {u.sentence for u in reading.unclear} == {"回收调查问卷200份，组织学员收看科普视频300余次，到场400人。"}


def test_an_overall_total_with_its_parts_leaves_the_rest_unitemized_and_adds_nothing_twice():
    text = ["白沙镇2023年全国科普日活动总结",
            "科普日期间，全镇共开展科普活动20场次，参与群众约5000人次。其中举办科普讲座4场次，听众600余人；开展义诊咨询2次，服务群众300人。",
            "9月16日，镇科协在文化广场举办科普讲座，300人参加。"]
    reading = read_text(text)
    by_type = {r.activity_type: r.values for r in records(reading)}
    assert by_type == {"讲座报告": {"activities": 4, "participants": 600},
                       "义诊咨询": {"activities": 2, "participants": 300},
                       "未分项": {"activities": 14, "participants": 4100}}
    assert sum(v.get("activities", 0) for v in by_type.values()) == 20
    assert [(f.form, f.measure, f.value) for f in reading.parts_not_added] == [("讲座报告", "participants", 300)]


def test_parts_saying_more_than_their_total_are_counted_as_parts_and_flagged():
    reading = read_text(["全县共开展科普活动5场次，其中科普讲座4场次，科普展览3场次。"])
    by_type = {r.activity_type: r.values for r in records(reading)}
    assert by_type == {"讲座报告": {"activities": 4}, "展览展示": {"activities": 3}}
    assert reading.exceeded == [("activities", 5, 7)]


def test_without_an_overall_statement_every_sentence_counts_and_a_form_adds_up():
    reading = read_text(["9月16日举办科普讲座1场，听众120人。", "9月18日举办科普讲座1场，听众80人。", "发放资料500份。"])
    by_type = {r.activity_type: r.values for r in records(reading)}
    assert by_type == {"讲座报告": {"activities": 2, "participants": 200}, "未分项": {"materials": 500}}


def test_the_title_and_the_signature_block_say_who_wrote_it_and_when():
    found = narrative_identity(["白沙镇2023年全国科普日活动总结", "全镇共开展科普讲座6场次。", "白沙镇科协", "2023年9月25日"], 2023)
    assert found.title == (1, "白沙镇2023年全国科普日活动总结")
    assert found.signed_by == (3, "白沙镇科协")
    assert found.signed_on is not None and found.signed_on[:2] == (4, "2023年9月25日")
    assert str(found.signed_on[2]) == "2023-09-25"
    assert narrative_identity(paragraphs(6), 2023).title is None


def test_the_situation_paragraph_says_which_figures_were_read_from_a_summary():
    import pandas as pd

    from kepu.transforms.narrative import situation_paragraph, text_sources

    activities = pd.DataFrame({"unit_name": ["白沙镇", "白沙镇", "洛带镇", "东升街道"], "from_text": [True, True, True, False],
                               "source_row": [3, 5, 2, 7]})
    sources = text_sources(activities)
    assert sources == [("洛带镇", 2), ("白沙镇", 3)]
    city = {"activities": 10, "participants": 500, "units_expected": 2, "units_reported": 2}
    types = pd.DataFrame({"activity_type": ["讲座报告"], "activities": [10], "participants": [500]})
    text = situation_paragraph("2023年全国科普日", city, types, from_text=sources)
    assert text.endswith("以上数字中，有据单位文字总结读出的：据洛带镇总结（第2段）、据白沙镇总结（第3段），未经逐项核实。")
    assert "总结" not in situation_paragraph("2023年全国科普日", city, types)


def test_a_paragraph_is_cited_where_a_cell_would_be():
    from kepu.deliverables.tables import cell_ref

    assert cell_ref("正文", "第3段") == "据总结（第3段）"
    assert cell_ref("活动明细", "I12") == "活动明细!I12"


def test_a_whole_unit_figure_the_overall_statement_omits_is_read_where_the_text_states_it_once():
    reading = read_text(["全镇共开展科普讲座4场次，听众600余人。", "发放科普资料2000余份，出动志愿者40名。",
                         "9月18日义诊现场有志愿者10名。"])
    said = {(f.measure, f.value) for f in reading.figures}
    assert ("materials", 2000) in said and not any(m == "volunteers" for m, _ in said)
    assert [(m, [f.value for f in figures]) for m, figures in reading.ambiguous] == [("volunteers", [40, 10])]


def test_the_seed_tells_its_volunteers_twice_and_they_are_not_guessed():
    reading = read_text(paragraphs(6))
    assert [(m, [f.value for f in figures]) for m, figures in reading.ambiguous] == [("volunteers", [2000, 2000])]


def test_visitors_after_an_exhibition_count_are_the_exhibitions_even_when_their_clause_says_参观():
    reading = read_text(["9月18日，街道在社区广场举办科普展览1场，展出展板30块，参观群众800余人。"])
    assert _said(reading.figures) == [("展览展示", "activities", 1, False), (None, "boards", 30, False),
                                      ("展览展示", "participants", 800, True)]


def test_each_counted_figure_is_cited_by_its_paragraph_and_phrase_and_a_total_is_marked():
    """What `kepu decide correct_value` cites (第3段“听众600余人”) and the rules change: every figure a record counts,
    with its measure and value as written; the overall total's figure marked, its parts not."""
    text = ["洛带镇2023年全国科普日活动总结",
            "全镇共开展科普活动12场次，参与群众约3000人次。其中举办科普讲座4场次，听众600余人；送科技下乡2场次，参与群众500人。",
            "发放科普资料2000余份，出动志愿者40名。"]
    phrases = {r.activity_type: r.phrases for r in records(read_text(text))}
    assert phrases == {
        "讲座报告": {"第2段“其中举办科普讲座4场次”": "activities:4", "第2段“听众600余人”": "participants:600"},
        "科技下乡": {"第2段“送科技下乡2场次”": "activities:2", "第2段“参与群众500人”": "participants:500"},
        "未分项": {"第3段“发放科普资料2000余份”": "materials:2000", "第3段“出动志愿者40名”": "volunteers:40",
                "第2段“全镇共开展科普活动12场次”": "activities:12:total",
                "第2段“参与群众约3000人次”": "participants:3000:total"},
    }
