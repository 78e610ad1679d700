"""Launching Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run``) under
Playwright: never a downloaded browser."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Playwright

__all__ = ["CHROMIUM", "launch"]

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing that phones out: the machine reaches no network but its own.
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=_ARGS
    )
