"""The dependency ranges in pyproject.toml admit only releases the code works with."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

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


def test_a_package_whose_private_modules_we_import_is_pinned_exactly() -> None:
    """Private modules change without notice, so only the release we tested may install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = {
        Requirement(line).name.lower(): Requirement(line) for line in project["dependencies"]
    }
    private = _privately_imported_packages()
    for package in private:
        specifiers = list(requirements[package].specifier)
        assert len(specifiers) == 1, f"{package}: {requirements[package]}"
        assert specifiers[0].operator == "==", f"{package}: {requirements[package]}"
