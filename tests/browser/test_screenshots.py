"""The README's screenshots can be retaken: the script's code, run into a temporary
directory, photographs every screen it names (docs/screenshots/ holds the committed ones)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.browser.screenshots import DEFAULT_DIRECTORY, take_screenshots
from tests.browser.site import Site

pytestmark = pytest.mark.browser


@pytest.fixture
def backend() -> str:
    """Screenshots need one server, not one per backend."""
    return "embedded"


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


async def test_the_screenshot_script_photographs_every_screen(site: Site, tmp_path: Path) -> None:
    shots = await take_screenshots(site, tmp_path)
    names = sorted(path.name for path in shots)
    assert names == sorted(
        [
            *(f"sign-in-{theme}.png" for theme in ("light", "dark")),
            *(f"desktop-{theme}-chat.png" for theme in ("light", "dark")),
            *(
                f"mobile-{theme}-{screen}.png"
                for theme in ("light", "dark")
                for screen in ("list", "chat")
            ),
        ]
    )
    for path in shots:
        width, _ = _png_size(path)
        assert width == (1280 if path.name.startswith(("desktop", "sign-in")) else 780), path
    committed = sorted(path.name for path in DEFAULT_DIRECTORY.glob("*.png"))
    assert committed == names, "docs/screenshots/ is out of step with the script"
