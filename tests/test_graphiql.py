"""GraphiQL at ``/graphql`` is the bundle's own build (issue 12): it loads nothing from another
origin, so it works offline; without a bundle, Strawberry's page is the fallback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.support.server import run_server
from tests.support.web_bundle import GRAPHIQL, linked_urls, make_bundle, require_built_client
from tidings.settings import Settings

HTML = {"Accept": "text/html"}


async def test_graphiql_is_the_bundles_page(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    bundle = make_bundle(tmp_path / "dist")
    async with (
        run_server(make_settings(web_dist_dir=bundle.directory)) as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=30) as client,
    ):
        page = await client.get("/graphql", headers=HTML)
        assert page.status_code == 200
        assert page.text == (bundle.directory / GRAPHIQL).read_text()
        assert page.headers["cache-control"] == "no-cache"


async def test_without_a_bundle_graphiql_falls_back_to_strawberrys_page(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    async with (
        run_server(make_settings(web_dist_dir=tmp_path / "none")) as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=30) as client,
    ):
        page = await client.get("/graphql", headers=HTML)
        assert page.status_code == 200
        assert "GraphiQL" in page.text
        # Tidings' connection_init payload from the Headers tab is still patched in.
        assert "wsConnectionParams" in page.text


async def test_built_graphiql_loads_only_same_origin_files(
    make_settings: Callable[..., Settings],
) -> None:
    require_built_client()
    async with (
        run_server(make_settings()) as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=30) as client,
    ):
        page = await client.get("/graphql", headers=HTML)
        assert page.status_code == 200
        urls = linked_urls(page.text)
        scripts = [url for url in urls if url.endswith(".js")]
        assert scripts, page.text
        assert any(url.endswith(".css") for url in urls), page.text
        for url in urls:
            assert urlsplit(url).netloc == "", f"{url} is on another origin"
            assert url.startswith("/assets/"), url
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
            expected = "text/javascript" if url.endswith(".js") else "text/css"
            assert asset.headers["content-type"].startswith(expected), url
            assert "unpkg.com" not in asset.text, url
