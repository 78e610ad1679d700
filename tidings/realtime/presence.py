"""Presence: announce each user's status change once, store ``lastSeenAt`` on going offline.

A user is ONLINE while one of their sockets is alive (see ``tidings.connections``). After a
socket closes, OFFLINE waits ``grace`` seconds, so a reconnect in between announces nothing.
Every instance sweeps for users whose records lapsed (an instance that died) or whose grace
is over (their instance may have shut down meanwhile) and settles them; the store's atomic
settle makes sure each change is announced once. A settle that failed (Redis down) is tried
again by the next sweep, and so is telling a change already claimed (the database down).
With a store no other instance sees (memory), shutting down settles the users still in their
grace at once: nobody else would.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tidings import queries
from tidings.clock import Clock
from tidings.connections import ConnectionStore
from tidings.models import User, utcnow
from tidings.realtime.publish import Events
from tidings.tasks import cancel_and_wait

__all__ = ["Presence", "visible_presence"]

log = structlog.get_logger("tidings.realtime.presence")


class Presence:
    def __init__(
        self,
        *,
        store: ConnectionStore,
        sessions: async_sessionmaker[AsyncSession],
        events: Events,
        grace: float,
        sweep_every: float,
        restore_within: float,
        clock: Clock,
    ) -> None:
        self.store = store
        self._sessions = sessions
        self._events = events
        self.grace = grace
        self._sweep_every = sweep_every
        # After Redis lost its data, how long instances may take to restore their records.
        self.restore_within = restore_within
        self._clock = clock
        self._waiting: dict[asyncio.Task[None], uuid.UUID] = {}
        self._unsettled: set[uuid.UUID] = set()
        self._untold: dict[uuid.UUID, str] = {}  # changes claimed but not yet told
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep(), name="tidings-presence-sweep")

    async def stop(self) -> None:
        waiting = set(self._waiting.values()) | self._unsettled
        for task in [self._sweeper, *self._waiting]:
            if task is not None:
                await cancel_and_wait(task)
        if not self.store.shared:
            for user_id in waiting:
                await self.settle_or_retry(user_id)

    async def settle(self, user_id: uuid.UUID) -> None:
        """Announce the user's presence if it changed since the last announcement."""
        status = await self.store.settle(user_id)
        if status is not None:
            await self._tell(user_id, status)

    async def _tell(self, user_id: uuid.UUID, status: str) -> None:
        """Store lastSeenAt and publish a change the store has claimed. The claim cannot be
        taken back: if the database fails here, the sweep tells the change later."""
        try:
            async with self._sessions() as session:
                if status == "OFFLINE":
                    await queries.record_last_seen(session, user_id=user_id, at=utcnow())
                    await session.commit()
                user = await queries.user_by_id(session, user_id=user_id)
        except Exception:
            self._untold[user_id] = status
            raise
        if user is not None:
            await self.announce(user, status)

    async def announce(self, user: User, status: str | None = None) -> None:
        """Publish ``user``'s presence (the last announced one unless given)."""
        if status is None:
            status = (await self.statuses([user.id]))[user.id]
        await self._events.presence(user, status)

    async def settle_or_retry(self, user_id: uuid.UUID) -> None:
        """Settle now, or leave it to the next sweep if Redis or the database is down."""
        try:
            await self.settle(user_id)
        except Exception as error:
            log.warning("could not settle presence", user_id=str(user_id), error=str(error))
            self._unsettled.add(user_id)

    def settle_after_grace(self, user_id: uuid.UUID) -> None:
        task = asyncio.create_task(self._settle_later(user_id))
        self._waiting[task] = user_id
        task.add_done_callback(self._waiting.pop)

    async def _settle_later(self, user_id: uuid.UUID) -> None:
        await self._clock.sleep(self.grace)
        await self.settle_or_retry(user_id)

    async def _sweep(self) -> None:
        while True:
            await self._clock.sleep(self._sweep_every)
            await self._retry()
            try:
                due = await self.store.lapsed()
            except Exception as error:  # Redis is down: next round
                log.warning("presence sweep failed", error=str(error))
                continue
            for user_id in due:
                await self.settle_or_retry(user_id)

    async def _retry(self) -> None:
        """Tell the changes left untold, unless a newer one was announced since; settle the
        users whose settle failed."""
        untold, self._untold = self._untold, {}
        for user_id, status in untold.items():
            try:
                if (await self.store.announced([user_id]))[user_id] == status:
                    await self._tell(user_id, status)
            except Exception as error:
                log.warning("could not tell presence", user_id=str(user_id), error=str(error))
                self._untold.setdefault(user_id, status)
        unsettled, self._unsettled = self._unsettled, set()
        for user_id in unsettled:
            await self.settle_or_retry(user_id)

    async def statuses(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """What to show: the announced presence, OFFLINE where none is known."""
        known = await self.store.announced(user_ids)
        return {uid: status or "OFFLINE" for uid, status in known.items()}

    async def known(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
        """The announced presence, None where Redis knows none (it may have lost it)."""
        return await self.store.announced(user_ids)


def visible_presence(
    *, status: str, last_seen_at: datetime | None, shares: bool, is_self: bool
) -> tuple[str, datetime | None]:
    """What a watcher sees: a user who hides presence looks OFFLINE without lastSeenAt."""
    if shares or is_self:
        return status, last_seen_at
    return "OFFLINE", None
