"""The plausibility bounds of `bounds.toml` (SPEC §3.7), loaded once and exposed as plain Python data: the
largest figure one activity can plausibly report per measure and activity form, and the thresholds of the
checks for money in the wrong unit and for totals that cannot be. The warehouse renders them into the SQL of
warehouse/sql/core/checks; the tests and the README read them from here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kepu.schemas.errors import ConfigError
from kepu.schemas.synonyms import SYNONYMS

BOUNDS_PATH = Path(__file__).with_name("bounds.toml")

BOUNDED_MEASURES = ("participants", "volunteers", "materials", "boards", "media_reports", "funding_wan")
"""The measures of one detail row that have a bound (every metric: vocabulary.METRICS)."""


@dataclass(frozen=True, slots=True)
class Bounds:
    default: dict[str, float]
    forms: dict[str, dict[str, float]]
    whole_yuan_from: float
    money_like_from: float
    exhibition_forms: tuple[str, ...]
    boards_without_exhibition: int
    boards_per_activity_without_exhibition: float
    shifted_min_rows: int
    same_column_min_rows: int

    def bound(self, activity_type: str, measure: str) -> float:
        """The bound of `measure` for one activity of `activity_type` (the form's own, else the default)."""
        return self.forms.get(activity_type, {}).get(measure, self.default[measure])

    def overrides(self, measure: str) -> list[tuple[str, float]]:
        """(activity_type, bound) of the forms with a bound of their own for `measure`."""
        return [(form, own[measure]) for form, own in self.forms.items() if measure in own]

    def table(self) -> list[tuple[str, str, float]]:
        """(activity_type, measure, bound) for every form with a bound of its own, and ('', measure, bound)
        for the defaults: what the checks join on."""
        rows = [("", m, self.default[m]) for m in BOUNDED_MEASURES]
        rows += [(form, m, v) for form, own in self.forms.items() for m, v in own.items()]
        return rows


@cache
def load_bounds(path: Path = BOUNDS_PATH) -> Bounds:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    default = {m: float(data["default"][m]) for m in BOUNDED_MEASURES}
    forms = {form: {m: float(v) for m, v in own.items()} for form, own in data.get("forms", {}).items()}
    for form, own in forms.items():
        if form not in SYNONYMS.activity_types:
            raise ConfigError(f"{path.name}：活动形式“{form}”不在规定类别中（{'、'.join(SYNONYMS.activity_types)}）")
        unknown = set(own) - set(BOUNDED_MEASURES)
        if unknown:
            raise ConfigError(f"{path.name}：“{form}”下的指标{sorted(unknown)}未知，可用：{'、'.join(BOUNDED_MEASURES)}")
    exhibition = tuple(data["exhibition"]["forms"])
    for form in exhibition:
        if form not in SYNONYMS.activity_types:
            raise ConfigError(f"{path.name}：[exhibition] 中的活动形式“{form}”不在规定类别中")
    return Bounds(
        default=default,
        forms=forms,
        whole_yuan_from=float(data["money"]["whole_yuan_from"]),
        money_like_from=float(data["money"]["money_like_from"]),
        exhibition_forms=exhibition,
        boards_without_exhibition=int(data["exhibition"]["boards_without"]),
        boards_per_activity_without_exhibition=float(data["exhibition"]["boards_per_activity"]),
        shifted_min_rows=int(data["shifted"]["min_rows"]),
        same_column_min_rows=int(data["same_column"]["min_rows"]),
    )


BOUNDS = load_bounds()
