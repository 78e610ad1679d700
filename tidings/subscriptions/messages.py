"""``messageAdded`` and ``messageUpdated``: in ``seq`` order, without gap or duplicate.

The feed subscribes before it reads the database, replays what came after ``afterSeq``, then
follows the live events. An event whose ``seq`` is not the next one is either old (dropped)
or shows a gap (filled from the database first). After the pub/sub connection was lost and
restored, every followed conversation is filled from the database.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from tidings.broadcast import Delivery, Memo, Reconnected
from tidings.event_types import ConversationChanged, MessageAdded, MessageUpdated, PublicUser
from tidings.models import Message, User, utcnow
from tidings.subscriptions.membership import Viewing

__all__ = [
    "FeedItem",
    "live_item",
    "message_added_feed",
    "message_updated_feed",
    "read_messages",
]

_PAGE = 100


@dataclass(frozen=True, slots=True)
class FeedItem:
    message: Message
    sender: PublicUser
    # A live event's item is made once and handed to every local subscriber (``live_item``):
    # what they make of it can be kept here, once for all. None for database reads.
    shared: Memo | None = None


def live_item(event: Delivery, payload: MessageAdded | MessageUpdated) -> FeedItem:
    """The item a ``message_added``/``message_updated`` event carries, made once."""
    return event.derived.once(
        "item", lambda: FeedItem(payload.message.model(), payload.sender, Memo())
    )


async def _read(
    session: AsyncSession, condition: sa.ColumnElement[bool], limit: int | None = None
) -> list[FeedItem]:
    query = (
        sa.select(Message, User)
        .join(User, col(User.id) == col(Message.sender_id))
        .where(condition)
        .order_by(col(Message.conversation_id), col(Message.seq))
    )
    rows = await session.execute(query.limit(limit) if limit else query)
    return [FeedItem(message, PublicUser.of(user)) for message, user in rows]


async def read_messages(
    session: AsyncSession, conversation_id: uuid.UUID, *, after: int, up_to: int, limit: int
) -> list[FeedItem]:
    """A conversation's messages after seq ``after`` up to ``up_to``, at most ``limit``."""
    return await _read(
        session,
        sa.and_(
            col(Message.conversation_id) == conversation_id,
            col(Message.seq) > after,
            col(Message.seq) <= up_to,
        ),
        limit,
    )


async def message_added_feed(
    viewing: Viewing,
    conversation_id: uuid.UUID | None,
    after_seq: int | None,
    after_seqs: Mapping[uuid.UUID, int] | None = None,
) -> AsyncIterator[FeedItem]:
    """New messages of one conversation, or of all the viewer's (joined ones included).

    ``after_seqs`` resumes the all-conversations feed: each named conversation of the
    viewer's first replays what came after its seq (others are ignored).
    """
    sessions, hub = viewing.sessions, viewing.hub
    async with viewing.follow(conversation_id, messages=True) as following:
        listener = following.listener
        marks = following.marks
        if conversation_id is not None and after_seq is not None:
            marks[conversation_id] = max(0, after_seq)
        for resumed, seq in (after_seqs or {}).items():
            if resumed in marks:
                marks[resumed] = max(0, seq)

        async def fill(
            conversation: uuid.UUID, up_to: int, reason: str = "gap"
        ) -> AsyncIterator[FeedItem]:
            """Everything after the mark up to ``up_to``, from the database, in pages."""
            while conversation in marks and marks[conversation] < up_to:
                async with sessions() as session:
                    page = await _read(
                        session,
                        sa.and_(
                            col(Message.conversation_id) == conversation,
                            col(Message.seq) > marks[conversation],
                            col(Message.seq) <= up_to,
                        ),
                        _PAGE,
                    )
                if not page:
                    return
                hub.metrics.backfills.labels(reason).inc()
                for item in page:
                    marks[conversation] = item.message.seq
                    yield item

        async def fill_all(reason: str) -> AsyncIterator[FeedItem]:
            for conversation, last_seq in (await following.last_seqs()).items():
                async for item in fill(conversation, last_seq, reason):
                    yield item

        async for item in fill_all("replay"):
            yield item
        while True:
            event = await listener.next()
            if isinstance(event, Reconnected):
                await following.resync()
                async for item in fill_all("reconnect"):
                    yield item
                continue
            payload = event.payload
            if isinstance(payload, ConversationChanged):
                joined, _ = await following.on_change(payload)
                for conversation in joined:  # what arrived before we listened to it
                    up_to = (await following.last_seqs())[conversation]
                    async for item in fill(conversation, up_to, "joined"):
                        yield item
                continue
            if not isinstance(payload, MessageAdded):
                continue
            conversation, seq = payload.message.conversation_id, payload.message.seq
            if conversation not in marks or seq <= marks[conversation]:
                continue  # not followed, or already delivered
            async for item in fill(conversation, seq - 1):
                yield item
            if marks.get(conversation) == seq - 1:
                marks[conversation] = seq
                yield live_item(event, payload)


async def message_updated_feed(
    viewing: Viewing, conversation_id: uuid.UUID | None
) -> AsyncIterator[FeedItem]:
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
        return await _read(
            session,
            sa.and_(
                col(Message.conversation_id).in_(conversations),
                sa.or_(col(Message.edited_at) >= since, col(Message.deleted_at) >= since),
            ),
        )
