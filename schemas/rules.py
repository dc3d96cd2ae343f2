"""The thresholds of the rules beyond one cell, as data: the warehouse renders them into the SQL that applies
the rules (warehouse/sql/core/), the tests and the docs read them from here.

Each value is a judgement an office may want to revisit; changing one changes what is flagged or merged at
the next run (a rerun is no longer `unchanged`: the code's fingerprint changes).
"""

from __future__ import annotations

# --------------------------------------------------------------------------- joint activities, SPEC §3.5

NAME_SIMILARITY = 0.8
"""Two event names are "nearly" equal when 1 − (edit distance ÷ length of the longer) reaches this, on the
names as compared (dedup.name_key: no punctuation, quotes, leading year or 第X届). 「全国科普日双流区主场活动」
and 「全国科普日双流区主场宣传活动」 score 0.86, 「科普大篷车进社区」 and 「科普大篷车进社区活动」 0.80;
「科普讲座垃圾分类」 and 「科普讲座防溺水」 0.50. Names alone never merge anything: the rule also needs the
same day, the same venue and one unit naming the other as organizer or partner."""

MIN_CONTAINED_VENUE = 2
"""A venue counts as containing another («双流区万达广场» ⊃ «万达广场») only when the shorter one has at least
this many characters after normalisation."""

# ----------------------------------------------------------------------------------- outliers, §3.7

OUTLIER_Z = 3.5
"""Robust z-score on log(1 + x) beyond which a value is far from its activity form's distribution
(Iglewicz & Hoaglin)."""
OUTLIER_FACTOR = 5
"""…and it must also be this many times the form's median (only figures far *above* are warned: a small event is
normal, and the embarrassment that reaches the province is a figure too large): a narrow spread alone (ten lectures of
100–150 listeners) must not make 300 listeners suspicious."""
OUTLIER_MIN_ROWS = 8
"""Fewer rows of a form than this and its spread is not known well enough to call anything odd: its rows are
compared with the city-wide distribution of the measure instead (every form; at least this many rows too)."""
OUTLIER_FIELDS = ("participants", "volunteers", "materials", "boards", "media_reports", "funding_wan")

# ---------------------------------------------------------------------------- year over year, §3.7

YOY_RATIO = 10
"""A unit's total changed by this factor or more (up or down) against the previous campaign is a warning."""
YOY_FIELDS = ("activities", "participants")
