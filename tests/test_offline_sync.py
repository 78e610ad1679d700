"""The reconnect story of ``docs/offline-sync.md``, run with the GraphQL documents printed there:
a client that was offline reads its badges, catches up without gap (by pages or by replaying
subscription), marks read once, and the senders' ``receiptUpdated`` sees their ticks turn."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import DELETE_MESSAGE, create, history, mark_read, send
from tests.support.receipts import (
    count_of,
    live_receipts,
    read_up_to,
    receipt_of,
    ticks,
    update_when,
    users,
)
from tests.support.server import RunningServer
from tests.support.ws import graphql_socket

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "offline-sync.md"


def _documents() -> dict[str, str]:
    """The guide's GraphQL blocks, by operation name."""
    found: dict[str, str] = {}
    for block in re.findall(r"```graphql\n(.*?)```", GUIDE.read_text(), re.DOTALL):
        name = re.match(r"(?:query|mutation|subscription) (\w+)", block)
        assert name is not None, block
        found[name.group(1)] = block
    return found


DOCUMENTS = _documents()


async def _inbox(api: Api, viewer: Account) -> dict[str, dict[str, Any]]:
    """Conversation id → ``{id, unreadCount, lastMessage}``, by the guide's step 1."""
    data = await api.data(DOCUMENTS["Inbox"], token=viewer.access_token)
    assert data["conversations"]["pageInfo"]["hasNextPage"] is False
    return {edge["node"]["id"]: edge["node"] for edge in data["conversations"]["edges"]}


async def _catch_up(
    api: Api, viewer: Account, conversation_id: str, cursor: str, *, first: int = 100
) -> tuple[list[dict[str, Any]], int]:
    """Every message after ``cursor``, by the guide's step 2a; also how many pages it took."""
    nodes: list[dict[str, Any]] = []
    pages, after, more = 0, cursor, True
    while more:
        data = await api.data(
            DOCUMENTS["CatchUp"],
            {"conversationId": conversation_id, "after": after, "first": first},
            token=viewer.access_token,
        )
        page = data["messages"]
        nodes += [edge["node"] for edge in page["edges"]]
        pages, after, more = (
            pages + 1,
            page["pageInfo"]["endCursor"],
            page["pageInfo"]["hasNextPage"],
        )
    return nodes, pages


async def _mark_read(api: Api, reader: Account, conversation_id: str, message_id: str) -> int:
    """The guide's step 3; the new read mark."""
    data = await api.data(
        DOCUMENTS["MarkRead"],
        {"conversationId": conversation_id, "messageId": message_id},
        token=reader.access_token,
    )
    seq: int = data["markRead"]["lastReadSeq"]
    return seq


async def test_back_online_catches_up_marks_read_once_and_senders_see_it(
    api: Api, server: RunningServer
) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    group = (await create(api, alice, "GROUP", bob, carol, title="Trip"))["id"]
    direct = (await create(api, alice, "DIRECT", bob))["id"]
    await send(api, alice, group, "before 1")
    await send(api, carol, group, "before 2")
    await send(api, alice, direct, "before 3")
    # What bob's client stored before going offline: the newest message of each, read.
    last_seen = (await history(api, bob, group))["edges"][-1]
    stored_cursor, stored_seq = last_seen["cursor"], last_seen["node"]["seq"]
    direct_seen = (await history(api, bob, direct))["edges"][-1]["node"]
    await mark_read(api, bob, group, last_seen["node"]["id"])
    await mark_read(api, bob, direct, direct_seen["id"])

    async with (
        graphql_socket(server.ws_url, alice.access_token) as alice_socket,
        graphql_socket(server.ws_url, carol.access_token) as carol_socket,
    ):
        alice_feed, carol_feed = await live_receipts(
            api,
            group,
            alice_socket,
            carol_socket,
            reader=carol,
            writer=alice,
            document=DOCUMENTS["Receipts"],
        )
        # bob is away; alice and carol talk, each reading what the other sends.
        missed = []
        for n in range(1, 11):
            sender, reader = (alice, carol) if n % 2 else (carol, alice)
            missed.append(await send(api, sender, group, f"while away {n}"))
            await mark_read(api, reader, group, missed[-1]["id"])
        direct_missed = [await send(api, alice, direct, f"direct {n}") for n in (1, 2)]
        newest = missed[-1]
        while_away = await ticks(api, alice, missed[0]["id"])

        # bob is back.
        badges = await _inbox(api, bob)
        caught_up, pages = await _catch_up(api, bob, group, stored_cursor)
        async with graphql_socket(server.ws_url, bob.access_token) as bob_socket:
            resumed = await bob_socket.start(
                DOCUMENTS["Resume"], {"conversationId": direct, "afterSeq": direct_seen["seq"]}
            )
            replayed = [(await resumed.data())["messageAdded"] for _ in direct_missed]
            live = await send(api, alice, direct, "welcome back")
            assert (await resumed.data())["messageAdded"]["id"] == live["id"]
            group_mark = await _mark_read(api, bob, group, caught_up[-1]["id"])
            direct_mark = await _mark_read(api, bob, direct, live["id"])
        seen_by_alice = await update_when(alice_feed, read_up_to(bob, newest["seq"]))
        seen_by_carol = await update_when(carol_feed, read_up_to(bob, newest["seq"]))

    badges_after = await _inbox(api, bob)

    assert while_away["status"] == "SENT"
    # Every message bob missed is counted (the probes alice sent included), none of his own.
    assert badges[group]["unreadCount"] == newest["seq"] - stored_seq > len(missed)
    assert badges[group]["lastMessage"]["seq"] == newest["seq"]
    assert badges[direct]["unreadCount"] == len(direct_missed)

    assert [m["seq"] for m in caught_up] == list(range(stored_seq + 1, newest["seq"] + 1))
    assert pages == 1
    assert [m["id"] for m in caught_up[-len(missed) :]] == [m["id"] for m in missed]
    assert [m["seq"] for m in replayed] == [direct_seen["seq"] + 1, direct_seen["seq"] + 2]
    assert [m["id"] for m in replayed] == [m["id"] for m in direct_missed]

    assert (group_mark, direct_mark) == (newest["seq"], live["seq"])
    assert {cid: node["unreadCount"] for cid, node in badges_after.items()} == {
        group: 0,
        direct: 0,
    }

    # Each sender sees bob's one read turn all their messages to read by everyone.
    for sender, frame in ((alice, seen_by_alice), (carol, seen_by_carol)):
        receipt = receipt_of(frame, bob)
        assert receipt is not None
        assert (receipt["lastReadSeq"], receipt["lastDeliveredSeq"]) == (newest["seq"],) * 2
        assert receipt["readAt"] is not None
        for message in missed:
            counts = count_of(frame, message["id"])
            assert counts is not None, (sender.username, message["seq"])
            assert counts == {
                "messageId": message["id"],
                "seq": message["seq"],
                "deliveredCount": 2,
                "readCount": 2,
                "recipientCount": 2,
            }
            if message["sender"]["id"] == sender.id:
                assert (await ticks(api, sender, message["id"]))["status"] == "READ"


async def test_one_subscription_resumes_every_conversation_after_its_seq(
    api: Api, server: RunningServer
) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    direct = (await create(api, alice, "DIRECT", bob))["id"]
    group = (await create(api, carol, "GROUP", alice, bob, title="Trip"))["id"]
    seen = {direct: (await send(api, alice, direct, "seen"))["seq"]}
    seen[group] = (await send(api, carol, group, "seen too"))["seq"]
    missed = [
        await send(api, alice, direct, "missed 1"),
        await send(api, carol, group, "missed 2"),
        await send(api, alice, direct, "missed 3"),
    ]

    marks = [{"conversationId": cid, "seq": seq} for cid, seq in seen.items()]
    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        resumed = await socket.start(DOCUMENTS["ResumeAll"], {"afterSeqs": marks})
        replayed = [(await resumed.data())["messageAdded"] for _ in missed]
        live = await send(api, carol, group, "live")
        heard_live = (await resumed.data())["messageAdded"]

    def per_conversation(messages: list[dict[str, Any]]) -> dict[str, list[int]]:
        by: dict[str, list[int]] = {}
        for message in messages:
            by.setdefault(message["conversationId"], []).append(message["seq"])
        return by

    # Each conversation in seq order, from right after what bob had; nothing twice.
    assert per_conversation(replayed) == per_conversation(missed)
    assert heard_live["id"] == live["id"]


async def test_catching_up_by_pages_has_no_gap_and_keeps_tombstones(api: Api) -> None:
    alice, bob = await users(api, "alice", "bob")
    cid = (await create(api, alice, "DIRECT", bob))["id"]
    sent = [await send(api, alice, cid, f"m{n}") for n in range(1, 11)]
    stored = (await history(api, bob, cid, first=2))["edges"][-1]
    await mark_read(api, bob, cid, stored["node"]["id"])
    await api.data(DELETE_MESSAGE, {"messageId": sent[5]["id"]}, token=alice.access_token)

    badge = (await _inbox(api, bob))[cid]["unreadCount"]
    caught_up, pages = await _catch_up(api, bob, cid, stored["cursor"], first=3)
    await _mark_read(api, bob, cid, caught_up[-1]["id"])
    badge_after = (await _inbox(api, bob))[cid]["unreadCount"]

    assert badge == 7  # m3 … m10, without the deleted m6
    assert [m["seq"] for m in caught_up] == list(range(3, 11))
    assert pages == 3
    tombstone = caught_up[3]
    assert (tombstone["id"], tombstone["content"]) == (sent[5]["id"], "")
    assert tombstone["deletedAt"] is not None
    assert badge_after == 0
