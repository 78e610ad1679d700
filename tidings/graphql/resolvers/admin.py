"""Administration over GraphQL: the registration mode (public, so sign-up screens can adapt)
and invites. Everything else an operator does is ``tidings admin`` at the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from tidings.actions import invites
from tidings.graphql.context import Info
from tidings.graphql.types.admin import Invite, RegistrationMode

__all__ = ["AdminMutations", "AdminQueries"]


@strawberry.type
class AdminQueries:
    @strawberry.field(
        description="How this server lets people sign up; needs no sign-in (for sign-up screens)."
    )
    def registration_mode(self, info: Info) -> RegistrationMode:
        return RegistrationMode(info.context.services.settings.registration)


@strawberry.type
class AdminMutations:
    @strawberry.mutation(description="Server admins only: a single-use code for registering.")
    async def create_invite(
        self,
        info: Info,
        expires_at: Annotated[
            datetime | None,
            strawberry.argument(description="When the code stops working; none: never."),
        ] = None,
    ) -> Invite:
        issued = await invites.create_invite(await info.context.actor(), expires_at=expires_at)
        return Invite.of(issued)
