"""Presence on one server (issue 5, SPEC §5 "Presence"), embedded and production: online while a
socket lives, AWAY/BUSY aggregated across devices, OFFLINE after a grace period with a stored
``lastSeenAt``, hidden presence, strangers, feeds that follow joins and leaves, and what reading
and announcing presence costs in Redis.

Timings are shortened through settings. Absence of an event is shown with a mark (see
``tests.support.presence``), never by waiting and finding nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import pytest
import redis.asyncio as redis

from tests.support.api import Account, Api
from tests.support.chat import ADD_PARTICIPANTS, LEAVE_CONVERSATION, code_of, create
from tests.support.clock import FakeClock
from tests.support.presence import (
    SET_PRESENCE,
    TIMINGS,
    CommandLog,
    hide_presence,
    log_in,
    my_presence,
    past_grace,
    presence_of,
    set_presence,
    status_of,
    timestamp,
    watching,
)
from tests.support.server import RunningServer, run_server
from tests.support.statements import count_statements
from tests.support.ws import graphql_socket
from tidings.settings import Settings

PARTICIPANTS = """
query Participants($id: ID!) {
  conversation(id: $id) { participants { user { id presence { status lastSeenAt } } } }
}
"""

production_only = pytest.mark.parametrize("backend", ["production"], indirect=True)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(**TIMINGS)


async def pair(api: Api) -> tuple[Account, Account]:
    """Alice and Bob, who share a direct conversation."""
    alice = await api.register("alice")
    bob = await api.register("bob")
    await create(api, alice, "DIRECT", bob)
    return alice, bob


async def test_connecting_shows_the_user_online_to_a_co_participant(
    api: Api, server: RunningServer
) -> None:
    alice, bob = await pair(api)
    assert await presence_of(api, bob, alice) == {"status": "OFFLINE", "lastSeenAt": None}

    async with (
        watching(server.ws_url, bob) as watcher,
        graphql_socket(server.ws_url, alice.access_token),
    ):
        event = await watcher.next()
        assert status_of(event) == (alice.id, "ONLINE")
        assert event["lastSeenAt"] is None
        assert await presence_of(api, bob, alice) == {"status": "ONLINE", "lastSeenAt": None}
        # The same through their conversation's participants (creating it again finds it).
        direct = (await create(api, bob, "DIRECT", alice))["id"]
        data = await api.data(PARTICIPANTS, {"id": direct}, token=bob.access_token)
        statuses = {
            p["user"]["id"]: p["user"]["presence"]["status"]
            for p in data["conversation"]["participants"]
        }
        assert statuses == {alice.id: "ONLINE", bob.id: "ONLINE"}


async def test_away_and_busy_are_aggregated_across_devices(api: Api, server: RunningServer) -> None:
    """BUSY if any device is BUSY, else ONLINE if any is ONLINE, else AWAY."""
    alice, bob = await pair(api)
    phone_token = await log_in(api, alice)
    async with (
        watching(server.ws_url, bob, [alice.id]) as watcher,
        graphql_socket(server.ws_url, alice.access_token) as laptop,
    ):
        assert status_of(await watcher.next()) == (alice.id, "ONLINE")
        async with graphql_socket(server.ws_url, phone_token) as phone:
            assert await watcher.mark() == [], "a second device changes nothing"
            steps = [  # (device, status it sets, alice's status then)
                (laptop, "AWAY", "ONLINE"),
                (phone, "AWAY", "AWAY"),
                (laptop, "BUSY", "BUSY"),
                (phone, "ONLINE", "BUSY"),
                (laptop, "ONLINE", "ONLINE"),
                (phone, "BUSY", "BUSY"),
                (phone, "AWAY", "ONLINE"),
                (laptop, "AWAY", "AWAY"),
            ]
            shown = "ONLINE"
            for device, status, expected in steps:
                data = await device.data(SET_PRESENCE, {"status": status})
                # Over a socket, the answer is the user's status after the change.
                assert data["setPresence"] == {"status": expected, "lastSeenAt": None}
                announced = [status_of(event) for event in await watcher.mark()]
                assert announced == ([] if expected == shown else [(alice.id, expected)])
                assert (await presence_of(api, bob, alice))["status"] == expected
                assert (await my_presence(api, alice))["status"] == expected
                shown = expected


async def test_set_presence_over_http_applies_to_every_socket_of_that_login_session(
    api: Api, server: RunningServer
) -> None:
    alice, bob = await pair(api)
    phone_token = await log_in(api, alice)
    async with AsyncExitStack() as stack:
        watcher = await stack.enter_async_context(watching(server.ws_url, bob, [alice.id]))
        # The laptop's login session has two sockets (two tabs); the phone's has one.
        for _ in range(2):
            await stack.enter_async_context(graphql_socket(server.ws_url, alice.access_token))
        phone = await stack.enter_async_context(graphql_socket(server.ws_url, phone_token))
        assert status_of(await watcher.next()) == (alice.id, "ONLINE")

        answer = await set_presence(api, alice.access_token, "AWAY")
        assert answer == {"status": "AWAY", "lastSeenAt": None}
        await phone.data(SET_PRESENCE, {"status": "AWAY"})
        # AWAY only once both laptop sockets took the laptop's AWAY.
        assert status_of(await watcher.next()) == (alice.id, "AWAY")

        await set_presence(api, phone_token, "ONLINE")
        assert status_of(await watcher.next()) == (alice.id, "ONLINE")
        await phone.data(SET_PRESENCE, {"status": "AWAY"})
        # AWAY again: the phone's session did not set the laptop's sockets ONLINE.
        assert status_of(await watcher.next()) == (alice.id, "AWAY")

        await set_presence(api, alice.access_token, "BUSY")
        assert status_of(await watcher.next()) == (alice.id, "BUSY")
        assert (await presence_of(api, bob, alice))["status"] == "BUSY"


async def test_offline_cannot_be_set(api: Api, server: RunningServer) -> None:
    alice = await api.register("alice")
    error = await api.error(SET_PRESENCE, {"status": "OFFLINE"}, token=alice.access_token)
    assert (code_of(error), error["extensions"]["field"]) == ("VALIDATION_ERROR", "status")
    async with graphql_socket(server.ws_url, alice.access_token) as socket:
        result = await socket.execute(SET_PRESENCE, {"status": "OFFLINE"})
        assert [code_of(error) for error in result["errors"]] == ["VALIDATION_ERROR"]
        assert (await my_presence(api, alice))["status"] == "ONLINE"


async def test_a_reconnect_within_the_grace_period_announces_nothing(
    api: Api, server: RunningServer, clock: FakeClock
) -> None:
    grace = server.services.settings.presence_grace_seconds
    alice, bob = await pair(api)
    async with watching(server.ws_url, bob, [alice.id]) as watcher:
        timers = clock.sleeping(grace)  # the sweep's, when it has the grace's length
        async with graphql_socket(server.ws_url, alice.access_token):
            assert status_of(await watcher.next()) == (alice.id, "ONLINE")
        await clock.until_sleeping(grace, count=timers + 1)  # the server saw the socket go
        async with graphql_socket(server.ws_url, alice.access_token) as again:
            # Past the grace period: an OFFLINE would have been announced by now, so it
            # would come before the next change.
            clock.advance(grace + 1)
            await again.data(SET_PRESENCE, {"status": "BUSY"})
            event = await watcher.next()
            assert status_of(event) == (alice.id, "BUSY")
            assert await presence_of(api, bob, alice) == {"status": "BUSY", "lastSeenAt": None}


async def test_a_disconnect_announces_offline_and_stores_last_seen(
    make_settings: Callable[..., Settings], clock: FakeClock
) -> None:
    settings = make_settings(**TIMINGS)
    async with run_server(settings, clock=clock) as server, Api.connect(server.http_url) as api:
        alice, bob = await pair(api)
        async with watching(server.ws_url, bob) as watcher:
            async with (
                past_grace(clock, server.services),
                graphql_socket(server.ws_url, alice.access_token),
            ):
                assert status_of(await watcher.next()) == (alice.id, "ONLINE")
                before = datetime.now(UTC)
            event = await watcher.next()
            after = datetime.now(UTC)
            assert status_of(event) == (alice.id, "OFFLINE")
            last_seen = event["lastSeenAt"]
            assert last_seen is not None
            assert before <= timestamp(last_seen) <= after
            expected = {"status": "OFFLINE", "lastSeenAt": last_seen}
            assert await presence_of(api, bob, alice) == expected
            assert await my_presence(api, alice) == expected

    # A new server process state (the embedded one keeps presence in memory): stored.
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        assert (await presence_of(api, bob, alice))["lastSeenAt"] == last_seen
        async with (
            watching(server.ws_url, bob, [alice.id]) as watcher,
            graphql_socket(server.ws_url, alice.access_token),
        ):
            event = await watcher.next()
            assert (status_of(event), event["lastSeenAt"]) == ((alice.id, "ONLINE"), None)
            assert (await presence_of(api, bob, alice))["status"] == "ONLINE"


async def test_hidden_presence_looks_offline_to_others_and_is_announced_when_toggled(
    api: Api, server: RunningServer, clock: FakeClock
) -> None:
    alice, bob = await pair(api)
    hidden = {"status": "OFFLINE", "lastSeenAt": None}
    async with watching(server.ws_url, bob) as watcher:
        async with (
            past_grace(clock, server.services),
            graphql_socket(server.ws_url, alice.access_token) as socket,
        ):
            assert status_of(await watcher.next()) == (alice.id, "ONLINE")

            await hide_presence(api, alice, hidden=True)
            event = await watcher.next()
            assert (status_of(event), event["lastSeenAt"]) == ((alice.id, "OFFLINE"), None)
            assert await presence_of(api, bob, alice) == hidden
            assert (await my_presence(api, alice))["status"] == "ONLINE"

            # Changes while hidden show others nothing but OFFLINE.
            await socket.data(SET_PRESENCE, {"status": "BUSY"})
            for event in await watcher.mark():
                assert (status_of(event), event["lastSeenAt"]) == ((alice.id, "OFFLINE"), None)
            assert await presence_of(api, bob, alice) == hidden
            assert (await my_presence(api, alice))["status"] == "BUSY"

            await hide_presence(api, alice, hidden=False)
            event = await watcher.next()
            assert (status_of(event), event["lastSeenAt"]) == ((alice.id, "BUSY"), None)
            assert await presence_of(api, bob, alice) == {"status": "BUSY", "lastSeenAt": None}

            await hide_presence(api, alice, hidden=True)
            assert status_of(await watcher.next()) == (alice.id, "OFFLINE")

        # Going offline while hidden: announced as OFFLINE without lastSeenAt, which is stored
        # but shown to alice alone.
        event = await watcher.next()
        assert (status_of(event), event["lastSeenAt"]) == ((alice.id, "OFFLINE"), None)
        assert await presence_of(api, bob, alice) == hidden
        own = await my_presence(api, alice)
        assert own["status"] == "OFFLINE"
        assert own["lastSeenAt"] is not None

        await hide_presence(api, alice, hidden=False)
        event = await watcher.next()
        assert status_of(event) == (alice.id, "OFFLINE")
        assert event["lastSeenAt"] == own["lastSeenAt"]
        assert await presence_of(api, bob, alice) == own


async def test_a_stranger_sees_nothing(api: Api, server: RunningServer, clock: FakeClock) -> None:
    """Presence is for people who share a conversation. The stranger shares one with carol,
    who shares one with alice; carol sees everything alice does, the stranger nothing."""
    alice = await api.register("alice")
    carol = await api.register("carol")
    stranger = await api.register("stranger")
    await create(api, alice, "DIRECT", carol)
    await create(api, stranger, "DIRECT", carol)
    unknown = {"status": "OFFLINE", "lastSeenAt": None}
    async with (
        watching(server.ws_url, carol, [alice.id]) as contact,
        watching(server.ws_url, stranger, [alice.id]) as named,
        watching(server.ws_url, stranger) as everyone,
    ):
        async with (
            past_grace(clock, server.services),
            graphql_socket(server.ws_url, alice.access_token) as socket,
        ):
            await socket.data(SET_PRESENCE, {"status": "BUSY"})
            assert status_of(await contact.next()) == (alice.id, "ONLINE")
            assert status_of(await contact.next()) == (alice.id, "BUSY")
            assert (await presence_of(api, carol, alice))["status"] == "BUSY"
            assert await presence_of(api, stranger, alice) == unknown
        offline = await contact.next()
        assert status_of(offline) == (alice.id, "OFFLINE")
        assert offline["lastSeenAt"] is not None

        # All of alice's changes were published before these marks.
        for watcher in (named, everyone):
            assert {e["user"]["id"] for e in await watcher.mark()} <= {carol.id}
        assert await presence_of(api, stranger, alice) == unknown
        assert (await presence_of(api, carol, alice))["lastSeenAt"] == offline["lastSeenAt"]


async def test_the_feed_without_ids_follows_joins_and_leaves(
    api: Api, server: RunningServer
) -> None:
    bob = await api.register("bob")
    newcomer = await api.register("newcomer")
    host = await api.register("host")
    group = (await create(api, host, "GROUP", newcomer, title="Later"))["id"]
    async with (
        watching(server.ws_url, bob) as everyone,
        watching(server.ws_url, bob, [newcomer.id]) as named,
        graphql_socket(server.ws_url, newcomer.access_token) as socket,
    ):
        await socket.data(SET_PRESENCE, {"status": "BUSY"})
        for watcher in (everyone, named):
            assert await watcher.mark() == [], "not a contact yet"

        variables: dict[str, Any] = {"conversationId": group, "userIds": [bob.id]}
        await api.data(ADD_PARTICIPANTS, variables, token=host.access_token)
        # A mark after the join: the feeds have taken the join in by then.
        for watcher in (everyone, named):
            await watcher.mark()
        await socket.data(SET_PRESENCE, {"status": "AWAY"})
        for watcher in (everyone, named):
            assert status_of(await watcher.next()) == (newcomer.id, "AWAY")
        assert (await presence_of(api, bob, newcomer))["status"] == "AWAY"

        await api.data(LEAVE_CONVERSATION, {"conversationId": group}, token=bob.access_token)
        for watcher in (everyone, named):
            await watcher.mark()
        await socket.data(SET_PRESENCE, {"status": "ONLINE"})
        for watcher in (everyone, named):
            assert await watcher.mark() == [], "no longer a contact"
        assert await presence_of(api, bob, newcomer) == {"status": "OFFLINE", "lastSeenAt": None}
        assert (await presence_of(api, host, newcomer))["status"] == "ONLINE"


# --- cost in Redis -----------------------------------------------------------------------

# Long timings: no refresh or sweep runs during a measurement.
QUIET: dict[str, Any] = {
    "presence_ttl_seconds": 600.0,
    "presence_refresh_seconds": 300.0,
    "presence_sweep_seconds": 300.0,
    "presence_grace_seconds": 0.5,
}


SEARCH = """
query Search($query: String!, $first: Int) {
  searchUsers(query: $query, first: $first) { id presence { status lastSeenAt } }
}
"""


@production_only
async def test_the_presence_of_a_list_of_users_is_read_in_one_redis_command(
    make_settings: Callable[..., Settings],
) -> None:
    """Twenty users' presence, through a group's participants or a search: one MGET, and SQL
    statements that do not grow with the list."""
    settings = make_settings(**QUIET)
    assert settings.redis_url is not None
    async with (
        run_server(settings) as server,
        Api.connect(server.http_url) as api,
        AsyncExitStack() as stack,
    ):
        members = [await api.register(f"member{n}") for n in range(20)]
        viewer = members[0]
        group = (await create(api, viewer, "GROUP", *members[1:], title="Twenty"))["id"]
        busy = members[1:4]
        for member in busy:
            socket = await stack.enter_async_context(
                graphql_socket(server.ws_url, member.access_token)
            )
            await socket.data(SET_PRESENCE, {"status": "BUSY"})
        log = await stack.enter_async_context(
            CommandLog.monitoring(settings.redis_url, settings.redis_namespace)
        )

        async def measure(query: str, variables: dict[str, Any]) -> tuple[Any, list[Any], int]:
            """The result, the Redis commands and the number of SQL statements it took."""
            with count_statements(server.services.engine) as statements:
                async with log.during() as commands:
                    data = await api.data(query, variables, token=viewer.access_token)
            return data, commands, len(statements)

        participants, commands, _ = await measure(PARTICIPANTS, {"id": group})
        found, search_commands, statements = await measure(SEARCH, {"query": "member"})
        _, _, statements_for_two = await measure(SEARCH, {"query": "member", "first": 2})

        expected = {m.id: "BUSY" if m in busy else "OFFLINE" for m in members}
        users = [p["user"] for p in participants["conversation"]["participants"]]
        assert {u["id"]: u["presence"]["status"] for u in users} == expected
        assert {u["id"]: u["presence"]["status"] for u in found["searchUsers"]} == expected
        keys = sorted(f"{settings.redis_namespace}:v1:presence:{m.id}" for m in members)
        for sent in (commands, search_commands):
            assert [command.name for command in sent] == ["MGET"], sent
            assert sorted(sent[0].arguments) == keys
        assert statements == statements_for_two


@production_only
async def test_going_online_is_published_once_however_many_watch(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(**QUIET)
    assert settings.redis_url is not None
    watchers = 25
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        star = await api.register("star")
        fans = [await api.register(f"fan{n}") for n in range(watchers)]
        for fan in fans:
            await create(api, fan, "DIRECT", star)
        channel = f"{settings.redis_namespace}:v1:presence:{star.id}"
        async with AsyncExitStack() as stack:
            feeds = [
                await stack.enter_async_context(watching(server.ws_url, fan, [star.id]))
                for fan in fans
            ]
            log = await stack.enter_async_context(
                CommandLog.monitoring(settings.redis_url, settings.redis_namespace)
            )
            async with log.during() as commands:
                await stack.enter_async_context(graphql_socket(server.ws_url, star.access_token))
                for feed in feeds:
                    assert status_of(await feed.next()) == (star.id, "ONLINE")

            publishes = [c for c in commands if c.name == "PUBLISH" and c.arguments[0] == channel]
            assert len(publishes) == 1, commands
            sent = [c for c in commands if not c.from_script]
            # A few commands (admission, the announce-once settle, the publish), not one or
            # more per watcher.
            assert len(sent) < watchers, sent
            # Redis itself delivers to this server once; the server fans out in memory.
            assert await numsub(settings, channel) == 1


async def numsub(settings: Settings, channel: str) -> int:
    """How many connections listen on ``channel`` in Redis."""
    assert settings.redis_url is not None
    async with redis.Redis.from_url(settings.redis_url) as client:
        counts = await client.pubsub_numsub(channel)
    return int(counts[0][1])
