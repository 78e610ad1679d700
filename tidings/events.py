"""What Tidings publishes, on which channel, in which shape (versioned JSON, SPEC §5).

Channels are namespaced (``<namespace>:v1:…``):

- ``conversation:<id>``: messages added and updated
- ``members:<id>``: membership and title changes
- ``user:<id>``: conversations a user joined or left (they are not on its channel then)
- ``typing:<id>``: typing indicators, kept apart so chatter never delays messages
- ``receipts:<id>``: coalesced read and delivered mark moves with new message counts
- ``presence:<user id>``: one event per presence change of that user, whoever watches
- ``sessions``: revoked login sessions, whose sockets every instance must close
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tidings.broadcast import Hub
from tidings.models import Message, User

__all__ = ["Channels", "Events", "PublicUser", "message_of"]


@dataclass(frozen=True, slots=True)
class Channels:
    namespace: str

    def conversation(self, conversation_id: uuid.UUID | str) -> str:
        return f"{self.namespace}:v1:conversation:{conversation_id}"

    def members(self, conversation_id: uuid.UUID | str) -> str:
        return f"{self.namespace}:v1:members:{conversation_id}"

    def user(self, user_id: uuid.UUID | str) -> str:
        return f"{self.namespace}:v1:user:{user_id}"

    def typing(self, conversation_id: uuid.UUID | str) -> str:
        return f"{self.namespace}:v1:typing:{conversation_id}"

    def presence(self, user_id: uuid.UUID | str) -> str:
        return f"{self.namespace}:v1:presence:{user_id}"

    def receipts(self, conversation_id: uuid.UUID | str) -> str:
        return f"{self.namespace}:v1:receipts:{conversation_id}"

    @property
    def sessions(self) -> str:
        return f"{self.namespace}:v1:sessions"


@dataclass(frozen=True, slots=True)
class PublicUser:
    """The part of a user that any participant may see; what events carry about senders."""

    id: uuid.UUID
    username: str
    display_name: str
    avatar_url: str | None
    created_at: str

    @classmethod
    def of(cls, user: User) -> PublicUser:
        return cls(
            user.id, user.username, user.display_name, user.avatar_url, user.created_at.isoformat()
        )

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "display_name": self.display_name,
            "avatar_url": self.avatar_url,
            "created_at": self.created_at,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> PublicUser:
        return cls(
            uuid.UUID(data["id"]),
            data["username"],
            data["display_name"],
            data["avatar_url"],
            data["created_at"],
        )


def message_of(payload: dict[str, Any]) -> tuple[Message, PublicUser]:
    """The message and sender a ``message`` event carries, without touching the database."""
    return Message.model_validate(payload["message"]), PublicUser.from_payload(payload["sender"])


class Events:
    """Publishes domain events through the hub. Call after the change has committed."""

    def __init__(self, hub: Hub, channels: Channels) -> None:
        self.hub = hub
        self.channels = channels

    async def message(self, message: Message, sender: User, *, added: bool) -> None:
        await self.hub.publish(
            self.channels.conversation(message.conversation_id),
            {
                "type": "message_added" if added else "message_updated",
                "conversation_id": str(message.conversation_id),
                "seq": message.seq,
                "message": message.model_dump(mode="json"),
                "sender": PublicUser.of(sender).payload(),
            },
        )

    async def conversation_changed(
        self,
        conversation_id: uuid.UUID,
        *,
        last_seq: int,
        added: Iterable[uuid.UUID] = (),
        removed: Iterable[uuid.UUID] = (),
    ) -> None:
        """Members, title or roles changed. Joiners and leavers also hear it on their own
        channel, since they are not (or no longer) listening to the conversation's."""
        added, removed = list(added), list(removed)
        event = {
            "type": "conversation_changed",
            "conversation_id": str(conversation_id),
            "last_seq": last_seq,
            "added": [str(uid) for uid in added],
            "removed": [str(uid) for uid in removed],
        }
        await self.hub.publish(self.channels.members(conversation_id), event)
        for user_id in [*added, *removed]:
            await self.hub.publish(self.channels.user(user_id), event)

    async def typing(self, conversation_id: uuid.UUID, user: User, *, is_typing: bool) -> None:
        await self.hub.publish(
            self.channels.typing(conversation_id),
            {
                "type": "typing",
                "conversation_id": str(conversation_id),
                "user": PublicUser.of(user).payload(),
                "is_typing": is_typing,
            },
        )

    async def receipts(self, conversation_id: uuid.UUID, update: dict[str, Any]) -> None:
        await self.hub.publish(
            self.channels.receipts(conversation_id),
            {"type": "receipts", "conversation_id": str(conversation_id), **update},
        )

    async def presence(self, user: User, status: str) -> None:
        await self.hub.publish(
            self.channels.presence(user.id),
            {
                "type": "presence",
                "user": PublicUser.of(user).payload(),
                "status": status,
                "last_seen_at": user.last_seen_at.isoformat() if user.last_seen_at else None,
                "shares": user.share_presence,
            },
        )

    async def session_presence(self, session_id: uuid.UUID, status: str) -> None:
        """A device set its presence over HTTP: its sockets, wherever they are, take it."""
        await self.hub.publish(
            self.channels.sessions,
            {"type": "session_presence", "session_id": str(session_id), "status": status},
        )

    async def session_revoked(self, session_id: uuid.UUID) -> None:
        await self.hub.publish(
            self.channels.sessions, {"type": "session_revoked", "session_id": str(session_id)}
        )
