"""Presence: announce each user's status change once, store ``lastSeenAt`` on going offline.

A user is ONLINE while one of their sockets is alive (see ``tidings.connections``). After a
socket closes, OFFLINE waits ``grace`` seconds, so a reconnect in between announces nothing.
Every instance sweeps for users whose records lapsed (an instance that died) and settles
them; the store's atomic settle makes sure each change is announced once.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from tidings.connections import ConnectionStore
from tidings.events import Events
from tidings.models import User, utcnow

__all__ = ["Presence", "visible_presence"]

log = structlog.get_logger("tidings.presence")


class Presence:
    def __init__(
        self,
        *,
        store: ConnectionStore,
        sessions: async_sessionmaker[AsyncSession],
        events: Events,
        grace: float,
        sweep_every: float,
    ) -> None:
        self.store = store
        self._sessions = sessions
        self._events = events
        self._grace = grace
        self._sweep_every = sweep_every
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep(), name="tidings-presence-sweep")

    async def stop(self) -> None:
        for task in [self._sweeper, *self._tasks]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def settle(self, user_id: uuid.UUID) -> None:
        """Announce the user's presence if it changed since the last announcement."""
        status = await self.store.settle(user_id)
        if status is None:
            return
        async with self._sessions() as session:
            if status == "OFFLINE":
                await session.execute(
                    sa.update(User).where(col(User.id) == user_id).values(last_seen_at=utcnow())
                )
                await session.commit()
            user = await session.get(User, user_id)
        if user is not None:
            await self.announce(user, status)

    async def announce(self, user: User, status: str | None = None) -> None:
        """Publish ``user``'s presence (the last announced one unless given)."""
        if status is None:
            status = (await self.store.announced([user.id]))[user.id]
        await self._events.presence(user, status)

    def settle_after_grace(self, user_id: uuid.UUID) -> None:
        task = asyncio.create_task(self._settle_later(user_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _settle_later(self, user_id: uuid.UUID) -> None:
        await asyncio.sleep(self._grace)
        try:
            await self.settle(user_id)
        except Exception:  # the sweep settles it later
            log.exception("could not settle presence", user_id=str(user_id))

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_every)
            try:
                for user_id in await self.store.lapsed():
                    await self.settle(user_id)
            except Exception as error:  # Redis or the database is down: next round
                log.warning("presence sweep failed", error=str(error))

    async def statuses(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        return await self.store.announced(user_ids)


def visible_presence(
    *, status: str, last_seen_at: datetime | None, shares: bool, is_self: bool
) -> tuple[str, datetime | None]:
    """What a watcher sees: a user who hides presence looks OFFLINE without lastSeenAt."""
    if shares or is_self:
        return status, last_seen_at
    return "OFFLINE", None
