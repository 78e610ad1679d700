"""Account management reads: a user's login sessions, who blocked whom, and usernames of
deleted accounts still in quarantine."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from tidings.models import AuditEntry, AuthSession, User, UserBlock, UsernameQuarantine
from tidings.queries.lists import one_of

__all__ = [
    "AuditLine",
    "audit_log",
    "blocked_by",
    "blocked_either_way",
    "blocks_between",
    "live_sessions_of",
    "unrevoked_sessions",
    "username_quarantined",
]


async def live_sessions_of(
    session: AsyncSession, *, user_id: uuid.UUID, used_since: datetime
) -> list[AuthSession]:
    """The user's login sessions not revoked and used (logged in or refreshed) since
    ``used_since``: older ones can no longer refresh, so nobody is signed in with them."""
    rows = await session.scalars(
        sa.select(AuthSession)
        .where(
            col(AuthSession.user_id) == user_id,
            col(AuthSession.revoked_at).is_(None),
            sa.func.coalesce(col(AuthSession.last_used_at), col(AuthSession.created_at))
            > used_since,
        )
        .order_by(
            sa.func.coalesce(col(AuthSession.last_used_at), col(AuthSession.created_at)).desc()
        )
    )
    return list(rows)


async def unrevoked_sessions(
    session: AsyncSession, *, ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of ``ids`` are login sessions that exist and have not been revoked (an account
    deleted or deactivated has none)."""
    if not ids:
        return set()
    rows = await session.scalars(
        sa.select(col(AuthSession.id)).where(
            one_of(session, col(AuthSession.id), ids), col(AuthSession.revoked_at).is_(None)
        )
    )
    return set(rows)


async def blocked_by(session: AsyncSession, *, user_id: uuid.UUID) -> list[User]:
    """The users ``user_id`` has blocked, most recently blocked first."""
    rows = await session.scalars(
        sa.select(User)
        .join(UserBlock, col(UserBlock.blocked_id) == col(User.id))
        .where(col(UserBlock.blocker_id) == user_id)
        .order_by(col(UserBlock.created_at).desc())
    )
    return list(rows)


async def blocked_either_way(session: AsyncSession, *, user_id: uuid.UUID) -> set[uuid.UUID]:
    """Everyone ``user_id`` blocked or was blocked by: they see nothing of each other's
    presence or typing."""
    rows = await session.execute(
        sa.select(col(UserBlock.blocker_id), col(UserBlock.blocked_id)).where(
            sa.or_(col(UserBlock.blocker_id) == user_id, col(UserBlock.blocked_id) == user_id)
        )
    )
    return {blocked if blocker == user_id else blocker for blocker, blocked in rows}


async def blocks_between(session: AsyncSession, *, one: uuid.UUID, other: uuid.UUID) -> bool:
    """Whether either of the two has blocked the other."""
    found = await session.scalar(
        sa.select(col(UserBlock.blocker_id))
        .where(
            sa.or_(
                sa.and_(col(UserBlock.blocker_id) == one, col(UserBlock.blocked_id) == other),
                sa.and_(col(UserBlock.blocker_id) == other, col(UserBlock.blocked_id) == one),
            )
        )
        .limit(1)
    )
    return found is not None


async def username_quarantined(session: AsyncSession, *, username_hash: str, now: datetime) -> bool:
    """Whether a deleted account's username (as its hash) may not be registered yet."""
    free_at = await session.scalar(
        sa.select(col(UsernameQuarantine.free_at)).where(
            col(UsernameQuarantine.username_hash) == username_hash
        )
    )
    return free_at is not None and free_at > now


@dataclass(frozen=True, slots=True)
class AuditLine:
    """An audit entry with the usernames of whom it names, where they still exist."""

    entry: AuditEntry
    actor: str | None
    target: str | None


async def audit_log(session: AsyncSession, *, limit: int) -> list[AuditLine]:
    """The newest ``limit`` entries of the audit log, newest first."""
    actor, target = aliased(User), aliased(User)
    rows = await session.execute(
        sa.select(AuditEntry, col(actor.username), col(target.username))
        .outerjoin(actor, col(actor.id) == col(AuditEntry.actor_id))
        .outerjoin(target, col(target.id) == col(AuditEntry.target_user_id))
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    )
    return [AuditLine(entry, actor_name, target_name) for entry, actor_name, target_name in rows]
