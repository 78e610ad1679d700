"""People: users, the viewer with private fields, auth payloads, typing events."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry

from tidings import models, queries
from tidings.graphql.context import Info
from tidings.graphql.loaded import Loaded
from tidings.graphql.types.sessions import LoginSession
from tidings.queries import UserRow
from tidings.realtime.events import PublicUser
from tidings.realtime.fanout import VIEWER_DEPENDENT
from tidings.realtime.presence import visible_presence

__all__ = [
    "AuthPayload",
    "Presence",
    "PresenceEvent",
    "PresenceStatus",
    "Settings",
    "TypingEvent",
    "User",
    "Viewer",
    "load_user",
    "shown_user",
]


@strawberry.enum
class PresenceStatus(Enum):
    ONLINE = "ONLINE"
    AWAY = "AWAY"
    BUSY = "BUSY"
    OFFLINE = "OFFLINE"


@strawberry.type
class Presence:
    status: PresenceStatus
    last_seen_at: datetime | None = strawberry.field(
        description="When an OFFLINE user was last online; null otherwise or when hidden."
    )


@strawberry.type
class User:
    id: strawberry.ID
    username: str
    display_name: str
    avatar_url: str | None
    created_at: datetime

    @classmethod
    def of(cls, user: models.User | PublicUser | UserRow) -> User:
        created_at = user.created_at
        return cls(
            id=strawberry.ID(str(user.id)),
            username=user.username,
            display_name=user.display_name,
            avatar_url=user.avatar_url,
            created_at=datetime.fromisoformat(created_at)
            if isinstance(created_at, str)
            else created_at,
        )

    @strawberry.field(
        description="OFFLINE to people who share no conversation with this user, and to "
        "everyone else when the user hides their presence.",
        metadata=VIEWER_DEPENDENT,
    )
    async def presence(self, info: Info) -> Presence:
        viewer = await info.context.viewer()
        loaders = await info.context.loaders()
        user_id = uuid.UUID(self.id)
        if user_id not in await loaders.contacts():
            return Presence(status=PresenceStatus.OFFLINE, last_seen_at=None)
        user = await loaders.users.load(user_id)
        status, seen = visible_presence(
            status=await loaders.presence.load(user_id),
            last_seen_at=user.last_seen_at if user else None,
            shares=user is not None and user.share_presence,
            is_self=user_id == viewer.user_id,
        )
        return Presence(
            status=PresenceStatus(status), last_seen_at=seen if status == "OFFLINE" else None
        )


def shown_user(loaded: Loaded, user_id: uuid.UUID) -> User:
    """The loaded user as GraphQL shows it, made once per page however often it appears."""
    shown = loaded.shown.get(user_id)
    if not isinstance(shown, User):
        shown = loaded.shown[user_id] = User.of(loaded.user(user_id))
    return shown


async def load_user(info: Info, user_id: uuid.UUID) -> User:
    loaders = await info.context.loaders()
    user = await loaders.users.load(user_id)
    assert user is not None, "foreign keys keep every referenced user"
    return User.of(user)


@strawberry.type
class PresenceEvent:
    user: User
    status: PresenceStatus
    last_seen_at: datetime | None


@strawberry.type
class TypingEvent:
    conversation_id: strawberry.ID
    user: User
    is_typing: bool


@strawberry.type
class Settings:
    share_read_receipts: bool
    share_presence: bool


@strawberry.type
class Viewer:
    user: User
    email: str
    settings: Settings
    is_admin: bool = strawberry.field(
        description="A server administrator: may create invites and delete any message."
    )

    @classmethod
    def of(cls, user: models.User | UserRow) -> Viewer:
        return cls(
            user=User.of(user),
            email=user.email,
            settings=Settings(
                share_read_receipts=user.share_read_receipts, share_presence=user.share_presence
            ),
            is_admin=user.is_admin,
        )

    @strawberry.field(description="The viewer's signed-in devices, most recently used first.")
    async def sessions(self, info: Info) -> list[LoginSession]:
        viewer = await info.context.viewer()
        services = info.context.services
        used_since = services.clock.now() - services.tokens.refresh_ttl
        async with info.context.db() as session:
            rows = await queries.live_sessions_of(
                session, user_id=viewer.user_id, used_since=used_since
            )
        return [LoginSession.of(row, current=row.id == viewer.session_id) for row in rows]

    @strawberry.field(description="Users the viewer has blocked, most recently blocked first.")
    async def blocked_users(self, info: Info) -> list[User]:
        viewer = await info.context.viewer()
        async with info.context.db() as session:
            users = await queries.blocked_by(session, user_id=viewer.user_id)
        return [User.of(user) for user in users]


@strawberry.type
class AuthPayload:
    access_token: str
    refresh_token: str
    access_token_expires_at: datetime
    refresh_token_expires_at: datetime
    user: User
