"""The dependency ranges in pyproject.toml admit only releases the code works with."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _privately_imported_packages() -> set[str]:
    """Top-level packages whose private (``_``-prefixed) modules tidings/ imports."""
    packages: set[str] = set()
    for path in (ROOT / "tidings").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                top, *rest = name.split(".")
                if any(part.startswith("_") for part in rest):
                    packages.add(top)
    return packages


def test_tidings_imports_no_other_package_s_private_modules() -> None:
    """Private modules change without notice (broadcaster's next release renames its own), so
    only a package's public surface is used."""
    assert _privately_imported_packages() == set()


def _pinned() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_the_versions_dev_installs_are_within_the_declared_ranges() -> None:
    """constraints.txt (what ./dev and CI install) pins every declared dependency to a
    release its range in pyproject.toml admits, so the ranges are the ones tested."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [
        *project["dependencies"],
        *(line for extra in project["optional-dependencies"].values() for line in extra),
    ]
    pins = _pinned()
    for line in declared:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside {requirement.specifier}"
        )
