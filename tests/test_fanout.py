"""One message to many local subscribers: executed once per distinct document, yet each
subscriber still sees exactly what its own document, variables and viewer ask for."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import create, send
from tests.support.presence import hide_presence
from tests.support.receipts import live_receipts, ticks, update_when, users
from tests.support.server import RunningServer
from tests.support.statements import count_statements
from tests.support.ws import WAIT, GraphQLSocket, Operation, graphql_socket

WITH_COUNTS = """
subscription WithCounts($conversationId: ID!, $afterSeq: Int) {
  messageAdded(conversationId: $conversationId, afterSeq: $afterSeq) {
    seq content status deliveredCount readCount recipientCount
    sender { username }
    readBy { user { username } }
  }
}
"""

SENDER_PRESENCE = """
subscription SenderPresence($conversationId: ID!, $afterSeq: Int) {
  messageAdded(conversationId: $conversationId, afterSeq: $afterSeq) {
    seq
    sender { username presence { status } }
  }
}
"""

MAYBE_SENDER = """
subscription MaybeSender($conversationId: ID!, $afterSeq: Int, $withSender: Boolean!) {
  messageAdded(conversationId: $conversationId, afterSeq: $afterSeq) {
    seq
    sender @include(if: $withSender) { username }
  }
}
"""


async def _warm_up(api: Api, sender: Account, conversation: str) -> int:
    """Send a message that new subscriptions replay to show they are live; its seq."""
    return int((await send(api, sender, conversation, "warm-up"))["seq"])


async def _start(
    socket: GraphQLSocket, document: str, variables: dict[str, Any], warm_up: int
) -> Operation:
    """A subscription, live once it has replayed the warm-up message."""
    feed = await socket.start(document, {**variables, "afterSeq": warm_up - 1})
    assert (await feed.data())["messageAdded"]["seq"] == warm_up
    return feed


async def test_counts_for_many_subscribers_cost_what_they_cost_for_one(
    api: Api, server: RunningServer
) -> None:
    """Counts need the participants' marks: read once per message, not once per subscriber."""
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Counts")

    async def fan_out(feeds: list[Operation], content: str) -> tuple[list[str], list[Any]]:
        with count_statements(server.services.engine) as statements:
            sent = await send(api, alice, group["id"], content)
            received = await asyncio.gather(*(feed.data() for feed in feeds))
        messages = [data["messageAdded"] for data in received]
        assert {m["seq"] for m in messages} == {sent["seq"]}
        reads = [s for s in statements if "last_delivered_seq" in s and s.startswith("SELECT")]
        return reads, messages

    async with AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(graphql_socket(server.ws_url, account.access_token))
            for account in [alice] * 4
        ]
        variables = {"conversationId": group["id"]}
        warm_up = await _warm_up(api, alice, group["id"])
        one = [await _start(sockets[0], WITH_COUNTS, variables, warm_up)]
        reads_for_one, _ = await fan_out(one, "to one")

        warm_up = await _warm_up(api, alice, group["id"])
        assert (await one[0].data())["messageAdded"]["seq"] == warm_up
        more = [
            await _start(socket, WITH_COUNTS, variables, warm_up)
            for socket in sockets
            for _ in range(5)
        ]
        reads_for_many, messages = await fan_out([*one, *more], "to twenty-one")

    assert reads_for_one, "counting the marks reads the participants"
    assert len(reads_for_many) == len(reads_for_one)
    assert len(messages) == 21
    assert all(m == messages[0] for m in messages)
    assert messages[0]["content"] == "to twenty-one"
    assert messages[0]["status"] == "SENT"
    assert messages[0]["recipientCount"] == 2
    assert messages[0]["sender"] == {"username": "alice"}


async def test_a_field_that_depends_on_the_viewer_is_executed_for_each_viewer(
    api: Api, server: RunningServer
) -> None:
    """alice hides her presence: her own devices still see it, bob sees OFFLINE."""
    alice, bob = await users(api, "alice", "bob")
    group = await create(api, alice, "GROUP", bob, title="Presence")
    await hide_presence(api, alice, hidden=True)
    variables = {"conversationId": group["id"]}

    async with (
        graphql_socket(server.ws_url, alice.access_token) as alice_socket,
        graphql_socket(server.ws_url, bob.access_token) as bob_socket,
    ):
        warm_up = await _warm_up(api, alice, group["id"])
        alice_feeds = [
            await _start(alice_socket, SENDER_PRESENCE, variables, warm_up) for _ in range(3)
        ]
        bob_feeds = [
            await _start(bob_socket, SENDER_PRESENCE, variables, warm_up) for _ in range(3)
        ]
        sent = await send(api, alice, group["id"], "where am I?")
        to_alice = [(await feed.data())["messageAdded"] for feed in alice_feeds]
        to_bob = [(await feed.data())["messageAdded"] for feed in bob_feeds]

    seen_by_alice = {"username": "alice", "presence": {"status": "ONLINE"}}
    seen_by_bob = {"username": "alice", "presence": {"status": "OFFLINE"}}
    assert to_alice == [{"seq": sent["seq"], "sender": seen_by_alice}] * 3
    assert to_bob == [{"seq": sent["seq"], "sender": seen_by_bob}] * 3


async def test_variables_below_the_root_field_give_each_subscriber_its_own_shape(
    api: Api, server: RunningServer
) -> None:
    alice, bob = await users(api, "alice", "bob")
    group = await create(api, alice, "GROUP", bob, title="Shapes")

    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        warm_up = await _warm_up(api, alice, group["id"])
        feeds = {
            with_sender: [
                await _start(
                    socket,
                    MAYBE_SENDER,
                    {"conversationId": group["id"], "withSender": with_sender},
                    warm_up,
                )
                for _ in range(3)
            ]
            for with_sender in (True, False)
        }
        sent = await send(api, alice, group["id"], "shapes")
        with_sender = [(await feed.data())["messageAdded"] for feed in feeds[True]]
        without = [(await feed.data())["messageAdded"] for feed in feeds[False]]

    assert with_sender == [{"seq": sent["seq"], "sender": {"username": "alice"}}] * 3
    assert without == [{"seq": sent["seq"]}] * 3


async def test_a_group_message_delivered_to_every_member_moves_their_marks_together(
    api: Api, server: RunningServer
) -> None:
    """Twelve members hear a message live: every delivered tick moves, in a batch or two
    of writes (the batches are flushed on a timer, which the deliveries may straddle)."""
    alice, *members = await users(api, "alice", *(f"member{n}" for n in range(12)))
    group = await create(api, alice, "GROUP", *members, title="Ticks")
    variables = {"conversationId": group["id"]}

    async with AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(graphql_socket(server.ws_url, member.access_token))
            for member in members
        ]
        warm_up = await _warm_up(api, alice, group["id"])
        feeds = [await _start(socket, WITH_COUNTS, variables, warm_up) for socket in sockets]
        with count_statements(server.services.engine) as statements:
            sent = await send(api, alice, group["id"], "to everyone")
            for feed in feeds:
                assert (await feed.data())["messageAdded"]["seq"] == sent["seq"]
            for _ in range(int(WAIT / 0.05)):
                tick = await ticks(api, alice, sent["id"])
                if tick["deliveredCount"] == len(members):
                    break
                await asyncio.sleep(0.05)
        writes = [s for s in statements if s.startswith("UPDATE participants SET last_deliv")]

    assert (tick["status"], tick["deliveredCount"], tick["recipientCount"]) == (
        "DELIVERED",
        12,
        12,
    )
    assert 1 <= len(writes) <= 3, writes


async def test_receipt_counts_are_computed_only_for_watched_conversations(
    api: Api, server: RunningServer
) -> None:
    """Delivered ticks always move; the counts a receiptUpdated event carries are worked out
    only while someone subscribes to that conversation's receipts."""
    alice, bob = await users(api, "alice", "bob")
    group = await create(api, alice, "GROUP", bob, title="Watched")
    variables = {"conversationId": group["id"]}

    async def delivered(socket: GraphQLSocket, content: str) -> list[str]:
        """Send, let bob's feed deliver it, wait for the tick; the counting statements."""
        warm_up = await _warm_up(api, alice, group["id"])
        feed = await _start(socket, WITH_COUNTS, variables, warm_up)
        with count_statements(server.services.engine) as statements:
            sent = await send(api, alice, group["id"], content)
            assert (await feed.data())["messageAdded"]["seq"] == sent["seq"]
            for _ in range(int(WAIT / 0.05)):
                if (await ticks(api, alice, sent["id"]))["deliveredCount"] == 1:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the delivered tick never moved")
            await asyncio.sleep(0.5)  # two more flushes of the receipt desk
        return [s for s in statements if "ORDER BY messages.seq DESC" in s]

    async with (
        graphql_socket(server.ws_url, bob.access_token) as bob_socket,
        graphql_socket(server.ws_url, alice.access_token) as alice_socket,
    ):
        unwatched = await delivered(bob_socket, "nobody watches")
        receipts = await live_receipts(api, group["id"], alice_socket, reader=bob, writer=alice)
        watched = await delivered(bob_socket, "alice watches")
        frame = await update_when(receipts[0], lambda update: bool(update["counts"]))

    assert unwatched == []
    assert watched, "with a receipts subscriber the counts are read"
    assert frame["conversationId"] == group["id"]
