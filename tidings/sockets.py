"""Open WebSockets: the per-user cap across instances, and closing a revoked session's sockets.

Each socket holds a slot in a per-user Redis sorted set (score: expiry time), refreshed by this
process while the socket lives, so a crashed instance's slots lapse on their own. The embedded
default counts in memory. Logout publishes ``session_revoked``; every instance closes the
sockets of that session it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field

import structlog
from redis.asyncio import Redis
from starlette.websockets import WebSocket, WebSocketState

from tidings.broadcast import Delivery, Hub
from tidings.events import Channels

__all__ = ["CLOSE_SESSION_ENDED", "CLOSE_TOO_MANY", "OpenSocket", "Sockets"]

log = structlog.get_logger("tidings.sockets")

CLOSE_TOO_MANY = 4429
CLOSE_SESSION_ENDED = 4401

# Atomically: forget lapsed slots, and take one if fewer than the cap are held.
_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@dataclass(eq=False)
class OpenSocket:
    websocket: WebSocket
    user_id: uuid.UUID
    session_id: uuid.UUID
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


class Sockets:
    """The sockets this process holds, and their slots in the per-user cap."""

    def __init__(
        self,
        *,
        redis: Redis | None,
        hub: Hub,
        channels: Channels,
        max_per_user: int,
        slot_ttl: float = 30.0,
        refresh_every: float = 15.0,
    ) -> None:
        self._redis = redis
        self._hub = hub
        self._channels = channels
        self._max_per_user = max_per_user
        self._slot_ttl = slot_ttl
        self._refresh_every = refresh_every
        self._open: dict[str, OpenSocket] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._admit = redis.register_script(_ADMIT) if redis is not None else None

    def __len__(self) -> int:
        return len(self._open)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._close_revoked(), name="tidings-revocations"))
        if self._redis is not None:
            self._tasks.append(asyncio.create_task(self._refresh(), name="tidings-socket-slots"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _key(self, user_id: uuid.UUID) -> str:
        return f"{self._channels.namespace}:v1:sockets:{user_id}"

    async def admit(self, socket: OpenSocket) -> bool:
        """Take a slot for ``socket``; False when its user already has the maximum open."""
        if self._admit is None:
            held = sum(1 for s in self._open.values() if s.user_id == socket.user_id)
            if held >= self._max_per_user:
                return False
        else:
            now = time.time()
            admitted = await self._admit(
                keys=[self._key(socket.user_id)],
                args=[
                    now,
                    now + self._slot_ttl,
                    self._max_per_user,
                    socket.id,
                    int(self._slot_ttl) + 1,
                ],
            )
            if not admitted:
                return False
        self._open[socket.id] = socket
        return True

    async def release(self, socket: OpenSocket) -> None:
        if self._open.pop(socket.id, None) is None:
            return
        if self._redis is not None:
            with contextlib.suppress(Exception):  # the slot lapses by itself anyway
                await self._redis.zrem(self._key(socket.user_id), socket.id)

    async def _refresh(self) -> None:
        assert self._redis is not None
        while True:
            await asyncio.sleep(self._refresh_every)
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    expiry = time.time() + self._slot_ttl
                    for socket in self._open.values():
                        pipe.zadd(self._key(socket.user_id), {socket.id: expiry})
                        pipe.expire(self._key(socket.user_id), int(self._slot_ttl) + 1)
                    await pipe.execute()
            except Exception as error:  # Redis down: try again next round
                log.warning("could not refresh socket slots", error=str(error))

    async def _close_revoked(self) -> None:
        async with self._hub.listen() as listener:
            await listener.add(self._channels.sessions)
            while True:
                event = await listener.next()
                if not isinstance(event, Delivery):
                    continue
                revoked = uuid.UUID(event.payload["session_id"])
                for socket in [s for s in self._open.values() if s.session_id == revoked]:
                    await close(socket.websocket, CLOSE_SESSION_ENDED, "Session ended")


async def close(websocket: WebSocket, code: int, reason: str) -> None:
    """Close unless already closed (several parties may decide to close one socket)."""
    if websocket.application_state == WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(RuntimeError):
        await websocket.close(code=code, reason=reason)
