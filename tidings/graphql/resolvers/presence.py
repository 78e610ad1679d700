"""Presence: a device says it is online, away or busy."""

from __future__ import annotations

import strawberry
from starlette.websockets import WebSocket

from tidings.errors import ValidationFailed
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
        if status is PresenceStatus.OFFLINE:
            raise ValidationFailed("status", "Set ONLINE, AWAY or BUSY; OFFLINE means disconnected")
        viewer = await info.context.viewer()
        services = info.context.services
        request = info.context.request
        socket: OpenSocket | None = (
            request.scope.get("tidings.socket") if isinstance(request, WebSocket) else None
        )
        if socket is not None:
            await services.sockets.set_status(socket, status.value)
            current = (await services.presence.statuses([viewer.user_id]))[viewer.user_id]
            return Presence(status=PresenceStatus(current), last_seen_at=None)
        await services.events.session_presence(viewer.session_id, status.value)
        return Presence(status=status, last_seen_at=None)
