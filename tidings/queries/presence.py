"""Presence: who may see whose presence, and when a user was last seen.

The two statements presence needs (``tidings.realtime.presence``, the ``presence`` field and
the ``presenceChanged`` feed): the audience is everyone a user shares a conversation with.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.models import Participant, User, UserBlock

__all__ = ["contacts_of", "record_last_seen"]


async def contacts_of(session: AsyncSession, *, user_id: uuid.UUID) -> set[uuid.UUID]:
    """Everyone who shares at least one conversation with ``user_id``, themselves included,
    but for those blocked by or blocking them (neither sees the other's presence)."""
    mine = sa.select(col(Participant.conversation_id)).where(col(Participant.user_id) == user_id)
    blocked = sa.select(col(UserBlock.blocked_id)).where(col(UserBlock.blocker_id) == user_id)
    blockers = sa.select(col(UserBlock.blocker_id)).where(col(UserBlock.blocked_id) == user_id)
    rows = await session.scalars(
        sa.select(col(Participant.user_id))
        .where(
            col(Participant.conversation_id).in_(mine),
            col(Participant.user_id).not_in(blocked),
            col(Participant.user_id).not_in(blockers),
        )
        .distinct()
    )
    return {user_id, *rows}


async def record_last_seen(session: AsyncSession, *, user_id: uuid.UUID, at: datetime) -> None:
    """Store ``lastSeenAt`` (a user going OFFLINE); the caller commits."""
    await session.execute(sa.update(User).where(col(User.id) == user_id).values(last_seen_at=at))
