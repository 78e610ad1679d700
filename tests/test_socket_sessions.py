"""Open sockets of a login session that ended while this instance could not hear it.

A logout, a password change or a deactivation closes the session's sockets everywhere through
the ``session_revoked`` event. When an instance may have missed that event (its pub/sub
connection to Redis dropped and came back, or it fell behind the sessions channel), it asks
the database which of its sockets' sessions still stand and closes the others with 4401: a
lost event must not leave a signed-out device listening.

The Redis-restart test is also the one that found a shutdown hang: its server stops while the
reconnection's burst of Redis writes is under way, and on Python 3.11 such a write could lose
the stop's cancellation (CPython gh-86296 in ``asyncio.wait_for``), leaving a loop running and
the shutdown waiting for it forever, in about one run of fifteen. Components now stop their
tasks with ``tidings.tasks.cancel_and_wait``; tests/test_tasks.py makes that race every time."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from tests.support.actors import revoke_silently
from tests.support.api import Account, Api
from tests.support.cluster import PrivateRedis
from tests.support.server import RunningServer, run_server
from tests.support.ws import GraphQLSocket, graphql_socket
from tidings.realtime.events import SessionPresence
from tidings.settings import Settings

MakeSettings = Callable[..., Settings]
ME = "{ me { user { id } } }"


@dataclass
class _Connected:
    """A server with alice and bob signed in, each with an open socket that has answered."""

    server: RunningServer
    api: Api
    alice: Account
    bob: Account
    alice_socket: GraphQLSocket
    bob_socket: GraphQLSocket


@asynccontextmanager
async def _connected(settings: Settings) -> AsyncIterator[_Connected]:
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice, bob = await api.register("alice"), await api.register("bob")
        async with (
            graphql_socket(server.ws_url, alice.access_token) as alice_socket,
            graphql_socket(server.ws_url, bob.access_token) as bob_socket,
        ):
            assert (await alice_socket.data(ME))["me"]["user"]["id"] == alice.id
            yield _Connected(server, api, alice, bob, alice_socket, bob_socket)


@pytest.mark.parametrize("backend", ["production"], indirect=True)
async def test_a_session_ended_while_redis_was_away_has_its_sockets_closed(
    make_settings: MakeSettings, redis_server: PrivateRedis
) -> None:
    """The reconnection checks every socket's session; and the server still stops after it
    (``run_server``'s exit), however its shutdown meets the reconnection's Redis writes."""
    async with _connected(make_settings(redis_url=redis_server.url)) as it:
        await redis_server.shutdown()
        # Its event would have gone nowhere.
        await revoke_silently(it.server.services, it.alice.access_token)
        await redis_server.start()

        assert await it.alice_socket.closed() == 4401
        assert it.server.services.hub.reconnects >= 1
        assert (await it.bob_socket.data(ME))["me"]["user"]["id"] == it.bob.id


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_a_session_ended_while_the_instance_fell_behind_has_its_sockets_closed(
    make_settings: MakeSettings,
) -> None:
    """A burst on the sessions channel larger than a listener's buffer (the in-process hub
    hands the whole burst over before the follower runs): the follower overflows, checks
    every socket's session, and goes on following."""
    settings = make_settings(subscription_buffer=10)
    async with _connected(settings) as it:
        await revoke_silently(it.server.services, it.alice.access_token)
        hub, sessions = it.server.services.hub, it.server.services.channels.sessions
        for _ in range(3 * settings.subscription_buffer):
            await hub.publish(sessions, SessionPresence(session_id=uuid.uuid4(), status="AWAY"))

        assert await it.alice_socket.closed() == 4401
        assert (await it.bob_socket.data(ME))["me"]["user"]["id"] == it.bob.id
        # Still following: a logout now closes bob's socket as usual.
        logout = await it.api.data("mutation { logout }", token=it.bob.access_token)
        assert logout == {"logout": True}
        assert await it.bob_socket.closed() == 4401
