"""Presence: a device says it is online, away or busy."""

from __future__ import annotations

import strawberry
from starlette.websockets import WebSocket

from tidings.actions import presence
from tidings.graphql.context import Info
from tidings.graphql.types import Presence, PresenceStatus
from tidings.realtime.sockets import OpenSocket

__all__ = ["PresenceMutations"]


@strawberry.type
class PresenceMutations:
    @strawberry.mutation(
        description="ONLINE, AWAY or BUSY for this device: over a WebSocket, that socket; "
        "over HTTP, every socket of this login session. The user is BUSY if any device is, "
        "else ONLINE if any is, else AWAY. OFFLINE follows from disconnecting."
    )
    async def set_presence(self, info: Info, status: PresenceStatus) -> Presence:
        request = info.context.request
        socket: OpenSocket | None = (
            request.scope.get("tidings.socket") if isinstance(request, WebSocket) else None
        )
        shown = await presence.set_presence(
            await info.context.actor(), status=status.value, socket=socket
        )
        return Presence(status=PresenceStatus(shown), last_seen_at=None)
