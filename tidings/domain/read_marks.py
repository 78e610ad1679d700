"""Read marks: how far each participant has read."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.errors import NotFound
from tidings.models import Message, Participant, ReadReceipt, User, utcnow
from tidings.queries.conversations import get_membership

__all__ = ["mark_read"]


async def mark_read(
    *,
    session: AsyncSession,
    reader_id: uuid.UUID,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
) -> tuple[Participant, bool]:
    """Move the reader's mark up to ``message_id``'s seq. It never moves back.

    Reading implies delivery, so the delivered mark follows, unless the reader hides read
    receipts: then it moves only with real deliveries, and others' counts never change because
    of a private read. Each move is logged, which is where each message's ``readAt`` comes
    from. Returns the membership and whether it moved.
    """
    _, membership = await get_membership(
        session, conversation_id=conversation_id, user_id=reader_id
    )
    seq = await session.scalar(
        sa.select(col(Message.seq)).where(
            col(Message.id) == message_id, col(Message.conversation_id) == conversation_id
        )
    )
    if seq is None:
        raise NotFound("No such message in this conversation")
    if seq <= membership.last_read_seq:
        return membership, False
    now = utcnow()
    delivered = col(Participant.last_delivered_seq)
    # Read as part of the update, not a round trip of its own.
    shares_reads = (
        sa.select(col(User.share_read_receipts)).where(col(User.id) == reader_id).scalar_subquery()
    )
    # Conditional, so a slower concurrent markRead for an older message cannot win.
    moved = await session.scalar(
        sa.update(Participant)
        .where(
            col(Participant.conversation_id) == conversation_id,
            col(Participant.user_id) == reader_id,
            col(Participant.last_read_seq) < seq,
        )
        .values(
            last_read_seq=seq,
            last_read_at=now,
            last_delivered_seq=sa.case(
                (sa.and_(shares_reads, delivered < seq), seq), else_=delivered
            ),
        )
        .returning(col(Participant.user_id))
    )
    if moved is not None:
        session.add(
            ReadReceipt(conversation_id=conversation_id, user_id=reader_id, seq=seq, read_at=now)
        )
    await session.commit()
    await session.refresh(membership)
    return membership, moved is not None
