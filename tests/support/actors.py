"""Signed-in actors for in-process tests that call the actions directly, and login sessions
ended behind the server's back."""

from __future__ import annotations

import uuid

import jwt
import sqlalchemy as sa
from sqlmodel import col

from tidings.actions import accounts
from tidings.actions.actor import Actor, Caller, Viewer
from tidings.models import AuthSession, utcnow
from tidings.services import Services

__all__ = ["PASSWORD", "revoke_silently", "session_id_of", "sign_up"]

PASSWORD = "correct horse battery"


async def sign_up(services: Services, username: str) -> tuple[Actor, accounts.IssuedTokens]:
    """A new account, signed in: its actor and the tokens it was issued."""
    issued = await accounts.register(
        Caller.of(services),
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        display_name=None,
    )
    return Actor.signed_in(services, Viewer(issued.user.id, issued.session_id)), issued


def session_id_of(access_token: str) -> uuid.UUID:
    """The login session an access token belongs to (its ``sid`` claim)."""
    return uuid.UUID(jwt.decode(access_token, options={"verify_signature": False})["sid"])


async def revoke_silently(services: Services, access_token: str) -> uuid.UUID:
    """End the login session of ``access_token`` in the database only, as another instance
    does before it publishes ``session_revoked`` (or as it stands when that event is lost);
    its id."""
    session_id = session_id_of(access_token)
    async with services.sessions() as session:
        await session.execute(
            sa.update(AuthSession)
            .where(col(AuthSession.id) == session_id)
            .values(revoked_at=utcnow())
        )
        await session.commit()
    return session_id
