"""Presence through faults (issue 11): Redis restarting under connected users, the first Redis
calls after it is back, an instance shut down with SIGTERM whose users do not come back, and
a change Redis took whose lastSeenAt the database failed to store.

The Redis restarts are of a ``redis-server`` of the test's own (``redis_server``), so
production only; the SIGTERM hand-over runs on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import create
from tests.support.cluster import (
    PrivateRedis,
    eventually,
    kill_database_connections,
    run_cluster,
    run_instance,
)
from tests.support.presence import (
    SET_PRESENCE,
    TIMINGS,
    log_in,
    presence_of,
    status_of,
    watching,
)
from tests.support.ws import graphql_socket
from tidings.settings import Settings

production_only = pytest.mark.parametrize("backend", ["production"], indirect=True)

# Records that never lapse within a test: only what the fix does can make a user OFFLINE, and
# no background refresh touches Redis between the test's own steps.
NO_LAPSE: dict[str, Any] = {
    **TIMINGS,
    "presence_ttl_seconds": 600.0,
    "presence_refresh_seconds": 300.0,
}


async def accounts(api: Api, *names: str) -> list[Account]:
    """Users who all share one group."""
    users = [await api.register(name) for name in names]
    await create(api, users[0], "GROUP", *users[1:], title="Everyone")
    return users


async def restart(redis_server: PrivateRedis) -> None:
    """Restart the private Redis: it comes back empty (no persistence), as after a crash."""
    await redis_server.shutdown()
    await redis_server.start()


async def reads(api: Api, viewer: Account, user: Account, status: str) -> None:
    """Wait until ``viewer`` reads ``user``'s presence as ``status`` (every read must work)."""

    async def shown() -> bool:
        return bool((await presence_of(api, viewer, user))["status"] == status)

    await eventually(shown, f"{user.username} read as {status}")


@production_only
async def test_presence_is_restored_after_redis_restarts(
    make_settings: Callable[..., Settings], redis_server: PrivateRedis, tmp_path: Path
) -> None:
    """Alice (BUSY) and carol stay connected to A through a Redis restart that loses every
    key; bob watches from B. They read as before, bob hears no OFFLINE for them, and alice
    disconnecting afterwards is announced OFFLINE with a lastSeenAt."""
    settings = make_settings(redis_url=redis_server.url, **TIMINGS)
    async with (
        run_cluster(settings, size=2, log_dir=tmp_path) as cluster,
        AsyncExitStack() as stack,
    ):
        try:
            a, b = cluster.instances
            api = await stack.enter_async_context(Api.connect(b.http_url))
            alice, carol, bob = await accounts(api, "alice", "carol", "bob")
            watcher = await stack.enter_async_context(watching(b.ws_url, bob, [alice.id, carol.id]))
            async with AsyncExitStack() as alices:
                laptop = await alices.enter_async_context(
                    graphql_socket(a.ws_url, alice.access_token)
                )
                await stack.enter_async_context(graphql_socket(a.ws_url, carol.access_token))
                await laptop.data(SET_PRESENCE, {"status": "BUSY"})
                seen = {status_of(await watcher.next()) for _ in range(3)}
                assert seen == {(alice.id, "ONLINE"), (alice.id, "BUSY"), (carol.id, "ONLINE")}

                await restart(redis_server)
                await cluster.wait_resubscribed([])
                await reads(api, bob, alice, "BUSY")
                await reads(api, bob, carol, "ONLINE")
                # Past the time a watcher waits for instances to restore what Redis lost.
                await asyncio.sleep(2 * TIMINGS["presence_refresh_seconds"] + 1)
                told = [status_of(event) for event in await watcher.mark()]
                assert (alice.id, "OFFLINE") not in told, told
                assert (carol.id, "OFFLINE") not in told, told
                assert (await presence_of(api, bob, alice))["status"] == "BUSY"

            offline = await watcher.until(alice.id, "OFFLINE")
            assert offline["lastSeenAt"] is not None
            assert await presence_of(api, bob, alice) == {
                "status": "OFFLINE",
                "lastSeenAt": offline["lastSeenAt"],
            }
            assert (await presence_of(api, bob, carol))["status"] == "ONLINE"
        finally:
            print(cluster.output())


@production_only
async def test_requests_right_after_redis_restarts_succeed(
    make_settings: Callable[..., Settings], redis_server: PrivateRedis, tmp_path: Path
) -> None:
    """The server's pooled Redis connections all died with the restart: the first request to
    meet each must still succeed, and a live presenceChanged feed is refilled, not ended."""
    settings = make_settings(redis_url=redis_server.url, **NO_LAPSE)
    async with (
        run_instance(settings, log_dir=tmp_path) as server,
        Api.connect(server.http_url) as api,
    ):
        try:
            alice, bob = await accounts(api, "alice", "bob")
            async with (
                watching(server.ws_url, bob, [alice.id]) as watcher,
                graphql_socket(server.ws_url, alice.access_token),
            ):
                assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                # Several reads at once: the server pools several Redis connections.
                batch = [presence_of(api, bob, alice) for _ in range(8)]
                assert {p["status"] for p in await asyncio.gather(*batch)} == {"ONLINE"}

                await restart(redis_server)
                batch = [presence_of(api, bob, alice) for _ in range(8)]
                # Each must work (GraphQLFailure otherwise), if not yet ONLINE again.
                await asyncio.gather(*batch)
                await reads(api, bob, alice, "ONLINE")
                # The feed is still live: its marks come through.
                told = [status_of(event) for event in await watcher.mark()]
                assert (alice.id, "OFFLINE") not in told, told
        finally:
            print(server.output())


@production_only
async def test_a_sigtermed_instances_users_who_stay_away_go_offline_after_the_grace(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Alice's only socket and carol's laptop are on A, which is shut down (SIGTERM); carol's
    phone is on B. Records never lapse here, so only the hand-over can make alice OFFLINE."""
    settings = make_settings(**NO_LAPSE)
    async with (
        run_cluster(settings, size=2, log_dir=tmp_path) as cluster,
        AsyncExitStack() as stack,
    ):
        try:
            a, b = cluster.instances
            api = await stack.enter_async_context(Api.connect(b.http_url))
            alice, carol, bob = await accounts(api, "alice", "carol", "bob")
            phone = await log_in(api, carol)
            watcher = await stack.enter_async_context(watching(b.ws_url, bob, [alice.id, carol.id]))
            for token in (alice.access_token, carol.access_token):
                await stack.enter_async_context(graphql_socket(a.ws_url, token))
            await stack.enter_async_context(graphql_socket(b.ws_url, phone))
            seen = {status_of(await watcher.next()) for _ in range(2)}
            assert seen == {(alice.id, "ONLINE"), (carol.id, "ONLINE")}

            await a.stop()
            offline = await watcher.next()
            assert status_of(offline) == (alice.id, "OFFLINE")
            assert offline["lastSeenAt"] is not None
            assert await watcher.mark() == [], "carol is still online on B"
            assert (await presence_of(api, bob, carol))["status"] == "ONLINE"
            assert await presence_of(api, bob, alice) == {
                "status": "OFFLINE",
                "lastSeenAt": offline["lastSeenAt"],
            }
        finally:
            print(cluster.output())


async def test_a_sigtermed_servers_users_are_offline_with_last_seen_after_it_restarts(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """One server, SIGTERMed while alice is connected, started again: alice is OFFLINE with
    the lastSeenAt of that shutdown (embedded: stored on the way down; production: settled by
    the next instance from what the first handed over)."""
    settings = make_settings(**NO_LAPSE)
    async with (
        run_instance(settings, log_dir=tmp_path) as server,
        Api.connect(server.http_url) as api,
    ):
        alice, bob = await accounts(api, "alice", "bob")
        async with graphql_socket(server.ws_url, alice.access_token):
            await reads(api, bob, alice, "ONLINE")
            await server.stop()

    async with (
        run_instance(settings, log_dir=tmp_path, name="b") as server,
        Api.connect(server.http_url) as api,
    ):
        try:
            await reads(api, bob, alice, "OFFLINE")

            async def last_seen() -> bool:
                return (await presence_of(api, bob, alice))["lastSeenAt"] is not None

            await eventually(last_seen, "alice's lastSeenAt stored")
        finally:
            print(server.output())


@production_only
async def test_an_offline_the_database_failed_to_store_is_told_by_the_next_sweep(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Alice disconnects just after the server's database connections were killed: the first
    write of her lastSeenAt meets a dead connection after Redis has taken the change. The
    change must still be told, with its lastSeenAt, once the database answers again."""
    settings = make_settings(**NO_LAPSE)
    async with (
        run_instance(settings, log_dir=tmp_path) as server,
        Api.connect(server.http_url) as api,
    ):
        try:
            alice, bob = await accounts(api, "alice", "bob")
            async with watching(server.ws_url, bob, [alice.id]) as watcher:
                async with graphql_socket(server.ws_url, alice.access_token):
                    assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                    # Idle otherwise: the settle after alice's grace is what meets them.
                    assert await kill_database_connections(settings.database_url) > 0
                offline = await watcher.until(alice.id, "OFFLINE")
                assert offline["lastSeenAt"] is not None
                assert await presence_of(api, bob, alice) == {
                    "status": "OFFLINE",
                    "lastSeenAt": offline["lastSeenAt"],
                }
        finally:
            print(server.output())
