"""The 催报 of a held unit, from tiny inline marts: it says what was found in the unit's file, names the file as
the unit sent it, and asks the unit to read its 回执 only when the 回执 is attached."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from kepu.deliverables.notices import chase_notices
from kepu.deliverables.receipts import Receipt
from kepu.schemas.vocabulary import Campaign
from kepu.transforms.notice_text import Signature, chase_notice
from kepu.warehouse.queries import Marts

CAMPAIGN = Campaign("2023-science-day", "2023年全国科普日", date(2023, 9, 17), date(2023, 9, 23), date(2023, 9, 28))
SIGN = Signature("江源市科学技术协会", "0833-1234567")
PDF_MESSAGE = "该文件实为PDF 文档，不是电子表格，请提交 xlsx、xls、ods、et 或 csv 格式的报表。"


def held_marts() -> Marts:
    empty = pd.DataFrame()
    chase = pd.DataFrame([
        {"unit_code": "T1", "unit_name": "东升街道", "district_name": "双流区科协", "status": "held",
         "file_path": "双流区/东升街道.pdf", "held_reason": "rejected"},
        {"unit_code": "T2", "unit_name": "九江街道", "district_name": "双流区科协", "status": "missing",
         "file_path": None, "held_reason": None}])
    submissions = pd.DataFrame([{"unit_code": "T1", "file_sha256": "p", "status": "rejected",
                                 "received_at": pd.Timestamp("2023-09-20 10:00")}])
    issues = pd.DataFrame([{"file_sha256": "p", "severity": "error", "code": "file_not_spreadsheet",
                            "raw_value": "PDF 文档", "row_number": None, "message": PDF_MESSAGE}])
    return Marts(city=empty, districts=empty, types=empty, units=empty, activities=empty, completeness=empty,
                 completeness_by_district=empty, chase_list=chase, year_over_year=empty, issues=issues,
                 submissions=submissions, files=empty, runs=empty)


def receipt_of(code: str) -> Receipt:
    return Receipt(code, "东升街道", "回执", (), "", (), "", (), "", ())


def test_a_held_units_chase_says_why_and_names_the_file_as_the_unit_sent_it():
    held, missing = chase_notices(held_marts(), CAMPAIGN, {}, SIGN, date(2023, 9, 30))

    assert held.subject == "2023年全国科普日报表待核实：东升街道"
    assert f"《东升街道.pdf》，但未能计入全市汇总：{PDF_MESSAGE}" in held.body
    assert "双流区/" not in held.body
    assert "附件" not in held.body and held.attachments == (), "no 回执 attached: none is mentioned"
    assert "请按上述说明修正后重新报送" in held.body
    assert missing.subject == "2023年全国科普日报表催报：九江街道" and "附件" not in missing.body


def test_a_held_units_chase_carries_its_receipt_and_only_then_asks_to_read_it(tmp_path):
    path = tmp_path / "东升街道.xlsx"
    path.write_bytes(b"receipt")
    receipt = receipt_of("T1")

    held, _ = chase_notices(held_marts(), CAMPAIGN, {}, SIGN, date(2023, 9, 30), {"T1": (receipt, path)})

    (attached,) = held.attachments
    assert attached.filename == "2023年全国科普日回执_东升街道.xlsx" and Path(attached.path) == path
    assert "请核对附件《2023年全国科普日回执_东升街道.xlsx》所列问题" in held.body
    assert held.content_key == receipt.digest, "a changed 回执 makes a new 催报"


def test_chase_wording_mentions_an_attachment_only_when_there_is_one():
    _, without = chase_notice(CAMPAIGN, "东升街道", "held", "东升街道.xlsx", "文件设有打开密码，无法读取，请去除密码后重新报送。",
                              True, SIGN)
    _, with_receipt = chase_notice(CAMPAIGN, "东升街道", "held", "东升街道.xlsx", None, True, SIGN, attachment="回执.xlsx")

    assert "去除密码后重新报送。" in without and "附件" not in without and "回执" not in without
    assert "请核对附件《回执.xlsx》所列问题" in with_receipt and "文件无法处理" in with_receipt
