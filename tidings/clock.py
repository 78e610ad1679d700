"""The time the server goes by (wall time, a monotonic clock, sleeps and timeouts) as one object.

``Services`` holds one. Whatever waits or expires by time (typing indicators, presence grace
and sweeps, the socket's init deadline, access and refresh tokens) asks it, so tests hand in
a clock they move by hand (``tests/support/clock.py``) instead of waiting.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    """Now, and waiting until later."""

    def now(self) -> datetime:
        """Wall time, as an aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, never going back: for deadlines and intervals."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return once ``seconds`` have passed on this clock."""
        ...

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
        """Like ``asyncio.timeout``: the block raises ``TimeoutError`` once ``seconds`` have
        passed on this clock."""
        ...


class SystemClock:
    """The real clock: the system's time and ``asyncio.sleep``."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
        return asyncio.timeout(seconds)
