"""Messages: pages of history, one message as a member sees it, and the reads of live feeds.

History is read by ``seq``, which runs 1..last_seq without gaps, so a page knows exactly
whether there is more before or after it. Feeds read messages with their senders, for gap
fills, replays and what changed while a socket was away.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.errors import NotFound
from tidings.models import Conversation, Message, Participant, User
from tidings.queries.conversations import get_membership
from tidings.queries.lists import one_of

__all__ = [
    "HistoryPage",
    "changed_since",
    "conversation_of_message",
    "get_visible_message",
    "history_page",
    "last_messages_of",
    "message_by_client_id",
    "messages_between",
    "messages_by_id",
    "newest_messages",
    "seq_in_conversation",
]


async def get_visible_message(
    session: AsyncSession, *, message_id: uuid.UUID, viewer_id: uuid.UUID
) -> tuple[Message, Participant]:
    """The message and the viewer's membership of its conversation, or ``NOT_FOUND``."""
    row = (
        await session.execute(
            sa.select(Message, Participant)
            .join(Participant, col(Participant.conversation_id) == col(Message.conversation_id))
            .where(col(Message.id) == message_id, col(Participant.user_id) == viewer_id)
        )
    ).first()
    if row is None:
        raise NotFound("No such message")
    return row[0], row[1]


async def messages_by_id(
    session: AsyncSession, *, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Message]:
    """The messages of ``ids`` that exist, by id (one statement)."""
    rows = await session.scalars(sa.select(Message).where(one_of(session, col(Message.id), ids)))
    return {message.id: message for message in rows}


async def last_messages_of(
    session: AsyncSession, *, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Message]:
    """Each conversation's newest message, by conversation; absent where there is none."""
    rows = await session.scalars(
        sa.select(Message)
        .join(
            Conversation,
            sa.and_(
                col(Conversation.id) == col(Message.conversation_id),
                col(Conversation.last_seq) == col(Message.seq),
            ),
        )
        .where(one_of(session, col(Conversation.id), conversation_ids))
    )
    return {message.conversation_id: message for message in rows}


@dataclass(frozen=True, slots=True)
class HistoryPage:
    messages: list[Message]
    has_previous_page: bool
    has_next_page: bool


async def history_page(
    session: AsyncSession,
    *,
    viewer_id: uuid.UUID,
    conversation_id: uuid.UUID,
    first: int | None,
    after: int | None,
    last: int | None,
    before: int | None,
) -> HistoryPage:
    """A page of messages by ``seq`` (tombstones included), oldest first.

    Without ``first`` the page is the newest ``last`` (default 50) before ``before``. One
    indexed query reads the page, checks membership and learns ``last_seq``; because ``seq``
    runs 1..last_seq without gaps, ``hasPreviousPage``/``hasNextPage`` are exact. Only an
    empty page needs a second query, to tell "nothing there" from "not a participant".
    """
    size = first if first is not None else (last if last is not None else 50)
    is_member = (
        sa.select(col(Participant.user_id))
        .where(
            col(Participant.conversation_id) == conversation_id,
            col(Participant.user_id) == viewer_id,
        )
        .exists()
    )
    query = (
        sa.select(Message, col(Conversation.last_seq))
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(col(Message.conversation_id) == conversation_id, is_member)
        .limit(size)
    )
    if after is not None:
        query = query.where(col(Message.seq) > after)
    if before is not None:
        query = query.where(col(Message.seq) < before)
    seq = col(Message.seq)
    rows = (await session.execute(query.order_by(seq if first is not None else seq.desc()))).all()
    if not rows:
        conversation, _ = await get_membership(
            session, conversation_id=conversation_id, user_id=viewer_id
        )
        low = (after or 0) + 1
        high = min(
            before - 1 if before is not None else conversation.last_seq, conversation.last_seq
        )
        return HistoryPage(
            [], has_previous_page=low > 1, has_next_page=high < conversation.last_seq
        )
    messages = sorted((row[0] for row in rows), key=lambda message: message.seq)
    last_seq = rows[0][1]
    return HistoryPage(
        messages,
        has_previous_page=messages[0].seq > 1,
        has_next_page=messages[-1].seq < last_seq,
    )


async def _with_senders(
    session: AsyncSession, condition: sa.ColumnElement[bool], limit: int | None = None
) -> list[tuple[Message, User]]:
    query = (
        sa.select(Message, User)
        .join(User, col(User.id) == col(Message.sender_id))
        .where(condition)
        .order_by(col(Message.conversation_id), col(Message.seq))
    )
    rows = await session.execute(query.limit(limit) if limit else query)
    return [(message, user) for message, user in rows]


async def messages_between(
    session: AsyncSession, *, conversation_id: uuid.UUID, after: int, up_to: int, limit: int
) -> list[tuple[Message, User]]:
    """A conversation's messages after seq ``after`` up to ``up_to``, at most ``limit``, in
    seq order, each with its sender."""
    return await _with_senders(
        session,
        sa.and_(
            col(Message.conversation_id) == conversation_id,
            col(Message.seq) > after,
            col(Message.seq) <= up_to,
        ),
        limit,
    )


async def changed_since(
    session: AsyncSession, *, conversation_ids: Sequence[uuid.UUID], since: datetime
) -> list[tuple[Message, User]]:
    """Messages of these conversations edited, deleted or reacted to at ``since`` or later,
    with senders."""
    if not conversation_ids:
        return []
    return await _with_senders(
        session,
        sa.and_(
            one_of(session, col(Message.conversation_id), conversation_ids),
            sa.or_(
                col(Message.edited_at) >= since,
                col(Message.deleted_at) >= since,
                col(Message.reactions_changed_at) >= since,
            ),
        ),
    )


async def newest_messages(
    session: AsyncSession, *, conversation_id: uuid.UUID, up_to: int, limit: int = 100
) -> list[tuple[uuid.UUID, int, uuid.UUID, datetime]]:
    """(id, seq, sender, created_at) of the newest ``limit`` messages up to seq ``up_to``."""
    rows = await session.execute(
        sa.select(
            col(Message.id), col(Message.seq), col(Message.sender_id), col(Message.created_at)
        )
        .where(col(Message.conversation_id) == conversation_id, col(Message.seq) <= up_to)
        .order_by(col(Message.seq).desc())
        .limit(limit)
    )
    return [(message_id, seq, sender, at) for message_id, seq, sender, at in rows]


async def message_by_client_id(
    session: AsyncSession,
    *,
    conversation_id: uuid.UUID,
    sender_id: uuid.UUID,
    client_message_id: str,
) -> Message | None:
    """The sender's message with this ``clientMessageId`` in the conversation (a retry's
    original)."""
    return await session.scalar(
        sa.select(Message).where(
            col(Message.conversation_id) == conversation_id,
            col(Message.sender_id) == sender_id,
            col(Message.client_message_id) == client_message_id,
        )
    )


async def conversation_of_message(
    session: AsyncSession, *, message_id: uuid.UUID
) -> uuid.UUID | None:
    return await session.scalar(
        sa.select(col(Message.conversation_id)).where(col(Message.id) == message_id)
    )


async def seq_in_conversation(
    session: AsyncSession, *, message_id: uuid.UUID, conversation_id: uuid.UUID
) -> int | None:
    """The message's ``seq``, if it is in this conversation."""
    return await session.scalar(
        sa.select(col(Message.seq)).where(
            col(Message.id) == message_id, col(Message.conversation_id) == conversation_id
        )
    )
