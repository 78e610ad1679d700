"""Subscriptions as a client sees them over a real WebSocket: messageAdded (ordered, replayed,
inbox-wide), messageUpdated, conversationUpdated and typing, and who stops hearing what."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import (
    ADD_PARTICIPANTS,
    DELETE_MESSAGE,
    EDIT_MESSAGE,
    LEAVE_CONVERSATION,
    REMOVE_PARTICIPANT,
    RENAME_CONVERSATION,
    code_of,
    create,
    send,
)
from tests.support.clock import FakeClock
from tests.support.server import RunningServer, run_server
from tests.support.statements import count_statements
from tests.support.ws import (
    CONVERSATION_UPDATED,
    MESSAGE_ADDED,
    MESSAGE_UPDATED,
    PROTOCOLS,
    TYPING,
    WAIT,
    GraphQLSocket,
    Operation,
    graphql_socket,
    until_live,
)
from tidings.settings import Settings

SET_TYPING = """
mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {
  setTyping(conversationId: $conversationId, isTyping: $isTyping)
}
"""


async def _users(api: Api, *names: str) -> list[Account]:
    return [await api.register(name, display_name=name.title()) for name in names]


async def _added(operation: Operation) -> dict[str, Any]:
    """The next ``messageAdded`` message."""
    message: dict[str, Any] = (await operation.data())["messageAdded"]
    return message


async def _ended_with(operation: Operation) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read results until an error ends the stream: (the data before it, the error)."""
    before: list[dict[str, Any]] = []
    while True:
        result = await operation.next()
        if result.get("errors"):
            assert len(result["errors"]) == 1, result
            return before, result["errors"][0]
        before.append(result["data"])


def _sender(api: Api, sender: Account, conversation_id: str) -> Callable[[str], Any]:
    """A probe for ``until_live``: ``sender`` sends the mark as a message."""
    return lambda mark: send(api, sender, conversation_id, mark)


# --- messageAdded for one conversation ------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_message_added_arrives_in_seq_order(
    api: Api, server: RunningServer, protocol: str
) -> None:
    alice, bob = await _users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)

    async with graphql_socket(server.ws_url, bob.access_token, protocol=protocol) as socket:
        feed = await socket.start(MESSAGE_ADDED, {"conversationId": direct["id"]})
        [heard] = await until_live(feed, probe=_sender(api, alice, direct["id"]))
        probe = heard["messageAdded"]
        # Sent concurrently: the server picks the order, the subscriber sees exactly that.
        sent = await asyncio.gather(*(send(api, alice, direct["id"], f"m{i}") for i in range(10)))
        received = [await _added(feed) for _ in sent]

    by_seq = {message["seq"]: message for message in sent}
    assert [m["seq"] for m in received] == list(range(probe["seq"] + 1, probe["seq"] + 11))
    for message in received:
        assert message["id"] == by_seq[message["seq"]]["id"]
        assert message["content"] == by_seq[message["seq"]]["content"]
        assert message["conversationId"] == direct["id"]
        assert message["sender"] == {"id": alice.id, "username": "alice", "displayName": "Alice"}


async def test_after_seq_replays_history_then_continues_live(
    api: Api, server: RunningServer
) -> None:
    alice, bob = await _users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    for i in range(1, 6):
        await send(api, alice if i % 2 else bob, direct["id"], f"old {i}")

    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        feed = await socket.start(MESSAGE_ADDED, {"conversationId": direct["id"], "afterSeq": 2})
        replayed = [await _added(feed) for _ in range(3)]
        await send(api, alice, direct["id"], "new 6")
        await send(api, bob, direct["id"], "new 7")
        live = [await _added(feed) for _ in range(2)]
        await send(api, alice, direct["id"], "new 8")
        last = await _added(feed)

    assert [(m["seq"], m["content"]) for m in replayed] == [
        (3, "old 3"),
        (4, "old 4"),
        (5, "old 5"),
    ]
    assert [m["sender"]["id"] for m in replayed] == [alice.id, bob.id, alice.id]
    assert [(m["seq"], m["content"]) for m in live] == [(6, "new 6"), (7, "new 7")]
    assert (last["seq"], last["content"]) == (8, "new 8")


async def test_after_seq_has_no_gap_or_duplicate_while_another_client_sends(
    api: Api, server: RunningServer
) -> None:
    alice, bob = await _users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    ten_sent = asyncio.Event()

    async def send_thirty() -> None:
        for i in range(1, 31):
            await send(api, alice, direct["id"], f"m{i}")
            if i == 10:
                ten_sent.set()

    sending = asyncio.create_task(send_thirty())
    try:
        async with graphql_socket(server.ws_url, bob.access_token) as socket:
            await asyncio.wait_for(ten_sent.wait(), WAIT)
            # Subscribed while the sends go on: two subscribers, replaying from different points.
            from_start = await socket.start(
                MESSAGE_ADDED, {"conversationId": direct["id"], "afterSeq": 0}
            )
            from_seven = await socket.start(
                MESSAGE_ADDED, {"conversationId": direct["id"], "afterSeq": 7}
            )
            first = [await _added(from_start) for _ in range(30)]
            second = [await _added(from_seven) for _ in range(23)]
            await sending
            # Anything delivered twice would arrive before this.
            await send(api, bob, direct["id"], "after all")
            assert (await _added(from_start))["seq"] == 31
            assert (await _added(from_seven))["seq"] == 31
    finally:
        sending.cancel()

    assert [m["seq"] for m in first] == list(range(1, 31))
    assert [m["content"] for m in first] == [f"m{i}" for i in range(1, 31)]
    assert [m["seq"] for m in second] == list(range(8, 31))


@pytest.mark.parametrize(
    "variables",
    [{"afterSeq": 0}, {"afterSeq": -1, "conversationId": "<direct>"}],
    ids=["without-conversation", "negative"],
)
async def test_after_seq_is_validated(
    api: Api, server: RunningServer, variables: dict[str, Any]
) -> None:
    alice, bob = await _users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    variables = {k: direct["id"] if v == "<direct>" else v for k, v in variables.items()}

    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        feed = await socket.start(MESSAGE_ADDED, variables)
        error = await feed.error()

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "afterSeq"


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (MESSAGE_ADDED, {}),
        (MESSAGE_ADDED, {"afterSeq": 0}),
        (MESSAGE_UPDATED, {}),
        (TYPING, {}),
    ],
    ids=["messageAdded", "messageAdded-afterSeq", "messageUpdated", "typing"],
)
async def test_subscribing_to_a_conversation_you_are_not_in_is_refused(
    api: Api, server: RunningServer, document: str, variables: dict[str, Any]
) -> None:
    alice, bob, carol = await _users(api, "alice", "bob", "carol")
    direct = await create(api, alice, "DIRECT", bob)

    async with graphql_socket(server.ws_url, carol.access_token) as socket:
        theirs = await socket.start(document, {**variables, "conversationId": direct["id"]})
        missing = await socket.start(document, {**variables, "conversationId": str(uuid.uuid4())})
        errors = [await theirs.error(), await missing.error()]

    # A conversation that does not exist is indistinguishable from someone else's.
    assert [code_of(error) for error in errors] == ["NOT_IN_CONVERSATION"] * 2


# --- messageAdded for all the viewer's conversations ----------------------------------------


async def test_inbox_wide_message_added_follows_the_viewer_into_new_conversations(
    api: Api, server: RunningServer
) -> None:
    alice, bob, carol, dave = await _users(api, "alice", "bob", "carol", "dave")
    direct = await create(api, alice, "DIRECT", bob)
    others = await create(api, carol, "DIRECT", dave)
    older_group = await create(api, carol, "GROUP", dave, title="Before bob")
    await send(api, carol, older_group["id"], "before bob 1")
    await send(api, dave, older_group["id"], "before bob 2")

    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        inbox = await socket.start(MESSAGE_ADDED)
        await until_live(inbox, probe=_sender(api, alice, direct["id"]))

        await send(api, dave, others["id"], "not for bob")
        await send(api, alice, direct["id"], "marker 1")
        after_others = await _added(inbox)

        new_group = await create(api, alice, "GROUP", bob, carol, title="Plans")
        await send(api, carol, new_group["id"], "hello group")
        in_new_group = await _added(inbox)

        await api.data(
            ADD_PARTICIPANTS,
            {"conversationId": older_group["id"], "userIds": [bob.id]},
            token=carol.access_token,
        )
        await send(api, dave, older_group["id"], "welcome bob")
        in_joined_group = await _added(inbox)

        await send(api, dave, others["id"], "still not for bob")
        await send(api, bob, direct["id"], "marker 2")
        last = await _added(inbox)

    assert after_others["content"] == "marker 1"
    assert (in_new_group["conversationId"], in_new_group["seq"]) == (new_group["id"], 1)
    assert in_new_group["content"] == "hello group"
    # Joined with history: only what is sent after joining is news.
    assert (in_joined_group["conversationId"], in_joined_group["seq"]) == (older_group["id"], 3)
    assert in_joined_group["content"] == "welcome bob"
    assert last["content"] == "marker 2"


MESSAGE_ADDED_RESUMING = """
subscription Resume($afterSeqs: [ConversationSeqInput!], $conversationId: ID) {
  messageAdded(afterSeqs: $afterSeqs, conversationId: $conversationId) {
    conversationId seq content
  }
}
"""


async def test_inbox_wide_message_added_resumes_each_conversation_after_its_seq(
    api: Api, server: RunningServer
) -> None:
    """A client back from a disconnect names the highest seq it holds per conversation: it
    gets exactly what it missed in each, then everything live, with one subscription."""
    alice, bob, carol = await _users(api, "alice", "bob", "carol")
    direct = await create(api, alice, "DIRECT", bob)
    group = await create(api, carol, "GROUP", bob, alice, title="Plans")
    quiet = await create(api, carol, "DIRECT", bob)
    theirs = await create(api, alice, "DIRECT", carol)
    for i in range(1, 5):
        await send(api, alice, direct["id"], f"direct {i}")
    for i in range(1, 4):
        await send(api, carol, group["id"], f"group {i}")
    await send(api, carol, quiet["id"], "quiet 1")
    await send(api, carol, theirs["id"], "not bob's")

    after_seqs = [
        {"conversationId": direct["id"], "seq": 1},
        {"conversationId": group["id"], "seq": 3},  # bob has it all
        {"conversationId": theirs["id"], "seq": 0},  # not bob's: ignored, never shown
    ]
    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        feed = await socket.start(MESSAGE_ADDED_RESUMING, {"afterSeqs": after_seqs})
        replayed = [(await feed.data())["messageAdded"] for _ in range(3)]
        await send(api, carol, group["id"], "group 4")
        await send(api, carol, quiet["id"], "quiet 2")
        live = [(await feed.data())["messageAdded"] for _ in range(2)]

    assert sorted((m["conversationId"], m["seq"], m["content"]) for m in replayed) == sorted(
        [(direct["id"], seq, f"direct {seq}") for seq in (2, 3, 4)]
    )
    assert [(m["conversationId"], m["content"]) for m in live] == [
        (group["id"], "group 4"),
        (quiet["id"], "quiet 2"),  # not named: followed from now on, as without afterSeqs
    ]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"afterSeqs": [{"conversationId": "C", "seq": -1}]}, "seq is ≥ 0"),
        ({"afterSeqs": [], "conversationId": "C"}, "without a conversationId"),
        ({"afterSeqs": [{"conversationId": "not-an-id", "seq": 1}]}, "afterSeqs"),
    ],
    ids=["negative", "with-conversationId", "malformed-id"],
)
async def test_resume_marks_that_make_no_sense_are_refused(
    api: Api, server: RunningServer, variables: dict[str, Any], message: str
) -> None:
    alice, bob = await _users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    filled = {
        key: value if key != "conversationId" else direct["id"] for key, value in variables.items()
    }
    filled["afterSeqs"] = [
        {
            **mark,
            "conversationId": direct["id"]
            if mark["conversationId"] == "C"
            else mark["conversationId"],
        }
        for mark in variables["afterSeqs"]
    ]
    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        error = await (await socket.start(MESSAGE_ADDED_RESUMING, filled)).error()

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "afterSeqs"
    assert message in error["message"]


@pytest.mark.parametrize("how", ["removed", "left"])
async def test_a_member_who_is_removed_or_leaves_stops_receiving_at_once(
    api: Api, server: RunningServer, how: str
) -> None:
    alice, bob, carol = await _users(api, "alice", "bob", "carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Team")
    direct = await create(api, alice, "DIRECT", bob)

    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        inbox = await socket.start(MESSAGE_ADDED)
        one = await socket.start(MESSAGE_ADDED, {"conversationId": group["id"], "afterSeq": 0})
        await until_live(inbox, one, probe=_sender(api, alice, group["id"]))

        if how == "removed":
            await api.data(
                REMOVE_PARTICIPANT,
                {"conversationId": group["id"], "userId": bob.id},
                token=alice.access_token,
            )
        else:
            await api.data(
                LEAVE_CONVERSATION, {"conversationId": group["id"]}, token=bob.access_token
            )
        await send(api, carol, group["id"], "after bob is gone")
        await send(api, alice, direct["id"], "marker")

        next_in_inbox = await _added(inbox)
        before_end, error = await _ended_with(one)
        await one.complete()

    assert next_in_inbox["content"] == "marker"
    assert before_end == []
    assert code_of(error) == "NOT_IN_CONVERSATION"


# --- messageUpdated ---------------------------------------------------------------------------


async def test_message_updated_delivers_edits_and_deletions(
    api: Api, server: RunningServer
) -> None:
    alice, bob, carol, dave = await _users(api, "alice", "bob", "carol", "dave")
    direct = await create(api, alice, "DIRECT", bob)
    others = await create(api, carol, "DIRECT", dave)
    probed = await send(api, alice, direct["id"], "probe target")
    message = await send(api, alice, direct["id"], "hello")
    theirs = await send(api, carol, others["id"], "not for bob")

    async def edit(account: Account, message_id: str, content: str) -> dict[str, Any]:
        data = await api.data(
            EDIT_MESSAGE, {"messageId": message_id, "content": content}, token=account.access_token
        )
        edited: dict[str, Any] = data["editMessage"]
        return edited

    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        one = await socket.start(MESSAGE_UPDATED, {"conversationId": direct["id"]})
        inbox = await socket.start(MESSAGE_UPDATED)
        await until_live(one, inbox, probe=lambda mark: edit(alice, probed["id"], mark))
        await edit(carol, theirs["id"], "still not for bob")
        await edit(alice, message["id"], "hello, edited")
        edited = [(await feed.data())["messageUpdated"] for feed in (one, inbox)]
        await api.data(DELETE_MESSAGE, {"messageId": message["id"]}, token=alice.access_token)
        deleted = [(await feed.data())["messageUpdated"] for feed in (one, inbox)]

    for update in edited:
        assert (update["id"], update["seq"]) == (message["id"], message["seq"])
        assert update["content"] == "hello, edited"
        assert update["editedAt"] is not None
        assert update["deletedAt"] is None
    for update in deleted:
        assert update["id"] == message["id"]
        assert update["content"] == ""
        assert update["deletedAt"] is not None


# --- conversationUpdated ----------------------------------------------------------------------


def _members(conversation: dict[str, Any]) -> dict[str, str]:
    return {p["user"]["id"]: p["role"] for p in conversation["participants"]}


async def test_conversation_updated_follows_creation_renames_members_and_leaving(
    api: Api, server: RunningServer
) -> None:
    alice, bob, carol, dave = await _users(api, "alice", "bob", "carol", "dave")
    probe_group = await create(api, alice, "GROUP", bob, title="Probe")

    async def rename(account: Account, conversation_id: str, title: str) -> Any:
        variables = {"conversationId": conversation_id, "title": title}
        return await api.data(RENAME_CONVERSATION, variables, token=account.access_token)

    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        updates = await socket.start(CONVERSATION_UPDATED)
        await until_live(updates, probe=lambda mark: rename(alice, probe_group["id"], mark))

        async def next_update() -> dict[str, Any]:
            update: dict[str, Any] = (await updates.data())["conversationUpdated"]
            return update

        await create(api, carol, "GROUP", dave, title="Without bob")
        group = await create(api, alice, "GROUP", bob, carol, title="Plans")
        created = await next_update()
        await rename(alice, group["id"], "New plans")
        renamed = await next_update()
        await api.data(
            ADD_PARTICIPANTS,
            {"conversationId": group["id"], "userIds": [dave.id]},
            token=alice.access_token,
        )
        added = await next_update()
        await api.data(
            REMOVE_PARTICIPANT,
            {"conversationId": group["id"], "userId": carol.id},
            token=alice.access_token,
        )
        removed = await next_update()
        await api.data(LEAVE_CONVERSATION, {"conversationId": group["id"]}, token=bob.access_token)
        left = await next_update()
        # Gone from the group: its renames are no longer bob's business.
        await rename(alice, group["id"], "After bob")
        await rename(alice, probe_group["id"], "Marker")
        marker = await next_update()

    assert {u["id"] for u in (created, renamed, added, removed, left)} == {group["id"]}
    assert (created["kind"], created["title"]) == ("GROUP", "Plans")
    assert _members(created) == {alice.id: "ADMIN", bob.id: "MEMBER", carol.id: "MEMBER"}
    assert renamed["title"] == "New plans"
    assert set(_members(added)) == {alice.id, bob.id, carol.id, dave.id}
    assert set(_members(removed)) == {alice.id, bob.id, dave.id}
    # Told he left, and nothing more: the group is no longer his to see.
    assert (left["kind"], left["title"], _members(left)) == ("GROUP", None, {})
    assert (marker["id"], marker["title"]) == (probe_group["id"], "Marker")


# --- typing -----------------------------------------------------------------------------------


async def test_typing_is_seen_by_others_and_expires(
    api: Api, server: RunningServer, clock: FakeClock
) -> None:
    await _typing_scenario(api, server, clock)


async def _typing_scenario(api: Api, server: RunningServer, clock: FakeClock) -> None:
    alice, bob, carol = await _users(api, "alice", "bob", "carol")
    direct = await create(api, alice, "DIRECT", bob)

    async def set_typing(account: Account, is_typing: bool) -> None:
        variables = {"conversationId": direct["id"], "isTyping": is_typing}
        data = await api.data(SET_TYPING, variables, token=account.access_token)
        assert data == {"setTyping": True}

    def typing_by(user: Account, is_typing: bool) -> Callable[[dict[str, Any], str], bool]:
        return lambda data, _: (
            data["typing"]["user"]["id"] == user.id and (data["typing"]["isTyping"] is is_typing)
        )

    async def typing_event(feed: Operation) -> dict[str, Any]:
        event: dict[str, Any] = (await feed.data())["typing"]
        return event

    async with AsyncExitStack() as stack:
        alice_socket = await stack.enter_async_context(
            graphql_socket(server.ws_url, alice.access_token)
        )
        bob_socket = await stack.enter_async_context(
            graphql_socket(server.ws_url, bob.access_token)
        )
        alice_sees = await alice_socket.start(TYPING, {"conversationId": direct["id"]})
        bob_sees = await bob_socket.start(TYPING, {"conversationId": direct["id"]})

        # Bob types until alice's subscription hears it; then he stops explicitly.
        await until_live(
            alice_sees, probe=lambda _: set_typing(bob, True), heard=typing_by(bob, is_typing=True)
        )
        await set_typing(bob, False)
        bob_stopped = await typing_event(alice_sees)

        # Alice types; bob sees it, then sees it expire without alice saying anything.
        [started] = await until_live(
            bob_sees,
            probe=lambda _: set_typing(alice, True),
            heard=typing_by(alice, is_typing=True),
        )
        clock.advance(server.services.settings.typing_ttl_seconds)
        expired = await typing_event(bob_sees)

        # Alice's own typing never reached her: the next thing she hears is bob again.
        await set_typing(bob, True)
        next_for_alice = await typing_event(alice_sees)

    assert (bob_stopped["user"]["id"], bob_stopped["isTyping"]) == (bob.id, False)
    assert started["typing"] == {
        "conversationId": direct["id"],
        "isTyping": True,
        "user": {"id": alice.id, "username": "alice"},
    }
    assert expired == {**started["typing"], "isTyping": False}
    assert (next_for_alice["user"]["id"], next_for_alice["isTyping"]) == (bob.id, True)

    outsider = await api.error(
        SET_TYPING, {"conversationId": direct["id"], "isTyping": True}, token=carol.access_token
    )
    assert code_of(outsider) == "NOT_IN_CONVERSATION"


TYPING_ANYWHERE = """
subscription TypingAnywhere {
  typing { conversationId isTyping user { id username } }
}
"""


async def test_typing_without_a_conversation_covers_every_conversation_of_the_viewers(
    make_settings: Callable[..., Settings],
) -> None:
    """A conversation list shows "typing…" in each row from one subscription: the viewer's
    conversations only, joined ones included, left ones no longer."""
    settings = make_settings(typing_ttl_seconds=30)
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice, bob, carol, dave = await _users(api, "alice", "bob", "carol", "dave")
        direct = await create(api, alice, "DIRECT", bob)
        group = await create(api, carol, "GROUP", alice, dave, title="Plans")
        outside = await create(api, carol, "DIRECT", dave)

        async def set_typing(account: Account, conversation: dict[str, Any], on: bool) -> None:
            variables = {"conversationId": conversation["id"], "isTyping": on}
            assert await api.data(SET_TYPING, variables, token=account.access_token)

        def by(
            user: Account, conversation: dict[str, Any]
        ) -> Callable[[dict[str, Any], str], bool]:
            return lambda data, _: (
                (data["typing"]["user"]["id"], data["typing"]["conversationId"])
                == (
                    user.id,
                    conversation["id"],
                )
            )

        async with graphql_socket(server.ws_url, alice.access_token) as socket:
            feed = await socket.start(TYPING_ANYWHERE)
            await until_live(
                feed, probe=lambda _: set_typing(bob, direct, True), heard=by(bob, direct)
            )
            await set_typing(dave, outside, True)  # alice is not in it
            await set_typing(carol, group, True)
            in_group = (await feed.data())["typing"]
            await set_typing(alice, direct, True)  # her own typing is not news to her
            await set_typing(bob, direct, False)
            bob_stopped = (await feed.data())["typing"]

            joined = await create(api, dave, "GROUP", alice, title="Later")
            await until_live(
                feed, probe=lambda _: set_typing(dave, joined, True), heard=by(dave, joined)
            )

            await api.data(
                LEAVE_CONVERSATION, {"conversationId": group["id"]}, token=alice.access_token
            )
            await set_typing(dave, group, True)  # alice left: not hers any more
            await set_typing(bob, direct, True)
            after_leaving = (await feed.data())["typing"]

    assert in_group == {
        "conversationId": group["id"],
        "isTyping": True,
        "user": {"id": carol.id, "username": "carol"},
    }
    assert (bob_stopped["conversationId"], bob_stopped["isTyping"]) == (direct["id"], False)
    assert (after_leaving["conversationId"], after_leaving["user"]["id"]) == (direct["id"], bob.id)


# --- fan-out ----------------------------------------------------------------------------------


async def test_fan_out_runs_no_query_per_subscriber(api: Api, server: RunningServer) -> None:
    """One message to 5, then to 50 subscriptions: the same SQL statements either way."""
    alice, bob = await _users(api, "alice", "bob")
    group = await create(api, alice, "GROUP", bob, title="Fan-out")

    async def subscribe(
        sockets: list[GraphQLSocket], each: int, existing: list[Operation]
    ) -> list[Operation]:
        """``each`` more subscriptions per socket; all live once they have heard a warm-up."""
        latest = (await send(api, alice, group["id"], "warm-up"))["seq"]
        feeds = [
            await socket.start(
                MESSAGE_ADDED, {"conversationId": group["id"], "afterSeq": latest - 1}
            )
            for socket in sockets
            for _ in range(each)
        ]
        for feed in [*existing, *feeds]:
            assert (await _added(feed))["seq"] == latest
        return [*existing, *feeds]

    async def fan_out(feeds: list[Operation], content: str) -> list[str]:
        with count_statements(server.services.engine) as statements:
            sent = await send(api, alice, group["id"], content)
            received = await asyncio.gather(*(_added(feed) for feed in feeds))
        assert [(m["seq"], m["content"]) for m in received] == [(sent["seq"], content)] * len(feeds)
        return list(statements)

    # The subscribers are the sender's own devices, so no delivered marks (written in
    # batches on a timer) move, and the count depends on the fan-out alone.
    async with AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(graphql_socket(server.ws_url, alice.access_token))
            for _ in range(5)
        ]
        few = await subscribe(sockets, 1, [])
        with_five = await fan_out(few, "to five")
        many = await subscribe(sockets, 9, few)
        assert len(many) == 50
        with_fifty = await fan_out(many, "to fifty")

    assert with_five, "the send itself runs statements; counting must see them"
    assert len(with_fifty) == len(with_five), (with_five, with_fifty)


async def test_conversation_updated_reads_nothing_from_the_database_per_event(
    api: Api, server: RunningServer
) -> None:
    """The event carries the conversation and the feed knows the membership, so a rename told
    to five subscribers costs the statements of a rename told to none."""
    alice, bob = await _users(api, "alice", "bob")
    group = await create(api, alice, "GROUP", bob, title="Plans")
    plain = "subscription { conversationUpdated { id kind title createdAt lastMessageAt } }"

    async def just_rename(title: str) -> None:
        variables = {"conversationId": group["id"], "title": title}
        await api.data(RENAME_CONVERSATION, variables, token=alice.access_token)

    async def rename(title: str) -> list[str]:
        with count_statements(server.services.engine) as statements:
            await just_rename(title)
            told = [(await feed.data())["conversationUpdated"] for feed in feeds]
        assert [update["title"] for update in told] == [title] * len(feeds)
        return statements

    feeds: list[Operation] = []
    told_none = await rename("Quiet")
    async with AsyncExitStack() as stack:
        for _ in range(5):
            socket = await stack.enter_async_context(
                graphql_socket(server.ws_url, bob.access_token)
            )
            feeds.append(await socket.start(plain))
        await until_live(*feeds, probe=just_rename)
        told_five = await rename("Loud")

    assert len(told_five) == len(told_none)
