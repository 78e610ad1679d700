"""A login session as the viewer's device list shows it."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tidings import models
from tidings.domain.devices import device_label

__all__ = ["LoginSession"]


@strawberry.type(description="One signed-in device of the viewer's.")
class LoginSession:
    id: strawberry.ID
    device: str = strawberry.field(
        description="Derived from the User-Agent of the login or latest refresh, e.g. "
        '"Chrome on Linux"; "Unknown device" when it says nothing recognisable.'
    )
    user_agent: str | None
    created_at: datetime
    last_used_at: datetime = strawberry.field(
        description="The login or the latest token refresh (not every request)."
    )
    current: bool = strawberry.field(description="The session this request is made with.")

    @classmethod
    def of(cls, row: models.AuthSession, *, current: bool) -> LoginSession:
        return cls(
            id=strawberry.ID(str(row.id)),
            device=device_label(row.user_agent),
            user_agent=row.user_agent,
            created_at=row.created_at,
            last_used_at=row.last_used_at or row.created_at,
            current=current,
        )
