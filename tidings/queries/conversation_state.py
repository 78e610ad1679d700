"""Reads of a participant's own view of conversations (mute, archive, pin).

What "archived" and "muted" mean is ``tidings.domain.conversation_state``; the expressions
here say the same in SQL, for the inbox's filter (one statement, whatever the inbox's size).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.domain.conversation_state import ViewerState
from tidings.models import Message, Participant, User
from tidings.queries.lists import one_of

__all__ = [
    "STATE_COLUMNS",
    "archived_now",
    "pinned_count",
    "state_of_row",
    "viewer_states",
]


def _reopened() -> sa.ColumnElement[bool]:
    """A message from someone else came after the participant archived the conversation
    (correlated to the ``participants`` row of the enclosing statement)."""
    return (
        sa.exists()
        .where(
            col(Message.conversation_id) == col(Participant.conversation_id),
            col(Message.seq) > col(Participant.archived_seq),
            col(Message.sender_id) != col(Participant.user_id),
        )
        .correlate(Participant)
    )


def _muted_now(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Participant.muted_at).is_not(None),
        sa.or_(col(Participant.muted_until).is_(None), col(Participant.muted_until) > now),
    )


def archived_now(now: datetime) -> sa.ColumnElement[bool]:
    """``ViewerState.archived`` in SQL."""
    return sa.and_(
        col(Participant.archived_at).is_not(None),
        sa.or_(_muted_now(now), sa.not_(_reopened())),
    )


# What a statement over ``participants`` selects to make a ``ViewerState`` (state_of_row).
STATE_COLUMNS: tuple[Any, ...] = (
    col(Participant.muted_at),
    col(Participant.muted_until),
    col(Participant.archived_at),
    col(Participant.pinned_at),
    sa.and_(col(Participant.archived_at).is_not(None), _reopened()).label("reopened"),
)


def state_of_row(values: Sequence[Any]) -> ViewerState:
    """The ``ViewerState`` of the ``STATE_COLUMNS`` values of a row, in their order."""
    muted_at, muted_until, archived_at, pinned_at, reopened = values
    return ViewerState(muted_at, muted_until, archived_at, pinned_at, bool(reopened))


async def viewer_states(
    session: AsyncSession, *, user_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ViewerState]:
    """The user's state in each of these conversations (absent where not a participant)."""
    if not conversation_ids:
        return {}
    rows = await session.execute(
        sa.select(col(Participant.conversation_id), *STATE_COLUMNS).where(
            col(Participant.user_id) == user_id,
            one_of(session, col(Participant.conversation_id), conversation_ids),
        )
    )
    return {row[0]: state_of_row(row[1:]) for row in rows}


async def pinned_count(session: AsyncSession, *, user_id: uuid.UUID, lock: bool = False) -> int:
    """How many conversations the user has pinned; with ``lock``, after locking the user's row
    until the transaction ends (PostgreSQL), so concurrent pins of theirs count one by one."""
    if lock:
        await session.execute(
            sa.select(col(User.id)).where(col(User.id) == user_id).with_for_update()
        )
    count = await session.scalar(
        sa.select(sa.func.count())
        .select_from(Participant)
        .where(col(Participant.user_id) == user_id, col(Participant.pinned_at).is_not(None))
    )
    return count or 0
