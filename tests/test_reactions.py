"""Reactions: one emoji each, at most 20 kinds per message, idempotent, for participants only,
never on tombstones; shown on history pages and live through messageUpdated."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.actors import sign_up
from tests.support.api import Account, Api
from tests.support.chat import DELETE_MESSAGE, code_of, create, history, send
from tests.support.receipts import users
from tests.support.server import RunningServer, run_server
from tests.support.statements import count_statements
from tests.support.ws import PROTOCOLS, graphql_socket, until_live
from tidings import queries
from tidings.actions import conversations, messages, reactions
from tidings.models import ConversationKind, utcnow
from tidings.realtime.events import PublicUser
from tidings.realtime.feeds.messages import NO_REACTIONS, read_messages, with_extras
from tidings.services import open_services
from tidings.settings import Settings

REACTION_FIELDS = "id reactions { emoji count reactedByViewer users { id username } }"

ADD_REACTION = f"""
mutation AddReaction($messageId: ID!, $emoji: String!) {{
  addReaction(messageId: $messageId, emoji: $emoji) {{ {REACTION_FIELDS} }}
}}
"""

REMOVE_REACTION = f"""
mutation RemoveReaction($messageId: ID!, $emoji: String!) {{
  removeReaction(messageId: $messageId, emoji: $emoji) {{ {REACTION_FIELDS} }}
}}
"""

HISTORY = f"""
query History($conversationId: ID!) {{
  messages(conversationId: $conversationId, last: 50) {{ edges {{ node {{ {REACTION_FIELDS} }} }} }}
}}
"""

UPDATES = f"""
subscription Updates($conversationId: ID) {{
  messageUpdated(conversationId: $conversationId) {{ content {REACTION_FIELDS} }}
}}
"""

ADDED = f"""
subscription Added($conversationId: ID, $afterSeq: Int) {{
  messageAdded(conversationId: $conversationId, afterSeq: $afterSeq) {{ seq {REACTION_FIELDS} }}
}}
"""


async def react(api: Api, who: Account, message_id: str, emoji: str) -> list[dict[str, Any]]:
    data = await api.data(
        ADD_REACTION, {"messageId": message_id, "emoji": emoji}, token=who.access_token
    )
    reactions: list[dict[str, Any]] = data["addReaction"]["reactions"]
    return reactions


async def unreact(api: Api, who: Account, message_id: str, emoji: str) -> list[dict[str, Any]]:
    data = await api.data(
        REMOVE_REACTION, {"messageId": message_id, "emoji": emoji}, token=who.access_token
    )
    reactions: list[dict[str, Any]] = data["removeReaction"]["reactions"]
    return reactions


async def shown(api: Api, viewer: Account, conversation_id: str) -> list[list[dict[str, Any]]]:
    """Each message's reactions on the viewer's history page."""
    data = await api.data(HISTORY, {"conversationId": conversation_id}, token=viewer.access_token)
    return [edge["node"]["reactions"] for edge in data["messages"]["edges"]]


def summary(reactions: list[dict[str, Any]]) -> list[tuple[str, int, bool]]:
    return [(r["emoji"], r["count"], r["reactedByViewer"]) for r in reactions]


async def test_reactions_are_counted_per_emoji_and_marked_for_the_viewer(api: Api) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Lunch")
    message = await send(api, alice, group["id"], "pizza?")

    await react(api, bob, message["id"], "👍")
    await react(api, carol, message["id"], "👍")
    mine = await react(api, alice, message["id"], "🍕")

    assert summary(mine) == [("👍", 2, False), ("🍕", 1, True)]
    assert [u["username"] for u in mine[0]["users"]] == ["bob", "carol"]
    [on_page] = await shown(api, bob, group["id"])
    assert summary(on_page) == [("👍", 2, True), ("🍕", 1, False)]


async def test_reacting_twice_or_removing_what_is_not_there_changes_nothing(api: Api) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    message = await send(api, alice, direct["id"], "hi")

    await react(api, bob, message["id"], "👋")
    again = await react(api, bob, message["id"], "👋")
    nothing = await unreact(api, bob, message["id"], "🎉")

    assert summary(again) == summary(nothing) == [("👋", 1, True)]
    assert await unreact(api, bob, message["id"], "👋") == []
    assert await unreact(api, bob, message["id"], "👋") == []
    assert await shown(api, alice, direct["id"]) == [[]]


async def test_an_emoji_without_its_variation_selector_is_the_same_reaction(api: Api) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    message = await send(api, alice, direct["id"], "love it")

    await react(api, alice, message["id"], "❤️")
    reactions = await react(api, bob, message["id"], "❤")  # U+2764 alone

    assert summary(reactions) == [("❤️", 2, True)]


@pytest.mark.parametrize(
    "emoji", ["", "  ", "a", ":+1:", "👍👍", "👍 ", "🏽", "<b>👍</b>", "thumbs up"]
)
async def test_anything_but_one_emoji_is_refused_and_changes_nothing(api: Api, emoji: str) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    message = await send(api, alice, direct["id"], "hi")
    variables = {"messageId": message["id"], "emoji": emoji}

    if emoji.strip() == "👍":  # surrounding whitespace is trimmed, like content
        await api.data(ADD_REACTION, variables, token=bob.access_token)
        return
    error = await api.error(ADD_REACTION, variables, token=bob.access_token)

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "emoji"
    assert await shown(api, alice, direct["id"]) == [[]]


async def test_a_twenty_first_kind_of_emoji_is_a_conflict_but_joining_one_is_fine(
    api: Api,
) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    message = await send(api, alice, direct["id"], "vote")
    twenty = [chr(0x1F600 + n) for n in range(20)]  # 😀 ... 😓
    for emoji in twenty:
        await react(api, alice, message["id"], emoji)

    error = await api.error(
        ADD_REACTION, {"messageId": message["id"], "emoji": "🎉"}, token=bob.access_token
    )
    joined = await react(api, bob, message["id"], twenty[7])

    assert code_of(error) == "CONFLICT"
    assert error["extensions"]["field"] == "emoji"
    assert [r["emoji"] for r in joined] == twenty
    assert joined[7]["count"] == 2


async def test_only_participants_may_react(api: Api) -> None:
    alice, bob, mallory = await users(api, "alice", "bob", "mallory")
    direct = await create(api, alice, "DIRECT", bob)
    message = await send(api, alice, direct["id"], "private")
    await react(api, bob, message["id"], "👍")

    for document in (ADD_REACTION, REMOVE_REACTION):
        error = await api.error(
            document, {"messageId": message["id"], "emoji": "👍"}, token=mallory.access_token
        )
        assert code_of(error) == "NOT_IN_CONVERSATION"
    missing = await api.error(
        ADD_REACTION,
        {"messageId": "01900000-0000-7000-8000-000000000000", "emoji": "👍"},
        token=bob.access_token,
    )
    assert code_of(missing) == "NOT_IN_CONVERSATION"  # as for a message of others
    assert summary((await shown(api, alice, direct["id"]))[0]) == [("👍", 1, False)]


async def test_a_deleted_message_loses_its_reactions_and_takes_no_more(api: Api) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    message = await send(api, alice, direct["id"], "oops")
    await react(api, bob, message["id"], "😂")

    await api.data(DELETE_MESSAGE, {"messageId": message["id"]}, token=alice.access_token)
    error = await api.error(
        ADD_REACTION, {"messageId": message["id"], "emoji": "👍"}, token=bob.access_token
    )

    assert code_of(error) == "FORBIDDEN"
    assert await shown(api, bob, direct["id"]) == [[]]
    assert await unreact(api, bob, message["id"], "😂") == []


async def test_a_page_of_history_shows_each_message_s_own_reactions(api: Api) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    first = await send(api, alice, direct["id"], "one")
    await send(api, alice, direct["id"], "two")
    third = await send(api, bob, direct["id"], "three")
    await react(api, bob, first["id"], "👍")
    await react(api, alice, third["id"], "🎉")
    await react(api, bob, third["id"], "🎉")

    pages = await shown(api, alice, direct["id"])

    assert [summary(reactions) for reactions in pages] == [
        [("👍", 1, False)],
        [],
        [("🎉", 2, True)],
    ]
    assert (await history(api, alice, direct["id"]))["edges"][0]["node"]["content"] == "one"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_everyone_in_the_conversation_sees_reactions_live(
    api: Api, server: RunningServer, protocol: str
) -> None:
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    group = await create(api, alice, "GROUP", bob, carol, title="Lunch")
    message = await send(api, alice, group["id"], "pizza?")
    variables = {"conversationId": group["id"]}
    async with (
        graphql_socket(server.ws_url, bob.access_token, protocol=protocol) as bobs,
        graphql_socket(server.ws_url, carol.access_token, protocol=protocol) as carols,
    ):
        for_bob = await bobs.start(UPDATES, variables)
        for_carol = await carols.start(UPDATES, variables)
        probe = await send(api, alice, group["id"], "probe")

        async def edit(mark: str) -> None:
            await api.data(
                "mutation($id: ID!, $c: String!) { editMessage(messageId: $id, content: $c)"
                " { id } }",
                {"id": probe["id"], "c": mark},
                token=alice.access_token,
            )

        await until_live(for_bob, for_carol, probe=edit)
        await react(api, carol, message["id"], "🍕")
        await react(api, bob, message["id"], "🍕")
        await unreact(api, carol, message["id"], "🍕")

        heard_by_bob = [(await for_bob.data())["messageUpdated"] for _ in range(3)]
        heard_by_carol = [(await for_carol.data())["messageUpdated"] for _ in range(3)]

    assert [summary(m["reactions"]) for m in heard_by_bob] == [
        [("🍕", 1, False)],
        [("🍕", 2, True)],
        [("🍕", 1, True)],
    ]
    assert [summary(m["reactions"]) for m in heard_by_carol] == [
        [("🍕", 1, True)],
        [("🍕", 2, True)],
        [("🍕", 1, False)],
    ]
    assert [u["username"] for u in heard_by_bob[1]["reactions"][0]["users"]] == ["carol", "bob"]


async def test_new_messages_come_live_without_reactions_and_replays_with_theirs(
    api: Api, server: RunningServer
) -> None:
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    old = await send(api, alice, direct["id"], "old")
    await react(api, bob, old["id"], "👍")
    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        added = await socket.start(ADDED, {"conversationId": direct["id"], "afterSeq": 0})
        replayed = (await added.data())["messageAdded"]
        await send(api, alice, direct["id"], "new")
        live = (await added.data())["messageAdded"]

    assert (replayed["seq"], summary(replayed["reactions"])) == (1, [("👍", 1, True)])
    assert (live["seq"], live["reactions"]) == (2, [])


async def test_a_feed_that_lost_events_finds_the_reaction_among_what_changed(
    settings: Settings,
) -> None:
    """After a pub/sub outage messageUpdated re-sends what changed meanwhile: a reaction, and
    taking one back, change the message like an edit, and the re-sent item carries them."""
    async with open_services(settings) as services:
        alice, bob = [(await sign_up(services, name))[0] for name in ("alice", "bob")]
        direct = await conversations.create_conversation(
            alice, kind=ConversationKind.DIRECT, participant_ids=[bob.user_id], title=None
        )
        sent = await messages.send_message(
            alice, conversation_id=direct.id, content="hi", client_message_id=None, reply_to_id=None
        )
        since = utcnow()
        await reactions.add_reaction(bob, message_id=sent.id, emoji="👋")

        async with services.sessions() as session:
            rows = await queries.changed_since(session, conversation_ids=[direct.id], since=since)
            items = await with_extras(session, [(m, PublicUser.of(u)) for m, u in rows])

    assert [item.message.id for item in items] == [sent.id]
    assert items[0].reactions is not None
    assert [(g.emoji, g.user_ids) for g in items[0].reactions.groups] == [("👋", (bob.user_id,))]


async def test_a_gap_fill_reads_reactions_and_mentions_only_where_there_can_be_some(
    settings: Settings,
) -> None:
    """A room fills a gap with ``read_messages``: plain messages cost only their own
    statement, and the messages that have reactions or mentions still carry them."""
    async with open_services(settings) as services:
        alice, bob = [(await sign_up(services, name))[0] for name in ("alice", "bob")]
        group = await conversations.create_conversation(
            alice, kind=ConversationKind.GROUP, participant_ids=[bob.user_id], title="g"
        )

        async def say(content: str) -> uuid.UUID:
            sent = await messages.send_message(
                alice,
                conversation_id=group.id,
                content=content,
                client_message_id=None,
                reply_to_id=None,
            )
            return sent.id

        plain = [await say(f"plain {n}") for n in range(3)]
        reacted, mentioning = await say("vote"), await say("hi @bob")
        await reactions.add_reaction(bob, message_id=reacted, emoji="👍")

        async with services.sessions() as session:
            with count_statements(services.engine) as statements:
                only_plain = await read_messages(session, group.id, after=0, up_to=3, limit=10)
            every = await read_messages(session, group.id, after=0, up_to=5, limit=10)

    assert [item.message.id for item in only_plain] == plain
    assert len(statements) == 1, statements
    assert all(item.reactions == NO_REACTIONS and item.mentions == [] for item in only_plain)
    shown = {
        item.message.id: (
            [(g.emoji, g.user_ids) for g in item.reactions.groups] if item.reactions else None,
            [user.username for user in item.mentions or []],
        )
        for item in every
    }
    assert shown[reacted] == ([("👍", (bob.user_id,))], [])
    assert shown[mentioning] == ([], ["bob"])
    assert shown[plain[0]] == ([], [])


async def test_reacting_too_fast_is_rate_limited_and_changes_nothing(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(rate_limit_react="2/minute")
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice, bob = await users(api, "alice", "bob")
        direct = await create(api, alice, "DIRECT", bob)
        message = await send(api, alice, direct["id"], "vote")
        await react(api, bob, message["id"], "👍")
        await unreact(api, bob, message["id"], "👍")
        refused = await api.error(
            ADD_REACTION, {"messageId": message["id"], "emoji": "🎉"}, token=bob.access_token
        )
        left = await shown(api, alice, direct["id"])

    assert code_of(refused) == "RATE_LIMITED"
    assert refused["extensions"]["retryAfter"] > 0
    assert left == [[]]
