"""Who performs an action, and with what: the process's services and a database session."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tidings.services import Services

__all__ = ["Actor", "Caller", "Viewer"]

# Opens (or lends, held exclusively) the session an action writes through.
Database = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated user of a request or socket, and their login session."""

    user_id: uuid.UUID
    session_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Whoever calls an action that needs no sign-in (register, log in, refresh)."""

    services: Services
    db: Database
    # Rate limits of signed-out actions count per address.
    client_ip: str = "unknown"
    # The User-Agent header, remembered by the login session as its device.
    user_agent: str | None = None

    @classmethod
    def of(
        cls, services: Services, *, client_ip: str = "unknown", user_agent: str | None = None
    ) -> Caller:
        """A caller outside any request, with a session of its own per action."""
        return cls(
            services=services, db=services.sessions, client_ip=client_ip, user_agent=user_agent
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor(Caller):
    """A signed-in caller."""

    viewer: Viewer

    @property
    def user_id(self) -> uuid.UUID:
        return self.viewer.user_id

    @classmethod
    def signed_in(cls, services: Services, viewer: Viewer) -> Actor:
        """An actor outside any request (tests, the CLI), with a session of its own per action."""
        return cls(services=services, db=services.sessions, viewer=viewer)
