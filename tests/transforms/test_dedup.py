"""Joint activities: the keys the rule compares (the rule itself runs as SQL: tests/flows/test_joint.py).
Vectorised keys equal the one-value rules on any text; organizer and partner texts name units part by part;
and which names count as nearly equal, through the rule's own SQL predicate."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kepu.schemas.rules import NAME_SIMILARITY
from kepu.transforms.dedup import name_key, name_keys, unit_mentions, venue_key, venue_keys
from kepu.transforms.identity import UnitIndex
from kepu.transforms.units import build_units

TEXT = st.text(st.sampled_from(list("科普讲座活动社区村委会广场第十届2023年０１２ＡＢａｂ（）()“”\"'、，,. -—\u3000\t/")),
               max_size=24)


@given(st.lists(TEXT, max_size=12))
def test_vectorised_keys_equal_the_one_value_rules(texts):
    names = dict(zip(*name_keys(pd.Series(texts, dtype="object")).to_dict("list").values()))
    venues = dict(zip(*venue_keys(pd.Series(texts, dtype="object")).to_dict("list").values()))
    for text in texts:
        if text:
            assert names[text] == name_key(text)
            assert venues[text] == venue_key(text)


@pytest.mark.parametrize("text, key", [
    ("2023年第十届“科普活动”讲座（Ａ）", "科普活动讲座a"),
    ("  科普知识讲座 ", "科普知识讲座"),
])
def test_a_name_key_drops_year_edition_quotes_and_spaces(text, key):
    assert name_key(text) == key


def test_a_venue_key_drops_a_leading_preposition():
    assert venue_key("在 村委会") == venue_key("村委会") == "村委会"


UNITS = build_units([
    {"unit_code": "D01", "unit_name": "双流区科协", "unit_type": "district", "parent_code": "", "aliases": "双流区",
     "expected": "true"},
    {"unit_code": "D01T01", "unit_name": "东升街道", "unit_type": "street", "parent_code": "D01",
     "aliases": "东升街道办事处", "expected": "true"},
    {"unit_code": "X01", "unit_name": "江源市医学会", "unit_type": "society", "parent_code": "", "aliases": "",
     "expected": "false"},
])


def test_organizer_and_partner_texts_name_units_by_name_alias_or_code():
    texts = pd.Series(["双流区科协、东升街道办事处", "D01T01", "区卫健局", "江源市医学会 双流区", None, ""])
    found = unit_mentions(texts, UnitIndex(UNITS)).sort_values(["text", "unit_code"])
    assert found.values.tolist() == [
        ["D01T01", "D01T01"],
        ["双流区科协、东升街道办事处", "D01"], ["双流区科协、东升街道办事处", "D01T01"],
        ["江源市医学会 双流区", "D01"], ["江源市医学会 双流区", "X01"],
    ]


@pytest.mark.parametrize("a, b, same", [
    ("2023年全国科普日双流区主场活动", "全国科普日双流区主场宣传活动", True),
    ("“节约能源资源 保护生态环境”科普讲座", "节约能源资源保护生态环境科普讲座", True),
    ("第十届青少年科技创新大赛", "第10届青少年科技创新大赛", True),
    ("科普大篷车进社区", "科普大篷车进社区活动", True),
    ("科普讲座：垃圾分类", "科普讲座：防溺水", False),
    ("全国科普日启动仪式", "全国科普日主场活动", False),
    ("老科协专家义诊", "健康科普讲座", False),
])
def test_which_names_are_nearly_equal(a, b, same):
    """The predicate of warehouse/sql/core/rules/joint_pairs.sql on the names' keys."""
    x, y = name_key(a), name_key(b)
    similarity = duckdb.connect().execute(
        "select 1 - levenshtein($x, $y) / greatest(length($x), length($y))", {"x": x, "y": y}).fetchone()[0]
    assert (x == y or similarity >= NAME_SIMILARITY) is same
