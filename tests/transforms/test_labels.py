"""Recognising what people write in header cells and in the first cells of a row."""

from __future__ import annotations

import pytest

from kepu.transforms.labels import header_field, header_in_yuan, is_footer_label, is_note_label, is_total_label


@pytest.mark.parametrize(("label", "field"), [
    ("参与人数（人次）", "participants"),
    (" 参与人数 (人次) ", "participants"),
    ("参与\n人数", "participants"),
    ("参加人数", "participants"),
    ("受众人次（人次）", "participants"),
    ("参与群众", "participants"),
    ("发放资料（份）", "materials"),
    ("发放资料/份", "materials"),
    ("展版", "boards"),
    ("展板【块】", "boards"),
    ("活动类型", "activity_type"),
    ("活动日期", "start_date"),
    ("活动时间开始", "start_date"),
    ("活动时间结束", "end_date"),
    ("经费投入(单位:元)", "funding_wan"),
    ("经费（元）", "funding_wan"),
    ("联系人", None),
    ("联系电话", None),
    ("", None),
    (None, None),
])
def test_header_field(label, field) -> None:
    assert header_field(label) == field


@pytest.mark.parametrize(("label", "yuan"), [("经费（元）", True), ("经费投入(单位:元)", True),
                                             ("经费（万元）", False), ("经费", False)])
def test_header_in_yuan(label, yuan) -> None:
    assert header_in_yuan(label) is yuan


@pytest.mark.parametrize(("text", "total"), [
    ("合计", True), ("合  计", True), ("总计：", True), ("小计", True), ("小计1", True), ("合计（9月）", True),
    ("全镇合计", True), ("本页小计", True), ("共计", True),
    ("合计划生育知识讲座", False), ("累计培训农民", False), ("科普讲座", False), ("", False), (None, False),
    (300, False),
])
def test_is_total_label(text, total) -> None:
    assert is_total_label(text) is total


@pytest.mark.parametrize(("text", "footer"), [
    ("填表人：张三", True), ("填 表 人:", True), ("审核人", True), ("联系电话：028-12345678", True),
    ("联系电话13800000000", True), ("填报日期：2023年9月25日", True), ("单位（盖章）", True),
    ("负责人培训班", False), ("联系人员培训", False), ("科普讲座", False), (None, False),
])
def test_is_footer_label(text, footer) -> None:
    assert is_footer_label(text) is footer


@pytest.mark.parametrize(("text", "note"), [
    ("注：参与人数含线上观看人次", True), ("注1.以上为估算", True), ("说明：与九江街道联合开展", True),
    ("填表说明：日期填写活动当天", True), ("注意防火安全宣传", False), ("科普讲座", False), (None, False),
])
def test_is_note_label(text, note) -> None:
    assert is_note_label(text) is note
