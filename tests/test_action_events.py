"""Each action publishes exactly the typed events of what it changed, and nothing when it
changes nothing or fails (as Zulip's ``check_events`` tests do).

In process, on both configurations: the actions run against the real services (SQLite and
memory, PostgreSQL and Redis), and a listener on the hub hears what they publish. After each
action a marker event is published on a channel of the test's own; the hub keeps one
publisher's order, so every event the action published has been heard once the marker is.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.support.actors import PASSWORD, sign_up
from tidings.actions import (
    accounts,
    conversation_state,
    conversations,
    messages,
    presence,
    reactions,
    search,
)
from tidings.actions.actor import Actor, Caller
from tidings.errors import (
    Conflict,
    Forbidden,
    NotInConversation,
    TidingsError,
    Unauthenticated,
    ValidationFailed,
)
from tidings.models import ConversationKind
from tidings.realtime.events import (
    ConversationChanged,
    ConversationStateChanged,
    Event,
    MessageAdded,
    MessageUpdated,
    PresenceChanged,
    Receipts,
    SessionPresence,
    SessionRevoked,
    Typing,
)
from tidings.realtime.hub import Delivery
from tidings.services import Services, open_services
from tidings.settings import Settings


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(settings) as opened:
        yield opened


class Heard:
    """What a hub listener heard on the channels it was given, as (channel kind, event)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.channels: dict[str, str] = {}
        self.marker = f"{services.settings.redis_namespace}:test-marker:{uuid.uuid4()}"

    async def during(self, action: Callable[[], Awaitable[Any]]) -> list[tuple[str, Event]]:
        """The events published while ``action`` ran, in order; its error is raised after."""
        hub = self.services.hub
        async with hub.listen() as listener:
            await listener.add(self.marker, *self.channels)
            error: TidingsError | None = None
            try:
                await action()
            except TidingsError as raised:
                error = raised
            await hub.publish(self.marker, SessionPresence(session_id=uuid.uuid4(), status="x"))
            heard: list[tuple[str, Event]] = []
            while True:
                item = await listener.next()
                assert isinstance(item, Delivery), item
                if item.channel == self.marker:
                    break
                heard.append((self.channels[item.channel], item.payload))
        if error is not None:
            raise error
        return heard


@asynccontextmanager
async def watching(services: Services, **kinds: list[str]) -> AsyncIterator[Heard]:
    """A recorder of the channels named by kind, e.g. ``conversation=[id]``, ``user=[id]``."""
    heard = Heard(services)
    channels = services.channels
    for kind, keys in kinds.items():
        for key in keys:
            name = channels.sessions if kind == "sessions" else getattr(channels, kind)(key)
            heard.channels[name] = kind
    yield heard


def kinds(heard: list[tuple[str, Event]]) -> list[tuple[str, str]]:
    return [(channel, event.type) for channel, event in heard]


async def group_of(services: Services, admin: Actor, *members: Actor) -> uuid.UUID:
    conversation = await conversations.create_conversation(
        admin,
        kind=ConversationKind.GROUP,
        participant_ids=[member.user_id for member in members],
        title="Plans",
    )
    return conversation.id


async def test_accounts_publish_only_what_ends_a_session(services: Services) -> None:
    alice, issued = await sign_up(services, "alice")
    async with watching(services, sessions=["all"], presence=[str(alice.user_id)]) as heard:
        assert await heard.during(lambda: sign_up(services, "bob")) == []
        assert (
            await heard.during(
                lambda: accounts.login(
                    Caller.of(services), username_or_email="alice", password=PASSWORD
                )
            )
            == []
        )
        assert (
            await heard.during(
                lambda: accounts.update_profile(alice, display_name="Alice A.", avatar_url=None)
            )
            == []
        )
        # Sharing the same thing again changes nothing; hiding presence tells its watchers.
        assert (
            await heard.during(
                lambda: accounts.update_settings(
                    alice, share_read_receipts=None, share_presence=True
                )
            )
            == []
        )
        [(channel, event)] = await heard.during(
            lambda: accounts.update_settings(alice, share_read_receipts=None, share_presence=False)
        )
        assert channel == "presence"
        assert isinstance(event, PresenceChanged)
        assert (event.user.id, event.shares) == (alice.user_id, False)

        # Rotating a refresh token publishes nothing; reusing the old one revokes the session.
        rotated = await accounts.refresh(Caller.of(services), refresh_token=issued.refresh_token)
        assert rotated.session_id == issued.session_id
        with pytest.raises(Unauthenticated, match="already used"):
            await heard.during(
                lambda: accounts.refresh(Caller.of(services), refresh_token=issued.refresh_token)
            )
        [(channel, event)] = await heard.during(lambda: accounts.logout(alice))
        assert channel == "sessions"
        assert event == SessionRevoked(session_id=alice.viewer.session_id)


async def test_a_reused_refresh_token_publishes_the_revocation(services: Services) -> None:
    _, issued = await sign_up(services, "alice")
    await accounts.refresh(Caller.of(services), refresh_token=issued.refresh_token)
    async with watching(services, sessions=["all"]) as heard:
        events: list[tuple[str, Event]] = []

        async def reuse() -> None:
            with pytest.raises(Unauthenticated):
                await accounts.refresh(Caller.of(services), refresh_token=issued.refresh_token)

        events = await heard.during(reuse)
    assert events == [("sessions", SessionRevoked(session_id=issued.session_id))]


async def test_membership_actions_tell_the_group_and_each_joiner_or_leaver(
    services: Services,
) -> None:
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    carol, _ = await sign_up(services, "carol")
    dave, _ = await sign_up(services, "dave")
    users = [str(actor.user_id) for actor in (alice, bob, carol, dave)]

    async with watching(services, user=users) as heard:
        created: list[uuid.UUID] = []

        async def create() -> None:
            created.append(await group_of(services, alice, bob, carol))

        events = await heard.during(create)
    [cid] = created
    assert sorted(kinds(events)) == [("user", "conversation_changed")] * 3
    for _, event in events:
        assert isinstance(event, ConversationChanged)
        assert event.conversation_id == cid
        assert set(event.added) == {alice.user_id, bob.user_id, carol.user_id}

    async with watching(services, members=[str(cid)], user=users) as heard:
        events = await heard.during(
            lambda: conversations.add_participants(
                alice, conversation_id=cid, user_ids=[dave.user_id, bob.user_id]
            )
        )
        assert kinds(events) == [
            ("members", "conversation_changed"),
            ("user", "conversation_changed"),
        ]
        assert all(
            e.added == [dave.user_id] for _, e in events if isinstance(e, ConversationChanged)
        )

        # Adding someone already in the group changes nothing and tells no one.
        assert (
            await heard.during(
                lambda: conversations.add_participants(
                    alice, conversation_id=cid, user_ids=[dave.user_id]
                )
            )
            == []
        )

        events = await heard.during(
            lambda: conversations.rename_conversation(alice, conversation_id=cid, title="Trip")
        )
        assert kinds(events) == [("members", "conversation_changed")]
        [(_, renamed)] = events
        assert isinstance(renamed, ConversationChanged)
        assert renamed.conversation is not None
        assert renamed.conversation.title == "Trip"
        assert renamed.added == renamed.removed == []

        events = await heard.during(
            lambda: conversations.remove_participant(
                alice, conversation_id=cid, user_id=dave.user_id
            )
        )
        assert kinds(events) == [
            ("members", "conversation_changed"),
            ("user", "conversation_changed"),
        ]
        assert all(
            e.removed == [dave.user_id] for _, e in events if isinstance(e, ConversationChanged)
        )

        events = await heard.during(
            lambda: conversations.leave_conversation(carol, conversation_id=cid)
        )
        assert kinds(events) == [
            ("members", "conversation_changed"),
            ("user", "conversation_changed"),
        ]
        assert all(
            e.removed == [carol.user_id] for _, e in events if isinstance(e, ConversationChanged)
        )

        # Failures publish nothing: a non-admin's rename, a leaver's second leave.
        with pytest.raises(Forbidden):
            await heard.during(
                lambda: conversations.rename_conversation(bob, conversation_id=cid, title="No")
            )
        with pytest.raises(NotInConversation):
            await heard.during(lambda: conversations.leave_conversation(carol, conversation_id=cid))


async def test_opening_a_direct_conversation_twice_tells_its_members_once(
    services: Services,
) -> None:
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    users = [str(alice.user_id), str(bob.user_id)]

    def open_direct(actor: Actor, other: Actor) -> Awaitable[Any]:
        return conversations.create_conversation(
            actor, kind=ConversationKind.DIRECT, participant_ids=[other.user_id], title=None
        )

    async with watching(services, user=users) as heard:
        events = await heard.during(lambda: open_direct(alice, bob))
        assert kinds(events) == [("user", "conversation_changed")] * 2
        assert await heard.during(lambda: open_direct(bob, alice)) == []
        with pytest.raises(ValidationFailed) as raised:
            await heard.during(
                lambda: conversations.create_conversation(
                    alice, kind=ConversationKind.DIRECT, participant_ids=[], title=None
                )
            )
        assert raised.value.field == "participant_ids"


async def test_message_actions_publish_to_the_conversation(services: Services) -> None:
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    carol, _ = await sign_up(services, "carol")
    cid = await group_of(services, alice, bob)
    channel = str(cid)

    async with watching(
        services, conversation=[channel], typing=[channel], receipts=[channel]
    ) as heard:
        sent: list[Any] = []

        async def send(content: str, client_id: str | None = None) -> None:
            sent.append(
                await messages.send_message(
                    alice,
                    conversation_id=cid,
                    content=content,
                    client_message_id=client_id,
                    reply_to_id=None,
                )
            )

        [(kind, added)] = await heard.during(lambda: send("hello", "c-1"))
        assert kind == "conversation"
        assert isinstance(added, MessageAdded)
        assert (added.message.seq, added.message.content, added.sender.id) == (
            1,
            "hello",
            alice.user_id,
        )
        # A retry stores nothing and publishes nothing: the original was published.
        assert await heard.during(lambda: send("hello", "c-1")) == []
        assert sent[1].id == sent[0].id

        [(kind, edited)] = await heard.during(
            lambda: messages.edit_message(alice, message_id=sent[0].id, content="hello!")
        )
        assert kind == "conversation"
        assert isinstance(edited, MessageUpdated)
        assert edited.message.content == "hello!"
        assert edited.message.edited_at is not None

        [(kind, typing)] = await heard.during(
            lambda: messages.set_typing(bob, conversation_id=cid, is_typing=True)
        )
        assert kind == "typing"
        assert isinstance(typing, Typing)
        assert (typing.user.id, typing.is_typing) == (bob.user_id, True)

        # Reading is announced by the receipt desk's next flush, one event for the move.
        async def read() -> None:
            await messages.mark_read(bob, conversation_id=cid, message_id=sent[0].id)
            await services.receipts.flush()

        [(kind, receipts)] = await heard.during(read)
        assert kind == "receipts"
        assert isinstance(receipts, Receipts)
        assert [(m.user.id, m.last_read_seq) for m in receipts.receipts] == [(bob.user_id, 1)]
        # Reading the same message again moves nothing and announces nothing.
        assert await heard.during(read) == []

        # An admin deletes another's message: a tombstone, published as an update.
        await heard.during(lambda: send("oops"))
        [(kind, deleted)] = await heard.during(
            lambda: messages.delete_message(alice, message_id=sent[-1].id)
        )
        assert isinstance(deleted, MessageUpdated)
        assert deleted.message.deleted_at is not None
        assert deleted.message.content == ""

        # Failures publish nothing, and store nothing.
        with pytest.raises(NotInConversation):
            await heard.during(
                lambda: messages.send_message(
                    carol,
                    conversation_id=cid,
                    content="hi",
                    client_message_id=None,
                    reply_to_id=None,
                )
            )
        with pytest.raises(Forbidden):
            await heard.during(
                lambda: messages.edit_message(bob, message_id=sent[0].id, content="mine now")
            )
        with pytest.raises(ValidationFailed) as raised:
            await heard.during(lambda: send("   "))
        assert raised.value.field == "content"
        with pytest.raises(NotInConversation):
            await heard.during(
                lambda: messages.set_typing(carol, conversation_id=cid, is_typing=True)
            )


async def test_reactions_publish_the_message_s_reactions_as_an_update(
    services: Services,
) -> None:
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    carol, _ = await sign_up(services, "carol")
    cid = await group_of(services, alice, bob)

    def react(actor: Actor, emoji: str) -> Callable[[], Awaitable[Any]]:
        return lambda: reactions.add_reaction(actor, message_id=sent.id, emoji=emoji)

    def unreact(actor: Actor, emoji: str) -> Callable[[], Awaitable[Any]]:
        return lambda: reactions.remove_reaction(actor, message_id=sent.id, emoji=emoji)

    async with watching(services, conversation=[str(cid)]) as heard:
        [(_, new)] = await heard.during(
            lambda: messages.send_message(
                alice,
                conversation_id=cid,
                content="lunch?",
                client_message_id=None,
                reply_to_id=None,
            )
        )
        assert isinstance(new, MessageAdded)
        sent = new.message
        [(kind, added)] = await heard.during(react(bob, "👍"))
        assert kind == "conversation"
        assert isinstance(added, MessageUpdated)
        assert added.message.id == sent.id
        assert [(r.emoji, r.user_ids) for r in added.reactions or []] == [("👍", [bob.user_id])]
        assert [user.id for user in added.reactors] == [bob.user_id]

        [(_, second)] = await heard.during(react(alice, "👍"))
        assert isinstance(second, MessageUpdated)
        assert [(r.emoji, r.user_ids) for r in second.reactions or []] == [
            ("👍", [bob.user_id, alice.user_id])
        ]
        # Idempotent: adding again or removing what is not there publishes nothing.
        assert await heard.during(react(bob, "👍")) == []
        assert await heard.during(unreact(bob, "🎉")) == []

        [(_, removed)] = await heard.during(unreact(bob, "👍"))
        assert isinstance(removed, MessageUpdated)
        assert [(r.emoji, r.user_ids) for r in removed.reactions or []] == [("👍", [alice.user_id])]

        # An edit carries the reactions too, so subscribers never read them per event.
        [(_, edited)] = await heard.during(
            lambda: messages.edit_message(alice, message_id=sent.id, content="lunch at 1?")
        )
        assert isinstance(edited, MessageUpdated)
        assert [r.emoji for r in edited.reactions or []] == ["👍"]

        # Failures publish nothing.
        with pytest.raises(NotInConversation):
            await heard.during(react(carol, "👍"))
        with pytest.raises(ValidationFailed) as raised:
            await heard.during(react(bob, "thumbs up"))
        assert raised.value.field == "emoji"
        many = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊"]
        many += ["😋", "😎", "😍", "😘", "🥰", "😗", "😙", "🥲", "😚", "🙂"]
        for emoji in many[:19]:  # 👍 is the 20th
            await heard.during(react(bob, emoji))
        with pytest.raises(Conflict):
            await heard.during(react(bob, many[19]))

        # Deleting the message takes its reactions with it.
        [(_, deleted)] = await heard.during(
            lambda: messages.delete_message(alice, message_id=sent.id)
        )
        assert isinstance(deleted, MessageUpdated)
        assert deleted.reactions == []
        with pytest.raises(Forbidden):
            await heard.during(react(bob, "👍"))


async def test_mentions_travel_with_the_message_s_events(services: Services) -> None:
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    carol, _ = await sign_up(services, "carol")
    cid = await group_of(services, alice, bob, carol)

    def send(content: str) -> Callable[[], Awaitable[Any]]:
        return lambda: messages.send_message(
            alice, conversation_id=cid, content=content, client_message_id=None, reply_to_id=None
        )

    async with watching(services, conversation=[str(cid)]) as heard:
        [(_, added)] = await heard.during(send("@bob and @carol, lunch?"))
        assert isinstance(added, MessageAdded)
        assert [user.username for user in added.mentions or []] == ["bob", "carol"]
        [(_, plain)] = await heard.during(send("no one"))
        assert isinstance(plain, MessageAdded)
        assert plain.mentions == []

        [(_, edited)] = await heard.during(
            lambda: messages.edit_message(alice, message_id=added.message.id, content="@bob only")
        )
        assert isinstance(edited, MessageUpdated)
        assert [user.username for user in edited.mentions or []] == ["bob"]
        [(_, deleted)] = await heard.during(
            lambda: messages.delete_message(alice, message_id=added.message.id)
        )
        assert isinstance(deleted, MessageUpdated)
        assert deleted.mentions == []


async def test_presence_over_http_goes_to_the_login_sessions_sockets(services: Services) -> None:
    alice, _ = await sign_up(services, "alice")
    async with watching(services, sessions=["all"]) as heard:
        events = await heard.during(
            lambda: presence.set_presence(alice, status="BUSY", socket=None)
        )
        assert events == [
            ("sessions", SessionPresence(session_id=alice.viewer.session_id, status="BUSY"))
        ]
        with pytest.raises(ValidationFailed):
            await heard.during(lambda: presence.set_presence(alice, status="OFFLINE", socket=None))


async def test_searching_publishes_nothing(services: Services) -> None:
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    cid = await group_of(services, alice, bob)

    def search_for(query: str) -> Awaitable[Any]:
        return search.search_messages(
            bob, query=query, conversation_id=cid, sender_id=None, since=None, until=None,
            first=20, offset=0,
        )  # fmt: skip

    async with watching(
        services, conversation=[str(cid)], user=[str(bob.user_id)], sessions=["all"]
    ) as heard:
        sent = await heard.during(
            lambda: messages.send_message(
                alice, conversation_id=cid, content="lunch?", client_message_id=None,
                reply_to_id=None,
            )
        )  # fmt: skip
        assert ("conversation", "message_added") in kinds(sent)
        assert await heard.during(lambda: search_for("lunch")) == []
        with pytest.raises(ValidationFailed):
            await heard.during(lambda: search_for("-lunch"))


async def test_mute_archive_and_pin_tell_only_the_actors_own_channel(services: Services) -> None:
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    carol, _ = await sign_up(services, "carol")
    cid = await group_of(services, alice, bob)
    others = [await group_of(services, alice, bob) for _ in range(5)]
    users = [str(actor.user_id) for actor in (alice, bob, carol)]
    async with watching(services, user=users, members=[str(cid)], conversation=[str(cid)]) as heard:
        # The groups' creation, heard first (published as they were made).
        await heard.during(lambda: group_of(services, alice, bob))
        [(channel, event)] = await heard.during(
            lambda: conversation_state.pin_conversation(alice, conversation_id=cid)
        )
        assert channel == "user"
        assert isinstance(event, ConversationStateChanged)
        assert (event.user_id, event.conversation.id) == (alice.user_id, cid)
        assert event.state.pinned_at is not None
        # A repeat changes nothing and publishes nothing.
        assert (
            await heard.during(
                lambda: conversation_state.pin_conversation(alice, conversation_id=cid)
            )
            == []
        )
        changes: list[Callable[[], Awaitable[Any]]] = [
            lambda: conversation_state.mute_conversation(alice, conversation_id=cid, until=None),
            lambda: conversation_state.archive_conversation(alice, conversation_id=cid),
            lambda: conversation_state.unarchive_conversation(alice, conversation_id=cid),
            lambda: conversation_state.unmute_conversation(alice, conversation_id=cid),
        ]
        for change in changes:
            assert kinds(await heard.during(change)) == [("user", "conversation_state")]
        # Archiving unpinned it: unpinning now changes nothing.
        unpin = conversation_state.unpin_conversation
        assert await heard.during(lambda: unpin(alice, conversation_id=cid)) == []
        # Failures publish nothing: an outsider, and a sixth pin.
        with pytest.raises(NotInConversation):
            await heard.during(
                lambda: conversation_state.pin_conversation(carol, conversation_id=cid)
            )
        for other in [cid, *others[:4]]:
            await conversation_state.pin_conversation(alice, conversation_id=other)
        with pytest.raises(Conflict):
            await heard.during(
                lambda: conversation_state.pin_conversation(alice, conversation_id=others[4])
            )
