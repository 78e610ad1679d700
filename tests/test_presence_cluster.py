"""Presence across real ``tidings serve`` processes sharing PostgreSQL and Redis (issue 5):
what one instance's clients do is seen by another's, devices on two instances aggregate, and
an instance killed with SIGKILL has its users announced OFFLINE by the survivors, once.

Production only: skipped without PostgreSQL and Redis, failing instead under ``CI=true``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import create
from tests.support.cluster import Cluster, run_cluster
from tests.support.presence import (
    SET_PRESENCE,
    TIMINGS,
    CommandLog,
    Watcher,
    hide_presence,
    log_in,
    presence_of,
    set_presence,
    status_of,
    watching,
)
from tests.support.ws import graphql_socket
from tidings.settings import Settings

pytestmark = pytest.mark.parametrize("backend", ["production"], indirect=True)

# For crashes: records lapse 2 s after an instance's last refresh.
CRASH: dict[str, Any] = {**TIMINGS, "presence_ttl_seconds": 2.0, "presence_refresh_seconds": 0.5}
# SPEC §5: a dead instance's users go OFFLINE within TTL + 10 s.
CRASH_BOUND = CRASH["presence_ttl_seconds"] + 10


# ``start(size, **timings)`` in a test: see the fixture.
Start = Callable[..., AbstractAsyncContextManager[Cluster]]


@pytest.fixture
def start(make_settings: Callable[..., Settings], tmp_path: Path) -> Start:
    """``start(size, **timings)``: a cluster whose output is printed when the test ends."""

    @asynccontextmanager
    async def cluster(size: int = 2, **timings: Any) -> AsyncIterator[Cluster]:
        settings = make_settings(**{**TIMINGS, **timings})
        async with run_cluster(settings, size=size, log_dir=tmp_path) as running:
            try:
                yield running
            finally:
                print(running.output())  # pytest shows it when the test failed

    return cluster


async def accounts(api: Api, *names: str) -> list[Account]:
    """Users who all share one group."""
    users = [await api.register(name) for name in names]
    await create(api, users[0], "GROUP", *users[1:], title="Everyone")
    return users


async def test_connecting_on_one_instance_is_seen_online_on_the_other(start: Start) -> None:
    async with start() as cluster:
        a, b = cluster.instances
        async with Api.connect(a.http_url) as api_a, Api.connect(b.http_url) as api_b:
            alice, bob = await accounts(api_a, "alice", "bob")
            async with watching(b.ws_url, bob) as watcher:
                assert (await presence_of(api_b, bob, alice))["status"] == "OFFLINE"
                async with graphql_socket(a.ws_url, alice.access_token):
                    event = await watcher.next()
                    assert (status_of(event), event["lastSeenAt"]) == ((alice.id, "ONLINE"), None)
                    presence = await presence_of(api_b, bob, alice)
                    assert presence == {"status": "ONLINE", "lastSeenAt": None}


async def test_devices_on_two_instances_are_aggregated(start: Start) -> None:
    async with start() as cluster:
        a, b = cluster.instances
        async with Api.connect(a.http_url) as api_a, Api.connect(b.http_url) as api_b:
            alice, bob = await accounts(api_a, "alice", "bob")
            phone_token = await log_in(api_b, alice)
            async with (
                watching(b.ws_url, bob, [alice.id]) as watcher,
                graphql_socket(a.ws_url, alice.access_token) as laptop,
                graphql_socket(b.ws_url, phone_token) as phone,
            ):
                assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                assert await watcher.mark() == [], "the second device changes nothing"

                async def step(device: Any, status: str) -> list[tuple[str, str]]:
                    await device.data(SET_PRESENCE, {"status": status})
                    return [status_of(event) for event in await watcher.mark()]

                assert await step(laptop, "BUSY") == [(alice.id, "BUSY")]
                assert await step(phone, "AWAY") == []
                assert await step(laptop, "AWAY") == [(alice.id, "AWAY")]
                assert await step(phone, "ONLINE") == [(alice.id, "ONLINE")]
                assert (await presence_of(api_a, bob, alice))["status"] == "ONLINE"

                # Over HTTP on one instance, for a login session whose socket is on the other.
                await set_presence(api_b, alice.access_token, "BUSY")
                assert status_of(await watcher.next()) == (alice.id, "BUSY")
                assert await step(phone, "AWAY") == []
                await set_presence(api_b, alice.access_token, "AWAY")
                assert status_of(await watcher.next()) == (alice.id, "AWAY")
                await set_presence(api_a, phone_token, "ONLINE")
                assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                assert (await presence_of(api_b, bob, alice))["status"] == "ONLINE"


async def test_reconnecting_to_the_other_instance_within_grace_announces_nothing(
    start: Start,
) -> None:
    grace = 3.0
    async with start(presence_grace_seconds=grace) as cluster:
        a, b = cluster.instances
        async with Api.connect(a.http_url) as api:
            alice, bob = await accounts(api, "alice", "bob")
            async with watching(a.ws_url, bob, [alice.id]) as watcher:
                async with graphql_socket(a.ws_url, alice.access_token):
                    assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                async with graphql_socket(b.ws_url, alice.access_token) as again:
                    # Past the grace period: an OFFLINE would have come before this change.
                    await asyncio.sleep(grace + 1)
                    await again.data(SET_PRESENCE, {"status": "BUSY"})
                    assert status_of(await watcher.next()) == (alice.id, "BUSY")


async def test_a_disconnect_is_announced_offline_with_last_seen_on_the_other_instance(
    start: Start,
) -> None:
    async with start() as cluster:
        a, b = cluster.instances
        async with Api.connect(a.http_url) as api_a, Api.connect(b.http_url) as api_b:
            alice, bob = await accounts(api_a, "alice", "bob")
            async with watching(b.ws_url, bob, [alice.id]) as watcher:
                async with graphql_socket(a.ws_url, alice.access_token):
                    assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                event = await watcher.next()
                assert status_of(event) == (alice.id, "OFFLINE")
                assert event["lastSeenAt"] is not None
                expected = {"status": "OFFLINE", "lastSeenAt": event["lastSeenAt"]}
                assert await presence_of(api_b, bob, alice) == expected
                assert await presence_of(api_a, bob, alice) == expected


async def test_a_killed_instances_users_are_announced_offline_once(start: Start) -> None:
    """Alice and carol are on C, which is killed; A and B both sweep. Bob on A and dave on B
    each hear each of them go OFFLINE once, and Redis carried one announcement each."""
    async with start(3, **CRASH) as cluster:
        a, b, c = cluster.instances
        settings = cluster.settings
        assert settings.redis_url is not None
        async with Api.connect(a.http_url) as api, AsyncExitStack() as stack:
            alice, carol, bob, dave = await accounts(api, "alice", "carol", "bob", "dave")
            watchers = [
                await stack.enter_async_context(watching(a.ws_url, bob, [alice.id, carol.id])),
                await stack.enter_async_context(watching(b.ws_url, dave, [alice.id, carol.id])),
            ]
            for account in (alice, carol):
                await stack.enter_async_context(graphql_socket(c.ws_url, account.access_token))
            for watcher in watchers:
                online = {status_of(await watcher.next()) for _ in range(2)}
                assert online == {(alice.id, "ONLINE"), (carol.id, "ONLINE")}
            log = await stack.enter_async_context(
                CommandLog.monitoring(settings.redis_url, settings.redis_namespace)
            )

            async with log.during() as commands:
                await c.kill()
                for watcher in watchers:
                    async with asyncio.timeout(CRASH_BOUND):
                        events = [await watcher.next(CRASH_BOUND) for _ in range(2)]
                    assert {status_of(event) for event in events} == {
                        (alice.id, "OFFLINE"),
                        (carol.id, "OFFLINE"),
                    }
                    assert all(event["lastSeenAt"] for event in events)
                # Both survivors keep sweeping: a second announcement would come by now.
                await asyncio.sleep(5 * CRASH["presence_sweep_seconds"])
                for watcher in watchers:
                    assert await watcher.mark() == []

            for account in (alice, carol):
                channel = cluster.channels.presence(account.id)
                published = [
                    command
                    for command in commands
                    if command.name == "PUBLISH" and command.arguments[0] == channel
                ]
                assert len(published) == 1, published
            presence = await presence_of(api, bob, alice)
            assert presence["status"] == "OFFLINE"
            assert presence["lastSeenAt"] is not None

            # Back on a survivor: online again, as usual.
            await stack.enter_async_context(graphql_socket(a.ws_url, alice.access_token))
            for watcher in watchers:
                assert status_of(await watcher.next()) == (alice.id, "ONLINE")


async def test_a_device_on_a_killed_instance_stops_counting(start: Start) -> None:
    """Alice's phone on B is BUSY and her laptop on A ONLINE: when B dies, she is ONLINE."""
    async with start(**CRASH) as cluster:
        a, b = cluster.instances
        async with Api.connect(a.http_url) as api:
            alice, bob = await accounts(api, "alice", "bob")
            phone_token = await log_in(api, alice)
            async with (
                watching(a.ws_url, bob, [alice.id]) as watcher,
                graphql_socket(a.ws_url, alice.access_token),
                graphql_socket(b.ws_url, phone_token) as phone,
            ):
                assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                await phone.data(SET_PRESENCE, {"status": "BUSY"})
                assert status_of(await watcher.next()) == (alice.id, "BUSY")

                await b.kill()
                event = await watcher.next(CRASH_BOUND)
                assert (status_of(event), event["lastSeenAt"]) == ((alice.id, "ONLINE"), None)
                assert (await presence_of(api, bob, alice))["status"] == "ONLINE"


async def test_hidden_presence_and_strangers_across_instances(start: Start) -> None:
    async with start() as cluster:
        a, b = cluster.instances
        async with Api.connect(a.http_url) as api_a, Api.connect(b.http_url) as api_b:
            alice, bob = await accounts(api_a, "alice", "bob")
            stranger = await api_b.register("stranger")
            await create(api_b, stranger, "DIRECT", bob)
            unknown = {"status": "OFFLINE", "lastSeenAt": None}
            async with (
                watching(b.ws_url, bob, [alice.id]) as watcher,
                watching(b.ws_url, stranger, [alice.id]) as outsider,
            ):
                async with graphql_socket(a.ws_url, alice.access_token):
                    assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                    assert await presence_of(api_b, stranger, alice) == unknown

                    await hide_presence(api_a, alice, hidden=True)
                    event = await watcher.next()
                    assert (status_of(event), event["lastSeenAt"]) == ((alice.id, "OFFLINE"), None)
                    assert await presence_of(api_b, bob, alice) == unknown

                    await hide_presence(api_a, alice, hidden=False)
                    assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                offline = await watcher.next()
                assert status_of(offline) == (alice.id, "OFFLINE")
                assert offline["lastSeenAt"] is not None

                # Every change of alice's was published before this mark.
                assert await outsider.mark() == []
                assert await presence_of(api_b, stranger, alice) == unknown


async def test_going_online_is_published_once_for_watchers_on_both_instances(
    start: Start,
) -> None:
    async with start() as cluster:
        settings = cluster.settings
        assert settings.redis_url is not None
        a, b = cluster.instances
        async with Api.connect(a.http_url) as api, AsyncExitStack() as stack:
            star, *fans = await accounts(api, "star", *(f"fan{n}" for n in range(20)))
            channel = cluster.channels.presence(star.id)
            watchers: list[Watcher] = [
                await stack.enter_async_context(watching((a, b)[n % 2].ws_url, fan, [star.id]))
                for n, fan in enumerate(fans)
            ]
            log = await stack.enter_async_context(
                CommandLog.monitoring(settings.redis_url, settings.redis_namespace)
            )
            async with log.during() as commands:
                await stack.enter_async_context(graphql_socket(a.ws_url, star.access_token))
                for watcher in watchers:
                    assert status_of(await watcher.next()) == (star.id, "ONLINE")

            published = [c for c in commands if c.name == "PUBLISH" and c.arguments[0] == channel]
            assert len(published) == 1, published
            # Redis delivers it once to each instance, which fans out in memory.
            assert await cluster.listening(channel) == 2
