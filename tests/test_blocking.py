"""Blocking (issue 16, account management): no new direct conversation either way, presence
and typing hidden both ways, groups left as they are; idempotent both ways."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import CREATE_CONVERSATION, SEND_MESSAGE, code_of, create, history, send
from tests.support.clock import FakeClock
from tests.support.presence import SET_PRESENCE, TIMINGS, presence_of, status_of, watching
from tests.support.server import RunningServer
from tests.support.ws import TYPING, Operation, graphql_socket, until_live
from tidings.settings import Settings

BLOCK = "mutation Block($id: ID!) { blockUser(userId: $id) { id username } }"
UNBLOCK = "mutation Unblock($id: ID!) { unblockUser(userId: $id) { id username } }"
BLOCKED = "{ me { blockedUsers { id username } } }"
SET_TYPING = """
mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {
  setTyping(conversationId: $conversationId, isTyping: $isTyping)
}
"""
HIDDEN = {"status": "OFFLINE", "lastSeenAt": None}


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(**TIMINGS)


async def _block(api: Api, blocker: Account, blocked: Account | str) -> dict[str, Any]:
    user_id = blocked if isinstance(blocked, str) else blocked.id
    return await api.execute(BLOCK, {"id": user_id}, token=blocker.access_token)


async def _unblock(api: Api, blocker: Account, blocked: Account) -> None:
    await api.data(UNBLOCK, {"id": blocked.id}, token=blocker.access_token)


async def _blocked(api: Api, account: Account) -> list[str]:
    data = await api.data(BLOCKED, token=account.access_token)
    return [user["username"] for user in data["me"]["blockedUsers"]]


async def test_blocking_is_listed_and_idempotent_both_ways(api: Api) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    carol = await api.register("carol")
    for _ in range(2):
        body = await _block(api, alice, bob)
        assert body == {"data": {"blockUser": {"id": bob.id, "username": "bob"}}}
    assert not (await _block(api, alice, carol)).get("errors")
    assert await _blocked(api, alice) == ["carol", "bob"]
    assert await _blocked(api, bob) == []  # a block is the blocker's own list

    for _ in range(2):
        await _unblock(api, alice, bob)
    assert await _blocked(api, alice) == ["carol"]


async def test_blocking_yourself_or_nobody_is_refused(api: Api) -> None:
    alice = await api.register("alice")
    error = (await _block(api, alice, alice))["errors"][0]
    assert (code_of(error), error["extensions"]["field"]) == ("VALIDATION_ERROR", "userId")
    error = (await _block(api, alice, "0190a8c4-7b5e-7d3a-9f00-000000000000"))["errors"][0]
    assert code_of(error) == "NOT_FOUND"
    error = (await _block(api, alice, "nope"))["errors"][0]
    assert code_of(error) == "VALIDATION_ERROR"
    assert await _blocked(api, alice) == []
    body = await api.execute(BLOCKED)
    assert code_of(body["errors"][0]) == "UNAUTHENTICATED"


async def test_no_direct_conversation_either_way_while_blocked(api: Api) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    carol = await api.register("carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Book club")
    await _block(api, alice, bob)

    for opener, other in [(alice, bob), (bob, alice)]:
        variables = {"input": {"kind": "DIRECT", "participantIds": [other.id]}}
        error = await api.error(CREATE_CONVERSATION, variables, token=opener.access_token)
        assert code_of(error) == "FORBIDDEN"
    # Groups are left as they are, and new ones may include both.
    assert (await create(api, bob, "GROUP", alice, carol))["kind"] == "GROUP"
    assert (await create(api, alice, "DIRECT", carol))["kind"] == "DIRECT"
    assert group["id"]

    await _unblock(api, alice, bob)
    assert (await create(api, bob, "DIRECT", alice))["kind"] == "DIRECT"


async def test_an_existing_direct_conversation_is_closed_while_either_blocks(api: Api) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    carol = await api.register("carol")
    direct = (await create(api, alice, "DIRECT", bob))["id"]
    group = (await create(api, alice, "GROUP", bob, carol))["id"]
    await send(api, bob, direct, "before")
    await _block(api, alice, bob)
    await _block(api, bob, alice)

    for sender, client_id in [(alice, None), (bob, "retry-1")]:
        variables = {
            "input": {"conversationId": direct, "content": "hi", "clientMessageId": client_id}
        }
        error = await api.error(SEND_MESSAGE, variables, token=sender.access_token)
        assert code_of(error) == "FORBIDDEN"
    # The history stays readable, and groups go on as before.
    contents = [edge["node"]["content"] for edge in (await history(api, alice, direct))["edges"]]
    assert contents == ["before"]
    assert (await send(api, bob, group, "in the group"))["seq"] == 1

    # One block lifted, the other stands: still closed. Both lifted: open again.
    await _unblock(api, alice, bob)
    variables = {"input": {"conversationId": direct, "content": "hi"}}
    assert code_of(await api.error(SEND_MESSAGE, variables, token=alice.access_token)) == (
        "FORBIDDEN"
    )
    await _unblock(api, bob, alice)
    assert (await send(api, alice, direct, "after"))["seq"] == 2


async def test_a_block_hides_presence_both_ways_and_unblocking_shows_it_again(
    api: Api, server: RunningServer
) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    await create(api, alice, "GROUP", bob, await api.register("carol"))
    async with (
        watching(server.ws_url, bob) as bob_watches,
        graphql_socket(server.ws_url, alice.access_token) as alice_socket,
    ):
        assert status_of(await bob_watches.next()) == (alice.id, "ONLINE")
        await _block(api, alice, bob)
        # Bob's feed is told at once: alice looks offline.
        event = await bob_watches.next()
        assert (status_of(event), event["lastSeenAt"]) == ((alice.id, "OFFLINE"), None)
        assert await presence_of(api, bob, alice) == HIDDEN
        assert await presence_of(api, alice, bob) == HIDDEN  # bob is online, hidden from her

        # Her changes reach him no more.
        await alice_socket.data(SET_PRESENCE, {"status": "BUSY"})
        assert alice.id not in {e["user"]["id"] for e in await bob_watches.mark()}

        await _unblock(api, alice, bob)
        assert status_of(await bob_watches.next()) == (alice.id, "BUSY")
        assert (await presence_of(api, bob, alice))["status"] == "BUSY"
        assert (await presence_of(api, alice, bob))["status"] == "ONLINE"


async def test_a_block_hides_typing_both_ways(
    api: Api, server: RunningServer, clock: FakeClock
) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    carol = await api.register("carol")
    group = (await create(api, alice, "GROUP", bob, carol))["id"]

    async def set_typing(account: Account, is_typing: bool) -> None:
        variables = {"conversationId": group, "isTyping": is_typing}
        await api.data(SET_TYPING, variables, token=account.access_token)

    async def next_typing(feed: Operation) -> tuple[str, bool]:
        event = (await feed.data())["typing"]
        return event["user"]["id"], event["isTyping"]

    async with AsyncExitStack() as stack:
        feeds = []
        for account in (alice, bob):
            socket = await stack.enter_async_context(
                graphql_socket(server.ws_url, account.access_token)
            )
            feeds.append(await socket.start(TYPING, {"conversationId": group}))
        alice_sees, bob_sees = feeds
        await until_live(
            alice_sees,
            bob_sees,
            probe=lambda _: set_typing(carol, True),
            heard=lambda data, _: data["typing"]["user"]["id"] == carol.id,
        )

        await _block(api, bob, alice)
        await set_typing(bob, True)
        await set_typing(alice, True)
        await set_typing(carol, False)  # a mark: what came before it was not shown
        assert await next_typing(alice_sees) == (carol.id, False)
        assert await next_typing(bob_sees) == (carol.id, False)

        await _unblock(api, bob, alice)
        await set_typing(alice, False)
        await set_typing(alice, True)
        assert await next_typing(bob_sees) == (alice.id, True)
