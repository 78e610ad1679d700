"""Administration: how sign-up works on this server, and a new invite."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from tidings.actions.invites import IssuedInvite

__all__ = ["Invite", "RegistrationMode"]


@strawberry.enum(description="Who may register: TIDINGS_REGISTRATION on the server.")
class RegistrationMode(Enum):
    OPEN = "open"
    INVITE = "invite"
    CLOSED = "closed"


@strawberry.type(description="A single-use sign-up code; its code is shown only this once.")
class Invite:
    code: str
    created_at: datetime
    expires_at: datetime | None

    @classmethod
    def of(cls, issued: IssuedInvite) -> Invite:
        return cls(code=issued.code, created_at=issued.created_at, expires_at=issued.expires_at)
