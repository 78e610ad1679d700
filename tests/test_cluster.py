"""Two real server processes sharing PostgreSQL and Redis (issue 3, SPEC §1 and §5).

Clients on one instance receive what is sent through the other, and every live subscriber gets
every message exactly once, in order, while Redis drops its connections or restarts.

Production only: skipped without PostgreSQL and Redis, failing instead under ``CI=true``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import (
    ADD_PARTICIPANTS,
    REMOVE_PARTICIPANT,
    RENAME_CONVERSATION,
    create,
    send,
)
from tests.support.cluster import (
    Cluster,
    PrivateRedis,
    eventually,
    run_cluster,
    send_retrying,
)
from tests.support.ws import Feed, GraphQLSocket, graphql_socket
from tidings.settings import Settings

pytestmark = pytest.mark.parametrize("backend", ["production"], indirect=True)

MESSAGE_ADDED = """
subscription Added($conversationId: ID, $afterSeq: Int) {
  messageAdded(conversationId: $conversationId, afterSeq: $afterSeq) {
    id conversationId seq content sender { id }
  }
}
"""

CONVERSATION_UPDATED = """
subscription { conversationUpdated { id title participants { user { id } } } }
"""


@pytest.fixture
async def cluster(make_settings: Callable[..., Settings], tmp_path: Path) -> AsyncIterator[Cluster]:
    async with run_cluster(make_settings(), size=2, log_dir=tmp_path) as running:
        try:
            yield running
        finally:
            print(running.output())  # pytest shows it when the test failed


def seqs_and_contents(items: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(item["seq"], item["content"]) for item in items]


async def test_a_message_sent_through_one_instance_reaches_subscribers_on_the_other(
    cluster: Cluster,
) -> None:
    a, b = cluster.instances
    async with Api.connect(a.http_url) as api_a, Api.connect(b.http_url) as api_b:
        alice = await api_a.register("alice")
        bob = await api_b.register("bob")
        direct = (await create(api_b, bob, "DIRECT", alice))["id"]
        channel = cluster.channels.conversation(direct)

        async with (
            graphql_socket(a.ws_url, alice.access_token) as on_a,
            graphql_socket(b.ws_url, bob.access_token) as on_b,
        ):
            inbox = await on_a.subscribe(MESSAGE_ADDED, field="messageAdded")
            # The inbox feed is A's only listener so far: once A listens, it has started.
            await cluster.wait_listening(channel, 1)
            one = await on_a.subscribe(
                MESSAGE_ADDED, {"conversationId": direct, "afterSeq": 0}, field="messageAdded"
            )
            bobs = await on_b.subscribe(
                MESSAGE_ADDED, {"conversationId": direct, "afterSeq": 0}, field="messageAdded"
            )

            for text in ("one", "two", "three"):
                await send(api_b, bob, direct, text)
            await send(api_a, alice, direct, "four")

            expected = [(1, "one"), (2, "two"), (3, "three"), (4, "four")]
            for subscription in (inbox, one, bobs):
                assert seqs_and_contents(await subscription.take(4)) == expected
            senders = [item["sender"]["id"] for item in inbox.received]
            assert senders == [bob.id, bob.id, bob.id, alice.id]
            assert {item["conversationId"] for item in inbox.received} == {direct}


def has_member(conversation: dict[str, Any], account: Account) -> bool:
    return account.id in {p["user"]["id"] for p in conversation["participants"]}


async def test_conversation_updated_reaches_the_other_instance(cluster: Cluster) -> None:
    a, b = cluster.instances
    async with Api.connect(a.http_url) as api_a, Api.connect(b.http_url) as api_b:
        alice = await api_a.register("alice")
        bob = await api_b.register("bob")
        carol = await api_b.register("carol")

        async with graphql_socket(a.ws_url, alice.access_token) as on_a:
            updates = await on_a.subscribe(CONVERSATION_UPDATED, field="conversationUpdated")
            await cluster.wait_listening(cluster.channels.user(alice.id), 1)

            group = (await create(api_b, bob, "GROUP", alice, carol, title="Plans"))["id"]
            created = await updates.next()
            assert (created["id"], has_member(created, alice)) == (group, True)

            variables = {"conversationId": group, "userId": alice.id}
            await api_b.data(REMOVE_PARTICIPANT, variables, token=bob.access_token)
            removed = await updates.next()
            assert (removed["id"], has_member(removed, alice)) == (group, False)

            variables = {"conversationId": group, "userIds": [alice.id]}
            await api_b.data(ADD_PARTICIPANTS, variables, token=bob.access_token)
            added = await updates.next()
            assert (added["id"], has_member(added, alice)) == (group, True)

            variables = {"conversationId": group, "title": "New plans"}
            await api_b.data(RENAME_CONVERSATION, variables, token=bob.access_token)
            # Next comes the rename: each change was told once.
            renamed = await updates.next()
            assert (renamed["id"], renamed["title"]) == (group, "New plans")


async def test_the_inbox_feed_follows_groups_joined_and_left_on_the_other_instance(
    cluster: Cluster,
) -> None:
    a, b = cluster.instances
    async with Api.connect(a.http_url) as api_a, Api.connect(b.http_url) as api_b:
        alice = await api_a.register("alice")
        bob = await api_b.register("bob")
        carol = await api_b.register("carol")
        direct = (await create(api_b, bob, "DIRECT", alice))["id"]
        group = (await create(api_b, bob, "GROUP", carol, title="Plans"))["id"]

        async with graphql_socket(a.ws_url, alice.access_token) as on_a:
            inbox = await on_a.subscribe(MESSAGE_ADDED, field="messageAdded")
            await cluster.wait_listening(cluster.channels.conversation(direct), 1)

            await send(api_b, bob, group, "before alice")
            variables: dict[str, Any] = {"conversationId": group, "userIds": [alice.id]}
            await api_b.data(ADD_PARTICIPANTS, variables, token=bob.access_token)
            await send(api_b, bob, group, "welcome")
            assert seqs_and_contents([await inbox.next()]) == [(2, "welcome")]

            variables = {"conversationId": group, "userId": alice.id}
            await api_b.data(REMOVE_PARTICIPANT, variables, token=bob.access_token)
            await send(api_b, bob, group, "after alice")
            await send(api_b, bob, direct, "still here?")
            # Nothing of the group came between: alice stopped receiving it at once.
            last = await inbox.next()
            assert (last["conversationId"], last["content"]) == (direct, "still here?")
            assert [item["content"] for item in inbox.received] == ["welcome", "still here?"]


@dataclass
class Room:
    """A group of alice, bob and carol, and who listens to it: alice on instance A and carol
    on instance B, each with the group's own feed and the inbox-wide one. Bob sends message
    ``m<n>`` (``seq`` n) through A and B in turn."""

    cluster: Cluster
    group: str
    bob: Account
    apis: list[Api]
    sockets: list[GraphQLSocket]
    subscriptions: dict[str, Feed]
    sent: list[int] = field(default_factory=list)

    async def send(
        self, first: int, last: int, *, pace: float = 0.0, through: tuple[int, ...] = (0, 1)
    ) -> None:
        """Send m<first>…m<last>, through the instances numbered in ``through`` in turn."""
        for n in range(first, last + 1):
            api = self.apis[through[n % len(through)]]
            message = await send_retrying(
                api, self.bob, self.group, f"m{n}", client_message_id=f"m{n}"
            )
            assert message["seq"] == n
            self.sent.append(n)
            await asyncio.sleep(pace)

    async def expect(self, first: int, last: int, *, who: str = "") -> None:
        """Every subscriber's (or ``who``'s) next items are exactly m<first>…m<last>, in seq
        order."""
        expected = [(n, f"m{n}") for n in range(first, last + 1)]
        for name, subscription in self.subscriptions.items():
            if name.startswith(who):
                received = await subscription.take(len(expected))
                assert seqs_and_contents(received) == expected, name

    async def has_sent(self, count: int) -> None:
        async def enough() -> bool:
            return len(self.sent) >= count

        await eventually(enough, f"{count} messages sent")


@asynccontextmanager
async def room_of(cluster: Cluster) -> AsyncIterator[Room]:
    a, b = cluster.instances
    async with Api.connect(a.http_url) as api_a, Api.connect(b.http_url) as api_b:
        alice = await api_a.register("alice")
        bob = await api_a.register("bob")
        carol = await api_b.register("carol")
        group = (await create(api_b, bob, "GROUP", alice, carol, title="Stream"))["id"]
        async with (
            graphql_socket(a.ws_url, alice.access_token) as on_a,
            graphql_socket(b.ws_url, carol.access_token) as on_b,
        ):
            inbox_a = await on_a.subscribe(MESSAGE_ADDED, field="messageAdded")
            inbox_b = await on_b.subscribe(MESSAGE_ADDED, field="messageAdded")
            # Each inbox feed is its instance's only listener so far: both have started.
            await cluster.wait_listening(cluster.channels.conversation(group), 2)
            variables = {"conversationId": group, "afterSeq": 0}
            yield Room(
                cluster,
                group,
                bob,
                [api_a, api_b],
                [on_a, on_b],
                {
                    "alice on A, inbox": inbox_a,
                    "carol on B, inbox": inbox_b,
                    "alice on A, group": await on_a.subscribe(
                        MESSAGE_ADDED, variables, field="messageAdded"
                    ),
                    "carol on B, group": await on_b.subscribe(
                        MESSAGE_ADDED, variables, field="messageAdded"
                    ),
                },
            )


async def test_no_message_is_lost_duplicated_or_reordered_when_redis_connections_drop(
    cluster: Cluster,
) -> None:
    async with room_of(cluster) as room:
        faults: list[dict[str, list[int]]] = []

        async def drop_connections() -> None:
            for after in (20, 40):
                await room.has_sent(after)
                killed = await cluster.kill_connections("pubsub", "normal")
                faults.append(killed)
                await cluster.wait_resubscribed(killed["pubsub"])

        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(drop_connections())
            tasks.create_task(room.send(1, 60, pace=0.05))
        await room.expect(1, 60)
        # A duplicate still in flight would arrive before this one.
        await room.send(61, 61)
        await room.expect(61, 61)
        # The faults were real: both instances' pub/sub connections were cut, twice.
        assert [len(killed["pubsub"]) for killed in faults] == [2, 2], faults


async def test_subscribers_hear_again_after_idle_pubsub_connections_are_killed(
    cluster: Cluster,
) -> None:
    async with room_of(cluster) as room:
        await room.send(1, 5)
        await room.expect(1, 5)

        killed = await cluster.kill_connections("pubsub")
        assert len(killed["pubsub"]) == 2, killed
        await cluster.wait_resubscribed(killed["pubsub"])
        await cluster.wait_listening(cluster.channels.conversation(room.group), 2)

        await room.send(6, 10)
        await room.expect(6, 10)


async def test_subscriptions_opened_mid_stream_replay_then_follow_without_gap_or_duplicate(
    cluster: Cluster,
) -> None:
    """Replay then live with no race in between (SPEC §5), while both instances send:
    subscriptions are opened one after another during a stream, alternately on A and B."""
    async with room_of(cluster) as room:
        replaying: list[tuple[int, Feed]] = []  # (afterSeq, its subscription)
        inboxes: list[Feed] = []

        async def subscribe_during_the_stream() -> None:
            for turn in range(16):
                await room.has_sent(2 * turn + 2)
                socket = room.sockets[turn % 2]
                after = len(room.sent) - 2  # replays some, while more are in flight
                variables = {"conversationId": room.group, "afterSeq": after}
                replaying.append(
                    (after, await socket.subscribe(MESSAGE_ADDED, variables, field="messageAdded"))
                )
                inboxes.append(await socket.subscribe(MESSAGE_ADDED, field="messageAdded"))

        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(subscribe_during_the_stream())
            tasks.create_task(room.send(1, 40, pace=0.05))
        await room.send(41, 41)  # a duplicate still in flight would arrive before this one

        await room.expect(1, 41)
        for after, subscription in replaying:
            expected = [(n, f"m{n}") for n in range(after + 1, 42)]
            assert seqs_and_contents(await subscription.take(len(expected))) == expected
        for subscription in inboxes:
            # Inbox-wide feeds start wherever the conversation was: from there, no gap.
            await subscription.until(lambda item: item["seq"] == 41)
            seqs = [item["seq"] for item in subscription.received]
            assert seqs == list(range(seqs[0], 42))


@pytest.fixture
async def cluster_on_private_redis(
    make_settings: Callable[..., Settings], redis_server: PrivateRedis, tmp_path: Path
) -> AsyncIterator[Cluster]:
    settings = make_settings(redis_url=redis_server.url)
    async with run_cluster(settings, size=2, log_dir=tmp_path) as running:
        try:
            yield running
        finally:
            print(running.output())


async def test_no_message_is_lost_duplicated_or_reordered_when_redis_restarts(
    cluster_on_private_redis: Cluster, redis_server: PrivateRedis
) -> None:
    cluster = cluster_on_private_redis
    async with room_of(cluster) as room:

        async def restart_redis() -> None:
            await room.has_sent(20)
            await redis_server.shutdown()
            await asyncio.sleep(1)  # an outage while the sender keeps sending
            await redis_server.start()
            await cluster.wait_resubscribed([])

        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(restart_redis())
            tasks.create_task(room.send(1, 60, pace=0.05))
        await room.expect(1, 60)
        await room.send(61, 61)
        await room.expect(61, 61)


async def test_what_is_published_while_an_instance_is_cut_off_from_redis_is_backfilled(
    make_settings: Callable[..., Settings], redis_server: PrivateRedis, tmp_path: Path
) -> None:
    """Instance A loses its pub/sub connection and cannot get back (its Redis user is
    disabled) while messages are sent through B, and nothing is sent after A returns: only
    the backfill after reconnecting can bring A's subscribers what they missed."""
    urls = [await redis_server.add_user(user) for user in ("instance-a", "instance-b")]
    settings = make_settings(redis_url=redis_server.url)
    async with run_cluster(settings, size=2, log_dir=tmp_path, redis_urls=urls) as cluster:
        try:
            a, _ = cluster.instances
            async with room_of(cluster) as room:
                await room.send(1, 4)
                await room.expect(1, 4)

                await redis_server.set_user_enabled("instance-a", enabled=False)
                killed = await cluster.kill_connections("pubsub", instance=a)
                assert len(killed["pubsub"]) == 1, killed
                await room.send(5, 9, through=(1,))
                await room.expect(5, 9, who="carol")
                assert all(
                    subscription.operation.queue.empty()
                    for name, subscription in room.subscriptions.items()
                    if name.startswith("alice")
                ), "instance A was not cut off"

                await redis_server.set_user_enabled("instance-a", enabled=True)
                await room.expect(5, 9, who="alice")
                await room.send(10, 11)
                await room.expect(10, 11)
        finally:
            print(cluster.output())
