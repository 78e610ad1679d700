"""Rotating the signing secret signs nobody out: tokens name their key (``kid``), the previous
secrets (``TIDINGS_JWT_PREVIOUS_SECRETS``) still verify what they signed, the new secret signs
everything new, and once the old secret is dropped its tokens are refused. Each step is a
server restarted on the same database with the new settings, as a rotation is deployed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from tests.support.api import Api
from tests.support.chat import code_of
from tests.support.server import run_app
from tidings.settings import Settings

OLD = "old-secret-" + "a" * 40
NEW = "new-secret-" + "b" * 40
ME = "{ me { user { id } } }"
REFRESH = """
mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { accessToken } }
"""
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/tidings"


def _kid(token: str) -> Any:
    return jwt.get_unverified_header(token).get("kid")


async def test_rotating_the_secret_keeps_everyone_signed_in(
    make_settings: Callable[..., Settings],
) -> None:
    async with (
        run_app(make_settings(jwt_secret=OLD)) as before,
        Api.to_app(before) as api,
    ):
        alice = await api.register("alice")
    old_kid = _kid(alice.access_token)

    rotating = make_settings(jwt_secret=NEW, jwt_previous_secrets=f"{OLD}")
    async with run_app(rotating) as during, Api.to_app(during) as api:
        still = await api.data(ME, token=alice.access_token)
        refreshed = (await api.data(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
        fresh = await api.data(ME, token=refreshed["accessToken"])
    new_kid = _kid(refreshed["accessToken"])

    async with (
        run_app(make_settings(jwt_secret=NEW)) as after,
        Api.to_app(after) as api,
    ):
        retired = await api.error(ME, token=alice.access_token)
        current = await api.data(ME, token=refreshed["accessToken"])

    assert still["me"]["user"]["id"] == fresh["me"]["user"]["id"] == alice.id
    assert current["me"]["user"]["id"] == alice.id
    assert code_of(retired) == "UNAUTHENTICATED"
    # The key ids tell the keys apart and give neither secret away.
    assert isinstance(old_kid, str)
    assert isinstance(new_kid, str)
    assert old_kid != new_kid
    for kid in (old_kid, new_kid):
        assert len(kid) == 16
        assert kid not in OLD + NEW
        assert OLD not in kid
        assert NEW not in kid


async def test_a_token_naming_a_key_that_is_not_ours_is_refused(
    make_settings: Callable[..., Settings],
) -> None:
    """Even when its signature matches one of our secrets: the kid must name that key."""
    settings = make_settings(jwt_secret=NEW, jwt_previous_secrets=OLD)
    async with run_app(settings) as app, Api.to_app(app) as api:
        alice = await api.register("alice")
        claims = jwt.decode(alice.access_token, options={"verify_signature": False})
        unknown = jwt.encode(claims, NEW, algorithm="HS256", headers={"kid": "0" * 16})
        error = await api.error(ME, token=unknown)
    assert code_of(error) == "UNAUTHENTICATED"


def test_a_weak_previous_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="TIDINGS_JWT_PREVIOUS_SECRETS"):
        Settings(database_url=POSTGRES_URL, jwt_secret=NEW, jwt_previous_secrets=f"{OLD},changeme")
