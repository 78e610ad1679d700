"""Login sessions this process recently found live, so a request signs in without a SELECT.

An access token says who and which login session; only the database says whether that
session was revoked since. After one check a session is remembered (session id → user id)
for ``TIDINGS_SESSION_CACHE_SECONDS``, and forgotten sooner when it ends:

- by this process (logout, a reused refresh token): before the mutation returns;
- by another instance: when its ``session_revoked`` event arrives on the ``sessions`` channel;
- everything, when the hub says events may have been missed (``Reconnected``, an overflow).

The age bound is the backstop for an event lost otherwise (see docs/operations.md).
"""

from __future__ import annotations

import asyncio
import collections
import uuid

import structlog

from tidings.clock import Clock
from tidings.realtime.events import SessionRevoked
from tidings.realtime.hub import Delivery, Hub, Overflowed, Reconnected
from tidings.tasks import cancel_and_wait

__all__ = ["LiveSessions"]

log = structlog.get_logger("tidings.live_sessions")

# ~0.3 KiB an entry: 10,000 signed-in devices active within the age bound fit in ~3 MiB.
MAX_SESSIONS = 10_000


class LiveSessions:
    """A bounded (LRU), aged map of live login sessions to their users."""

    def __init__(
        self, *, hub: Hub, channel: str, clock: Clock, seconds: float, size: int = MAX_SESSIONS
    ) -> None:
        self._hub = hub
        self._channel = channel
        self._clock = clock
        self._seconds = seconds
        self._size = size
        # session id → (user id, monotonic time of the check), oldest use first.
        self._live: collections.OrderedDict[uuid.UUID, tuple[uuid.UUID, float]] = (
            collections.OrderedDict()
        )
        # Moves on every forget: a check that began before one must not remember its answer.
        self._forgets = 0
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._live)

    @property
    def enabled(self) -> bool:
        return self._seconds > 0

    def lookup(self, session_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """True if ``session_id`` of ``user_id`` was found live less than the age bound ago."""
        entry = self._live.get(session_id)
        if entry is None:
            return False
        owner, checked = entry
        if owner != user_id or self._clock.monotonic() - checked >= self._seconds:
            del self._live[session_id]
            return False
        self._live.move_to_end(session_id)
        return True

    def checking(self) -> int:
        """Call before reading the database; hand the result to ``remember``."""
        return self._forgets

    def remember(self, session_id: uuid.UUID, user_id: uuid.UUID, *, since: int) -> None:
        """Note that the database found ``session_id`` live, in a read begun at ``since``.

        If anything was forgotten meanwhile, the read may predate that revocation's commit
        (and its event may already have come): the answer is not kept.
        """
        if not self.enabled or since != self._forgets:
            return
        self._live[session_id] = (user_id, self._clock.monotonic())
        self._live.move_to_end(session_id)
        while len(self._live) > self._size:
            self._live.popitem(last=False)

    def forget(self, session_id: uuid.UUID) -> None:
        """The session ended: the next request with its token is checked (and refused)."""
        self._forgets += 1
        self._live.pop(session_id, None)

    def forget_all(self) -> None:
        self._forgets += 1
        self._live.clear()

    async def start(self) -> None:
        """Listen for revocations; returns once listening, so none is missed from then on."""
        listening = asyncio.Event()
        self._task = asyncio.create_task(self._follow(listening), name="tidings-live-sessions")
        ready = asyncio.create_task(listening.wait())
        await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if self._task.done():
            self._task.result()  # it could not listen: fail the start

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)

    async def _follow(self, listening: asyncio.Event) -> None:
        while True:
            try:
                async with self._hub.listen() as listener:
                    await listener.add(self._channel)
                    listening.set()
                    while True:
                        event = await listener.next()
                        if isinstance(event, Reconnected):
                            self.forget_all()  # revocations may have been published meanwhile
                        elif isinstance(event, Delivery) and isinstance(
                            event.payload, SessionRevoked
                        ):
                            self.forget(event.payload.session_id)
            except Overflowed:
                log.warning("fell behind the sessions channel; forgetting every session")
                self.forget_all()
