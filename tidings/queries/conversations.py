"""Conversations and membership: one membership, members, the viewer's conversations, the inbox.

Membership decides what a user may see, so the writes (sending, renaming, leaving) check it
through ``get_membership`` too; the inbox is a keyset page, pinned first, then latest activity
first.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.domain.conversation_state import ViewerState
from tidings.errors import NotInConversation
from tidings.models import Conversation, Participant, ParticipantRole, UTCDateTime
from tidings.queries.conversation_state import STATE_COLUMNS, archived_now, state_of_row
from tidings.queries.lists import one_of

__all__ = [
    "ConversationRow",
    "InboxPage",
    "InboxPosition",
    "ParticipantRow",
    "admin_count",
    "direct_conversation",
    "find_conversation",
    "get_membership",
    "inbox_page",
    "last_seqs",
    "longest_standing_member",
    "member_ids",
    "memberships",
    "participants_of",
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


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """A conversation as the inbox shows it: every column, as a plain row. An inbox page
    holds a hundred, and a SQLModel instance costs several times what its row does to make
    (its ORM state and its pydantic private attributes); reads never change them."""

    id: uuid.UUID
    kind: str
    title: str | None
    direct_key: str | None
    created_by_id: uuid.UUID
    created_at: datetime
    last_seq: int
    last_message_at: datetime | None
    activity_at: datetime
    blocked_at: datetime | None


_CONVERSATION_COLUMNS = tuple(
    col(getattr(Conversation, name)) for name in ConversationRow.__dataclass_fields__
)


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """A membership as reads show it, as a plain row (an inbox shows hundreds)."""

    conversation_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    joined_at: datetime
    last_read_seq: int
    last_read_at: datetime | None
    last_delivered_seq: int


_PARTICIPANT_ROWS = sa.select(
    *(col(getattr(Participant, name)) for name in ParticipantRow.__dataclass_fields__)
)


async def participants_of(
    session: AsyncSession, *, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ParticipantRow]]:
    """Each conversation's participants, longest-standing first (one statement)."""
    rows = await session.execute(
        _PARTICIPANT_ROWS.where(
            one_of(session, col(Participant.conversation_id), conversation_ids)
        ).order_by(col(Participant.joined_at), col(Participant.user_id))
    )
    grouped: dict[uuid.UUID, list[ParticipantRow]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(ParticipantRow(*row))
    return {cid: grouped[cid] for cid in conversation_ids}


async def memberships(
    session: AsyncSession, *, user_id: uuid.UUID, read_marks: bool = False
) -> dict[uuid.UUID, int]:
    """The user's conversations with their last seq (or, with ``read_marks``, the user's
    read mark): where a live feed starts, and what it re-reads after lost events."""
    column = col(Participant.last_read_seq) if read_marks else col(Conversation.last_seq)
    rows = await session.execute(
        sa.select(col(Conversation.id), column)
        .join(Participant, col(Participant.conversation_id) == col(Conversation.id))
        .where(col(Participant.user_id) == user_id)
    )
    return dict(rows.all())


async def last_seqs(
    session: AsyncSession, *, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """The seq of each conversation's newest message (0 for none); absent if it is gone."""
    if not conversation_ids:
        return {}
    rows = await session.execute(
        sa.select(col(Conversation.id), col(Conversation.last_seq)).where(
            one_of(session, col(Conversation.id), conversation_ids)
        )
    )
    return dict(rows.all())


@dataclass(frozen=True, slots=True)
class InboxPosition:
    """Where an inbox page starts after: a pinned conversation's pin time, or an unpinned
    one's latest activity, and its id."""

    pinned: bool
    at: datetime
    conversation_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class InboxPage:
    conversations: list[ConversationRow]
    has_next_page: bool
    # The viewer's own state in each conversation of the page (pins make its cursors).
    states: dict[uuid.UUID, ViewerState] = field(default_factory=dict)


async def inbox_page(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    first: int,
    after: InboxPosition | None,
    now: datetime,
    archived: bool = False,
) -> InboxPage:
    """The user's conversations, keyset-paginated: pinned ones first (latest pin first),
    then the others, latest activity first. Archived ones only, or all but them."""
    unpinned = sa.case((col(Participant.pinned_at).is_(None), 1), else_=0)
    # A pinned conversation sorts by its pin time, which activity does not move.
    at = sa.func.coalesce(
        col(Participant.pinned_at), col(Conversation.activity_at), type_=UTCDateTime()
    )
    is_archived = archived_now(now)
    query = (
        sa.select(*_CONVERSATION_COLUMNS, *STATE_COLUMNS)
        .join(Participant, col(Participant.conversation_id) == col(Conversation.id))
        .where(col(Participant.user_id) == user_id, is_archived if archived else ~is_archived)
        .order_by(unpinned, at.desc(), col(Conversation.id).desc())
        .limit(first + 1)
    )
    if after is not None:
        group = 0 if after.pinned else 1
        query = query.where(
            sa.or_(
                unpinned > group,
                sa.and_(
                    unpinned == group,
                    sa.or_(
                        at < after.at,
                        sa.and_(at == after.at, col(Conversation.id) < after.conversation_id),
                    ),
                ),
            )
        )
    rows = (await session.execute(query)).all()
    width = len(_CONVERSATION_COLUMNS)
    conversations = [ConversationRow(*row[:width]) for row in rows[:first]]
    states = {row[0]: state_of_row(row[width:]) for row in rows[:first]}
    return InboxPage(conversations, len(rows) > first, states)


async def direct_conversation(session: AsyncSession, *, direct_key: str) -> Conversation | None:
    """The direct conversation of a pair (``direct_key``: their ids, sorted, joined by ``:``)."""
    return await session.scalar(
        sa.select(Conversation).where(col(Conversation.direct_key) == direct_key)
    )


async def admin_count(session: AsyncSession, *, conversation_id: uuid.UUID) -> int:
    count = await session.scalar(
        sa.select(sa.func.count())
        .select_from(Participant)
        .where(
            col(Participant.conversation_id) == conversation_id,
            col(Participant.role) == ParticipantRole.ADMIN.value,
        )
    )
    return count or 0


async def longest_standing_member(
    session: AsyncSession, *, conversation_id: uuid.UUID
) -> Participant | None:
    """The member who joined first (ties broken by user id)."""
    return await session.scalar(
        sa.select(Participant)
        .where(col(Participant.conversation_id) == conversation_id)
        .order_by(col(Participant.joined_at), col(Participant.user_id))
        .limit(1)
    )
