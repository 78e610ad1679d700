"""The device list's labels, from the User-Agent of a login or refresh."""

from __future__ import annotations

import pytest

from tidings.domain.devices import device_label

CHROME = "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (f"Mozilla/5.0 (X11; Linux x86_64) {CHROME}", "Chrome on Linux"),
        (f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {CHROME} Edg/126.0.0.0", "Edge on Windows"),
        (f"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) {CHROME} OPR/111.0", "Opera on macOS"),
        (f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {CHROME}", "Chrome on Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Firefox on macOS",
        ),
        ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) " + CHROME, "Chrome on ChromeOS"),
        ("curl/8.5.0", "curl"),
        ("python-httpx/0.27.0", "Python"),
        ("SomethingElse/1.0", "Unknown device"),
        ("", "Unknown device"),
        (None, "Unknown device"),
    ],
)
def test_a_device_is_named_by_browser_and_platform(user_agent: str | None, label: str) -> None:
    assert device_label(user_agent) == label
