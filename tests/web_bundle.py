"""A small built web-client bundle, laid out as Vite builds one, for tests that need no Node."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Bundle", "make_bundle"]

SCRIPT = "assets/index-3f9a1c2b.js"
STYLE = "assets/index-7d41e0aa.css"
ICON = "favicon.svg"


@dataclass
class Bundle:
    directory: Path
    index_html: str
    script: str
    style: str


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
    return Bundle(directory, index_html, script, style)
