"""Layers point down only: the command line → flows → kepu's I/O packages → warehouse and transforms →
schemas. Every import of every module (also those inside functions) is checked against that order, and
every module must belong to a layer, so a new package has to say where it stands."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = {"kepu": "kepu", "kepu.flows": "flows", "kepu.schemas": "schemas", "kepu.transforms": "transforms",
                "kepu.warehouse": "warehouse"}
"""Where each part of the one `kepu` import root lives in the repository (pyproject's package-dir)."""

LAYERS: tuple[tuple[str, ...], ...] = (
    ("kepu.schemas",),
    ("kepu.transforms", "kepu.warehouse"),
    ("kepu.sources", "kepu.mail", "kepu.deliverables", "kepu.form", "kepu.settings", "kepu.terminal", "kepu.progress",
     "kepu.decisions"),
    ("kepu.flows",),
    ("kepu.console",),
    ("kepu.cli", "kepu.cli_words", "kepu.demo"),
)
"""Bottom first. A module may import from its own layer and the layers below it, with the exceptions below.
The console (`kepu console`) sits above flows: its 「立即运行」 and 签发 are the flows' own, and only the command
line starts it."""
APART = (("kepu.transforms", "kepu.warehouse"), ("kepu.warehouse", "kepu.transforms"))
"""Peers that never import each other: the pure rules know no database, the database no rules."""
ONLY_IMPORTED_BY = {"kepu.demo": ("kepu.cli", "kepu.demo"), "kepu.console": ("kepu.cli", "kepu.console"), "kepu.cli": ()}
"""The demo city is not the product: only the command line starts it, as it starts the console. Nothing imports the
command line."""
FORBIDDEN_LIBRARIES = {
    "kepu.schemas": ("duckdb", "prefect", "openpyxl", "python_calamine", "os", "shutil", "subprocess"),
    "kepu.transforms": ("duckdb", "prefect", "openpyxl", "python_calamine", "pyarrow", "os", "shutil", "subprocess",
                        "socket", "urllib", "io"),
}
"""schemas and transforms touch no file, database, network or process."""
BARE_ROOTS = ("flows", "schemas", "transforms", "warehouse")
"""What used to be imported without the `kepu.` root, and a campaign folder's `warehouse/` could shadow."""


def modules() -> dict[str, Path]:
    """Every module under the kepu root, by dotted name."""
    found = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join((package, *parts))
            if name != "kepu":
                found[name] = path
    return found


def imported(source: str, module: str) -> list[str]:
    """Every module name `source` imports, absolute, relative imports resolved against `module`."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            names.append(prefix)
            names += [f"{prefix}.{alias.name}" for alias in node.names]
    return names


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer_of(name: str) -> int | None:
    for rank, members in enumerate(LAYERS):
        if any(within(name, member) for member in members):
            return rank
    return None


def violations(module: str, source: str) -> list[str]:
    """What is wrong with the imports of `module` (an empty list when nothing is)."""
    found = []
    own = layer_of(module)
    if own is None:
        return [f"{module} belongs to no layer"]
    for target in imported(source, module):
        root = target.split(".")[0]
        if root in BARE_ROOTS:
            found.append(f"{module} imports {target} without the kepu root")
        for package, libraries in FORBIDDEN_LIBRARIES.items():
            if within(module, package) and root in libraries:
                found.append(f"{module} imports {target}, and {package} touches no file, database or process")
        if not within(target, "kepu") or target == "kepu":
            continue
        rank = layer_of(target)
        if rank is None:
            continue  # a name imported from a package (`from kepu import progress`) is checked as its module
        if rank > own:
            found.append(f"{module} (layer {own}) imports {target} (layer {rank}), a higher layer")
        for lower, higher in APART:
            if within(module, lower) and within(target, higher):
                found.append(f"{module} imports {target}: {lower} and {higher} stay apart")
        for package, importers in ONLY_IMPORTED_BY.items():
            if within(target, package) and not any(within(module, i) for i in importers):
                found.append(f"{module} imports {target}, which only {importers or 'nothing'} may import")
    return found


MODULES = modules()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    assert violations(module, MODULES[module].read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("module, source, complaint", [
    ("kepu.schemas.vocabulary", "from kepu.transforms.units import build_units", "a higher layer"),
    ("kepu.transforms.core", "def f():\n    from kepu.flows import nightly\n", "a higher layer"),
    ("kepu.warehouse.queries", "from kepu.transforms import core", "stay apart"),
    ("kepu.flows.nightly", "import kepu.demo.city", "may import"),
    ("kepu.deliverables.publish", "from kepu.cli import app", "a higher layer"),
    ("kepu.transforms.detail", "import duckdb", "touches no file"),
    ("kepu.flows.nightly", "from warehouse import loader", "without the kepu root"),
    ("kepu.sources.books", "from ..flows import nightly", "a higher layer"),
    ("kepu.flows.schedule", "from kepu.console import app", "a higher layer"),
    ("kepu.deliverables.publish", "def f():\n    from kepu import console\n", "a higher layer"),
    ("kepu.newpackage.thing", "", "belongs to no layer"),
])
def test_the_check_catches_an_import_against_the_layers(module, source, complaint):
    assert any(complaint in v for v in violations(module, source))


def test_every_layer_is_checked():
    ranks = {layer_of(m) for m in MODULES}
    assert ranks == set(range(len(LAYERS)))
