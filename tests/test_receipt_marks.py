"""Read marks against a changing conversation: deleted messages leave unread counts, departed
members stop being recipients and readers, and ``markRead`` never moves a mark back."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.chat import (
    DELETE_MESSAGE,
    LEAVE_CONVERSATION,
    REMOVE_PARTICIPANT,
    conversation,
    create,
    mark_read,
    send,
    unread_count,
)
from tests.support.receipts import (
    live_receipts,
    read_by,
    read_up_to,
    receipt_of,
    ticks_page,
    timestamp,
    updates_until,
    users,
)
from tests.support.server import RunningServer
from tests.support.ws import graphql_socket


async def test_unread_count_ignores_deleted_messages(api: Api) -> None:
    alice, bob = await users(api, "alice", "bob")
    cid = (await create(api, alice, "DIRECT", bob))["id"]
    sent = [await send(api, alice, cid, f"m{n}") for n in range(1, 5)]
    await send(api, bob, cid, "bob's own")

    async def delete(message: dict[str, Any]) -> None:
        await api.data(DELETE_MESSAGE, {"messageId": message["id"]}, token=alice.access_token)

    counts = [await unread_count(api, bob, cid)]
    await delete(sent[1])
    counts.append(await unread_count(api, bob, cid))
    await mark_read(api, bob, cid, sent[2]["id"])
    counts.append(await unread_count(api, bob, cid))
    await delete(sent[3])
    counts.append(await unread_count(api, bob, cid))

    assert counts == [4, 3, 1, 0]


async def test_departed_members_are_no_longer_recipients_or_readers(api: Api) -> None:
    alice, bob, carol, dave = await users(api, "alice", "bob", "carol", "dave")
    cid = (await create(api, alice, "GROUP", bob, carol, dave))["id"]
    m1 = await send(api, alice, cid, "one")
    m2 = await send(api, alice, cid, "two")
    await mark_read(api, carol, cid, m2["id"])
    await mark_read(api, dave, cid, m2["id"])
    await mark_read(api, bob, cid, m1["id"])
    before = await ticks_page(api, alice, cid)

    await api.data(LEAVE_CONVERSATION, {"conversationId": cid}, token=carol.access_token)
    after_leave = await ticks_page(api, alice, cid)
    await api.data(
        REMOVE_PARTICIPANT, {"conversationId": cid, "userId": dave.id}, token=alice.access_token
    )
    after_removal = await ticks_page(api, alice, cid)

    one, two = before[m1["id"]], before[m2["id"]]
    assert (one["recipientCount"], one["readCount"], one["status"]) == (3, 3, "READ")
    assert (two["recipientCount"], two["deliveredCount"], two["readCount"]) == (3, 2, 2)
    assert two["status"] == "SENT"  # never shown to bob
    assert sorted(read_by(two)) == ["carol", "dave"]

    one, two = after_leave[m1["id"]], after_leave[m2["id"]]
    assert (one["recipientCount"], one["readCount"]) == (2, 2)
    assert sorted(read_by(one)) == ["bob", "dave"]
    assert (two["recipientCount"], two["deliveredCount"], two["readCount"]) == (2, 1, 1)
    assert read_by(two) == ["dave"]

    # Only bob is left to receive them: m1 he read, m2 was never shown to him.
    one, two = after_removal[m1["id"]], after_removal[m2["id"]]
    assert (one["recipientCount"], one["readCount"], one["status"]) == (1, 1, "READ")
    assert read_by(one) == ["bob"]
    assert (two["recipientCount"], two["deliveredCount"], two["readCount"]) == (1, 0, 0)
    assert (two["status"], two["readBy"]) == ("SENT", [])


async def test_mark_read_never_moves_back(api: Api, server: RunningServer) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    cid = (await create(api, alice, "GROUP", bob, carol))["id"]

    async with graphql_socket(server.ws_url, alice.access_token) as socket:
        [receipts] = await live_receipts(api, cid, socket, reader=alice, writer=bob)
        sent = [await send(api, alice, cid, f"m{n}") for n in range(1, 4)]
        newest = await mark_read(api, bob, cid, sent[2]["id"])
        await updates_until(receipts, read_up_to(bob, sent[2]["seq"]))
        read = await ticks_page(api, alice, cid)

        older = await mark_read(api, bob, cid, sent[0]["id"])
        # carol's read is the marker: any event bob's older read made would come before it.
        await mark_read(api, carol, cid, sent[0]["id"])
        meanwhile = await updates_until(receipts, read_up_to(carol, sent[0]["seq"]))
        unchanged = await ticks_page(api, alice, cid)
        participants = await conversation(api, bob, cid)

    assert older == newest
    assert older["lastReadSeq"] == sent[2]["seq"]
    for update in meanwhile:
        receipt = receipt_of(update, bob)
        assert receipt is None or receipt["lastReadSeq"] == sent[2]["seq"], update
    for message in sent:
        before, after = read[message["id"]], unchanged[message["id"]]
        assert before["readBy"][0] == after["readBy"][0]
        assert after["readBy"][0]["user"]["id"] == bob.id
        assert timestamp(after["readBy"][0]["readAt"]) == timestamp(newest["lastReadAt"])
    bob_mark = [p for p in participants["participants"] if p["user"]["id"] == bob.id]
    assert [p["lastReadSeq"] for p in bob_mark] == [sent[2]["seq"]]
    assert participants["unreadCount"] == 0
