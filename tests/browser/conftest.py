"""Fixtures of the browser tests: Debian's Chromium driven by Playwright against a real
``tidings serve`` process (tests/support/cluster.py's ``run_instance``) serving the built web
client, on both backends (the ``backend`` fixture of tests/conftest.py).

Chromium is ``/usr/bin/chromium`` (``.ci/run`` installs it); no browser is ever downloaded.
Without it, or without the built bundle (``cd web && npm ci && npm run build``), these tests
skip saying why, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Generator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Playwright, async_playwright, expect

from tests.browser.chromium import CHROMIUM, launch
from tests.browser.site import Site, StartSite
from tests.support.cluster import PROJECT_ROOT, run_instance
from tests.support.services import in_ci
from tidings.settings import Settings

WEB = PROJECT_ROOT / "web"
BUNDLE = PROJECT_ROOT / "tidings" / "web" / "dist"

# Short server timings so presence, typing and shutdown tests wait seconds, not minutes.
BROWSER_SETTINGS: dict[str, Any] = {
    "presence_grace_seconds": 1.0,
    "typing_ttl_seconds": 3.0,
    "receipt_flush_seconds": 0.1,
    "shutdown_grace_seconds": 2,
}

# Every expect() waits up to this long: generous for a loaded 2-core CI machine, and only
# ever reached when the app does not do what the test waits for.
expect.set_options(timeout=15_000)


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        _unavailable(
            f"browser tests skipped: {CHROMIUM} is not installed (apt-get install chromium)"
        )
    return CHROMIUM


def _newest_source() -> float:
    """When the web client's sources last changed (0 without a web/ folder)."""
    sources = [WEB / "index.html", WEB / "package-lock.json", WEB / "vite.config.ts"]
    sources += (WEB / "src").rglob("*") if (WEB / "src").exists() else []
    return max((path.stat().st_mtime for path in sources if path.is_file()), default=0.0)


@pytest.fixture(scope="session")
def web_bundle() -> Path:
    """The built web client the servers serve (``TIDINGS_WEB_DIST_DIR``): the package's
    ``tidings/web/dist``, (re)built here when missing or older than web/'s sources, or
    ``TIDINGS_TEST_WEB_DIST`` if set (a bundle built elsewhere)."""
    elsewhere = os.environ.get("TIDINGS_TEST_WEB_DIST")
    if elsewhere:
        if not (Path(elsewhere) / "index.html").exists():
            pytest.fail(f"TIDINGS_TEST_WEB_DIST={elsewhere} has no index.html")
        return Path(elsewhere)
    index = BUNDLE / "index.html"
    if index.exists() and index.stat().st_mtime >= _newest_source():
        return BUNDLE
    # The npm of .venv (Node.js from a wheel) if there, else the one on PATH.
    path = f"{PROJECT_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    npm = shutil.which("npm", path=path)
    if npm is None or not (WEB / "package.json").exists():
        _unavailable(f"browser tests skipped: no web client in {BUNDLE} and no npm to build it")
    steps = [["run", "build"]]
    if not (WEB / "node_modules").exists():
        steps.insert(0, ["ci", "--no-audit", "--no-fund"])
    for step in steps:
        done = subprocess.run(
            [str(npm), *step], cwd=WEB, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            pytest.fail(f"npm {' '.join(step)} failed:\n{done.stdout}\n{done.stderr}")
    return BUNDLE


@pytest.fixture
async def playwright(chromium: Path) -> AsyncIterator[Playwright]:
    async with async_playwright() as running:
        yield running


@pytest.fixture
async def browser(playwright: Playwright, chromium: Path) -> AsyncIterator[Browser]:
    launched = await launch(playwright)
    try:
        yield launched
    finally:
        await launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's outcome on the item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
async def start_site(
    request: pytest.FixtureRequest,
    make_settings: Callable[..., Settings],
    browser: Browser,
    web_bundle: Path,
    tmp_path: Path,
) -> AsyncIterator[StartSite]:
    """Start a ``tidings serve`` for this test's backend, with ``BROWSER_SETTINGS`` and any
    overrides (``await start_site(access_token_ttl_seconds=3)``), and the browser facing it.

    On failure, a screenshot of every open page and the server log land in ``tmp_path``.
    """
    async with contextlib.AsyncExitStack() as stack:
        sites: list[Site] = []

        async def start(**overrides: Any) -> Site:
            settings = make_settings(
                **{**BROWSER_SETTINGS, "web_dist_dir": web_bundle, **overrides}
            )
            instance = await stack.enter_async_context(
                run_instance(settings, log_dir=tmp_path, name=f"web{len(sites)}")
            )
            site = await stack.enter_async_context(Site.open(instance, browser))
            sites.append(site)
            return site

        yield start
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            for site in sites:
                await site.keep_evidence(tmp_path)


@pytest.fixture
async def site(start_site: StartSite) -> Site:
    """A server with the default browser-test settings."""
    return await start_site()
