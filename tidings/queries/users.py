"""Users and login sessions: by id, behind a live login session or a refresh token, by login
name, and by search.

The reads every request makes (who is this token's user) and every page makes (the users its
messages and members name), in one place beside the other statements of ``tidings.queries``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.errors import ValidationFailed
from tidings.models import AuthSession, RefreshToken, User
from tidings.queries.lists import one_of

__all__ = [
    "UserRow",
    "existing_user_ids",
    "name_or_email_taken",
    "refresh_token_holder",
    "search_users",
    "session_user",
    "user_by_id",
    "user_by_login",
    "username_taken",
    "users_by_id",
]


@dataclass(frozen=True, slots=True)
class UserRow:
    """A user as reads show them: every column but the password hash, as a plain row.

    Pages name hundreds of users (an inbox's members); an ORM instance costs about twice
    what the row does to make, and reads never change them."""

    id: uuid.UUID
    username: str
    email: str
    display_name: str
    avatar_url: str | None
    share_read_receipts: bool
    share_presence: bool
    last_seen_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # A server administrator (Viewer.isAdmin).
    is_admin: bool

    @classmethod
    def of(cls, user: User) -> UserRow:
        """The row of a user already loaded as a model (by sign-in, say)."""
        return cls(*(getattr(user, name) for name in _USER_ROW_COLUMNS))


_USER_ROW_COLUMNS = tuple(UserRow.__dataclass_fields__)
_USERS_BY_ID = sa.select(*(col(getattr(User, name)) for name in _USER_ROW_COLUMNS))


async def users_by_id(
    session: AsyncSession, *, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, UserRow]:
    """The users of ``ids`` that exist, by id (one statement)."""
    if not ids:
        return {}
    rows = await session.execute(_USERS_BY_ID.where(one_of(session, col(User.id), ids)))
    return {row[0]: UserRow(*row) for row in rows}


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
        # Deactivating revokes every session; this also refuses one a login racing it made.
        col(User.deactivated_at).is_(None),
    )
)


async def session_user(
    session: AsyncSession, *, session_id: uuid.UUID, user_id: uuid.UUID
) -> User | None:
    """The user of a login session that has not been revoked, of an account that is not
    deactivated; None otherwise (or if it never was)."""
    return await session.scalar(_SESSION_USER, {"session_id": session_id, "user_id": user_id})


async def search_users(session: AsyncSession, *, query: str, limit: int) -> list[User]:
    """Users whose username starts with, or display name contains, ``query`` (any case),
    but for deactivated accounts."""
    text = query.strip().lower()
    if not 1 <= len(text) <= 100:
        raise ValidationFailed("query", "Search query must be 1–100 characters")
    if not 1 <= limit <= 100:
        raise ValidationFailed("first", "first must be between 1 and 100")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await session.scalars(
        sa.select(User)
        .where(
            col(User.deleted_at).is_(None),
            sa.or_(
                col(User.username).like(f"{escaped}%", escape="\\"),
                sa.func.lower(col(User.display_name)).like(f"%{escaped}%", escape="\\"),
            ),
            # Nobody to start a conversation with (Slack hides them from its pickers too).
            col(User.deactivated_at).is_(None),
        )
        .order_by(col(User.username))
        .limit(limit)
    )
    return list(rows)


async def existing_user_ids(session: AsyncSession, *, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are users (deleted accounts are not: nobody can add them anywhere)."""
    if not ids:
        return set()
    return set(
        await session.scalars(
            sa.select(col(User.id)).where(
                one_of(session, col(User.id), ids), col(User.deleted_at).is_(None)
            )
        )
    )


async def name_or_email_taken(
    session: AsyncSession, *, username: str, email: str
) -> tuple[str, str] | None:
    """The (username, email) of an account that has this username or this email, if any."""
    row = (
        await session.execute(
            sa.select(col(User.username), col(User.email)).where(
                sa.or_(col(User.username) == username, col(User.email) == email)
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def username_taken(session: AsyncSession, *, username: str) -> bool:
    found = await session.scalar(
        sa.select(col(User.username)).where(col(User.username) == username)
    )
    return found is not None


async def user_by_login(session: AsyncSession, *, identifier: str) -> User | None:
    """The user who logs in as ``identifier``: an email if it has an ``@``, else a username
    (both stored lower-cased)."""
    column = col(User.email) if "@" in identifier else col(User.username)
    return await session.scalar(sa.select(User).where(column == identifier))


async def refresh_token_holder(
    session: AsyncSession, *, token_hash: str
) -> tuple[RefreshToken, AuthSession, User] | None:
    """The stored refresh token of this hash, its login session and that session's user."""
    row = (
        await session.execute(
            sa.select(RefreshToken, AuthSession, User)
            .join(AuthSession, col(AuthSession.id) == col(RefreshToken.session_id))
            .join(User, col(User.id) == col(AuthSession.user_id))
            .where(col(RefreshToken.token_hash) == token_hash)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])
