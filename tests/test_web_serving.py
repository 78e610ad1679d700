"""``tidings serve`` serves the web client from its own origin (issue 12): ``index.html``
(revalidated) for ``/`` and every client route, hashed assets cached for a year, 404 for a
missing asset, and a page saying how to build the client when there is none."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from tests.support.server import run_server
from tests.support.web_bundle import ICON, SCRIPT, STYLE, Bundle, make_bundle
from tidings.settings import Settings

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def bundle(tmp_path: Path) -> Bundle:
    return make_bundle(tmp_path / "dist")


@pytest.fixture
async def web(
    make_settings: Callable[..., Settings], bundle: Bundle
) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        run_server(make_settings(web_dist_dir=bundle.directory)) as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=30) as client,
    ):
        yield client


@pytest.mark.parametrize("path", ["/", "/c/0192f3a4-77aa-7c1e-9a3b-5d6e7f8091a2", "/settings"])
async def test_root_and_client_routes_get_index_html_uncached(
    web: httpx.AsyncClient, bundle: Bundle, path: str
) -> None:
    response = await web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == bundle.index_html


async def test_index_html_is_revalidated_with_304(web: httpx.AsyncClient) -> None:
    first = await web.get("/")
    again = await web.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_hashed_assets_are_cached_immutably_with_their_types(
    web: httpx.AsyncClient, bundle: Bundle
) -> None:
    script = await web.get(f"/{SCRIPT}")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == IMMUTABLE
    assert script.text == bundle.script
    style = await web.get(f"/{STYLE}")
    assert style.headers["content-type"].startswith("text/css")
    assert style.headers["cache-control"] == IMMUTABLE
    assert style.text == bundle.style


async def test_unhashed_files_of_the_bundle_are_served_and_revalidated(
    web: httpx.AsyncClient,
) -> None:
    icon = await web.get(f"/{ICON}")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path", ["/assets/index-00000000.js", "/assets/", "/graphql/extra", "/healthz/x", "/metrics/x"]
)
async def test_missing_assets_and_server_paths_are_404_not_the_app(
    web: httpx.AsyncClient, bundle: Bundle, path: str
) -> None:
    response = await web.get(path)
    assert response.status_code == 404
    assert response.text != bundle.index_html


async def test_the_api_and_probes_keep_their_routes(web: httpx.AsyncClient) -> None:
    assert (await web.get("/healthz")).json() == {"status": "ok"}
    answer = await web.post("/graphql", json={"query": "{ __typename }"})
    assert answer.json() == {"data": {"__typename": "Query"}}
    assert (await web.post("/")).status_code == 405


async def test_unbuilt_client_says_how_to_build_it(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    missing = tmp_path / "not-built"
    async with (
        run_server(make_settings(web_dist_dir=missing)) as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=30) as client,
    ):
        page = await client.get("/")
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        assert "The web client is not built" in page.text
        assert "npm run build" in page.text
        assert "./dev serve" in page.text
        assert (await client.get("/c/abc")).status_code == 503
        assert (await client.get(f"/{SCRIPT}")).status_code == 404
        # The API does not need the client.
        answer = await client.post("/graphql", json={"query": "{ __typename }"})
        assert answer.json() == {"data": {"__typename": "Query"}}
        graphiql = await client.get("/graphql", headers={"Accept": "text/html"})
        assert graphiql.status_code == 200
        assert "graphiql" in graphiql.text.lower()
