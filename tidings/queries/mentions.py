"""Mentions: who a message names, the viewer's unread mentions, and the viewer's mentions page.

Mentions are rows written when a message is sent or edited; reads never parse content. What
they show is only who was named: nothing about anyone's reads (a mentioned user's read mark
counts only their own unread mentions, seen by nobody else).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.models import Mention, Message, Participant, User
from tidings.queries.lists import one_of
from tidings.queries.users import UserRow, users_by_id

__all__ = [
    "mentionable_users",
    "mentioned_in",
    "mentions_page",
    "unread_mention_counts",
]


async def mentionable_users(
    session: AsyncSession, *, conversation_id: uuid.UUID, usernames: Collection[str]
) -> list[UserRow]:
    """The conversation's participants whose usernames are among ``usernames``."""
    if not usernames:
        return []
    ids = await session.scalars(
        sa.select(col(User.id))
        .join(Participant, col(Participant.user_id) == col(User.id))
        .where(
            col(Participant.conversation_id) == conversation_id,
            col(User.username).in_(list(usernames)),
        )
    )
    found = await users_by_id(session, ids=list(ids))
    return sorted(found.values(), key=lambda user: user.username)


async def mentioned_in(
    session: AsyncSession, *, message_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Who each message mentions, by message id (one statement; none: an empty list)."""
    found: dict[uuid.UUID, list[uuid.UUID]] = {mid: [] for mid in message_ids}
    if not message_ids:
        return found
    rows = await session.execute(
        sa.select(col(Mention.message_id), col(Mention.user_id))
        .where(one_of(session, col(Mention.message_id), message_ids))
        .order_by(col(Mention.message_id), col(Mention.user_id))
    )
    for message_id, user_id in rows:
        found[message_id].append(user_id)
    return found


async def unread_mention_counts(
    session: AsyncSession, *, user_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Per conversation: the user's mentions after their read mark, by others, not deleted
    (a deleted message's mentions are gone with it)."""
    rows = await session.execute(
        sa.select(col(Mention.conversation_id), sa.func.count())
        .join(
            Participant,
            sa.and_(
                col(Participant.conversation_id) == col(Mention.conversation_id),
                col(Participant.user_id) == user_id,
            ),
        )
        .join(Message, col(Message.id) == col(Mention.message_id))
        .where(
            col(Mention.user_id) == user_id,
            one_of(session, col(Mention.conversation_id), conversation_ids),
            col(Mention.seq) > col(Participant.last_read_seq),
            col(Message.sender_id) != user_id,
        )
        .group_by(col(Mention.conversation_id))
    )
    counts: dict[uuid.UUID, int] = dict.fromkeys(conversation_ids, 0)
    counts.update(dict(rows.all()))
    return counts


async def mentions_page(
    session: AsyncSession, *, user_id: uuid.UUID, first: int, before: uuid.UUID | None
) -> tuple[list[Message], bool]:
    """The user's mentions by others in conversations they are still in, newest first (by
    message id, which is time-ordered), after the cursor's message; and whether more follow."""
    query = (
        sa.select(Message)
        .join(Mention, col(Mention.message_id) == col(Message.id))
        .join(
            Participant,
            sa.and_(
                col(Participant.conversation_id) == col(Mention.conversation_id),
                col(Participant.user_id) == user_id,
            ),
        )
        .where(col(Mention.user_id) == user_id, col(Message.sender_id) != user_id)
        .order_by(col(Message.id).desc())
        .limit(first + 1)
    )
    if before is not None:
        query = query.where(col(Message.id) < before)
    messages = list(await session.scalars(query))
    return messages[:first], len(messages) > first
