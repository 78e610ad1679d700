"""Messages as a viewer may read them: one message, and pages of history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.domain.conversations import get_membership
from tidings.errors import NotFound
from tidings.models import Conversation, Message, Participant

__all__ = [
    "HistoryPage",
    "get_visible_message",
    "history_page",
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


@dataclass(frozen=True, slots=True)
class HistoryPage:
    messages: list[Message]
    has_previous_page: bool
    has_next_page: bool


async def history_page(
    *,
    session: AsyncSession,
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
