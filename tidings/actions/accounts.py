"""Accounts and login sessions: register, log in, refresh (with rotation), log out, profile
and settings."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings import queries
from tidings.actions.actor import Actor, Caller
from tidings.actions.invites import claim_invite
from tidings.domain import rules
from tidings.errors import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    Unauthenticated,
    ValidationFailed,
)
from tidings.models import AuthSession, RefreshToken, User, utcnow
from tidings.services import Services
from tidings.tokens import TokenIssuer, hash_refresh_token

# Not user intents, but shared with the other session actions (sessions.py, deletion.py):
# revoke_session, session_ended, username_hash.
__all__ = [
    "IssuedTokens",
    "login",
    "logout",
    "refresh",
    "register",
    "update_profile",
    "update_settings",
]


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
    caller: Caller,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str | None,
    invite_code: str | None = None,
) -> IssuedTokens:
    """Create an account and log it in. ``CONFLICT`` for a taken username or email; on a
    closed server ``FORBIDDEN``, on an invite-only one the invite code is claimed with it."""
    services = caller.services
    await services.limits.hit("register", f"ip:{caller.client_ip}")
    mode = services.settings.registration
    if mode == "closed":
        raise Forbidden("Sign-up is closed on this server; ask an administrator for an account")
    username = rules.clean_username(username)
    email = rules.clean_email(email)
    rules.clean_password(password)
    name = rules.clean_display_name(display_name) if display_name is not None else username
    async with caller.db() as session:
        taken = await queries.name_or_email_taken(session, username=username, email=email)
        if taken is not None:
            _raise_taken(username_taken=taken[0] == username)
        if await queries.username_quarantined(
            session, username_hash=username_hash(username), now=services.clock.now()
        ):
            _raise_taken(username_taken=True)  # a deleted account's, not free again yet
        user = User(
            username=username,
            email=email,
            display_name=name,
            password_hash=await services.passwords.hash(password),
        )
        session.add(user)
        try:
            await session.flush()
        except IntegrityError:
            # A concurrent registration won the race for the same name or email.
            await session.rollback()
            _raise_taken(username_taken=await queries.username_taken(session, username=username))
        if mode == "invite":
            try:
                await claim_invite(
                    session, code=invite_code, user_id=user.id, now=services.clock.now()
                )
            except ValidationFailed:
                await session.rollback()  # no account without the invite
                raise
        return await _start_session(session, services, user, caller.user_agent)


def username_hash(username: str) -> str:
    """How a deleted account's username is remembered for its quarantine: not in clear."""
    return hashlib.sha256(username.encode()).hexdigest()


def _raise_taken(*, username_taken: bool) -> NoReturn:
    if username_taken:
        raise Conflict("That username is taken", field="username")
    raise Conflict("An account with that email already exists", field="email")


async def login(caller: Caller, *, username_or_email: str, password: str) -> IssuedTokens:
    """Check the password; any failure is the same ``INVALID_CREDENTIALS``.

    Only failures count against the limit (per address and per account), so a user who types
    their password right is never locked out by their own successful logins.
    """
    services = caller.services
    identifier = username_or_email.strip().lower()
    if not identifier:
        raise ValidationFailed("username_or_email", "Enter a username or email")
    keys = (f"ip:{caller.client_ip}", f"account:{identifier}")
    await services.limits.check("login", *keys)
    async with caller.db() as session:
        user = await queries.user_by_login(session, identifier=identifier)
        if not await services.passwords.verify(user.password_hash if user else None, password):
            await services.limits.hit("login", *keys)
            raise InvalidCredentials
        assert user is not None
        # Said only to whoever knows the password, so it reveals nothing to a guesser.
        _refuse_deactivated(user)
        return await _start_session(session, services, user, caller.user_agent)


def _refuse_deactivated(user: User) -> None:
    if user.deactivated_at is not None:
        raise Forbidden("This account has been deactivated; contact an administrator")


async def _start_session(
    session: AsyncSession, services: Services, user: User, user_agent: str | None
) -> IssuedTokens:
    now = services.clock.now()
    auth_session = AuthSession(
        user_id=user.id, user_agent=_clip(user_agent), created_at=now, last_used_at=now
    )
    session.add(auth_session)
    await session.flush()
    issued = _issue(session, services.tokens, user, auth_session.id, now)
    await session.commit()
    return issued


def _clip(user_agent: str | None) -> str | None:
    return user_agent[:512] if user_agent else None


def _issue(
    session: AsyncSession, tokens: TokenIssuer, user: User, session_id: uuid.UUID, now: datetime
) -> IssuedTokens:
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


async def refresh(caller: Caller, *, refresh_token: str) -> IssuedTokens:
    """Rotate ``refresh_token``.

    A rotated token presented again means someone holds a copy: the whole session is revoked
    (its sockets everywhere close) and the call fails with ``UNAUTHENTICATED``.
    """
    token_hash = hash_refresh_token(refresh_token)
    async with caller.db() as session:
        row = await queries.refresh_token_holder(session, token_hash=token_hash)
        if row is None:
            raise Unauthenticated("The refresh token is not valid")
        stored, auth_session, user = row
        _refuse_deactivated(user)
        # Tokens expire by the services' clock, as access tokens are checked by it.
        now = caller.services.clock.now()
        if auth_session.revoked_at is not None:
            raise Unauthenticated("This session has ended; log in again")
        if stored.expires_at <= now:
            raise Unauthenticated("The refresh token has expired; log in again")
        claimed = await session.scalar(
            sa.update(RefreshToken)
            .where(
                col(RefreshToken.token_hash) == token_hash, col(RefreshToken.rotated_at).is_(None)
            )
            .values(rotated_at=now)
            .returning(col(RefreshToken.token_hash))
        )
        if claimed is not None:
            # The device list's "last used": moved here, never per request.
            auth_session.last_used_at = now
            if caller.user_agent:
                auth_session.user_agent = _clip(caller.user_agent)
            issued = _issue(session, caller.services.tokens, user, auth_session.id, now)
            await session.commit()
            return issued
        await revoke_session(session, auth_session.id)
        await session.commit()
    await session_ended(caller.services, auth_session.id)
    raise Unauthenticated("The refresh token was already used; the session has been revoked")


async def logout(actor: Actor) -> None:
    """End the actor's login session: its tokens stop working and its sockets close."""
    async with actor.db() as session:
        await revoke_session(session, actor.viewer.session_id)
        await session.commit()
    await session_ended(actor.services, actor.viewer.session_id)


async def revoke_session(session: AsyncSession, session_id: uuid.UUID) -> None:
    """Mark the login session ended (the caller commits, then calls ``session_ended``)."""
    await session.execute(
        sa.update(AuthSession)
        .where(col(AuthSession.id) == session_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def session_ended(services: Services, session_id: uuid.UUID) -> None:
    """After the revocation committed: this instance stops trusting the session at once (no
    request here signs in with it from now on), the others when they hear the event."""
    services.live_sessions.forget(session_id)
    await services.events.session_revoked(session_id)


async def update_profile(actor: Actor, *, display_name: str | None, avatar_url: str | None) -> User:
    """Change the actor's display name or avatar (the empty string clears the avatar)."""
    async with actor.db() as session:
        user = await _own_row(actor, session)
        if display_name is not None:
            user.display_name = rules.clean_display_name(display_name)
        if avatar_url is not None:
            user.avatar_url = rules.clean_avatar_url(avatar_url)
        user.updated_at = utcnow()
        await session.commit()
    return user


async def update_settings(
    actor: Actor, *, share_read_receipts: bool | None, share_presence: bool | None
) -> User:
    """Change what the actor shares. Sharing presence again, or no longer, is announced to
    those who watch it: they now see the real status, or OFFLINE."""
    async with actor.db() as session:
        user = await _own_row(actor, session)
        shared_presence = user.share_presence
        if share_read_receipts is not None:
            user.share_read_receipts = share_read_receipts
        if share_presence is not None:
            user.share_presence = share_presence
        user.updated_at = utcnow()
        await session.commit()
    if user.share_presence != shared_presence:
        await actor.services.presence.announce(user)
    return user


async def _own_row(actor: Actor, session: AsyncSession) -> User:
    # No statement when the request's sign-in read it (its session was not remembered).
    user = await session.get(User, actor.user_id)
    assert user is not None, "authenticated a moment ago"
    return user
