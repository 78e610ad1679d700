"""Reactions: a page's reactions in one statement, and the reads of reacting itself."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.models import Reaction
from tidings.queries.lists import one_of

__all__ = ["ReactionGroup", "emoji_on_message", "reactions_of"]


@dataclass(frozen=True, slots=True)
class ReactionGroup:
    """One emoji's reactions to a message: its reactors, first to react first."""

    emoji: str
    user_ids: tuple[uuid.UUID, ...]


async def reactions_of(
    session: AsyncSession, *, message_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ReactionGroup]]:
    """Every message's reactions by id (one statement; none: an empty list), each emoji in
    the order it was first used, as clients show them."""
    found: dict[uuid.UUID, dict[str, list[uuid.UUID]]] = {mid: {} for mid in message_ids}
    if not message_ids:
        return {}
    rows = await session.execute(
        sa.select(col(Reaction.message_id), col(Reaction.emoji), col(Reaction.user_id))
        .where(one_of(session, col(Reaction.message_id), message_ids))
        .order_by(col(Reaction.created_at), col(Reaction.user_id))
    )
    for message_id, emoji, user_id in rows:
        found[message_id].setdefault(emoji, []).append(user_id)
    return {
        mid: [ReactionGroup(emoji, tuple(users)) for emoji, users in groups.items()]
        for mid, groups in found.items()
    }


async def emoji_on_message(session: AsyncSession, *, message_id: uuid.UUID) -> set[str]:
    """The distinct emoji a message carries (at most 20)."""
    rows = await session.scalars(
        sa.select(col(Reaction.emoji)).where(col(Reaction.message_id) == message_id).distinct()
    )
    return set(rows)
