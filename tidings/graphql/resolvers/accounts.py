"""Accounts: who am I, find people, register, log in and out, profile and settings."""

from __future__ import annotations

import strawberry

from tidings import queries
from tidings.actions import accounts
from tidings.graphql.context import Info
from tidings.graphql.inputs import (
    LoginInput,
    RegisterInput,
    UpdateProfileInput,
    UpdateSettingsInput,
)
from tidings.graphql.types import AuthPayload, Settings, User, Viewer
from tidings.ids import parse_id
from tidings.queries import UserRow

__all__ = ["AccountMutations", "AccountQueries"]


def _payload(issued: accounts.IssuedTokens) -> AuthPayload:
    return AuthPayload(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        access_token_expires_at=issued.access_token_expires_at,
        refresh_token_expires_at=issued.refresh_token_expires_at,
        user=User.of(issued.user),
    )


async def _viewer_row(info: Info) -> UserRow:
    loaders = await info.context.loaders()
    user = await loaders.users.load((await info.context.viewer()).user_id)
    assert user is not None, "authenticate() found this user a moment ago"
    return user


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in user, with private fields.")
    async def me(self, info: Info) -> Viewer:
        return Viewer.of(await _viewer_row(info))

    @strawberry.field
    async def user(self, info: Info, id: strawberry.ID) -> User | None:
        user_id = parse_id(id, field="id")
        loaders = await info.context.loaders()
        user = await loaders.users.load(user_id)
        return User.of(user) if user is not None else None

    @strawberry.field(
        description="Users whose username starts with, or display name contains, the query."
    )
    async def search_users(self, info: Info, query: str, first: int | None = 20) -> list[User]:
        await info.context.viewer()
        async with info.context.db() as session:
            users = await queries.search_users(
                session, query=query, limit=20 if first is None else first
            )
        return [User.of(user) for user in users]


@strawberry.type
class AccountMutations:
    @strawberry.mutation
    async def register(self, info: Info, input: RegisterInput) -> AuthPayload:
        issued = await accounts.register(
            info.context.caller(),
            username=input.username,
            email=input.email,
            password=input.password,
            display_name=input.display_name,
            invite_code=input.invite_code,
        )
        return _payload(issued)

    @strawberry.mutation(description="Failures never say whether the account exists.")
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        issued = await accounts.login(
            info.context.caller(),
            username_or_email=input.username_or_email,
            password=input.password,
        )
        return _payload(issued)

    @strawberry.mutation(
        description="Rotates the refresh token; reusing an old one ends the session."
    )
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        issued = await accounts.refresh(info.context.caller(), refresh_token=refresh_token)
        return _payload(issued)

    @strawberry.mutation(description="Ends this login session everywhere it is used.")
    async def logout(self, info: Info) -> bool:
        await accounts.logout(await info.context.actor())
        return True

    @strawberry.mutation
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> User:
        user = await accounts.update_profile(
            await info.context.actor(),
            display_name=input.display_name,
            avatar_url=input.avatar_url,
        )
        return User.of(user)

    @strawberry.mutation
    async def update_settings(self, info: Info, input: UpdateSettingsInput) -> Settings:
        user = await accounts.update_settings(
            await info.context.actor(),
            share_read_receipts=input.share_read_receipts,
            share_presence=input.share_presence,
        )
        return Settings(
            share_read_receipts=user.share_read_receipts, share_presence=user.share_presence
        )
