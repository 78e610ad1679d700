"""Blocking: a user stops someone from opening a direct conversation with them, and the two
stop seeing each other's presence and typing. A direct conversation they already have is
closed (nobody sends in it; its history stays) while either blocks the other. Groups they
share are left as they are."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings import queries
from tidings.actions.actor import Actor
from tidings.errors import NotFound, ValidationFailed
from tidings.models import Conversation, User, UserBlock, utcnow

__all__ = ["block_user", "unblock_user"]


async def block_user(actor: Actor, *, user_id: uuid.UUID) -> User:
    """Block ``user_id``; blocking again changes nothing and publishes nothing."""
    if user_id == actor.user_id:
        raise ValidationFailed("user_id", "You cannot block yourself")
    async with actor.db() as session:
        blocked = await session.get(User, user_id)
        if blocked is None or blocked.deleted_at is not None:
            raise NotFound("No such user")
        if await _blocks(session, actor.user_id, user_id):
            return blocked
        try:
            async with session.begin_nested():
                session.add(UserBlock(blocker_id=actor.user_id, blocked_id=user_id))
        except IntegrityError:
            return blocked  # the same block, made at the same moment elsewhere
        await _close_direct(session, actor.user_id, user_id, closed=True)
        await session.commit()
    await actor.services.events.block_changed(actor.user_id, user_id, blocked=True)
    return blocked


async def unblock_user(actor: Actor, *, user_id: uuid.UUID) -> User:
    """Lift the actor's block of ``user_id`` (theirs of the actor, if any, stays);
    unblocking someone not blocked changes nothing."""
    async with actor.db() as session:
        unblocked = await session.get(User, user_id)
        if unblocked is None:
            raise NotFound("No such user")
        removed = await session.scalar(
            sa.delete(UserBlock)
            .where(col(UserBlock.blocker_id) == actor.user_id, col(UserBlock.blocked_id) == user_id)
            .returning(col(UserBlock.blocked_id))
        )
        if removed is not None and not await queries.blocks_between(
            session, one=actor.user_id, other=user_id
        ):
            await _close_direct(session, actor.user_id, user_id, closed=False)
        await session.commit()
    if removed is not None:
        await actor.services.events.block_changed(actor.user_id, user_id, blocked=False)
    return unblocked


async def _blocks(session: AsyncSession, blocker: uuid.UUID, blocked: uuid.UUID) -> bool:
    found = await session.scalar(
        sa.select(col(UserBlock.blocked_id)).where(
            col(UserBlock.blocker_id) == blocker, col(UserBlock.blocked_id) == blocked
        )
    )
    return found is not None


async def _close_direct(
    session: AsyncSession, one: uuid.UUID, other: uuid.UUID, *, closed: bool
) -> None:
    """Close (or open again) the direct conversation of the two, if they have one."""
    low, high = sorted((one, other))
    await session.execute(
        sa.update(Conversation)
        .where(col(Conversation.direct_key) == f"{low}:{high}")
        .values(blocked_at=utcnow() if closed else None)
    )
