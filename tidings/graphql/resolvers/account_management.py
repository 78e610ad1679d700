"""Account management: password, login sessions, deleting the account, blocking people."""

from __future__ import annotations

import strawberry

from tidings.actions import blocks, deletion, sessions
from tidings.graphql.context import Info
from tidings.graphql.types import User
from tidings.ids import parse_id

__all__ = ["AccountManagementMutations"]


@strawberry.type
class AccountManagementMutations:
    @strawberry.mutation(
        description="Needs the current password; signs out every other device (this one "
        "stays signed in)."
    )
    async def change_password(self, info: Info, current_password: str, new_password: str) -> bool:
        await sessions.change_password(
            await info.context.actor(),
            current_password=current_password,
            new_password=new_password,
        )
        return True

    @strawberry.mutation(
        description="Signs one of the viewer's devices out (from `me.sessions`); its sockets "
        "close. NOT_FOUND for anyone else's session."
    )
    async def end_session(self, info: Info, id: strawberry.ID) -> bool:
        await sessions.end_session(await info.context.actor(), session_id=parse_id(id, field="id"))
        return True

    @strawberry.mutation(
        description="Deletes the viewer's account for good: messages become tombstones of "
        '"Deleted user", every device is signed out.'
    )
    async def delete_account(self, info: Info, password: str) -> bool:
        await deletion.delete_account(await info.context.actor(), password=password)
        return True

    @strawberry.mutation(
        description="Neither can open a direct conversation with the other, nor see the "
        "other's presence or typing. Blocking again changes nothing."
    )
    async def block_user(self, info: Info, user_id: strawberry.ID) -> User:
        user = await blocks.block_user(
            await info.context.actor(), user_id=parse_id(user_id, field="user_id")
        )
        return User.of(user)

    @strawberry.mutation(description="Lifts the viewer's block; unblocking again changes nothing.")
    async def unblock_user(self, info: Info, user_id: strawberry.ID) -> User:
        user = await blocks.unblock_user(
            await info.context.actor(), user_id=parse_id(user_id, field="user_id")
        )
        return User.of(user)
