"""Server administration: accounts made, deactivated, reactivated, promoted and demoted by the
operator at the command line (``tidings admin``), and the audit log every admin action leaves.

The operator is not a signed-in user, so these take a ``Console``: the database and the event
hub of the deployment, as ``tidings serve`` would open them. Deactivating publishes
``session_revoked`` for each ended session once the change has committed, as logout does:
through Redis that reaches every running instance, which closes the sockets (4401).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings import queries
from tidings.actions.actor import Actor, Database
from tidings.domain import rules
from tidings.errors import Conflict, Forbidden, NotFound
from tidings.models import AuditEntry, AuthSession, Message, User, utcnow
from tidings.passwords import Passwords
from tidings.realtime.publish import Events

__all__ = [
    "Console",
    "Deactivation",
    "create_user",
    "deactivate",
    "moderated_message",
    "reactivate",
    "record",
    "require_admin",
    "set_admin",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Console:
    """The operator at the command line: the database and the hub, and no viewer."""

    db: Database
    passwords: Passwords
    events: Events


@dataclass(frozen=True, slots=True)
class Deactivation:
    """A deactivated account and the login sessions that ended with it."""

    user: User
    ended_sessions: Sequence[uuid.UUID]


def record(
    session: AsyncSession,
    *,
    actor_id: uuid.UUID | None,
    action: str,
    target_user_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
) -> None:
    """Add an audit entry to ``session``: it commits with the change it describes, or not at all."""
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            target_user_id=target_user_id,
            conversation_id=conversation_id,
            message_id=message_id,
        )
    )


async def require_admin(actor: Actor, session: AsyncSession) -> None:
    """``FORBIDDEN`` unless the actor is a server administrator (read now, not from the token,
    so a demotion counts at once)."""
    user = await session.get(User, actor.user_id)
    if user is None or not user.is_admin:
        raise Forbidden("Only a server administrator may do this")


async def moderated_message(
    actor: Actor, session: AsyncSession, *, message_id: uuid.UUID
) -> Message | None:
    """The message, in any conversation, if the actor is a server administrator (``NOT_FOUND``
    if there is no such message); None for anyone else, whom the conversation's rules govern."""
    user = await session.get(User, actor.user_id)
    if user is None or not user.is_admin:
        return None
    message = await session.get(Message, message_id)
    if message is None:
        raise NotFound("No such message")
    return message


async def create_user(
    console: Console,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str | None = None,
    is_admin: bool = False,
) -> User:
    """Make an account whatever the registration mode (the operator decides); ``CONFLICT``
    for a taken username or email, ``VALIDATION_ERROR`` for a bad one."""
    username = rules.clean_username(username)
    email = rules.clean_email(email)
    rules.clean_password(password)
    name = rules.clean_display_name(display_name) if display_name is not None else username
    async with console.db() as session:
        taken = await queries.name_or_email_taken(session, username=username, email=email)
        if taken is not None:
            if taken[0] == username:
                raise Conflict("That username is taken", field="username")
            raise Conflict("An account with that email already exists", field="email")
        user = User(
            username=username,
            email=email,
            display_name=name,
            password_hash=await console.passwords.hash(password),
            is_admin=is_admin,
        )
        session.add(user)
        await session.flush()
        record(session, actor_id=None, action="create_user", target_user_id=user.id)
        if is_admin:
            record(session, actor_id=None, action="promote", target_user_id=user.id)
        await session.commit()
    return user


async def deactivate(console: Console, *, identifier: str) -> Deactivation:
    """Refuse the account from now on: every login session ends (sockets close with 4401
    wherever the event reaches), logins are refused with ``FORBIDDEN``. Its messages and
    memberships stay. Deactivating a deactivated account ends nothing more."""
    async with console.db() as session:
        user = await _user(session, identifier)
        if user.deactivated_at is None:
            user.deactivated_at = utcnow()
            record(session, actor_id=None, action="deactivate", target_user_id=user.id)
        ended = list(
            await session.scalars(
                sa.update(AuthSession)
                .where(col(AuthSession.user_id) == user.id, col(AuthSession.revoked_at).is_(None))
                .values(revoked_at=utcnow())
                .returning(col(AuthSession.id))
            )
        )
        await session.commit()
    for session_id in ended:
        await console.events.session_revoked(session_id)
    return Deactivation(user, ended)


async def reactivate(console: Console, *, identifier: str) -> User:
    """Let the account log in again. Its old sessions stay ended: the person signs in anew."""
    async with console.db() as session:
        user = await _user(session, identifier)
        if user.deactivated_at is not None:
            user.deactivated_at = None
            record(session, actor_id=None, action="reactivate", target_user_id=user.id)
            await session.commit()
    return user


async def set_admin(console: Console, *, identifier: str, is_admin: bool) -> User:
    """Promote to, or demote from, server administrator; effective on the next request."""
    async with console.db() as session:
        user = await _user(session, identifier)
        if user.is_admin != is_admin:
            user.is_admin = is_admin
            action = "promote" if is_admin else "demote"
            record(session, actor_id=None, action=action, target_user_id=user.id)
            await session.commit()
    return user


async def _user(session: AsyncSession, identifier: str) -> User:
    user = await queries.user_by_login(session, identifier=identifier.strip().lower())
    if user is None:
        raise NotFound(f"No user {identifier!r} (give a username or an email)")
    return user
