"""Users: by id, behind a live login session, and by search.

The reads every request makes (who is this token's user) and every page makes (the users its
messages and members name), in one place beside the other statements of ``tidings.queries``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.errors import ValidationFailed
from tidings.models import AuthSession, User

__all__ = ["search_users", "session_user", "user_by_id", "users_by_id"]


async def users_by_id(
    session: AsyncSession, *, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, User]:
    """The users of ``ids`` that exist, by id (one statement)."""
    if not ids:
        return {}
    rows = await session.scalars(sa.select(User).where(col(User.id).in_(ids)))
    return {user.id: user for user in rows}


async def user_by_id(session: AsyncSession, *, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


# Built once: every request runs it.
_SESSION_USER = (
    sa.select(User)
    .join(AuthSession, col(AuthSession.user_id) == col(User.id))
    .where(
        col(AuthSession.id) == sa.bindparam("session_id"),
        col(User.id) == sa.bindparam("user_id"),
        col(AuthSession.revoked_at).is_(None),
    )
)


async def session_user(
    session: AsyncSession, *, session_id: uuid.UUID, user_id: uuid.UUID
) -> User | None:
    """The user of a login session that has not been revoked; None if it has (or never was)."""
    return await session.scalar(_SESSION_USER, {"session_id": session_id, "user_id": user_id})


async def search_users(session: AsyncSession, *, query: str, limit: int) -> list[User]:
    """Users whose username starts with, or display name contains, ``query`` (any case)."""
    text = query.strip().lower()
    if not 1 <= len(text) <= 100:
        raise ValidationFailed("query", "Search query must be 1–100 characters")
    if not 1 <= limit <= 100:
        raise ValidationFailed("first", "first must be between 1 and 100")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await session.scalars(
        sa.select(User)
        .where(
            sa.or_(
                col(User.username).like(f"{escaped}%", escape="\\"),
                sa.func.lower(col(User.display_name)).like(f"%{escaped}%", escape="\\"),
            )
        )
        .order_by(col(User.username))
        .limit(limit)
    )
    return list(rows)
