"""Open WebSockets: the per-user cap across instances, presence bookkeeping, and closing a
revoked session's sockets.

Each socket is a connection record in the ``ConnectionStore`` (Redis or memory), refreshed
by this process while the socket lives, so a crashed instance's records lapse by themselves.
The refresh writes each record whole, with its status, and settles again the users whose
records Redis had lost; it runs at once when the pub/sub connection comes back, since that
is when Redis may have restarted empty. A release that failed is tried again with it.
Logout publishes ``session_revoked``; every instance closes the sockets of that session it
holds. When it may have missed such an event (its pub/sub connection dropped and came back,
or it fell behind the channel), it asks the database which of its sockets' sessions still
stand and closes the others: a lost event must not leave a signed-out device listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket, WebSocketState

from tidings import queries
from tidings.connections import Connection, ConnectionStore
from tidings.realtime.events import SessionPresence, SessionRevoked
from tidings.realtime.hub import Delivery, Hub, Overflowed, Reconnected
from tidings.realtime.presence import Presence
from tidings.realtime.publish import Channels
from tidings.tasks import cancel_and_wait

__all__ = ["CLOSE_SESSION_ENDED", "CLOSE_TOO_MANY", "OpenSocket", "Sockets", "close"]

log = structlog.get_logger("tidings.realtime.sockets")

CLOSE_TOO_MANY = 4429
CLOSE_SESSION_ENDED = 4401


@dataclass(eq=False)
class OpenSocket:
    websocket: WebSocket
    user_id: uuid.UUID
    session_id: uuid.UUID
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: str = "ONLINE"

    @property
    def connection(self) -> Connection:
        return Connection(self.id, self.user_id)


class Sockets:
    """The sockets this process holds."""

    def __init__(
        self,
        *,
        store: ConnectionStore,
        presence: Presence,
        hub: Hub,
        channels: Channels,
        sessions: async_sessionmaker[AsyncSession],
        max_per_user: int,
        refresh_every: float,
    ) -> None:
        self._store = store
        self._sessions = sessions
        self._presence = presence
        self._hub = hub
        self._channels = channels
        self._max_per_user = max_per_user
        self._refresh_every = refresh_every
        self._open: dict[str, OpenSocket] = {}
        self._unreleased: list[Connection] = []
        self._refresh_now = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def __len__(self) -> int:
        return len(self._open)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._follow_sessions(), name="tidings-sessions"))
        self._tasks.append(asyncio.create_task(self._refresh(), name="tidings-connections"))

    async def stop(self) -> None:
        for task in self._tasks:
            await cancel_and_wait(task)

    async def admit(self, socket: OpenSocket) -> bool:
        """Record ``socket``; False when its user already has the maximum open."""
        if not await self._store.admit(socket.connection, limit=self._max_per_user):
            return False
        self._open[socket.id] = socket
        await self._presence.settle(socket.user_id)
        return True

    async def release(self, socket: OpenSocket) -> None:
        if self._open.pop(socket.id, None) is None:
            return
        try:
            await self._store.release(socket.connection, settle_after=self._presence.grace)
        except Exception:  # Redis down: again with the next refresh
            self._unreleased.append(socket.connection)
        self._presence.settle_after_grace(socket.user_id)

    async def set_status(self, socket: OpenSocket, status: str) -> None:
        socket.status = status  # first: a refresh meanwhile writes the new one
        await self._store.set_status(socket.connection, status)
        await self._presence.settle(socket.user_id)

    async def _refresh(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._refresh_every):
                    await self._refresh_now.wait()
            self._refresh_now.clear()
            try:
                await self._refresh_records()
            except Exception as error:  # Redis down: try again next round
                log.warning("could not refresh connection records", error=str(error))

    async def _refresh_records(self) -> None:
        grace = self._presence.grace
        while self._unreleased:
            connection = self._unreleased[0]
            await self._store.release(connection, settle_after=grace)
            self._unreleased.pop(0)
            self._presence.settle_after_grace(connection.user_id)
        lost = await self._store.refresh({s.connection: s.status for s in self._open.values()})
        if lost:
            log.info("restored connection records redis had lost", users=len(lost))
        for user_id in lost:
            await self._presence.settle_or_retry(user_id)

    async def _follow_sessions(self) -> None:
        """Apply what happened to a login session to this process's sockets of it."""
        fell_behind = False
        while True:
            try:
                async with self._hub.listen() as listener:
                    await listener.add(self._channels.sessions)
                    if fell_behind:  # listening again first: no revocation falls in between
                        await self._close_revoked()
                    while True:
                        event = await listener.next()
                        if isinstance(event, Reconnected):
                            self._refresh_now.set()  # Redis may have come back empty
                            await self._close_revoked()  # revocations may have been lost
                        elif isinstance(event, Delivery):
                            await self._apply(event.payload)
            except Overflowed:
                log.warning("fell behind the sessions channel; checking every socket's session")
                fell_behind = True

    async def _apply(self, payload: object) -> None:
        if not isinstance(payload, SessionRevoked | SessionPresence):
            return
        for socket in [s for s in self._open.values() if s.session_id == payload.session_id]:
            try:
                if isinstance(payload, SessionRevoked):
                    await close(socket.websocket, CLOSE_SESSION_ENDED, "Session ended")
                else:
                    await self.set_status(socket, payload.status)
            except Exception:  # one socket's trouble must not stop the others
                log.exception("could not apply a session event")

    async def _close_revoked(self) -> None:
        """Close the sockets whose login session ended (revoked, or its account gone)."""
        sockets = list(self._open.values())
        if not sockets:
            return
        try:
            async with self._sessions() as session:
                standing = await queries.unrevoked_sessions(
                    session, ids={socket.session_id for socket in sockets}
                )
        except Exception:  # the database is down too: the next reconnect or overflow checks
            log.exception("could not check the sessions of open sockets")
            return
        for socket in sockets:
            if socket.session_id not in standing:
                with contextlib.suppress(Exception):
                    await close(socket.websocket, CLOSE_SESSION_ENDED, "Session ended")


async def close(websocket: WebSocket, code: int, reason: str) -> None:
    """Close unless already closed (several parties may decide to close one socket)."""
    if websocket.application_state == WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(RuntimeError):
        await websocket.close(code=code, reason=reason)
