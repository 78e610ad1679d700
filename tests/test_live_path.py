"""messageAdded's shared delivery path (tidings/realtime/live.py) keeps both protocols' rules:
order per operation, nothing after the client completes an operation, what was queued before
the server ends one, each viewer's own values, and one execution per distinct document."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import EDIT_MESSAGE, REMOVE_PARTICIPANT, code_of, create, send
from tests.support.receipts import users
from tests.support.server import RunningServer
from tests.support.statements import count_statements
from tests.support.ws import (
    MESSAGE_ADDED,
    MESSAGE_UPDATED,
    PROTOCOLS,
    TRANSPORT_WS,
    Operation,
    OperationCompleted,
    graphql_socket,
    until_live,
)

WITH_PRESENCE = """
subscription WithPresence($conversationId: ID) {
  messageAdded(conversationId: $conversationId) { seq content sender { presence { status } } }
}
"""

SEQ_ONLY = """
subscription SeqOnly($conversationId: ID) {
  messageAdded(conversationId: $conversationId) { seq content }
}
"""


def _probe(api: Api, sender: Account, conversation_id: str) -> Any:
    return lambda mark: send(api, sender, conversation_id, mark)


async def _seqs(operation: Operation, count: int) -> list[int]:
    return [(await operation.data())["messageAdded"]["seq"] for _ in range(count)]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_operations_on_one_socket_each_get_every_message_once_in_order(
    api: Api, server: RunningServer, protocol: str
) -> None:
    """Three documents on one socket (one per conversation, one inbox-wide, one with a field
    that depends on the viewer) under concurrent sends: each in seq order, none twice."""
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    variables = {"conversationId": direct["id"]}
    async with graphql_socket(server.ws_url, bob.access_token, protocol=protocol) as socket:
        feeds = [
            await socket.start(MESSAGE_ADDED, variables),
            await socket.start(SEQ_ONLY),
            await socket.start(WITH_PRESENCE, variables),
        ]
        heard = await until_live(*feeds, probe=_probe(api, alice, direct["id"]))
        start = heard[0]["messageAdded"]["seq"]
        await asyncio.gather(*(send(api, alice, direct["id"], f"m{n}") for n in range(20)))
        received = [await _seqs(feed, 20) for feed in feeds]

    expected = list(range(start + 1, start + 21))
    assert received == [expected, expected, expected]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_nothing_is_written_for_an_operation_after_the_client_completes_it(
    api: Api, server: RunningServer, protocol: str
) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    variables = {"conversationId": direct["id"]}
    async with graphql_socket(server.ws_url, bob.access_token, protocol=protocol) as socket:
        stopped = await socket.start(SEQ_ONLY, variables)
        kept = await socket.start(SEQ_ONLY, variables)
        heard = await until_live(stopped, kept, probe=_probe(api, alice, direct["id"]))
        start = heard[0]["messageAdded"]["seq"]
        await stopped.stop()
        if protocol != TRANSPORT_WS:
            await stopped.complete()  # the legacy protocol confirms a stop
        await asyncio.gather(*(send(api, alice, direct["id"], f"m{n}") for n in range(10)))
        assert await _seqs(kept, 10) == list(range(start + 1, start + 11))
        # Everything for the socket is written in order, so the kept feed's last message
        # would have come after anything written for the stopped one.
        assert stopped.queue.empty()


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_removed_member_gets_what_came_before_the_removal_then_the_error(
    api: Api, server: RunningServer, protocol: str
) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Team")
    async with graphql_socket(server.ws_url, bob.access_token, protocol=protocol) as socket:
        feed = await socket.start(SEQ_ONLY, {"conversationId": group["id"]})
        [heard] = await until_live(feed, probe=_probe(api, alice, group["id"]))
        start = heard["messageAdded"]["seq"]
        before = [await send(api, carol, group["id"], f"before {n}") for n in range(5)]
        await api.data(
            REMOVE_PARTICIPANT,
            {"conversationId": group["id"], "userId": bob.id},
            token=alice.access_token,
        )
        await send(api, carol, group["id"], "after bob is gone")
        received: list[int] = []
        while not (result := await feed.next()).get("errors"):
            received.append(result["data"]["messageAdded"]["seq"])
        with pytest.raises(OperationCompleted):
            await feed.next()

    assert received == [m["seq"] for m in before] == list(range(start + 1, start + 6))
    assert code_of(result["errors"][0]) == "NOT_IN_CONVERSATION"


async def test_subscribers_of_one_document_cost_one_execution_and_see_their_own_values(
    api: Api, server: RunningServer
) -> None:
    """Ten sockets of two viewers on one document with a viewer-dependent field: one
    execution per viewer, not per socket, and each viewer sees their own value (alice hides
    her presence from others, not from herself)."""
    alice, bob = await users(api, "alice", "bob")
    group = await create(api, alice, "GROUP", bob, title="Shared")
    await api.data(
        "mutation { updateSettings(input: {sharePresence: false}) { sharePresence } }",
        token=alice.access_token,
    )
    variables = {"conversationId": group["id"]}

    def user_reads(statements: list[str]) -> int:
        return sum(1 for s in statements if s.startswith("SELECT") and "share_presence" in s)

    with count_statements(server.services.engine) as unheard:
        await send(api, alice, group["id"], "to nobody")
    async with AsyncExitStack() as stack:
        feeds: dict[str, list[Operation]] = {"alice": [], "bob": []}
        for name, account in (("alice", alice), ("bob", bob)):
            for _ in range(5):
                socket = await stack.enter_async_context(
                    graphql_socket(server.ws_url, account.access_token)
                )
                feeds[name].append(await socket.start(WITH_PRESENCE, variables))
        everyone = [*feeds["alice"], *feeds["bob"]]
        await until_live(*everyone, probe=_probe(api, bob, group["id"]))
        with count_statements(server.services.engine) as heard:
            sent = await send(api, alice, group["id"], "hello")
            seen = {
                name: [(await feed.data())["messageAdded"] for feed in operations]
                for name, operations in feeds.items()
            }

    assert {m["seq"] for ms in seen.values() for m in ms} == {sent["seq"]}
    statuses = {name: {m["sender"]["presence"]["status"] for m in ms} for name, ms in seen.items()}
    assert statuses == {"alice": {"ONLINE"}, "bob": {"OFFLINE"}}
    assert user_reads(heard) - user_reads(unheard) <= 2  # one execution per viewer


async def test_different_people_on_a_document_that_reads_no_viewer_share_one_execution(
    api: Api, server: RunningServer
) -> None:
    """Six members, each on their own socket: the counts (read from the participants' marks)
    are worked out once for all of them, as for one."""
    members = await users(api, "alice", "bob", "carol", "dave", "erin", "frank")
    alice, others = members[0], members[1:]
    group = await create(api, alice, "GROUP", *others, title="Counted")
    document = """
    subscription Counted($conversationId: ID) {
      messageAdded(conversationId: $conversationId) { seq content deliveredCount readCount }
    }
    """
    variables = {"conversationId": group["id"]}

    def mark_reads(statements: list[str]) -> int:
        return sum(1 for s in statements if s.startswith("SELECT") and "last_delivered_seq" in s)

    async with AsyncExitStack() as stack:
        feeds: list[Operation] = []
        for account in members:
            socket = await stack.enter_async_context(
                graphql_socket(server.ws_url, account.access_token)
            )
            feeds.append(await socket.start(document, variables))
        await until_live(*feeds, probe=_probe(api, alice, group["id"]))
        with count_statements(server.services.engine) as statements:
            sent = await send(api, alice, group["id"], "count me")
            seen = [(await feed.data())["messageAdded"] for feed in feeds]

    assert [m["seq"] for m in seen] == [sent["seq"]] * len(members)
    assert all(m == seen[0] for m in seen)
    assert mark_reads(statements) == 1


# --- the other subscriptions (live_stream) ----------------------------------------------------


async def _edit(api: Api, editor: Account, message_id: str, content: str) -> None:
    await api.data(
        EDIT_MESSAGE, {"messageId": message_id, "content": content}, token=editor.access_token
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_update_feed_the_server_ends_writes_what_came_before_then_the_error(
    api: Api, server: RunningServer, protocol: str
) -> None:
    """messageUpdated on the shared path: edits in the order made, the removal's error after
    them in the protocol's form, then nothing; the socket's other operation goes on."""
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Team")
    direct = await create(api, alice, "DIRECT", bob)
    target = await send(api, carol, group["id"], "draft")
    probe = await send(api, alice, direct["id"], "probe")
    async with graphql_socket(server.ws_url, bob.access_token, protocol=protocol) as socket:
        updates = await socket.start(MESSAGE_UPDATED, {"conversationId": group["id"]})
        inbox = await socket.start(MESSAGE_UPDATED)
        await until_live(updates, inbox, probe=lambda mark: _edit(api, carol, target["id"], mark))
        for n in range(5):
            await _edit(api, carol, target["id"], f"edit {n}")
        await api.data(
            REMOVE_PARTICIPANT,
            {"conversationId": group["id"], "userId": bob.id},
            token=alice.access_token,
        )
        await _edit(api, carol, target["id"], "after bob is gone")
        await _edit(api, alice, probe["id"], "still here")
        received: list[str] = []
        while not (result := await updates.next()).get("errors"):
            received.append(result["data"]["messageUpdated"]["content"])
        with pytest.raises(OperationCompleted):
            await updates.next()
        inbox_heard: list[str] = []
        while "still here" not in inbox_heard:
            inbox_heard.append((await inbox.data())["messageUpdated"]["content"])

    assert received == [f"edit {n}" for n in range(5)]
    assert code_of(result["errors"][0]) == "NOT_IN_CONVERSATION"
    assert inbox_heard == [*(f"edit {n}" for n in range(5)), "still here"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_nothing_is_written_for_an_update_feed_after_the_client_completes_it(
    api: Api, server: RunningServer, protocol: str
) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    message = await send(api, alice, direct["id"], "hello")
    variables = {"conversationId": direct["id"]}
    async with graphql_socket(server.ws_url, bob.access_token, protocol=protocol) as socket:
        stopped = await socket.start(MESSAGE_UPDATED, variables)
        kept = await socket.start(MESSAGE_UPDATED, variables)
        await until_live(stopped, kept, probe=lambda mark: _edit(api, alice, message["id"], mark))
        await stopped.stop()
        if protocol != TRANSPORT_WS:
            await stopped.complete()  # the legacy protocol confirms a stop
        for n in range(3):
            await _edit(api, alice, message["id"], f"edit {n}")
        heard = [(await kept.data())["messageUpdated"]["content"] for _ in range(3)]
        # One writer per socket: the kept feed's last edit came after anything for the other.
        assert stopped.queue.empty()

    assert heard == ["edit 0", "edit 1", "edit 2"]
