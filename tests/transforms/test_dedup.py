"""Joint activities: when two names are the same event's (the rules themselves run in test_core)."""

from __future__ import annotations

import pytest

from kepu.transforms.dedup import same_event_name


@pytest.mark.parametrize("a, b, same", [
    ("2023年全国科普日双流区主场活动", "全国科普日双流区主场宣传活动", True),
    ("“节约能源资源 保护生态环境”科普讲座", "节约能源资源保护生态环境科普讲座", True),
    ("第十届青少年科技创新大赛", "第10届青少年科技创新大赛", True),
    ("科普讲座：垃圾分类", "科普讲座：防溺水", False),
    ("全国科普日启动仪式", "全国科普日主场活动", False),
    ("老科协专家义诊", "健康科普讲座", False),
])
def test_event_name_similarity(a, b, same):
    assert same_event_name(a, b) is same
