"""Joint activities (SPEC §3.5): the comparison keys the rule joins on, as pure functions.

The rule itself is a join in the warehouse (warehouse/sql/core/rules/joint_*.sql): two counted rows of two
units' current versions are one event only with evidence — the same start date, venues equal after
normalisation (or one containing the other), names equal or nearly so (schemas.rules.NAME_SIMILARITY), and
one row's organizer or partners naming the other unit. What it joins on is computed here, once per distinct
text, vectorised:

- `name_keys` — an event name as compared: NFKC, lower case, no spaces, quotes or punctuation, no leading
  year (「2023年」) and no 第X届;
- `venue_keys` — a venue as compared: NFKC, lower case, no spaces or punctuation, no leading 在/于;
- `unit_mentions` — which registered unit an organizer or partner text names, part by part
  (「双流区科协、东升街道办事处」 names D01 and D01T01), by code, name or alias as identity matches them.

`name_key` and `venue_key` are the same rules for one value; the vectorised forms must agree with them
(tests check it on generated text).
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from kepu.transforms.identity import PUNCTUATION, UnitIndex

_YEAR = re.compile(r"^(?:20\d{2}|19\d{2})年(?:度)?")
_EDITION = re.compile(r"第[0-9一二三四五六七八九十百零〇两]+届")
_VENUE_NOISE = re.compile(r"^(?:在|于)")
PART_SEPARATORS = re.compile(r"[、，,;；/／\s]+")
"""What separates the units an organizer or partner cell lists (「双流区科协、东升街道」)."""


def name_key(name) -> str:
    text = unicodedata.normalize("NFKC", str(name or "")).lower()
    text = PUNCTUATION.sub("", text)
    text = _YEAR.sub("", text)
    return _EDITION.sub("", text)


def venue_key(venue) -> str:
    text = unicodedata.normalize("NFKC", str(venue or "")).lower()
    return _VENUE_NOISE.sub("", PUNCTUATION.sub("", text))


def _normalized(texts: pd.Series) -> pd.Series:
    """NFKC and lower case, the first step of both keys; NFKC by the standard library (pyarrow's and Python's
    Unicode tables may differ by a version)."""
    values = texts.astype("str")
    return pd.Series([unicodedata.normalize("NFKC", v) for v in values], index=texts.index,
                     dtype="str").str.lower()


def _strip(values: pd.Series, pattern: re.Pattern) -> pd.Series:
    return values.str.replace(pattern.pattern, "", regex=True)


def name_keys(names: pd.Series) -> pd.DataFrame:
    """`text → key` for each distinct non-empty name."""
    texts = _distinct(names)
    keys = _strip(_strip(_strip(_normalized(texts), PUNCTUATION), _YEAR), _EDITION)
    return pd.DataFrame({"text": texts.to_numpy(), "key": keys.to_numpy()})


def venue_keys(venues: pd.Series) -> pd.DataFrame:
    """`text → key` for each distinct non-empty venue."""
    texts = _distinct(venues)
    keys = _strip(_strip(_normalized(texts), PUNCTUATION), _VENUE_NOISE)
    return pd.DataFrame({"text": texts.to_numpy(), "key": keys.to_numpy()})


def unit_mentions(texts: pd.Series, index: UnitIndex) -> pd.DataFrame:
    """`text → unit_code` for each registered unit a distinct organizer or partner text names: its parts
    (split at 、，;/ and spaces) matched to a code, or to exactly one unit's name or alias, after the
    normalisation identity uses. A text naming no unit has no row; one naming two has two."""
    parts = pd.DataFrame({"text": _distinct(texts)})
    parts["part"] = parts["text"].str.split(PART_SEPARATORS.pattern, regex=True)
    parts = parts.explode("part")
    parts = parts[parts["part"].notna() & (parts["part"].str.len() > 0)]
    distinct = parts["part"].drop_duplicates()
    found = pd.Series([index.by_code(p) for p in distinct], index=distinct.to_numpy(), dtype="object")
    parts["unit_code"] = parts["part"].map(found)
    named = parts.dropna(subset=["unit_code"])[["text", "unit_code"]].drop_duplicates()
    return named.reset_index(drop=True)


def _distinct(texts: pd.Series) -> pd.Series:
    values = texts.dropna().astype("str")
    return values[values.str.len() > 0].drop_duplicates().reset_index(drop=True)
