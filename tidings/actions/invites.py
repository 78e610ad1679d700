"""Invite codes: how people sign up on an invite-only server (``TIDINGS_REGISTRATION=invite``).

A code is made by a server administrator (``createInvite``, or ``tidings admin invite``), is
shown once, and is stored only as its SHA-256, as refresh tokens are. Registering with it
claims it in the registration's own transaction with one conditional ``UPDATE``: of two
registrations racing for one code, exactly one claims it and the other is refused.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.actions.actor import Actor
from tidings.actions.admin import record, require_admin
from tidings.errors import ValidationFailed
from tidings.models import Invite
from tidings.tokens import hash_refresh_token

__all__ = ["IssuedInvite", "claim_invite", "create_invite", "make_invite"]

# 16 URL-safe characters (96 bits): short enough to read out, far too many to guess.
_CODE_BYTES = 12


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    """A fresh code, the only time it is ever shown."""

    code: str
    created_at: datetime
    expires_at: datetime | None


async def create_invite(actor: Actor, *, expires_at: datetime | None) -> IssuedInvite:
    """A single-use sign-up code; ``FORBIDDEN`` unless the actor is a server administrator.

    ``expires_at`` must be in the future; without it the code keeps until used."""
    now = actor.services.clock.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed("expires_at", "An invite must expire in the future")
    async with actor.db() as session:
        await require_admin(actor, session)
        issued = make_invite(session, created_by_id=actor.user_id, expires_at=expires_at, now=now)
        await session.commit()
    return issued


def make_invite(
    session: AsyncSession,
    *,
    created_by_id: uuid.UUID | None,
    expires_at: datetime | None,
    now: datetime,
) -> IssuedInvite:
    """Add a new invite to ``session``, with its audit entry (uncommitted)."""
    code = secrets.token_urlsafe(_CODE_BYTES)
    session.add(
        Invite(
            code_hash=hash_refresh_token(code),
            created_by_id=created_by_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    record(session, actor_id=created_by_id, action="create_invite")
    return IssuedInvite(code=code, created_at=now, expires_at=expires_at)


async def claim_invite(
    session: AsyncSession, *, code: str | None, user_id: uuid.UUID, now: datetime
) -> None:
    """Mark ``code`` used by ``user_id`` (flushed, not committed), or ``VALIDATION_ERROR`` on
    ``invite_code``: missing, unknown, used and expired codes are refused alike, so a wrong
    guess learns nothing. On PostgreSQL a racing claim waits for the row lock, then finds
    ``used_at`` set; SQLite has one writer at a time."""
    if not code or not code.strip():
        raise ValidationFailed("invite_code", "This server is invite-only: enter an invite code")
    claimed = await session.scalar(
        sa.update(Invite)
        .where(
            col(Invite.code_hash) == hash_refresh_token(code.strip()),
            col(Invite.used_at).is_(None),
            sa.or_(col(Invite.expires_at).is_(None), col(Invite.expires_at) > now),
        )
        .values(used_at=now, used_by_id=user_id)
        .returning(col(Invite.code_hash))
    )
    if claimed is None:
        raise ValidationFailed(
            "invite_code", "That invite code is not valid: it may be mistyped, used or expired"
        )
