"""Signing in without a database read per request (issue 15): each instance remembers the login
sessions it found live for ``TIDINGS_SESSION_CACHE_SECONDS``, and forgets one as soon as it
knows it ended: at once where it was revoked, on the ``session_revoked`` event elsewhere, all of
them when Redis was lost and restored."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tests.support.actors import revoke_silently, session_id_of
from tests.support.api import Account, Api
from tests.support.clock import FakeClock
from tests.support.cluster import PrivateRedis, eventually
from tests.support.presence import log_in
from tests.support.server import LocalApp, run_app
from tests.support.statements import count_statements
from tidings.settings import Settings

MakeSettings = Callable[..., Settings]
production_only = pytest.mark.parametrize("backend", ["production"], indirect=True)

ME = "{ me { user { id } } }"
LOGOUT = "mutation { logout }"
REFRESH = "mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { accessToken } }"


async def _session_checks(app: LocalApp, api: Api, token: str) -> int:
    """How many times a ``me`` request with ``token`` asked the database about its session."""
    with count_statements(app.services.engine) as statements:
        assert (await api.data(ME, token=token))["me"]["user"]["id"]
    return sum(1 for s in statements if "sessions.revoked_at IS NULL" in s)


async def _code(api: Api, token: str) -> str | None:
    """The error code of a ``me`` request with ``token``, None when it succeeds."""
    body = await api.execute(ME, token=token)
    errors = body.get("errors")
    return str(errors[0]["extensions"]["code"]) if errors else None


@asynccontextmanager
async def _serving(
    settings: Settings, clock: FakeClock | None = None
) -> AsyncIterator[tuple[LocalApp, Api]]:
    async with run_app(settings, clock=clock) as app, Api.to_app(app) as api:
        yield app, api


async def _signed_in(app: LocalApp, api: Api, name: str = "alice") -> Account:
    """A new account whose session this instance has checked once already."""
    account = await api.register(name)
    assert await _session_checks(app, api, account.access_token) == 1
    return account


async def test_a_second_request_with_the_same_token_reads_no_session(
    app: LocalApp, api: Api
) -> None:
    alice = await _signed_in(app, api)
    assert await _session_checks(app, api, alice.access_token) == 0
    # Another session of the same user is checked once, on its own.
    phone = await log_in(api, alice)
    assert await _session_checks(app, api, phone) == 1
    assert await _session_checks(app, api, phone) == 0


async def test_logout_is_refused_at_once_on_the_instance_that_logged_out(
    app: LocalApp, api: Api
) -> None:
    alice = await _signed_in(app, api)
    # Not even this instance's own session_revoked event is needed.
    await app.services.live_sessions.stop()
    assert await api.data(LOGOUT, token=alice.access_token) == {"logout": True}
    assert await _code(api, alice.access_token) == "UNAUTHENTICATED"


async def test_reusing_a_refresh_token_is_refused_at_once_on_that_instance(
    app: LocalApp, api: Api
) -> None:
    alice = await _signed_in(app, api)
    rotated = (await api.data(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    assert await _session_checks(app, api, rotated["accessToken"]) == 0  # the same session
    await app.services.live_sessions.stop()

    error = await api.error(REFRESH, {"token": alice.refresh_token})

    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    for token in (alice.access_token, rotated["accessToken"]):
        assert await _code(api, token) == "UNAUTHENTICATED"


async def test_a_revocation_heard_on_the_hub_is_refused(app: LocalApp, api: Api) -> None:
    alice, bob = await _signed_in(app, api, "alice"), await _signed_in(app, api, "bob")
    session_id = await revoke_silently(app.services, alice.access_token)
    # Remembered: the database is not asked until the event comes.
    assert await _code(api, alice.access_token) is None

    await app.services.events.session_revoked(session_id)

    async def refused() -> bool:
        return await _code(api, alice.access_token) == "UNAUTHENTICATED"

    await eventually(refused, "alice's session forgotten on hearing it was revoked")
    assert await _session_checks(app, api, bob.access_token) == 0  # only hers


async def test_a_check_that_began_before_a_revocation_is_not_remembered(
    app: LocalApp, api: Api
) -> None:
    """The database said live, but the revocation committed (and its event came) before the
    answer was noted: a request after it must ask again."""
    alice = await api.register("alice")
    live = app.services.live_sessions
    session_id = session_id_of(alice.access_token)
    since = live.checking()
    live.forget(session_id)
    live.remember(session_id, uuid.UUID(alice.id), since=since)
    assert await _session_checks(app, api, alice.access_token) == 1


@production_only
async def test_a_logout_on_another_instance_is_refused_here(settings: Settings) -> None:
    async with _serving(settings) as (_a, on_a), _serving(settings) as (b, on_b):
        alice = await _signed_in(b, on_b)

        assert await on_a.data(LOGOUT, token=alice.access_token) == {"logout": True}

        async def refused() -> bool:
            return await _code(on_b, alice.access_token) == "UNAUTHENTICATED"

        await eventually(refused, "B forgets a session A logged out")
        assert await _code(on_a, alice.access_token) == "UNAUTHENTICATED"


@production_only
async def test_redis_lost_and_restored_forgets_every_session(
    make_settings: MakeSettings, redis_server: PrivateRedis
) -> None:
    """A revocation published while Redis was away is lost: after the reconnect each session
    is checked again."""
    settings = make_settings(redis_url=redis_server.url, session_cache_seconds=3600)
    async with _serving(settings) as (app, api):
        alice, bob = await _signed_in(app, api, "alice"), await _signed_in(app, api, "bob")
        await revoke_silently(app.services, alice.access_token)
        assert await _code(api, alice.access_token) is None  # remembered

        await redis_server.shutdown()
        await redis_server.start()

        async def refused() -> bool:
            return await _code(api, alice.access_token) == "UNAUTHENTICATED"

        await eventually(refused, "alice's session checked again after the reconnect")
        assert app.services.hub.reconnects >= 1
        assert await _session_checks(app, api, bob.access_token) == 1


async def test_a_session_is_checked_again_once_the_cache_age_passed(
    make_settings: MakeSettings, clock: FakeClock
) -> None:
    async with _serving(make_settings(session_cache_seconds=60), clock) as (app, api):
        alice = await _signed_in(app, api)
        clock.advance(59)
        assert await _session_checks(app, api, alice.access_token) == 0
        clock.advance(1)
        assert await _session_checks(app, api, alice.access_token) == 1
        assert await _session_checks(app, api, alice.access_token) == 0

        # A revocation whose event was lost is refused by the age bound at the latest.
        await revoke_silently(app.services, alice.access_token)
        assert await _code(api, alice.access_token) is None
        clock.advance(60)
        assert await _code(api, alice.access_token) == "UNAUTHENTICATED"


async def test_with_the_cache_off_every_request_checks_the_session(
    make_settings: MakeSettings,
) -> None:
    async with _serving(make_settings(session_cache_seconds=0)) as (app, api):
        alice = await _signed_in(app, api)
        assert await _session_checks(app, api, alice.access_token) == 1
        await revoke_silently(app.services, alice.access_token)
        assert await _code(api, alice.access_token) == "UNAUTHENTICATED"


async def test_a_remembered_token_still_expires_on_time(
    make_settings: MakeSettings, clock: FakeClock
) -> None:
    settings = make_settings(access_token_ttl_seconds=60, session_cache_seconds=3600)
    async with _serving(settings, clock) as (app, api):
        alice = await _signed_in(app, api)
        clock.advance(58)
        assert await _session_checks(app, api, alice.access_token) == 0
        clock.advance(2)
        assert await _code(api, alice.access_token) == "TOKEN_EXPIRED"
        assert await _code(api, alice.access_token) == "TOKEN_EXPIRED"
