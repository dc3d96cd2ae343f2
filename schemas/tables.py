"""One pandera model per core and audit table: the checks a frame must pass before it is loaded.

A run validates every frame between layers; a failure raises ValidationFailed and nothing is
published. Columns holding dates, decimals and lists are Python objects in the frames.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors
from pandera.typing import Series

from kepu.schemas.errors import ValidationFailed
from kepu.schemas.issues import CATALOGUE
from kepu.schemas.vocabulary import (
    ACTIVITY_TYPES,
    COUNTED_STATUSES,
    METRICS,
    PARAGRAPH_CITATION,
    SEVERITIES,
    SUBMISSION_ROLE_LABELS,
    SUBMISSION_STATUSES,
    TEXT_SHEET,
    UNIT_TYPES,
    UNITEMIZED_TYPE,
)


def _non_negative_or_null(series: pd.Series) -> pd.Series:
    return series.map(lambda v: v is None or pd.isna(v) or v >= 0)


class Units(pa.DataFrameModel):
    """core.units: one row per registered reporting unit."""

    unit_code: Series[str] = pa.Field(unique=True)
    unit_name: Series[str] = pa.Field(str_length={"min_value": 1})
    unit_type: Series[str] = pa.Field(isin=UNIT_TYPES)
    expected: Series[bool]
    district_code: Series[str]
    district_name: Series[str]


class Submissions(pa.DataFrameModel):
    """core.submissions: one row per received file of the campaign and unit (a forwarded table has one more for
    each unit it credits rows to, SPEC §3.10)."""

    campaign_id: Series[str]
    file_sha256: Series[str] = pa.Field(str_length={"min_value": 64, "max_value": 64})
    file_path: Series[str]
    status: Series[str] = pa.Field(isin=SUBMISSION_STATUSES)
    is_current: Series[bool]
    role: Series[str] = pa.Field(isin=tuple(SUBMISSION_ROLE_LABELS))
    counted_rows: Series[int] = pa.Field(ge=0, coerce=True)
    rejected_rows: Series[int] = pa.Field(ge=0, coerce=True)

    @pa.dataframe_check(error="a file has two rows for one unit, or more than one row of its own")
    def one_row_per_file_and_unit(cls, df: pd.DataFrame) -> bool:
        own = df["forwarded_by"].isna() if "forwarded_by" in df else pd.Series(True, index=df.index)
        return bool(not df.duplicated(["file_sha256", "unit_code"]).any()
                    and not df.loc[own, "file_sha256"].duplicated().any())

    @pa.dataframe_check(error="a unit has more than one current version")
    def one_current_per_unit(cls, df: pd.DataFrame) -> bool:
        current = df[df["is_current"] & (df["role"] == "version")]
        return not current["unit_code"].duplicated().any()

    @pa.dataframe_check(error="a current supplement does not add to its unit's current version")
    def current_supplements_add_to_the_current_version(cls, df: pd.DataFrame) -> bool:
        current = df[df["is_current"]]
        versions = set(zip(current.loc[current["role"] == "version", "unit_code"],
                           current.loc[current["role"] == "version", "file_sha256"]))
        added = current[current["role"].isin(("supplement", "forwarded"))]
        return all(pair in versions for pair in zip(added["unit_code"], added["supplements"]))

    @pa.dataframe_check(error="a current submission is not accepted or partial, or has no unit")
    def current_is_countable(cls, df: pd.DataFrame) -> bool:
        current = df[df["is_current"]]
        return bool(current["status"].isin(COUNTED_STATUSES).all() and current["unit_code"].notna().all())


class Activities(pa.DataFrameModel):
    """core.activities: one row per detail row, or one unitemized record per summary-only submission."""

    activity_id: Series[str] = pa.Field(unique=True)
    campaign_id: Series[str]
    file_sha256: Series[str]
    activity_type: Series[str] = pa.Field(isin=(*ACTIVITY_TYPES, UNITEMIZED_TYPE))
    activity_count: Series[int] = pa.Field(ge=0, coerce=True)
    row_status: Series[str] = pa.Field(isin=("ok", "rejected"))
    counted: Series[bool]
    in_window: Series[bool]

    @pa.dataframe_check(error="a metric is negative")
    def metrics_non_negative(cls, df: pd.DataFrame) -> bool:
        return bool(all(_non_negative_or_null(df[c]).all() for c in METRICS))

    @pa.dataframe_check(error="a counted row lacks its name or start date")
    def counted_rows_complete(cls, df: pd.DataFrame) -> bool:
        """Participants may be empty on a counted row: the rows under a merged participants cell share
        the figure written once in its first row."""
        rows = df[df["counted"] & ~df["is_unitemized"]]
        return bool(rows["activity_name"].notna().all() and rows["start_date"].notna().all())

    @pa.dataframe_check(error="funding_wan has more than 2 decimal places")
    def funding_two_places(cls, df: pd.DataFrame) -> bool:
        return bool(df["funding_wan"].map(
            lambda v: v is None or pd.isna(v) or Decimal(v).as_tuple().exponent >= -2).all())


class Issues(pa.DataFrameModel):
    """audit.issues: one row per problem and place."""

    campaign_id: Series[str]
    severity: Series[str] = pa.Field(isin=SEVERITIES)
    code: Series[str] = pa.Field(isin=tuple(CATALOGUE))
    message: Series[str] = pa.Field(str_length={"min_value": 1})

    @pa.dataframe_check(error="a cited cell is not an A1 address (nor a 总结's paragraph, 第N段)")
    def cells_are_a1(cls, df: pd.DataFrame) -> bool:
        cited = df[df["cell"].notna()]
        cells = cited["cell"].astype(str)
        in_text = cited["sheet"].astype(str) == TEXT_SHEET if "sheet" in cited else False
        return bool((cells.str.fullmatch(r"[A-Z]{1,3}[1-9][0-9]*")
                     | (in_text & cells.str.fullmatch(PARAGRAPH_CITATION))).all())


def validate(model: type[pa.DataFrameModel], frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """`frame` checked against `model`; raises ValidationFailed naming the table and the first failures."""
    if frame.empty:
        return frame
    try:
        return model.validate(frame, lazy=True)
    except (SchemaErrors, SchemaError) as exc:
        cases = getattr(exc, "failure_cases", None)
        detail = cases.head(5).to_string() if cases is not None else str(exc)
        raise ValidationFailed(f"{table} 未通过校验，本次运行未发布任何数据：\n{detail}") from exc
