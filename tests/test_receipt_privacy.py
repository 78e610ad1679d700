"""Private read receipts (``shareReadReceipts: false``): the reader's own unread counts and
other devices follow their reads; everyone else sees neither the reads nor the read mark."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import create, history, mark_read, send, unread_count
from tests.support.receipts import (
    UPDATE_SETTINGS,
    Frame,
    count_of,
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
from tests.support.ws import graphql_socket

MARKS = """
query Marks($id: ID!) {
  conversation(id: $id) { participants { user { id } lastReadSeq lastReadAt } }
}
"""


async def _hide_reads(api: Api, user: Account) -> None:
    data = await api.data(
        UPDATE_SETTINGS, {"input": {"shareReadReceipts": False}}, token=user.access_token
    )
    assert data["updateSettings"] == {"shareReadReceipts": False}


async def _marks(api: Api, viewer: Account, conversation_id: str) -> dict[str, dict[str, Any]]:
    """User id → that participant's read mark, as ``viewer`` sees it."""
    data = await api.data(MARKS, {"id": conversation_id}, token=viewer.access_token)
    return {p["user"]["id"]: p for p in data["conversation"]["participants"]}


async def test_private_reads_are_hidden_from_others_but_not_from_the_reader(
    api: Api, server: RunningServer
) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    cid = (await create(api, alice, "GROUP", bob, carol))["id"]
    await _hide_reads(api, carol)

    async with (
        graphql_socket(server.ws_url, alice.access_token) as alice_socket,
        graphql_socket(server.ws_url, carol.access_token) as carol_other_device,
    ):
        alice_feed, carol_feed = await live_receipts(
            api, cid, alice_socket, carol_other_device, reader=bob, writer=alice
        )
        m1 = await send(api, alice, cid, "one")
        m2 = await send(api, alice, cid, "two")
        unread_before = await unread_count(api, carol, cid)

        carol_mark = await mark_read(api, carol, cid, m2["id"])
        own = await update_when(carol_feed, read_up_to(carol, m2["seq"]))
        # bob's read is the marker: alice hears it after anything carol's read made.
        await mark_read(api, bob, cid, m2["id"])
        seen_by_alice = await updates_until(alice_feed, read_up_to(bob, m2["seq"]))
        page = await ticks_page(api, alice, cid)

    unread_after = await unread_count(api, carol, cid)
    to_alice = await _marks(api, alice, cid)
    to_carol = await _marks(api, carol, cid)

    # carol: her unread count clears and her other device gets her move.
    assert unread_before >= 2
    assert unread_after == 0
    assert carol_mark["lastReadSeq"] == m2["seq"]
    own_receipt = receipt_of(own, carol)
    assert own_receipt is not None
    assert own_receipt["lastReadSeq"] == m2["seq"]
    assert timestamp(own_receipt["readAt"]) == timestamp(carol_mark["lastReadAt"])
    assert to_carol[carol.id]["lastReadSeq"] == m2["seq"]
    assert timestamp(to_carol[carol.id]["lastReadAt"]) == timestamp(carol_mark["lastReadAt"])

    # alice: carol's read is nowhere, while bob's is there.
    assert all(receipt_of(update, carol) is None for update in seen_by_alice), seen_by_alice
    assert count_of(seen_by_alice[-1], m2["id"]) == {
        "messageId": m2["id"],
        "seq": m2["seq"],
        "deliveredCount": 2,  # delivery is not private: carol was shown m2 (lastMessage)
        "readCount": 1,
        "recipientCount": 2,
    }
    for message in (m1, m2):
        shown = page[message["id"]]
        assert (shown["deliveredCount"], shown["readCount"], shown["recipientCount"]) == (2, 1, 2)
        assert read_by(shown) == ["bob"]
        assert shown["status"] == "DELIVERED"  # never READ while a recipient hides reads
    assert to_alice[carol.id]["lastReadSeq"] is None
    assert to_alice[carol.id]["lastReadAt"] is None
    assert to_alice[bob.id]["lastReadSeq"] == m2["seq"]
    assert to_alice[bob.id]["lastReadAt"] is not None


async def test_a_private_reader_in_a_direct_conversation_leaves_it_delivered(
    api: Api, app: LocalApp
) -> None:
    alice, bob = await users(api, "alice", "bob")
    cid = (await create(api, alice, "DIRECT", bob))["id"]
    await _hide_reads(api, bob)
    hello = await send(api, alice, cid, "hello")

    await history(api, bob, cid)  # delivered to bob
    await mark_read(api, bob, cid, hello["id"])
    await app.services.receipts.flush()  # the delivered mark is written
    seen = await ticks(api, alice, hello["id"])
    own = await ticks(api, bob, hello["id"])

    assert (seen["status"], seen["deliveredCount"], seen["readCount"]) == ("DELIVERED", 1, 0)
    assert seen["readBy"] == []
    assert own["readBy"] == []  # readBy is the same list for everyone
    assert (await _marks(api, alice, cid))[bob.id]["lastReadSeq"] is None
    assert (await _marks(api, bob, cid))[bob.id]["lastReadSeq"] == hello["seq"]
    assert await unread_count(api, bob, cid) == 0


async def test_a_private_read_sends_nobody_else_anything(api: Api, server: RunningServer) -> None:
    """Not even an event with nothing in it: its arrival alone would time carol's read."""
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    cid = (await create(api, alice, "GROUP", bob, carol))["id"]
    await _hide_reads(api, carol)

    async with (
        graphql_socket(server.ws_url, alice.access_token) as alice_socket,
        graphql_socket(server.ws_url, carol.access_token) as carol_other_device,
    ):
        alice_feed, carol_feed = await live_receipts(
            api, cid, alice_socket, carol_other_device, reader=bob, writer=alice
        )
        lunch = await send(api, alice, cid, "lunch?")
        await history(api, carol, cid)  # delivered to carol: that much alice may see
        await update_when(alice_feed, _delivered_count(lunch["id"], 1))

        await mark_read(api, carol, cid, lunch["id"])
        await update_when(carol_feed, read_up_to(carol, lunch["seq"]))  # her devices follow
        await mark_read(api, bob, cid, lunch["id"])  # the marker
        seen_by_alice = await updates_until(alice_feed, read_up_to(bob, lunch["seq"]))
    shown = await ticks(api, alice, lunch["id"])

    assert len(seen_by_alice) == 1, seen_by_alice  # bob's read, nothing before it
    assert receipt_of(seen_by_alice[0], carol) is None
    assert (shown["deliveredCount"], shown["readCount"], shown["status"]) == (2, 1, "DELIVERED")


async def test_a_private_read_of_what_was_never_delivered_delivers_nothing(api: Api) -> None:
    """Delivered counts move with deliveries; a private read would otherwise show in them."""
    alice, bob = await users(api, "alice", "bob")
    cid = (await create(api, alice, "DIRECT", bob))["id"]
    await _hide_reads(api, bob)
    hello = await send(api, alice, cid, "hello")

    await mark_read(api, bob, cid, hello["id"])
    seen = await ticks(api, alice, hello["id"])

    assert (seen["status"], seen["deliveredCount"], seen["readCount"]) == ("SENT", 0, 0)
    assert await unread_count(api, bob, cid) == 0


def _delivered_count(message_id: str, delivered: int) -> Callable[[Frame], bool]:
    def done(update: Frame) -> bool:
        counts = count_of(update, message_id)
        return counts is not None and counts["deliveredCount"] >= delivered

    return done
