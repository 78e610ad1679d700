"""Conversations and membership as a viewer may read them, and the viewer's inbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.errors import NotInConversation
from tidings.models import (
    Conversation,
    Participant,
)

__all__ = [
    "InboxPage",
    "contacts_of",
    "find_conversation",
    "get_membership",
    "inbox_page",
    "member_ids",
]


async def get_membership(
    session: AsyncSession, *, conversation_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Conversation, Participant]:
    """The conversation and the user's membership, or ``NOT_IN_CONVERSATION``."""
    row = (
        await session.execute(
            sa.select(Conversation, Participant)
            .join(Participant, col(Participant.conversation_id) == col(Conversation.id))
            .where(col(Conversation.id) == conversation_id, col(Participant.user_id) == user_id)
        )
    ).first()
    if row is None:
        raise NotInConversation
    return row[0], row[1]


async def find_conversation(
    session: AsyncSession, *, conversation_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Conversation, bool] | None:
    """The conversation and whether the user is in it now, in one statement; None if it does
    not exist (for what is shown to someone who may have left)."""
    row = (
        await session.execute(
            sa.select(Conversation, col(Participant.user_id))
            .outerjoin(
                Participant,
                sa.and_(
                    col(Participant.conversation_id) == col(Conversation.id),
                    col(Participant.user_id) == user_id,
                ),
            )
            .where(col(Conversation.id) == conversation_id)
        )
    ).first()
    return None if row is None else (row[0], row[1] is not None)


async def member_ids(session: AsyncSession, conversation_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        sa.select(col(Participant.user_id)).where(
            col(Participant.conversation_id) == conversation_id
        )
    )
    return list(rows)


async def contacts_of(session: AsyncSession, user_id: uuid.UUID) -> set[uuid.UUID]:
    """Everyone who shares at least one conversation with ``user_id``, themselves included."""
    mine = sa.select(col(Participant.conversation_id)).where(col(Participant.user_id) == user_id)
    rows = await session.scalars(
        sa.select(col(Participant.user_id))
        .where(col(Participant.conversation_id).in_(mine))
        .distinct()
    )
    return {user_id, *rows}


@dataclass(frozen=True, slots=True)
class InboxPage:
    conversations: list[Conversation]
    has_next_page: bool


async def inbox_page(
    *,
    session: AsyncSession,
    user_id: uuid.UUID,
    first: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> InboxPage:
    """The user's conversations, latest activity first, keyset-paginated."""
    query = (
        sa.select(Conversation)
        .join(Participant, col(Participant.conversation_id) == col(Conversation.id))
        .where(col(Participant.user_id) == user_id)
        .order_by(col(Conversation.activity_at).desc(), col(Conversation.id).desc())
        .limit(first + 1)
    )
    if after is not None:
        activity_at, conversation_id = after
        query = query.where(
            sa.or_(
                col(Conversation.activity_at) < activity_at,
                sa.and_(
                    col(Conversation.activity_at) == activity_at,
                    col(Conversation.id) < conversation_id,
                ),
            )
        )
    rows = list(await session.scalars(query))
    return InboxPage(rows[:first], has_next_page=len(rows) > first)
