"""Other-origin frontends (issue 12): ``TIDINGS_CORS_ORIGINS`` lets the listed origins call
the HTTP API (a Vite dev server on :5173), preflights are cached, and it is off by default."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.support.api import Api
from tests.support.server import run_server
from tidings.settings import Settings

DEV_SERVER = "http://localhost:5173"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def _preflight(settings: Settings, origin: str) -> httpx.Response:
    async with (
        run_server(settings) as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=30) as client,
    ):
        return await client.options("/graphql", headers={"Origin": origin, **PREFLIGHT})


async def test_preflight_from_an_allowed_origin_is_granted_and_cached(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(cors_origins=f"https://chat.example.com, {DEV_SERVER}")
    response = await _preflight(settings, DEV_SERVER)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == DEV_SERVER
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers


async def test_preflight_from_another_origin_is_not_granted(
    make_settings: Callable[..., Settings],
) -> None:
    response = await _preflight(make_settings(cors_origins=DEV_SERVER), "https://evil.example")
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_cors_is_off_by_default(make_settings: Callable[..., Settings]) -> None:
    response = await _preflight(make_settings(), DEV_SERVER)
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers


async def test_a_request_from_an_allowed_origin_can_read_the_answer(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(cors_origins=DEV_SERVER, cors_max_age_seconds=60)
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice = await api.register("alice")
        response = await api.post(
            "{ me { user { username } } }", token=alice.access_token, headers={"Origin": DEV_SERVER}
        )
        assert response.json() == {"data": {"me": {"user": {"username": "alice"}}}}
        assert response.headers["access-control-allow-origin"] == DEV_SERVER
        other = await api.post(
            "{ me { user { username } } }",
            token=alice.access_token,
            headers={"Origin": "https://x.test"},
        )
        assert "access-control-allow-origin" not in other.headers
        preflight = await api.http.options("/graphql", headers={"Origin": DEV_SERVER, **PREFLIGHT})
        assert preflight.headers["access-control-max-age"] == "60"
