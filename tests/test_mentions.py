"""Mentions: @username resolved to participants at send and at edit, Message.mentions, the
viewer's unread-mention counts and mentions page, and what deleting, reading and privacy do."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import DELETE_MESSAGE, EDIT_MESSAGE, code_of, create, mark_read, send
from tests.support.receipts import users
from tests.support.server import RunningServer
from tests.support.ws import graphql_socket, until_live

MENTIONED = """
query Mentioned($id: ID!) { message(id: $id) { id mentions { id username } } }
"""

UNREAD = """
query Unread($id: ID!) { conversation(id: $id) { id unreadCount unreadMentionCount } }
"""

INBOX = """
query Inbox { conversations(first: 20) { edges { node { id unreadMentionCount } } } }
"""

MENTIONS = """
query Mentions($first: Int, $after: String) {
  mentions(first: $first, after: $after) {
    edges { cursor node { id content conversationId sender { username } mentions { username } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

ADDED = """
subscription Added($conversationId: ID) {
  messageAdded(conversationId: $conversationId) { content mentions { username } }
}
"""


async def mentioned(api: Api, viewer: Account, message_id: str) -> list[str]:
    data = await api.data(MENTIONED, {"id": message_id}, token=viewer.access_token)
    return [user["username"] for user in data["message"]["mentions"]]


async def unread(api: Api, viewer: Account, conversation_id: str) -> tuple[int, int]:
    data = await api.data(UNREAD, {"id": conversation_id}, token=viewer.access_token)
    node = data["conversation"]
    return node["unreadCount"], node["unreadMentionCount"]


async def mentions_of(api: Api, viewer: Account, **variables: Any) -> dict[str, Any]:
    data = await api.data(MENTIONS, variables, token=viewer.access_token)
    page: dict[str, Any] = data["mentions"]
    return page


async def test_a_mention_names_participants_only_whatever_the_case(api: Api) -> None:
    alice, bob, carol, _ = await users(api, "alice", "bob", "carol", "dave")
    group = await create(api, alice, "GROUP", bob, carol, title="Team")

    sent = await send(
        api, alice, group["id"], "@Bob and @carol.  please, not @dave, @nobody or bob@example.com"
    )

    assert await mentioned(api, bob, sent["id"]) == ["bob", "carol"]
    plain = await send(api, alice, group["id"], "no mentions here")
    assert await mentioned(api, bob, plain["id"]) == []


async def test_unread_mentions_count_for_the_mentioned_until_they_read(api: Api) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Team")
    await send(api, alice, group["id"], "morning all")
    await send(api, alice, group["id"], "@bob can you look?")
    last = await send(api, carol, group["id"], "@bob @alice me too")
    await send(api, bob, group["id"], "@bob note to self")

    assert await unread(api, bob, group["id"]) == (3, 2)
    assert await unread(api, alice, group["id"]) == (2, 1)
    assert await unread(api, carol, group["id"]) == (3, 0)
    inbox = await api.data(INBOX, token=bob.access_token)
    assert inbox["conversations"]["edges"][0]["node"]["unreadMentionCount"] == 2

    await mark_read(api, bob, group["id"], last["id"])

    assert await unread(api, bob, group["id"]) == (0, 0)
    assert await unread(api, alice, group["id"]) == (2, 1)


async def test_an_edit_re_resolves_mentions_and_a_deletion_removes_them(api: Api) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Team")
    sent = await send(api, alice, group["id"], "@bob ping")

    await api.data(
        EDIT_MESSAGE, {"messageId": sent["id"], "content": "@carol ping"}, token=alice.access_token
    )
    assert await mentioned(api, bob, sent["id"]) == ["carol"]
    assert await unread(api, bob, group["id"]) == (1, 0)
    assert await unread(api, carol, group["id"]) == (1, 1)

    await api.data(DELETE_MESSAGE, {"messageId": sent["id"]}, token=alice.access_token)
    assert await mentioned(api, bob, sent["id"]) == []
    assert await unread(api, carol, group["id"]) == (0, 0)
    assert (await mentions_of(api, carol))["edges"] == []


async def test_the_mentions_page_is_the_viewer_s_newest_first(api: Api) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Team")
    direct = await create(api, carol, "DIRECT", bob)
    contents = []
    for n in range(5):
        where, who = (group, alice) if n % 2 else (direct, carol)
        contents.append(f"@bob number {n}")
        await send(api, who, where["id"], contents[-1])
    await send(api, alice, group["id"], "@carol not for bob")
    await send(api, bob, group["id"], "@bob mine")

    first = await mentions_of(api, bob, first=3)
    rest = await mentions_of(api, bob, first=3, after=first["pageInfo"]["endCursor"])

    shown = [edge["node"]["content"] for edge in first["edges"] + rest["edges"]]
    assert shown == list(reversed(contents))
    assert first["pageInfo"]["hasNextPage"] is True
    assert rest["pageInfo"]["hasNextPage"] is False
    assert first["edges"][0]["node"]["mentions"] == [{"username": "bob"}]
    assert (await mentions_of(api, alice))["edges"] == []


async def test_a_mentions_page_refuses_a_bad_cursor_or_size(api: Api) -> None:
    [alice] = await users(api, "alice")
    bad_cursor = await api.error(MENTIONS, {"after": "nonsense"}, token=alice.access_token)
    too_many = await api.error(MENTIONS, {"first": 101}, token=alice.access_token)

    assert (code_of(bad_cursor), bad_cursor["extensions"]["field"]) == ("VALIDATION_ERROR", "after")
    assert (code_of(too_many), too_many["extensions"]["field"]) == ("VALIDATION_ERROR", "first")


async def test_mentions_of_a_private_reader_reveal_nothing_of_their_reads(api: Api) -> None:
    """Bob hides read receipts: being mentioned, and reading, shows others nothing new."""
    alice, bob = await users(api, "alice", "bob")
    await api.data(
        "mutation { updateSettings(input: {shareReadReceipts: false}) { shareReadReceipts } }",
        token=bob.access_token,
    )
    direct = await create(api, alice, "DIRECT", bob)
    sent = await send(api, alice, direct["id"], "@bob did you see this?")
    before = await api.data(MENTIONED, {"id": sent["id"]}, token=alice.access_token)

    await mark_read(api, bob, direct["id"], sent["id"])

    after = await api.data(MENTIONED, {"id": sent["id"]}, token=alice.access_token)
    assert after == before
    assert await unread(api, bob, direct["id"]) == (0, 0)
    # Alice cannot ask for Bob's unread mentions: the field is the viewer's own.
    assert await unread(api, alice, direct["id"]) == (0, 0)


@pytest.mark.parametrize("content", ["plain", "@bob hi"])
async def test_new_messages_come_live_with_their_mentions(
    api: Api, server: RunningServer, content: str
) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        added = await socket.start(ADDED, {"conversationId": direct["id"]})
        await until_live(added, probe=lambda mark: send(api, alice, direct["id"], mark))
        await send(api, alice, direct["id"], content)
        heard = (await added.data())["messageAdded"]

    expected = [{"username": "bob"}] if "@" in content else []
    assert heard == {"content": content, "mentions": expected}


async def test_mentions_are_listed_by_username_however_they_are_read(
    api: Api, server: RunningServer
) -> None:
    zed, amy = await users(api, "zed", "amy")  # zed signed up first
    direct = await create(api, zed, "DIRECT", amy)
    async with graphql_socket(server.ws_url, amy.access_token) as socket:
        added = await socket.start(ADDED, {"conversationId": direct["id"]})
        await until_live(added, probe=lambda mark: send(api, zed, direct["id"], mark))
        sent = await send(api, zed, direct["id"], "@zed @amy")
        live = (await added.data())["messageAdded"]["mentions"]

    assert [user["username"] for user in live] == ["amy", "zed"]
    assert await mentioned(api, amy, sent["id"]) == ["amy", "zed"]
