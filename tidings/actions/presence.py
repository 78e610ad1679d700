"""A device says it is online, away or busy."""

from __future__ import annotations

from tidings.actions.actor import Actor
from tidings.errors import ValidationFailed
from tidings.realtime.sockets import OpenSocket

__all__ = ["set_presence"]

SETTABLE = ("ONLINE", "AWAY", "BUSY")


async def set_presence(actor: Actor, *, status: str, socket: OpenSocket | None) -> str:
    """Set this device's status: over a WebSocket (``socket``), that socket's; over HTTP,
    every socket of the actor's login session, wherever it is.

    The user is BUSY if any device is, else ONLINE if any is, else AWAY; OFFLINE follows from
    disconnecting and cannot be set. Returns the user's status as others now see it over a
    socket, and the status set over HTTP (its sockets take it as the event reaches them).
    """
    if status not in SETTABLE:
        raise ValidationFailed("status", "Set ONLINE, AWAY or BUSY; OFFLINE means disconnected")
    services = actor.services
    if socket is None:
        await services.events.session_presence(actor.viewer.session_id, status)
        return status
    await services.sockets.set_status(socket, status)
    return (await services.presence.statuses([actor.user_id]))[actor.user_id]
