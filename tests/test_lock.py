"""The lock is what every clone, CI and the office install (`make demo`, `make test`): requirements.lock pins
every package with its hashes, resolved from pyproject.toml by `make lock`. These tests fail when the two
disagree (a dependency added, removed or re-ranged in pyproject.toml without re-locking) and when the
environment the tests run in is not the locked one."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
LOCKED_EXTRAS = ("test", "dask")
"""The extras the lock is resolved with (the Makefile's LOCK_FLAGS)."""


def locked(path: Path = REPO / "requirements.lock") -> list[tuple[Requirement, list[str]]]:
    """Each pinned requirement of a lock file with its hashes."""
    entries: list[tuple[Requirement, list[str]]] = []
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        entries.append((Requirement(re.sub(r"\s*--hash=\S+", "", line).strip()), hashes))
    return entries


def pins() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for requirement, _ in locked():
        (version,) = [s.version for s in requirement.specifier]
        found.setdefault(canonicalize_name(requirement.name), set()).add(version)
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    return [Requirement(r) for r in project["dependencies"] + [r for e in LOCKED_EXTRAS for r in extras.get(e, [])]]


def test_every_locked_package_is_pinned_exactly_with_hashes():
    entries = locked()
    assert len(entries) > 50
    for requirement, hashes in entries:
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", requirement
        assert hashes, f"{requirement} has no hash"
    (installer, hashes), = locked(REPO / "bootstrap.lock")
    assert installer.name == "uv" and hashes


def test_every_dependency_in_pyproject_is_locked_at_a_version_it_allows():
    locked_versions = pins()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in locked_versions, f"{requirement} is in pyproject.toml but not in requirements.lock: run `make lock`"
        for version in locked_versions[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {name}=={version}, which pyproject.toml's {requirement} does not allow: "
                "run `make lock`")
        for extra in requirement.extras:  # e.g. moto[server]: what the extra brings is locked too
            for needed in metadata.requires(requirement.name) or []:
                brought = Requirement(needed)
                if brought.marker and brought.marker.evaluate({"extra": extra}) and not brought.marker.evaluate({"extra": ""}):
                    assert canonicalize_name(brought.name) in locked_versions, f"{requirement.name}[{extra}] needs {brought}"


def test_the_lock_holds_nothing_pyproject_does_not_lead_to():
    """A dependency removed from pyproject.toml leaves the lock on the next `make lock`: every locked package
    is one pyproject.toml names, or one of theirs (as uv's `# via` comments say)."""
    text = (REPO / "requirements.lock").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    direct = {canonicalize_name(r.name) for r in declared()}
    for block in blocks:
        first = block.split("==", 1)[0].strip()
        if not first or first.startswith("#"):
            continue
        via = re.findall(r"#\s+(?:via\s+)?([A-Za-z0-9_.\-\[\]]+)", block)
        assert via, f"{first}: no `# via` in requirements.lock"
        assert via != ["kepu"] or canonicalize_name(first) in direct, (
            f"requirements.lock pins {first} for kepu, but pyproject.toml no longer names it: run `make lock`")


def test_the_tests_run_in_the_locked_environment():
    """`make test` installed exactly the lock (a hand-installed package of another version would make the
    tests pass on something no office gets)."""
    wrong = []
    for requirement, _ in locked():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        (version,) = [s.version for s in requirement.specifier]
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{requirement.name} (not installed)")
            continue
        if Version(installed) != Version(version):
            wrong.append(f"{requirement.name} {installed} (locked {version})")
    assert not wrong, "not the locked versions: " + ", ".join(wrong) + "; run `make clean test`"
