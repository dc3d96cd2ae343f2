"""The grid of cells: addresses exactly as Excel shows them, also when the data starts away from A1."""

from __future__ import annotations

import pytest

from kepu.transforms.grid import Sheet, a1, column_letter


@pytest.mark.parametrize("col, letters", [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters(col, letters):
    assert column_letter(col) == letters


def test_addresses_keep_the_original_offset():
    sheet = Sheet("活动明细", (("序号", "活动名称"),), first_row=6, first_col=2)
    assert sheet.address(0, 0) == "C7"
    assert sheet.address(0, 1) == a1(6, 3) == "D7"
