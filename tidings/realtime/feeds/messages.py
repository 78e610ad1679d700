"""Messages as feeds hand them on: ``messageUpdated``'s feed, and the reads that
``messageAdded``'s rooms (``tidings.realtime.rooms``) fill gaps and replays with.

``messageUpdated`` follows edits, deletions and reactions; after the pub/sub connection was
lost and restored, it re-sends what changed meanwhile. Every item carries its message's
reactions (an event's, or read for all the items of a database read at once), so showing
them costs no statement per message.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tidings import queries
from tidings.domain.reactions import SHOWN_REACTORS
from tidings.models import Message, utcnow
from tidings.queries import ReactionGroup, UserRow
from tidings.realtime.events import ConversationChanged, MessageAdded, MessageUpdated, PublicUser
from tidings.realtime.feeds.membership import Viewing
from tidings.realtime.hub import Delivery, Memo, Reconnected

__all__ = [
    "NO_REACTIONS",
    "FeedItem",
    "MessageReactions",
    "live_item",
    "message_updated_feed",
    "read_messages",
    "with_extras",
]

_PAGE = 100


@dataclass(frozen=True, slots=True)
class MessageReactions:
    """A message's reactions, and the reactors they show (the first few of each emoji)."""

    groups: list[ReactionGroup] = field(default_factory=list)
    reactors: Mapping[uuid.UUID, PublicUser | UserRow] = field(default_factory=dict)


# A message just sent has none.
NO_REACTIONS = MessageReactions()


@dataclass(frozen=True, slots=True)
class FeedItem:
    message: Message
    sender: PublicUser
    # A live event's item is made once and handed to every local subscriber (``live_item``):
    # what they make of it can be kept here, once for all. None for database reads.
    shared: Memo | None = None
    # None: not known (an event of a release before reactions); the field reads them.
    reactions: MessageReactions | None = None
    # Who it mentions; None likewise.
    mentions: list[PublicUser] | None = None


def live_item(event: Delivery, payload: MessageAdded | MessageUpdated) -> FeedItem:
    """The item a ``message_added``/``message_updated`` event carries, made once."""

    def make() -> FeedItem:
        reactions: MessageReactions | None = NO_REACTIONS
        if isinstance(payload, MessageUpdated):
            reactions = None
            if payload.reactions is not None:
                reactions = MessageReactions(
                    [ReactionGroup(r.emoji, tuple(r.user_ids)) for r in payload.reactions],
                    {user.id: user for user in payload.reactors},
                )
        return FeedItem(
            payload.message.model(), payload.sender, Memo(), reactions, payload.mentions
        )

    return event.derived.once("item", make)


async def with_extras(
    session: AsyncSession, rows: list[tuple[Message, PublicUser]]
) -> list[FeedItem]:
    """Items of messages read from the database, their reactions and mentions read for all
    at once (and every user they name).

    Only for the messages that can have any, so a gap fill of plain messages costs no
    statement more than the messages' own: a message never reacted to has no
    ``reactions_changed_at`` (adding and removing set it), and one whose content has no ``@``
    mentions nobody (mentions are resolved from the content at send and edit)."""
    found = await queries.reactions_of(
        session, message_ids=[m.id for m, _ in rows if m.reactions_changed_at is not None]
    )
    mentioned = await queries.mentioned_in(
        session, message_ids=[m.id for m, _ in rows if "@" in m.content]
    )
    named = {uid for gs in found.values() for g in gs for uid in g.user_ids[:SHOWN_REACTORS]}
    named.update(uid for users in mentioned.values() for uid in users)
    people = await queries.users_by_id(session, ids=named)
    return [
        FeedItem(
            message,
            sender,
            reactions=MessageReactions(found.get(message.id, []), people),
            mentions=sorted(
                (PublicUser.of(people[u]) for u in mentioned.get(message.id, ()) if u in people),
                key=lambda user: user.username,
            ),
        )
        for message, sender in rows
    ]


async def read_messages(
    session: AsyncSession, conversation_id: uuid.UUID, *, after: int, up_to: int, limit: int
) -> list[FeedItem]:
    """A conversation's messages after seq ``after`` up to ``up_to``, at most ``limit``."""
    rows = await queries.messages_between(
        session, conversation_id=conversation_id, after=after, up_to=up_to, limit=limit
    )
    return await with_extras(session, [(m, PublicUser.of(u)) for m, u in rows])


async def message_updated_feed(
    viewing: Viewing, conversation_id: uuid.UUID | None
) -> AsyncGenerator[FeedItem, None]:
    """Edits and deletions. After lost events, re-sends what changed while disconnected."""
    async with viewing.follow(conversation_id, messages=True) as following:
        listener = following.listener
        heard_at = utcnow()
        while True:
            event = await listener.next()
            if isinstance(event, Reconnected):
                since = heard_at - timedelta(seconds=5)  # clock skew between instances
                heard_at = utcnow()
                await following.resync()
                conversations = list(following.marks)
                for item in await _changed_since(viewing.sessions, conversations, since):
                    yield item
                continue
            heard_at = utcnow()
            payload = event.payload
            if isinstance(payload, ConversationChanged):
                await following.on_change(payload)
            elif (
                isinstance(payload, MessageUpdated)
                and payload.message.conversation_id in following.marks
            ):
                yield live_item(event, payload)


async def _changed_since(
    sessions: async_sessionmaker[AsyncSession], conversations: list[uuid.UUID], since: datetime
) -> list[FeedItem]:
    if not conversations:
        return []
    async with sessions() as session:
        rows = await queries.changed_since(session, conversation_ids=conversations, since=since)
        return await with_extras(session, [(m, PublicUser.of(u)) for m, u in rows])
