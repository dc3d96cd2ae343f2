"""The only ways text reaches SQL other than as a bound parameter (`?`, `$name`).

Values that come from outside — cell texts, file names, unit names, paths, anything a submission or a
registry holds — are always bound parameters. What SQL is built from is kepu's own: table, view and column
names, the codes of its vocabulary. Even those pass through here, so that string-built SQL has exactly one
shape: `identifier()` refuses anything that is not a plain lower-case name (no quote, space, semicolon,
comment or non-ASCII letter can get through), `literal()` quotes a constant the way SQL does.
`tests/warehouse/test_sql_injection.py` reads the source of every module and fails on SQL built any other
way.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?")


def identifier(name: str) -> str:
    """`name` (`table`, `schema.table`, a column) when it is a plain SQL name kepu could own, else ValueError."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not an identifier kepu owns: {name!r}")
    return name


def identifiers(names: Iterable[str]) -> str:
    """Several names as a select list: `a, b, c`."""
    return ", ".join(identifier(n) for n in names)


def columns_or_nulls(names: Iterable[str], present: Collection[str]) -> str:
    """A select list of `names`, each read as null where an older warehouse lacks the column (`present` are
    the columns it has)."""
    return ", ".join(identifier(n) if n in present else f"null as {identifier(n)}" for n in names)


def literal(value: str) -> str:
    """A constant of kepu's own as an SQL string literal: `'on_time'` (a quote doubled, as SQL does)."""
    return "'" + str(value).replace("'", "''") + "'"


def literals(values: Iterable[str]) -> str:
    """Constants as an SQL list: `('accepted', 'partial')` — one element or none alike (a Python tuple's repr
    would write `('a',)` and `()`)."""
    items = [literal(v) for v in values]
    return "(" + ", ".join(items) + ")" if items else "(null)"
