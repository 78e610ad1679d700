"""Serving the built web client from the same origin as the API.

The bundle is Vite's output: ``index.html`` (and ``graphiql.html``) at the top, content-hashed
files under ``assets/``. A hashed file never changes under its name, so browsers and proxies
may keep it for a year without asking again; ``index.html`` names the current hashes, so it is
revalidated on every load (``no-cache``, answered with 304 while unchanged) and a deploy is
seen at the next reload. Any other GET path is a client-side route (``/c/<id>``) and gets
``index.html``; a missing file under ``/assets`` is a 404, never ``index.html``, so a stale
page asking for an old hash fails visibly instead of parsing HTML as JavaScript.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

if TYPE_CHECKING:
    from tidings.settings import Settings

__all__ = ["PACKAGED_BUNDLE", "WebClient", "bundle_of", "graphiql_page"]

PACKAGED_BUNDLE = Path(__file__).resolve().parent / "dist"

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# Paths owned by the server: a GET under them that no route answered is a 404, not the app.
_SERVER_PATHS = frozenset({"graphql", "healthz", "readyz", "metrics"})

# Types Python's table lacks on some systems; the browser refuses a module script or a font
# served as text/plain or application/octet-stream.
for _type, _extension in (
    ("text/javascript", ".js"),
    ("text/javascript", ".mjs"),
    ("text/css", ".css"),
    ("image/svg+xml", ".svg"),
    ("font/woff2", ".woff2"),
    ("application/manifest+json", ".webmanifest"),
    ("application/json", ".map"),
):
    mimetypes.add_type(_type, _extension)

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tidings: web client not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>The web client is not built</h1>
<p>This server has no web client bundle in <code>{directory}</code>.
The API works: GraphiQL is at <a href="/graphql">/graphql</a>.</p>
<p>To build the client from a clone, run <code>./dev serve</code> (it builds it), or
<code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>.
A wheel built from the repository (<code>pip wheel .</code>) carries the built client.</p>
</body></html>
"""


class WebClient(StaticFiles):
    """The single-page app at ``/``: files of the bundle, ``index.html`` for client routes, a
    503 page saying how to build it when there is no bundle."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, check_dir=False)
        self.bundle = directory

    async def check_config(self) -> None:
        """A missing bundle is answered per request (it may be built after the server
        started), not raised once as StaticFiles does."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        top = path.split(os.sep, 1)[0]
        if top in _SERVER_PATHS:
            raise HTTPException(status_code=404)
        if not (self.bundle / "index.html").is_file():
            if top == "assets":
                raise HTTPException(status_code=404)
            return HTMLResponse(
                _NOT_BUILT.format(directory=self.bundle),
                status_code=503,
                headers={"Cache-Control": "no-store"},
            )
        try:
            return await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404 or top == "assets":
                raise
        return await super().get_response("index.html", scope)

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        hashed = Path(full_path).is_relative_to((self.bundle / "assets").resolve())
        response.headers["Cache-Control"] = IMMUTABLE if hashed else REVALIDATE
        return response


def bundle_of(settings: Settings) -> Path:
    """Where the built client is: ``TIDINGS_WEB_DIST_DIR``, else the package's own."""
    return settings.web_dist_dir or PACKAGED_BUNDLE


def graphiql_page(settings: Settings) -> str | None:
    """The bundle's GraphiQL page (its scripts are files of the bundle, so it works offline),
    or None if the bundle has none."""
    page = bundle_of(settings) / "graphiql.html"
    return page.read_text() if page.is_file() else None
