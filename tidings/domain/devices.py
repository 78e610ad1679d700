"""A device label ("Chrome on Linux") from a User-Agent header, for the list of sessions.

No user-agent parser is among the project's dependencies, and the list needs only a browser
(or app) and a platform, so this is a small ordered mapping: the first token found wins.
Order matters where browsers borrow each other's tokens (Edge and Opera say "Chrome", Chrome
says "Safari"; Android says "Linux", iOS says "Mac OS X").
"""

from __future__ import annotations

__all__ = ["device_label"]

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("HeadlessChrome/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-httpx/", "Python"),
    ("python-requests/", "Python"),
    ("Python", "Python"),
)
_PLATFORMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str | None) -> str:
    """``"<browser> on <platform>"``, either part alone when only it is known, else
    ``"Unknown device"``.

    >>> device_label("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36")
    'Chrome on Linux'
    """
    if not user_agent:
        return "Unknown device"
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    platform = next((name for token, name in _PLATFORMS if token in user_agent), None)
    if browser and platform:
        return f"{browser} on {platform}"
    return browser or platform or "Unknown device"
