"""Accounts as requests read them: who a token belongs to, and finding people."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.errors import Unauthenticated, ValidationFailed
from tidings.models import AuthSession, User
from tidings.tokens import TokenIssuer

__all__ = [
    "authenticate",
    "search_users",
]


# Built once: every request runs it.
_AUTHENTICATED = (
    sa.select(User)
    .join(AuthSession, col(AuthSession.user_id) == col(User.id))
    .where(
        col(AuthSession.id) == sa.bindparam("session_id"),
        col(User.id) == sa.bindparam("user_id"),
        col(AuthSession.revoked_at).is_(None),
    )
)


async def authenticate(
    *, session: AsyncSession, tokens: TokenIssuer, access_token: str
) -> tuple[User, uuid.UUID]:
    """The user and session behind a valid access token whose session is still live."""
    claims = tokens.read_access_token(access_token)
    user = await session.scalar(
        _AUTHENTICATED, {"session_id": claims.session_id, "user_id": claims.user_id}
    )
    if user is None:
        raise Unauthenticated("This session has ended; log in again")
    return user, claims.session_id


async def search_users(*, session: AsyncSession, query: str, limit: int) -> list[User]:
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
