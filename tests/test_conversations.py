"""Conversations: creating DIRECT and GROUP ones, membership changes, titles and the inbox."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import (
    ADD_PARTICIPANTS,
    CONVERSATION,
    CREATE_CONVERSATION,
    LEAVE_CONVERSATION,
    MESSAGES,
    REMOVE_PARTICIPANT,
    RENAME_CONVERSATION,
    SEND_MESSAGE,
    code_of,
    conversation,
    conversation_ids,
    create,
    history,
    inbox,
    roles,
    send,
    seqs,
    unread_count,
)
from tests.support.server import run_server
from tidings.settings import Settings


async def _trio(api: Api) -> tuple[Account, Account, Account]:
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    carol = await api.register("carol", display_name="Carol")
    return alice, bob, carol


def _create_input(kind: str, ids: list[str], title: str | None = None) -> dict[str, Any]:
    return {"input": {"kind": kind, "participantIds": ids, "title": title}}


# --- DIRECT -----------------------------------------------------------------------------


async def test_direct_conversation_is_returned_again_from_either_side(api: Api) -> None:
    alice, bob, _ = await _trio(api)

    first = await create(api, alice, "DIRECT", bob)
    again = await create(api, alice, "DIRECT", bob)
    from_bob = await create(api, bob, "DIRECT", alice)

    assert first["id"] == again["id"] == from_bob["id"]
    assert first["kind"] == "DIRECT"
    assert first["title"] is None
    assert first["displayTitle"] == "Bob"
    assert from_bob["displayTitle"] == "Alice"
    assert first["participantCount"] == 2
    assert roles(first) == {alice.id: "MEMBER", bob.id: "MEMBER"}
    assert first["createdBy"] == {"id": alice.id}
    assert conversation_ids(await inbox(api, alice)) == [first["id"]]
    assert conversation_ids(await inbox(api, bob)) == [first["id"]]


async def test_direct_conversation_created_concurrently_is_one(api: Api) -> None:
    alice, bob, carol = await _trio(api)

    for other in (bob, carol):
        results = await asyncio.gather(
            create(api, alice, "DIRECT", other),
            create(api, other, "DIRECT", alice),
            create(api, alice, "DIRECT", other),
            create(api, other, "DIRECT", alice),
        )
        assert len({result["id"] for result in results}) == 1
        assert all(roles(result) == {alice.id: "MEMBER", other.id: "MEMBER"} for result in results)

    assert len(conversation_ids(await inbox(api, alice))) == 2
    assert len(conversation_ids(await inbox(api, bob))) == 1


@pytest.mark.parametrize(
    ("others", "title", "field"),
    [
        pytest.param("bob", "Hi", "title", id="with-title"),
        pytest.param("", None, "participantIds", id="nobody"),
        pytest.param("alice", None, "participantIds", id="only-yourself"),
        pytest.param("bob,carol", None, "participantIds", id="two-others"),
    ],
)
async def test_direct_conversation_rejects_bad_participants(
    api: Api, others: str, title: str | None, field: str
) -> None:
    alice, bob, carol = await _trio(api)
    accounts = {"alice": alice, "bob": bob, "carol": carol}
    ids = [accounts[name].id for name in others.split(",") if name]

    error = await api.error(
        CREATE_CONVERSATION, _create_input("DIRECT", ids, title), token=alice.access_token
    )

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == field
    assert conversation_ids(await inbox(api, alice)) == []
    assert conversation_ids(await inbox(api, bob)) == []


@pytest.mark.parametrize("kind", ["DIRECT", "GROUP"])
async def test_unknown_user_is_rejected(api: Api, kind: str) -> None:
    alice, bob, _ = await _trio(api)
    ids = [str(uuid.uuid4())] if kind == "DIRECT" else [bob.id, str(uuid.uuid4())]

    error = await api.error(CREATE_CONVERSATION, _create_input(kind, ids), token=alice.access_token)

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "participantIds"
    assert conversation_ids(await inbox(api, alice)) == []
    assert conversation_ids(await inbox(api, bob)) == []


@pytest.mark.parametrize("bad_id", ["not-an-id", "", "12345"])
async def test_malformed_participant_id_is_rejected(api: Api, bad_id: str) -> None:
    alice, bob, _ = await _trio(api)

    error = await api.error(
        CREATE_CONVERSATION, _create_input("GROUP", [bob.id, bad_id]), token=alice.access_token
    )

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "participantIds"
    assert conversation_ids(await inbox(api, alice)) == []


# --- GROUP --------------------------------------------------------------------------------


async def test_group_creator_is_admin_and_others_are_members(api: Api) -> None:
    alice, bob, carol = await _trio(api)

    group = await create(api, alice, "GROUP", bob, carol, bob, title="Climbing")

    assert group["kind"] == "GROUP"
    assert group["title"] == "Climbing"
    assert group["displayTitle"] == "Climbing"
    assert group["createdBy"] == {"id": alice.id}
    assert group["participantCount"] == 3
    assert roles(group) == {alice.id: "ADMIN", bob.id: "MEMBER", carol.id: "MEMBER"}
    assert group["lastMessage"] is None
    assert group["lastMessageAt"] is None
    assert group["unreadCount"] == 0
    seen_by_carol = await conversation(api, carol, group["id"])
    assert roles(seen_by_carol) == roles(group)
    assert seen_by_carol["displayTitle"] == "Climbing"


async def test_group_title_is_trimmed_and_1_to_100_characters(api: Api) -> None:
    alice, bob, _ = await _trio(api)

    for bad in ["", "   ", "x" * 101]:
        error = await api.error(
            CREATE_CONVERSATION,
            _create_input("GROUP", [bob.id], bad),
            token=alice.access_token,
        )
        assert code_of(error) == "VALIDATION_ERROR", bad
        assert error["extensions"]["field"] == "title"
    assert conversation_ids(await inbox(api, alice)) == []

    longest = await create(api, alice, "GROUP", bob, title="x" * 100)
    padded = await create(api, alice, "GROUP", bob, title="  Book club \n")
    assert longest["title"] == "x" * 100
    assert padded["title"] == "Book club"


async def test_group_without_title_is_named_after_the_others(api: Api) -> None:
    alice, bob, carol = await _trio(api)

    group = await create(api, alice, "GROUP", carol, bob)

    assert group["title"] is None
    assert group["displayTitle"] == "Bob, Carol"
    assert (await conversation(api, bob, group["id"]))["displayTitle"] == "Alice, Carol"
    assert (await conversation(api, carol, group["id"]))["displayTitle"] == "Alice, Bob"


@pytest.mark.parametrize("with_self", [False, True])
async def test_group_needs_someone_else(api: Api, with_self: bool) -> None:
    alice, _, _ = await _trio(api)
    ids = [alice.id] if with_self else []

    error = await api.error(
        CREATE_CONVERSATION, _create_input("GROUP", ids, "Alone"), token=alice.access_token
    )

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "participantIds"
    assert conversation_ids(await inbox(api, alice)) == []


@pytest.fixture
async def small_groups(make_settings: Callable[..., Settings]) -> AsyncIterator[Api]:
    """A server whose groups hold at most three participants."""
    async with (
        run_server(make_settings(group_max_participants=3)) as server,
        Api.connect(server.http_url) as api,
    ):
        yield api


async def test_group_size_limit(small_groups: Api) -> None:
    api = small_groups
    alice, bob, carol = await _trio(api)
    dave = await api.register("dave")

    error = await api.error(
        CREATE_CONVERSATION,
        _create_input("GROUP", [bob.id, carol.id, dave.id]),
        token=alice.access_token,
    )
    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "participantIds"
    assert conversation_ids(await inbox(api, alice)) == []

    pair = await create(api, alice, "GROUP", bob)
    grown = await api.data(
        ADD_PARTICIPANTS,
        {"conversationId": pair["id"], "userIds": [carol.id]},
        token=alice.access_token,
    )
    assert grown["addParticipants"]["participantCount"] == 3

    error = await api.error(
        ADD_PARTICIPANTS,
        {"conversationId": pair["id"], "userIds": [dave.id]},
        token=alice.access_token,
    )
    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "userIds"
    after = await conversation(api, alice, pair["id"])
    assert set(roles(after)) == {alice.id, bob.id, carol.id}
    assert conversation_ids(await inbox(api, dave)) == []


# --- membership -----------------------------------------------------------------------------


async def test_members_cannot_change_a_group(api: Api) -> None:
    alice, bob, carol = await _trio(api)
    dave = await api.register("dave")
    group = await create(api, alice, "GROUP", bob, carol, title="Plans")
    cid = group["id"]

    attempts = [
        (ADD_PARTICIPANTS, {"conversationId": cid, "userIds": [dave.id]}),
        (REMOVE_PARTICIPANT, {"conversationId": cid, "userId": carol.id}),
        (REMOVE_PARTICIPANT, {"conversationId": cid, "userId": alice.id}),
        (RENAME_CONVERSATION, {"conversationId": cid, "title": "Mine now"}),
    ]
    for document, variables in attempts:
        error = await api.error(document, variables, token=bob.access_token)
        assert code_of(error) == "FORBIDDEN", variables

    after = await conversation(api, alice, cid)
    assert roles(after) == roles(group)
    assert after["title"] == "Plans"
    assert conversation_ids(await inbox(api, dave)) == []


async def test_direct_conversations_cannot_be_changed(api: Api) -> None:
    alice, bob, carol = await _trio(api)
    direct = await create(api, alice, "DIRECT", bob)
    cid = direct["id"]

    attempts = [
        (ADD_PARTICIPANTS, {"conversationId": cid, "userIds": [carol.id]}),
        (REMOVE_PARTICIPANT, {"conversationId": cid, "userId": bob.id}),
        (RENAME_CONVERSATION, {"conversationId": cid, "title": "Us"}),
        (LEAVE_CONVERSATION, {"conversationId": cid}),
    ]
    for document, variables in attempts:
        for actor in (alice, bob):
            error = await api.error(document, variables, token=actor.access_token)
            assert code_of(error) == "FORBIDDEN", variables

    after = await conversation(api, alice, cid)
    assert roles(after) == roles(direct)
    assert after["title"] is None
    assert conversation_ids(await inbox(api, carol)) == []


async def test_outsiders_and_unknown_conversations_are_indistinguishable(api: Api) -> None:
    alice, bob, carol = await _trio(api)
    dave = await api.register("dave")
    group = await create(api, alice, "GROUP", bob, title="Secret")
    await send(api, alice, group["id"], "hush")

    def attempts(cid: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (CONVERSATION, {"id": cid}),
            (MESSAGES, {"conversationId": cid}),
            (SEND_MESSAGE, {"input": {"conversationId": cid, "content": "hi"}}),
            (ADD_PARTICIPANTS, {"conversationId": cid, "userIds": [dave.id]}),
            (REMOVE_PARTICIPANT, {"conversationId": cid, "userId": bob.id}),
            (RENAME_CONVERSATION, {"conversationId": cid, "title": "Mine"}),
            (LEAVE_CONVERSATION, {"conversationId": cid}),
        ]

    unknown = str(uuid.uuid4())
    for (document, existing), (_, missing) in zip(
        attempts(group["id"]), attempts(unknown), strict=True
    ):
        seen = await api.error(document, existing, token=carol.access_token)
        not_there = await api.error(document, missing, token=carol.access_token)
        assert code_of(seen) == "NOT_IN_CONVERSATION", document
        assert seen["message"] == not_there["message"]
        assert seen["extensions"] == not_there["extensions"]

    after = await conversation(api, alice, group["id"])
    assert roles(after) == roles(group)
    assert after["title"] == "Secret"
    assert seqs(await history(api, alice, group["id"])) == [1]
    assert conversation_ids(await inbox(api, carol)) == []
    assert conversation_ids(await inbox(api, dave)) == []


async def test_added_member_sees_history_but_nothing_unread(api: Api) -> None:
    alice, bob, carol = await _trio(api)
    group = await create(api, alice, "GROUP", bob)
    for text in ("one", "two", "three"):
        await send(api, alice, group["id"], text)

    added = await api.data(
        ADD_PARTICIPANTS,
        {"conversationId": group["id"], "userIds": [carol.id, bob.id, carol.id]},
        token=alice.access_token,
    )

    assert roles(added["addParticipants"]) == {
        alice.id: "ADMIN",
        bob.id: "MEMBER",
        carol.id: "MEMBER",
    }
    assert await unread_count(api, carol, group["id"]) == 0
    assert await unread_count(api, bob, group["id"]) == 3
    page = await history(api, carol, group["id"])
    assert [edge["node"]["content"] for edge in page["edges"]] == ["one", "two", "three"]
    assert conversation_ids(await inbox(api, carol)) == [group["id"]]

    await send(api, bob, group["id"], "welcome")
    assert await unread_count(api, carol, group["id"]) == 1


async def test_adding_needs_real_users(api: Api) -> None:
    alice, bob, _ = await _trio(api)
    group = await create(api, alice, "GROUP", bob)

    for user_ids, field in (([str(uuid.uuid4())], "userIds"), (["nope"], "userIds")):
        error = await api.error(
            ADD_PARTICIPANTS,
            {"conversationId": group["id"], "userIds": user_ids},
            token=alice.access_token,
        )
        assert code_of(error) == "VALIDATION_ERROR"
        assert error["extensions"]["field"] == field
    error = await api.error(
        ADD_PARTICIPANTS, {"conversationId": group["id"], "userIds": []}, token=alice.access_token
    )
    assert code_of(error) == "VALIDATION_ERROR"

    assert (await conversation(api, alice, group["id"]))["participantCount"] == 2


async def test_removed_member_loses_the_conversation(api: Api) -> None:
    alice, bob, carol = await _trio(api)
    group = await create(api, alice, "GROUP", bob, carol)
    message = await send(api, carol, group["id"], "hello")

    removed = await api.data(
        REMOVE_PARTICIPANT,
        {"conversationId": group["id"], "userId": carol.id},
        token=alice.access_token,
    )

    assert set(roles(removed["removeParticipant"])) == {alice.id, bob.id}
    assert removed["removeParticipant"]["participantCount"] == 2
    for document, variables in (
        (CONVERSATION, {"id": group["id"]}),
        (MESSAGES, {"conversationId": group["id"]}),
        (SEND_MESSAGE, {"input": {"conversationId": group["id"], "content": "let me in"}}),
    ):
        error = await api.error(document, variables, token=carol.access_token)
        assert code_of(error) == "NOT_IN_CONVERSATION"
    assert conversation_ids(await inbox(api, carol)) == []
    # What they said stays in the history.
    assert [e["node"]["id"] for e in (await history(api, bob, group["id"]))["edges"]] == [
        message["id"]
    ]

    error = await api.error(
        REMOVE_PARTICIPANT,
        {"conversationId": group["id"], "userId": carol.id},
        token=alice.access_token,
    )
    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "userId"


async def test_member_can_leave(api: Api) -> None:
    alice, bob, carol = await _trio(api)
    group = await create(api, alice, "GROUP", bob, carol)

    left = await api.data(
        LEAVE_CONVERSATION, {"conversationId": group["id"]}, token=bob.access_token
    )

    assert left == {"leaveConversation": True}
    assert conversation_ids(await inbox(api, bob)) == []
    error = await api.error(CONVERSATION, {"id": group["id"]}, token=bob.access_token)
    assert code_of(error) == "NOT_IN_CONVERSATION"
    again = await api.error(
        LEAVE_CONVERSATION, {"conversationId": group["id"]}, token=bob.access_token
    )
    assert code_of(again) == "NOT_IN_CONVERSATION"
    assert roles(await conversation(api, alice, group["id"])) == {
        alice.id: "ADMIN",
        carol.id: "MEMBER",
    }


async def test_last_admin_leaving_hands_admin_to_longest_standing_member(api: Api) -> None:
    # Carol registers first, so ordering by user id would pick her: the handover must go by
    # how long someone has been in the group.
    carol = await api.register("carol", display_name="Carol")
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    group = await create(api, alice, "GROUP", bob)
    await api.data(
        ADD_PARTICIPANTS,
        {"conversationId": group["id"], "userIds": [carol.id]},
        token=alice.access_token,
    )

    await api.data(LEAVE_CONVERSATION, {"conversationId": group["id"]}, token=alice.access_token)

    after = await conversation(api, bob, group["id"])
    assert roles(after) == {bob.id: "ADMIN", carol.id: "MEMBER"}
    # The new admin can act as one.
    renamed = await api.data(
        RENAME_CONVERSATION,
        {"conversationId": group["id"], "title": "Bob's now"},
        token=bob.access_token,
    )
    assert renamed["renameConversation"]["title"] == "Bob's now"


async def test_admin_renames_and_clears_the_title(api: Api) -> None:
    alice, bob, carol = await _trio(api)
    group = await create(api, alice, "GROUP", bob, carol, title="Old")

    renamed = await api.data(
        RENAME_CONVERSATION,
        {"conversationId": group["id"], "title": "  New name  "},
        token=alice.access_token,
    )
    assert renamed["renameConversation"]["title"] == "New name"
    assert (await conversation(api, bob, group["id"]))["displayTitle"] == "New name"

    for bad in ["", "x" * 101]:
        error = await api.error(
            RENAME_CONVERSATION,
            {"conversationId": group["id"], "title": bad},
            token=alice.access_token,
        )
        assert code_of(error) == "VALIDATION_ERROR"
        assert error["extensions"]["field"] == "title"
    assert (await conversation(api, bob, group["id"]))["title"] == "New name"

    cleared = await api.data(
        RENAME_CONVERSATION,
        {"conversationId": group["id"], "title": None},
        token=alice.access_token,
    )
    assert cleared["renameConversation"]["title"] is None
    assert (await conversation(api, bob, group["id"]))["displayTitle"] == "Alice, Carol"


# --- the inbox -------------------------------------------------------------------------------


async def test_inbox_lists_latest_activity_first(api: Api) -> None:
    alice, bob, carol = await _trio(api)
    first = await create(api, alice, "DIRECT", bob)
    second = await create(api, alice, "GROUP", bob, carol, title="Second")
    third = await create(api, alice, "DIRECT", carol)
    assert conversation_ids(await inbox(api, alice)) == [third["id"], second["id"], first["id"]]

    message = await send(api, bob, first["id"], "bump")

    listed = await inbox(api, alice)
    assert conversation_ids(listed) == [first["id"], third["id"], second["id"]]
    top = listed["edges"][0]["node"]
    assert top["lastMessage"] == {
        "id": message["id"],
        "seq": 1,
        "content": "bump",
        "sender": {"id": bob.id},
    }
    assert top["lastMessageAt"] is not None
    assert top["unreadCount"] == 1
    assert top["displayTitle"] == "Bob"
    assert top["participantCount"] == 2
    assert {p["user"]["id"] for p in top["participants"]} == {alice.id, bob.id}
    assert listed["edges"][1]["node"]["lastMessage"] is None
    # Bob sees only his two, in his order.
    assert conversation_ids(await inbox(api, bob)) == [first["id"], second["id"]]

    await send(api, carol, second["id"], "me too")
    assert conversation_ids(await inbox(api, alice)) == [second["id"], first["id"], third["id"]]


async def test_inbox_pages_without_repeats(api: Api) -> None:
    alice, bob, _ = await _trio(api)
    created = [(await create(api, alice, "GROUP", bob, title=f"g{i}"))["id"] for i in range(23)]
    await send(api, bob, created[5], "bump")
    expected = [created[5], *[cid for cid in reversed(created) if cid != created[5]]]

    default = await inbox(api, alice)
    assert conversation_ids(default) == expected[:20]
    assert default["pageInfo"]["hasNextPage"] is True
    assert default["pageInfo"]["hasPreviousPage"] is False

    everything = await inbox(api, alice, first=100)
    assert conversation_ids(everything) == expected
    assert everything["pageInfo"]["hasNextPage"] is False

    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await inbox(api, alice, first=5, after=after)
        pages += 1
        seen.extend(conversation_ids(page))
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    assert pages == 5


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        pytest.param({"first": 101}, "first", id="too-many"),
        pytest.param({"first": -1}, "first", id="negative"),
        pytest.param({"after": "garbage"}, "after", id="garbage-cursor"),
        pytest.param(
            {"after": base64.urlsafe_b64encode(b"seq:3").decode()}, "after", id="message-cursor"
        ),
    ],
)
async def test_inbox_rejects_bad_arguments(api: Api, arguments: dict[str, Any], field: str) -> None:
    alice, bob, _ = await _trio(api)
    await create(api, alice, "DIRECT", bob)

    error = await api.error(
        "query($first: Int, $after: String) { conversations(first: $first, after: $after)"
        " { edges { cursor } } }",
        arguments,
        token=alice.access_token,
    )

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == field
