"""Read receipts as clients see them: ticks (SENT → DELIVERED → READ) queried by the sender,
``receiptUpdated`` frames over a real WebSocket, group counts, coalescing, and the SQL a page
of ticks costs. Privacy: ``test_receipt_privacy``; deletions, departures and marks that never
move back: ``test_receipt_marks``."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.api import Api
from tests.support.chat import ADD_PARTICIPANTS, create, history, mark_read, send
from tests.support.receipts import (
    count_of,
    delivered_up_to,
    live_receipts,
    read_by,
    read_up_to,
    receipt_of,
    ticks,
    ticks_page,
    timestamp,
    update_when,
    updates_until,
    users,
)
from tests.support.server import LocalApp, RunningServer
from tests.support.statements import count_statements
from tests.support.ws import MESSAGE_ADDED, graphql_socket

# Readers in the coalescing test: 50 marking read at once, as the issue asks (about 5 s).
READERS = 50


# --- 1:1 ----------------------------------------------------------------------------------


async def test_direct_message_goes_sent_delivered_read(api: Api, server: RunningServer) -> None:
    alice, bob = await users(api, "alice", "bob")
    cid = (await create(api, alice, "DIRECT", bob))["id"]

    async with graphql_socket(server.ws_url, alice.access_token) as alice_socket:
        [receipts] = await live_receipts(api, cid, alice_socket, reader=alice, writer=bob)
        hello = await send(api, alice, cid, "hello")
        sent = await ticks(api, alice, hello["id"])

        async with graphql_socket(server.ws_url, bob.access_token) as bob_socket:
            # Replaying from just before "hello", so the subscription cannot miss it.
            added = await bob_socket.start(
                MESSAGE_ADDED, {"conversationId": cid, "afterSeq": hello["seq"] - 1}
            )
            assert (await added.data())["messageAdded"]["id"] == hello["id"]
            delivered_frame = await update_when(receipts, delivered_up_to(bob, hello["seq"]))
            delivered = await ticks(api, alice, hello["id"])

            read_mark = await mark_read(api, bob, cid, hello["id"])
            read_frame = await update_when(receipts, read_up_to(bob, hello["seq"]))
            read = await ticks(api, alice, hello["id"])

            # Now live: a message pushed to bob's subscription is delivered too.
            again = await send(api, alice, cid, "still there?")
            assert (await added.data())["messageAdded"]["id"] == again["id"]
            again_frame = await update_when(receipts, delivered_up_to(bob, again["seq"]))
            again_ticks = await ticks(api, alice, again["id"])

    assert sent["status"] == "SENT"
    assert (sent["deliveredCount"], sent["readCount"], sent["recipientCount"]) == (0, 0, 1)
    assert sent["readBy"] == []

    bob_delivered = receipt_of(delivered_frame, bob)
    assert bob_delivered is not None
    assert bob_delivered["lastDeliveredSeq"] == hello["seq"]
    assert bob_delivered["lastReadSeq"] < hello["seq"]
    assert bob_delivered["readAt"] is None
    assert delivered_frame["conversationId"] == cid
    assert count_of(delivered_frame, hello["id"]) == {
        "messageId": hello["id"],
        "seq": hello["seq"],
        "deliveredCount": 1,
        "readCount": 0,
        "recipientCount": 1,
    }
    assert delivered["status"] == "DELIVERED"
    assert (delivered["deliveredCount"], delivered["readCount"]) == (1, 0)
    assert delivered["readBy"] == []

    bob_read = receipt_of(read_frame, bob)
    assert bob_read is not None
    assert (bob_read["lastDeliveredSeq"], bob_read["lastReadSeq"]) == (hello["seq"],) * 2
    assert timestamp(bob_read["readAt"]) == timestamp(read_mark["lastReadAt"])
    hello_counts = count_of(read_frame, hello["id"])
    assert hello_counts is not None
    assert (hello_counts["deliveredCount"], hello_counts["readCount"]) == (1, 1)
    assert read["status"] == "READ"
    assert (read["deliveredCount"], read["readCount"], read["recipientCount"]) == (1, 1, 1)
    assert read_by(read) == ["bob"]
    assert read["readBy"][0]["user"]["id"] == bob.id
    assert timestamp(read["readBy"][0]["readAt"]) == timestamp(read_mark["lastReadAt"])

    again_counts = count_of(again_frame, again["id"])
    assert again_counts is not None
    assert (again_counts["deliveredCount"], again_counts["readCount"]) == (1, 0)
    assert again_ticks["status"] == "DELIVERED"


async def test_fetching_history_delivers(api: Api, server: RunningServer) -> None:
    alice, bob = await users(api, "alice", "bob")
    cid = (await create(api, alice, "DIRECT", bob))["id"]

    async with graphql_socket(server.ws_url, alice.access_token) as socket:
        [receipts] = await live_receipts(api, cid, socket, reader=alice, writer=bob)
        first = await send(api, alice, cid, "first")
        second = await send(api, alice, cid, "second")
        before = await ticks(api, alice, second["id"])
        page = await history(api, bob, cid, last=10)
        frame = await update_when(receipts, delivered_up_to(bob, second["seq"]))

    assert before["status"] == "SENT"
    assert page["edges"][-1]["node"]["id"] == second["id"]
    for message in (first, second):
        counts = count_of(frame, message["id"])
        assert counts is not None
        assert (counts["deliveredCount"], counts["readCount"]) == (1, 0)
        assert (await ticks(api, alice, message["id"]))["status"] == "DELIVERED"


# --- groups -------------------------------------------------------------------------------


async def test_group_of_five_with_partial_reads(api: Api, server: RunningServer) -> None:
    alice, bob, carol, dave, erin, frank = await users(
        api, "alice", "bob", "carol", "dave", "erin", "frank"
    )
    cid = (await create(api, alice, "GROUP", bob, carol, dave, erin))["id"]

    async with graphql_socket(server.ws_url, alice.access_token) as socket:
        [receipts] = await live_receipts(api, cid, socket, reader=alice, writer=bob)
        m1 = await send(api, alice, cid, "one")
        m2 = await send(api, alice, cid, "two")
        bob_read = await mark_read(api, bob, cid, m2["id"])  # reads both
        carol_read = await mark_read(api, carol, cid, m1["id"])
        await history(api, dave, cid)  # shown both, reads neither
        await updates_until(receipts, delivered_up_to(dave, m2["seq"]))
        partial = await ticks_page(api, alice, cid)

        await history(api, erin, cid)
        await updates_until(receipts, delivered_up_to(erin, m2["seq"]))
        all_delivered = await ticks_page(api, alice, cid)

        await mark_read(api, dave, cid, m1["id"])
        await mark_read(api, erin, cid, m1["id"])
        frame = await update_when(receipts, read_up_to(erin, m1["seq"]))
        m1_read = await ticks_page(api, alice, cid)

        # frank joins after m1 and m2: not a recipient of them, whatever he reads later.
        await api.data(
            ADD_PARTICIPANTS,
            {"conversationId": cid, "userIds": [frank.id]},
            token=alice.access_token,
        )
        m3 = await send(api, alice, cid, "three")
        await mark_read(api, frank, cid, m3["id"])
        with_frank = await ticks_page(api, alice, cid)

    one, two = partial[m1["id"]], partial[m2["id"]]
    # bob, carol (read) and dave (shown): erin has seen nothing yet.
    assert (one["recipientCount"], one["deliveredCount"], one["readCount"]) == (4, 3, 2)
    assert one["status"] == "SENT"
    assert read_by(one) == ["bob", "carol"]  # in the order they read
    assert timestamp(one["readBy"][0]["readAt"]) == timestamp(bob_read["lastReadAt"])
    assert timestamp(one["readBy"][1]["readAt"]) == timestamp(carol_read["lastReadAt"])
    # carol read m1 only, so m2 was delivered to bob and dave.
    assert (two["recipientCount"], two["deliveredCount"], two["readCount"]) == (4, 2, 1)
    assert read_by(two) == ["bob"]

    one, two = all_delivered[m1["id"]], all_delivered[m2["id"]]
    assert (one["deliveredCount"], one["readCount"], one["status"]) == (4, 2, "DELIVERED")
    assert (two["deliveredCount"], two["readCount"], two["status"]) == (3, 1, "SENT")

    assert count_of(frame, m1["id"]) == {
        "messageId": m1["id"],
        "seq": m1["seq"],
        "deliveredCount": 4,
        "readCount": 4,
        "recipientCount": 4,
    }
    one, two = m1_read[m1["id"]], m1_read[m2["id"]]
    assert (one["readCount"], one["status"]) == (4, "READ")
    assert sorted(read_by(one)) == ["bob", "carol", "dave", "erin"]
    assert (two["readCount"], two["status"]) == (1, "SENT")

    one, two, three = (with_frank[m["id"]] for m in (m1, m2, m3))
    assert (one["recipientCount"], one["readCount"], one["status"]) == (4, 4, "READ")
    assert sorted(read_by(one)) == ["bob", "carol", "dave", "erin"]
    assert (two["recipientCount"], two["readCount"]) == (4, 1)
    assert read_by(two) == ["bob"]
    assert (three["recipientCount"], three["readCount"]) == (5, 1)
    assert read_by(three) == ["frank"]


async def test_many_readers_at_once_reach_a_subscriber_as_a_few_events(
    api: Api, server: RunningServer
) -> None:
    alice = await api.register("alice")
    readers = [await api.register(f"reader{n:02d}") for n in range(READERS)]
    cid = (await create(api, alice, "GROUP", *readers))["id"]

    async with graphql_socket(server.ws_url, alice.access_token) as socket:
        [receipts] = await live_receipts(api, cid, socket, reader=alice, writer=readers[0])
        news = await send(api, alice, cid, "big news")
        await asyncio.gather(*(mark_read(api, reader, cid, news["id"]) for reader in readers))
        moved: dict[str, dict[str, Any]] = {}

        def everyone_moved(update: dict[str, Any]) -> bool:
            for receipt in update["receipts"]:
                if receipt["lastReadSeq"] >= news["seq"]:
                    moved[receipt["user"]["id"]] = receipt
            return len(moved) == READERS

        updates = await updates_until(receipts, everyone_moved)

    # A few flushes' worth, however many read: far fewer events than readers.
    assert len(updates) <= 10, [len(update["receipts"]) for update in updates]
    assert set(moved) == {reader.id for reader in readers}
    assert all(r["lastReadSeq"] == news["seq"] and r["readAt"] for r in moved.values())
    assert count_of(updates[-1], news["id"]) == {
        "messageId": news["id"],
        "seq": news["seq"],
        "deliveredCount": READERS,
        "readCount": READERS,
        "recipientCount": READERS,
    }
    assert (await ticks(api, alice, news["id"]))["status"] == "READ"


# --- what a page of ticks costs -------------------------------------------------------------

PAGE = """
query Page($conversationId: ID!, $last: Int) {
  messages(conversationId: $conversationId, last: $last) {
    edges { node {
      id seq status deliveredCount readCount recipientCount
      readBy { user { username } readAt }
      sender { id username displayName }
      replyTo { id seq content }
    } }
  }
}
"""


async def test_a_page_of_ticks_costs_as_many_statements_as_five(api: Api, app: LocalApp) -> None:
    alice, bob, carol, dave = await users(api, "alice", "bob", "carol", "dave")
    cid = (await create(api, alice, "GROUP", bob, carol, dave))["id"]
    people, previous = [alice, bob, carol], None
    for n in range(1, 51):
        message = await send(api, people[n % 3], cid, f"message {n}", reply_to_id=previous)
        previous = message["id"]
        if n % 10 == 0:  # readers at different places, so readAt differs between messages
            await mark_read(api, [bob, carol, dave][n // 10 % 3], cid, message["id"])
    await history(api, bob, cid, last=50)  # delivered to bob, read up to 30
    # The desk writes delivered marks on its own schedule, on the same engine: stopped (after
    # writing what is pending), it cannot add its statements to the ones counted.
    await app.services.receipts.stop()

    async def counted(last: int) -> tuple[list[dict[str, Any]], list[str]]:
        variables = {"conversationId": cid, "last": last}
        await api.data(PAGE, variables, token=alice.access_token)  # warm-up
        with count_statements(app.services.engine) as statements:
            data = await api.data(PAGE, variables, token=alice.access_token)
        return [edge["node"] for edge in data["messages"]["edges"]], list(statements)

    small, small_statements = await counted(5)
    large, large_statements = await counted(50)

    assert [m["seq"] for m in small] == list(range(46, 51))
    assert [m["seq"] for m in large] == list(range(1, 51))
    assert {m["recipientCount"] for m in large} == {3}
    assert {reader for m in large for reader in read_by(m)} == {"bob", "carol", "dave"}
    assert all(read["readAt"] for m in large for read in m["readBy"])
    assert {m["status"] for m in large} >= {"READ", "DELIVERED", "SENT"}
    assert all(m["replyTo"]["seq"] == m["seq"] - 1 for m in large[1:])
    assert len(large_statements) == len(small_statements), (small_statements, large_statements)
