"""Read marks: how far each participant has read, and what is still unread."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.models import Message, Participant

__all__ = ["unread_counts"]


async def unread_counts(
    session: AsyncSession, *, user_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Per conversation: messages after the user's read mark, not theirs, not deleted."""
    rows = await session.execute(
        sa.select(col(Message.conversation_id), sa.func.count())
        .join(
            Participant,
            sa.and_(
                col(Participant.conversation_id) == col(Message.conversation_id),
                col(Participant.user_id) == user_id,
            ),
        )
        .where(
            col(Message.conversation_id).in_(conversation_ids),
            col(Message.seq) > col(Participant.last_read_seq),
            col(Message.sender_id) != user_id,
            col(Message.deleted_at).is_(None),
        )
        .group_by(col(Message.conversation_id))
    )
    counts: dict[uuid.UUID, int] = dict.fromkeys(conversation_ids, 0)
    # Not dict(rows): a Result has .keys() (its column names), so dict() would index it.
    counts.update(dict(rows.all()))
    return counts
