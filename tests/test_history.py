"""History: the issue's story end to end, and Relay paging of messages by seq."""

from __future__ import annotations

import base64
from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import (
    MESSAGE_FIELDS,
    MESSAGES,
    code_of,
    conversation,
    conversation_ids,
    create,
    history,
    inbox,
    mark_read,
    send,
    seqs,
)


async def _filled(api: Api, count: int) -> tuple[Account, Account, str]:
    """Alice and Bob in a direct conversation holding ``count`` messages, seq 1..count."""
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    cid = (await create(api, alice, "DIRECT", bob))["id"]
    for n in range(1, count + 1):
        await send(api, alice if n % 3 else bob, cid, f"message {n}")
    return alice, bob, cid


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def test_done_when_story(api: Api) -> None:
    """Three users; a DM and a group; messages over HTTP; Bob pages and reads."""
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    carol = await api.register("carol", display_name="Carol")

    direct = await create(api, alice, "DIRECT", bob)
    group = await create(api, alice, "GROUP", bob, carol, title="Weekend")
    assert (await create(api, bob, "DIRECT", alice))["id"] == direct["id"]
    assert roles_of(group) == {alice.id: "ADMIN", bob.id: "MEMBER", carol.id: "MEMBER"}

    await send(api, alice, direct["id"], "Hi Bob")
    await send(api, bob, direct["id"], "Hi Alice")
    talk = [(alice, "Saturday?"), (carol, "Sunday!"), (bob, "Either")] * 9
    sent = [await send(api, who, group["id"], f"{text} #{n}") for n, (who, text) in enumerate(talk)]
    assert [m["seq"] for m in sent] == list(range(1, 28))

    # Bob's inbox: the group (latest activity) first, with what he has not read.
    bobs_inbox = await inbox(api, bob)
    assert conversation_ids(bobs_inbox) == [group["id"], direct["id"]]
    unread = {e["node"]["id"]: e["node"]["unreadCount"] for e in bobs_inbox["edges"]}
    assert unread == {group["id"]: 18, direct["id"]: 1}

    # Backwards from the newest, ten at a time, until the beginning.
    backwards: list[int] = []
    page = await history(api, bob, group["id"], last=10)
    while True:
        backwards = seqs(page) + backwards
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        page = await history(api, bob, group["id"], last=10, before=page["pageInfo"]["startCursor"])
    assert backwards == list(range(1, 28))

    # Forwards from the beginning, ten at a time, until the end.
    forwards: list[int] = []
    page = await history(api, bob, group["id"], first=10)
    while True:
        forwards += seqs(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        page = await history(api, bob, group["id"], first=10, after=page["pageInfo"]["endCursor"])
    assert forwards == list(range(1, 28))
    assert [e["node"]["id"] for e in page["edges"]] == [m["id"] for m in sent[20:]]

    # Reading clears the unread count; the read mark never moves back.
    assert (await mark_read(api, bob, group["id"], sent[-1]["id"]))["lastReadSeq"] == 27
    assert (await conversation(api, bob, group["id"]))["unreadCount"] == 0
    assert (await mark_read(api, bob, group["id"], sent[3]["id"]))["lastReadSeq"] == 27
    assert (await conversation(api, bob, group["id"]))["unreadCount"] == 0
    await send(api, carol, group["id"], "See you")
    assert (await conversation(api, bob, group["id"]))["unreadCount"] == 1
    assert (await conversation(api, alice, group["id"]))["unreadCount"] == 19


def roles_of(conversation: dict[str, Any]) -> dict[str, str]:
    return {p["user"]["id"]: p["role"] for p in conversation["participants"]}


async def test_default_page_is_the_newest_50(api: Api) -> None:
    _, bob, cid = await _filled(api, 55)

    page = await history(api, bob, cid)

    assert seqs(page) == list(range(6, 56))
    assert page["pageInfo"]["hasPreviousPage"] is True
    assert page["pageInfo"]["hasNextPage"] is False
    assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
    assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
    assert [e["node"]["content"] for e in page["edges"]][:2] == ["message 6", "message 7"]

    via_conversation = await api.data(
        f"query($id: ID!) {{ conversation(id: $id) {{ messages {{ edges {{ cursor node"
        f" {{ {MESSAGE_FIELDS} }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor"
        " endCursor } } } }",
        {"id": cid},
        token=bob.access_token,
    )
    assert via_conversation["conversation"]["messages"] == page


async def test_paging_forwards_with_first_and_after(api: Api) -> None:
    _, bob, cid = await _filled(api, 12)

    first = await history(api, bob, cid, first=5)
    second = await history(api, bob, cid, first=5, after=first["pageInfo"]["endCursor"])
    third = await history(api, bob, cid, first=5, after=second["pageInfo"]["endCursor"])
    beyond = await history(api, bob, cid, first=5, after=third["pageInfo"]["endCursor"])

    assert [seqs(p) for p in (first, second, third, beyond)] == [
        [1, 2, 3, 4, 5],
        [6, 7, 8, 9, 10],
        [11, 12],
        [],
    ]
    assert [p["pageInfo"]["hasNextPage"] for p in (first, second, third, beyond)] == [
        True,
        True,
        False,
        False,
    ]
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert beyond["pageInfo"]["startCursor"] is None
    assert beyond["pageInfo"]["endCursor"] is None


async def test_paging_backwards_with_last_and_before(api: Api) -> None:
    _, bob, cid = await _filled(api, 12)

    newest = await history(api, bob, cid, last=5)
    older = await history(api, bob, cid, last=5, before=newest["pageInfo"]["startCursor"])
    oldest = await history(api, bob, cid, last=5, before=older["pageInfo"]["startCursor"])

    assert [seqs(p) for p in (newest, older, oldest)] == [
        [8, 9, 10, 11, 12],
        [3, 4, 5, 6, 7],
        [1, 2],
    ]
    assert [p["pageInfo"]["hasPreviousPage"] for p in (newest, older, oldest)] == [
        True,
        True,
        False,
    ]
    assert newest["pageInfo"]["hasNextPage"] is False
    assert older["pageInfo"]["hasNextPage"] is True
    # An edge's cursor works as well as the page's.
    middle = await history(api, bob, cid, last=2, before=older["edges"][2]["cursor"])
    assert seqs(middle) == [3, 4]
    between = await history(
        api,
        bob,
        cid,
        first=10,
        after=oldest["edges"][0]["cursor"],
        before=newest["edges"][0]["cursor"],
    )
    assert seqs(between) == [2, 3, 4, 5, 6, 7]


async def test_cursors_stay_valid_while_messages_arrive(api: Api) -> None:
    alice, bob, cid = await _filled(api, 30)
    newest = await history(api, bob, cid, last=10)
    assert seqs(newest) == list(range(21, 31))

    for n in range(5):
        await send(api, alice, cid, f"late {n}")

    older = await history(api, bob, cid, last=10, before=newest["pageInfo"]["startCursor"])
    assert seqs(older) == list(range(11, 21))
    assert older["pageInfo"]["hasNextPage"] is True
    newer = await history(api, bob, cid, first=10, after=newest["pageInfo"]["endCursor"])
    assert seqs(newer) == list(range(31, 36))
    assert [e["node"]["content"] for e in newer["edges"]] == [f"late {n}" for n in range(5)]
    assert newer["pageInfo"]["hasNextPage"] is False
    latest = await history(api, bob, cid, last=10)
    assert seqs(latest) == list(range(26, 36))


async def test_empty_conversation_has_an_empty_page(api: Api) -> None:
    _, bob, cid = await _filled(api, 0)

    for arguments in ({}, {"first": 10}, {"last": 10}):
        page = await history(api, bob, cid, **arguments)
        assert page == {
            "edges": [],
            "pageInfo": {
                "hasNextPage": False,
                "hasPreviousPage": False,
                "startCursor": None,
                "endCursor": None,
            },
        }


async def test_pages_hold_at_most_100(api: Api) -> None:
    _, bob, cid = await _filled(api, 101)

    assert seqs(await history(api, bob, cid, first=100)) == list(range(1, 101))
    assert seqs(await history(api, bob, cid, last=100)) == list(range(2, 102))
    for arguments, field in (
        ({"first": 101}, "first"),
        ({"last": 101}, "last"),
        ({"first": -1}, "first"),
        ({"last": -5}, "last"),
    ):
        error = await api.error(
            MESSAGES, {"conversationId": cid, **arguments}, token=bob.access_token
        )
        assert code_of(error) == "VALIDATION_ERROR", arguments
        assert error["extensions"]["field"] == field


async def test_first_and_last_together_are_rejected(api: Api) -> None:
    _, bob, cid = await _filled(api, 3)

    error = await api.error(
        MESSAGES, {"conversationId": cid, "first": 2, "last": 2}, token=bob.access_token
    )

    assert code_of(error) == "VALIDATION_ERROR"


BAD_CURSORS = [
    "garbage!",
    "",
    _cursor("seq:abc"),
    _cursor("seq:-3"),
    _cursor("seq:²"),
    _cursor("conv:2024-01-01T00:00:00+00:00|x"),
]


async def test_bad_cursors_are_rejected(api: Api) -> None:
    _, bob, cid = await _filled(api, 3)

    for argument in ("after", "before"):
        for cursor in BAD_CURSORS:
            error = await api.error(
                MESSAGES, {"conversationId": cid, argument: cursor}, token=bob.access_token
            )
            assert code_of(error) == "VALIDATION_ERROR", (argument, cursor)
            assert error["extensions"]["field"] == argument


async def test_history_is_for_participants_only(api: Api) -> None:
    _, _, cid = await _filled(api, 3)
    carol = await api.register("carol")

    error = await api.error(MESSAGES, {"conversationId": cid}, token=carol.access_token)
    nested = await api.error(
        "query($id: ID!) { conversation(id: $id) { messages { edges { cursor } } } }",
        {"id": cid},
        token=carol.access_token,
    )

    assert code_of(error) == "NOT_IN_CONVERSATION"
    assert code_of(nested) == "NOT_IN_CONVERSATION"


RESUME = """
query Resume($c: ID!, $afterSeq: Int, $after: String) {
  messages(conversationId: $c, first: 100, afterSeq: $afterSeq, after: $after) {
    edges { cursor node { seq cursor } }
    pageInfo { hasNextPage hasPreviousPage }
  }
}
"""


async def test_a_client_that_knows_only_seqs_resumes_with_after_seq(api: Api) -> None:
    _, bob, cid = await _filled(api, 7)
    data = await api.data(RESUME, {"c": cid, "afterSeq": 4}, token=bob.access_token)
    page = data["messages"]
    assert [edge["node"]["seq"] for edge in page["edges"]] == [5, 6, 7]
    assert page["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}
    # A message's own cursor is its edge's cursor, usable for after/before.
    assert all(edge["cursor"] == edge["node"]["cursor"] for edge in page["edges"])
    again = await api.data(
        RESUME, {"c": cid, "after": page["edges"][0]["cursor"]}, token=bob.access_token
    )
    assert [edge["node"]["seq"] for edge in again["messages"]["edges"]] == [6, 7]


async def test_after_seq_refuses_a_negative_seq_or_a_cursor_as_well(api: Api) -> None:
    _, bob, cid = await _filled(api, 2)
    negative = await api.error(RESUME, {"c": cid, "afterSeq": -1}, token=bob.access_token)
    both = await api.error(
        RESUME, {"c": cid, "afterSeq": 1, "after": _cursor("seq:1")}, token=bob.access_token
    )
    for error in (negative, both):
        assert code_of(error) == "VALIDATION_ERROR"
        assert error["extensions"]["field"] == "afterSeq"
