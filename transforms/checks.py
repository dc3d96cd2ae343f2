"""The one check kepu makes while it reads a table (SPEC §3.3): a 合计 or 小计 row against the sum of the rows
above it, called by transforms.detail, where the rows' exact amounts (3850元 before it becomes 0.39万元) and
the 小计 blocks are known.

Every other check beyond one cell runs over the whole campaign as SQL, one file per check in
warehouse/sql/core/checks/ (the window, 汇总表 against the details, volunteers beyond participants, values far
outside their activity form, ×10 against the previous campaign, joint activities); their thresholds are data in
kepu.schemas.rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kepu.schemas.issues import Issue, make_issue
from kepu.schemas.synonyms import DETAIL_FIELD
from kepu.schemas.vocabulary import MONEY_METRIC

CENT = Decimal("0.01")


# ------------------------------------------------------------------------------- while reading


@dataclass(frozen=True, slots=True)
class StatedTotal:
    """A figure a 合计 or 小计 row states (in 万元 for money, exact), the cell it stands in, as written."""

    value: Decimal
    cell: str
    raw: str


def total_row_mismatches(sheet: str, row_number: int, stated: Mapping[str, StatedTotal],
                         rows: Sequence[Mapping[str, Decimal | None]], *, below: bool = False) -> list[Issue]:
    """A warning for each figure of a 合计/小计 row that is not the sum of `rows`, the exact figures of the
    rows it totals (None where a row has none): the rows above it, or `below` it for a 合计 written directly
    under the header. Money is compared to the 分 of 万元 after summing, so 3850元 + 3850元 matches a 合计 of
    7700元 although each row counts as 0.39万元."""
    issues = []
    for metric, total in stated.items():
        computed = sum((r[metric] for r in rows if r.get(metric) is not None), Decimal(0))
        reported = total.value
        if metric == MONEY_METRIC:
            reported, computed = _cents(reported), _cents(computed)
        if reported != computed:
            issues.append(make_issue(
                "total_row_mismatch", sheet=sheet, cell=total.cell, raw=total.raw, row=row_number,
                label=DETAIL_FIELD[metric].header, reported=reported, computed=computed,
                where="下方" if below else "上方"))
    return issues


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
