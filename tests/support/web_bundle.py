"""A small built web-client bundle, laid out as Vite builds one, for tests that need no Node."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support.services import in_ci
from tidings.web.serving import PACKAGED_BUNDLE

__all__ = ["Bundle", "linked_urls", "make_bundle", "require_built_client"]

SCRIPT = "assets/index-3f9a1c2b.js"
STYLE = "assets/index-7d41e0aa.css"
ICON = "favicon.svg"
GRAPHIQL = "graphiql.html"


@dataclass
class Bundle:
    directory: Path
    index_html: str
    script: str
    style: str


def require_built_client() -> Path:
    """The real bundle in the package (``./dev test`` builds it first); without it the test
    is skipped saying so, or fails under ``CI=true``."""
    if not (PACKAGED_BUNDLE / "index.html").is_file():
        reason = f"the web client is not built in {PACKAGED_BUNDLE} (./dev test builds it)"
        if in_ci():
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    return PACKAGED_BUNDLE


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src", "iframe": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


def linked_urls(html: str) -> list[str]:
    """Every script, stylesheet, preload, image and frame URL the page loads."""
    parser = _Links()
    parser.feed(html)
    return parser.urls


def make_bundle(directory: Path) -> Bundle:
    (directory / "assets").mkdir(parents=True)
    index_html = (
        "<!doctype html><html><head>"
        f'<script type="module" src="/{SCRIPT}"></script>'
        f'<link rel="stylesheet" href="/{STYLE}"></head>'
        '<body><div id="root"></div></body></html>'
    )
    script = 'document.getElementById("root").textContent = "Tidings";\n'
    style = "body { margin: 0 }\n"
    (directory / "index.html").write_text(index_html)
    (directory / SCRIPT).write_text(script)
    (directory / STYLE).write_text(style)
    (directory / ICON).write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (directory / GRAPHIQL).write_text(
        f'<!doctype html><title>GraphiQL</title><script type="module" src="/{SCRIPT}"></script>'
    )
    return Bundle(directory, index_html, script, style)
