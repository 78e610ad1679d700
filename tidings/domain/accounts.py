"""Accounts and login sessions: register, login, refresh (with rotation), logout, profile."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.domain import rules
from tidings.errors import Conflict, InvalidCredentials, Unauthenticated
from tidings.models import AuthSession, RefreshToken, User, utcnow
from tidings.passwords import Passwords
from tidings.tokens import TokenIssuer, hash_refresh_token

__all__ = [
    "IssuedTokens",
    "RefreshTokenReused",
    "login",
    "logout",
    "refresh",
    "register",
    "update_profile",
    "update_settings",
]


class RefreshTokenReused(Unauthenticated):
    """A rotated refresh token came back: someone holds a copy, so its session was revoked."""

    def __init__(self, session_id: uuid.UUID) -> None:
        super().__init__("The refresh token was already used; the session has been revoked")
        self.session_id = session_id


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """A fresh token pair for ``user``."""

    user: User
    session_id: uuid.UUID
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime


async def register(
    *,
    session: AsyncSession,
    passwords: Passwords,
    tokens: TokenIssuer,
    username: str,
    email: str,
    password: str,
    display_name: str | None,
) -> IssuedTokens:
    """Create an account and log it in. Raises ``CONFLICT`` for a taken username or email."""
    username = rules.clean_username(username)
    email = rules.clean_email(email)
    rules.clean_password(password)
    name = rules.clean_display_name(display_name) if display_name is not None else username

    taken = (
        await session.execute(
            sa.select(col(User.username), col(User.email)).where(
                sa.or_(col(User.username) == username, col(User.email) == email)
            )
        )
    ).first()
    if taken is not None:
        _raise_taken(username_taken=taken.username == username)

    user = User(
        username=username,
        email=email,
        display_name=name,
        password_hash=await passwords.hash(password),
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent registration won the race for the same name or email.
        await session.rollback()
        clash = await session.scalar(
            sa.select(col(User.username)).where(col(User.username) == username)
        )
        _raise_taken(username_taken=clash is not None)
    return await _start_session(session=session, tokens=tokens, user=user)


def _raise_taken(*, username_taken: bool) -> NoReturn:
    if username_taken:
        raise Conflict("That username is taken", field="username")
    raise Conflict("An account with that email already exists", field="email")


async def login(
    *,
    session: AsyncSession,
    passwords: Passwords,
    tokens: TokenIssuer,
    username_or_email: str,
    password: str,
) -> IssuedTokens:
    """Check the password; any failure is the same ``INVALID_CREDENTIALS``."""
    identifier = username_or_email.strip().lower()
    column = col(User.email) if "@" in identifier else col(User.username)
    user = await session.scalar(sa.select(User).where(column == identifier))
    if not await passwords.verify(user.password_hash if user else None, password):
        raise InvalidCredentials
    assert user is not None
    return await _start_session(session=session, tokens=tokens, user=user)


async def _start_session(*, session: AsyncSession, tokens: TokenIssuer, user: User) -> IssuedTokens:
    auth_session = AuthSession(user_id=user.id)
    session.add(auth_session)
    await session.flush()
    issued = await _issue(session=session, tokens=tokens, user=user, session_id=auth_session.id)
    await session.commit()
    return issued


async def _issue(
    *, session: AsyncSession, tokens: TokenIssuer, user: User, session_id: uuid.UUID
) -> IssuedTokens:
    now = utcnow()
    access, access_expires = tokens.access_token(user_id=user.id, session_id=session_id, now=now)
    refresh_token = tokens.refresh_token()
    refresh_expires = now + tokens.refresh_ttl
    session.add(
        RefreshToken(
            token_hash=hash_refresh_token(refresh_token),
            session_id=session_id,
            created_at=now,
            expires_at=refresh_expires,
        )
    )
    return IssuedTokens(user, session_id, access, access_expires, refresh_token, refresh_expires)


async def refresh(
    *, session: AsyncSession, tokens: TokenIssuer, refresh_token: str
) -> IssuedTokens:
    """Rotate ``refresh_token``. Presenting a rotated token again revokes the whole session."""
    token_hash = hash_refresh_token(refresh_token)
    row = (
        await session.execute(
            sa.select(RefreshToken, AuthSession, User)
            .join(AuthSession, col(AuthSession.id) == col(RefreshToken.session_id))
            .join(User, col(User.id) == col(AuthSession.user_id))
            .where(col(RefreshToken.token_hash) == token_hash)
        )
    ).first()
    if row is None:
        raise Unauthenticated("The refresh token is not valid")
    stored, auth_session, user = row
    now = utcnow()
    if auth_session.revoked_at is not None:
        raise Unauthenticated("This session has ended; log in again")
    if stored.expires_at <= now:
        raise Unauthenticated("The refresh token has expired; log in again")
    claimed = await session.scalar(
        sa.update(RefreshToken)
        .where(col(RefreshToken.token_hash) == token_hash, col(RefreshToken.rotated_at).is_(None))
        .values(rotated_at=now)
        .returning(col(RefreshToken.token_hash))
    )
    if claimed is None:
        # Already rotated: someone else holds a copy. End the session for everyone.
        await _revoke(session, auth_session.id)
        await session.commit()
        raise RefreshTokenReused(auth_session.id)
    issued = await _issue(session=session, tokens=tokens, user=user, session_id=auth_session.id)
    await session.commit()
    return issued


async def logout(*, session: AsyncSession, session_id: uuid.UUID) -> None:
    await _revoke(session, session_id)
    await session.commit()


async def _revoke(session: AsyncSession, session_id: uuid.UUID) -> None:
    await session.execute(
        sa.update(AuthSession)
        .where(col(AuthSession.id) == session_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def update_profile(
    *, session: AsyncSession, user: User, display_name: str | None, avatar_url: str | None
) -> User:
    if display_name is not None:
        user.display_name = rules.clean_display_name(display_name)
    if avatar_url is not None:
        user.avatar_url = rules.clean_avatar_url(avatar_url)
    user.updated_at = utcnow()
    session.add(user)
    await session.commit()
    return user


async def update_settings(
    *,
    session: AsyncSession,
    user: User,
    share_read_receipts: bool | None,
    share_presence: bool | None,
) -> User:
    if share_read_receipts is not None:
        user.share_read_receipts = share_read_receipts
    if share_presence is not None:
        user.share_presence = share_presence
    user.updated_at = utcnow()
    session.add(user)
    await session.commit()
    return user
