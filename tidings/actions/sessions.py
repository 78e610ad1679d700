"""A signed-in user's control of their login sessions: change the password (which signs out
every other device), and end one session from the device list."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.actions.accounts import revoke_session, session_ended
from tidings.actions.actor import Actor
from tidings.domain import rules
from tidings.errors import InvalidCredentials, NotFound
from tidings.models import AuthSession, User, utcnow

__all__ = ["change_password", "check_password", "end_session"]


async def check_password(actor: Actor, session: AsyncSession, password: str) -> User:
    """The actor's row if ``password`` is theirs, else ``INVALID_CREDENTIALS``.

    Limited like a login (failures only, per address and per account), so a stolen access
    token cannot be used to guess the password it does not carry."""
    limits = actor.services.limits
    user = await session.get(User, actor.user_id)
    assert user is not None, "authenticated a moment ago"
    keys = (f"ip:{actor.client_ip}", f"account:{user.username}")
    await limits.check("login", *keys)
    if not await actor.services.passwords.verify(user.password_hash, password):
        await limits.hit("login", *keys)
        raise InvalidCredentials
    return user


async def change_password(actor: Actor, *, current_password: str, new_password: str) -> None:
    """Set a new password and end every other login session of the user (their sockets
    close); the session that changed it stays signed in."""
    rules.clean_password(new_password, field="new_password")
    async with actor.db() as session:
        user = await check_password(actor, session, current_password)
        user.password_hash = await actor.services.passwords.hash(new_password)
        user.updated_at = utcnow()
        others = list(
            await session.scalars(
                sa.select(col(AuthSession.id)).where(
                    col(AuthSession.user_id) == actor.user_id,
                    col(AuthSession.id) != actor.viewer.session_id,
                    col(AuthSession.revoked_at).is_(None),
                )
            )
        )
        for session_id in others:
            await revoke_session(session, session_id)
        await session.commit()
    for session_id in others:
        await session_ended(actor.services, session_id)


async def end_session(actor: Actor, *, session_id: uuid.UUID) -> None:
    """End one of the actor's own live login sessions (this one too, like logging out).

    ``NOT_FOUND`` for a session of someone else, one already ended, or none at all: the
    three are indistinguishable."""
    async with actor.db() as session:
        ended = await session.scalar(
            sa.update(AuthSession)
            .where(
                col(AuthSession.id) == session_id,
                col(AuthSession.user_id) == actor.user_id,
                col(AuthSession.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow())
            .returning(col(AuthSession.id))
        )
        if ended is None:
            raise NotFound("No such session")
        await session.commit()
    await session_ended(actor.services, session_id)
