"""A clock the test moves by hand, for the app to go by instead of the real one.

``FakeClock``'s monotonic time stands still until ``advance(seconds)``, which wakes every
``sleep`` and expires every ``timeout`` due by then; what they do next runs when the test
next awaits (e.g. while it waits for the event it expects). Its wall time is the real time
plus what the test advanced: tokens are issued and checked by the clock, but rows are still
stamped with the real time (``tidings.models.utcnow``), and nothing may look made in the
future.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta

__all__ = ["FakeClock"]


class FakeClock:
    """A ``tidings.clock.Clock`` whose time passes only when the test says so."""

    def __init__(self) -> None:
        self._elapsed = 0.0
        self._order = itertools.count()
        # (deadline, order, future): a sleeper, woken by resolving its future.
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        # (deadline, order, timeout): an asyncio timeout, expired by rescheduling it to now.
        self._timeouts: list[tuple[float, int, asyncio.Timeout]] = []
        self._slept = asyncio.Event()  # set by every new sleep

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._elapsed + seconds, next(self._order), future))
        self._slept.set()
        await future  # a cancelled sleeper's future is skipped when it comes due

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
        return self._timeout(seconds)

    @asynccontextmanager
    async def _timeout(self, seconds: float) -> AsyncIterator[None]:
        async with asyncio.timeout(0 if seconds <= 0 else None) as timeout:
            entry = (self._elapsed + seconds, next(self._order), timeout)
            self._timeouts.append(entry)
            try:
                yield
            finally:
                self._timeouts.remove(entry)

    def sleeping(self, seconds: float) -> int:
        """How many sleeps end ``seconds`` from now."""
        due = self._elapsed + seconds
        return sum(
            1 for deadline, _, future in self._sleepers if deadline == due and not future.done()
        )

    async def until_sleeping(self, seconds: float, *, count: int = 1, within: float = 10.0) -> None:
        """Wait (in real time, up to ``within``) until ``count`` sleeps end ``seconds`` from
        now: a timer the app starts on its own, which the test is about to run out. (Count
        the ones running before, ``sleeping(seconds)``, when another timer has that length.)"""
        async with asyncio.timeout(within):
            while self.sleeping(seconds) < count:
                self._slept.clear()
                await self._slept.wait()

    def advance(self, seconds: float) -> None:
        """Move time on by ``seconds``; wake the sleeps and expire the timeouts due by then."""
        assert seconds >= 0, "time does not go back"
        self._elapsed += seconds
        while self._sleepers and self._sleepers[0][0] <= self._elapsed:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
        loop_time = asyncio.get_running_loop().time()
        for deadline, _, timeout in self._timeouts:
            if deadline <= self._elapsed and timeout.when() is None:
                timeout.reschedule(loop_time)
