"""Fan-out of events to subscribers, in process (memory) or across instances (Redis pub/sub).

Built on broadcaster's backends (``tidings.realtime.pubsub``), with two things its
``Broadcast`` lacks (encode/broadcaster #144): after the Redis connection was lost and
restored, every listener is told so (``Reconnected``), because pub/sub loses what was
published meanwhile and listeners must backfill from the database; and listener buffers are
bounded: a listener that falls behind is told it overflowed instead of growing memory.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import structlog

from tidings.metrics import Metrics
from tidings.realtime.events import Event, Unreadable, decode, encode
from tidings.realtime.pubsub import RECONNECTED, REDIS_ERRORS, Backend
from tidings.tasks import cancel_and_wait

__all__ = [
    "Delivery",
    "Hub",
    "Listener",
    "Memo",
    "Overflowed",
    "Reconnected",
]

log = structlog.get_logger("tidings.realtime.hub")

T = TypeVar("T")


class Memo:
    """Values made once, by the first to ask, and then the same object for everyone else."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def once(self, name: str, make: Callable[[], T]) -> T:
        if name not in self._values:
            self._values[name] = make()
        return cast("T", self._values[name])


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event, handed to every listener of its channel (the same object to each)."""

    channel: str
    payload: Event
    # What listeners make of the payload, made once for all of them.
    derived: Memo = field(default_factory=Memo, compare=False)


@dataclass(frozen=True, slots=True)
class Reconnected:
    """Events may have been missed: the pub/sub connection was lost and restored, or an event
    of the listener's channels could not be read (another release's version of it)."""


class Overflowed(Exception):
    """The listener fell more than its buffer behind; its subscriber must be dropped."""


class Listener:
    """One subscriber's view of the hub: a set of channels and a bounded buffer."""

    __slots__ = ("_buffer", "_hub", "_items", "_waiter", "channels", "overflowed")

    def __init__(self, hub: Hub, buffer: int) -> None:
        self._hub = hub
        # A deque and one waiter rather than an asyncio.Queue: ~2 KiB less per subscription,
        # which counts at 10,000 sockets of three subscriptions each. The deque (~0.6 KiB
        # empty) is made by the first event: most listeners of an idle socket never get one.
        self._buffer = buffer
        self._items: collections.deque[Delivery | Reconnected] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.channels: set[str] = set()
        self.overflowed = False

    async def add(self, *channels: str) -> None:
        new = [channel for channel in dict.fromkeys(channels) if channel not in self.channels]
        if new:
            self.channels.update(new)
            await self._hub._attach(self, new)

    async def remove(self, *channels: str) -> None:
        gone = [channel for channel in dict.fromkeys(channels) if channel in self.channels]
        if gone:
            self.channels.difference_update(gone)
            await self._hub._detach(self, gone)

    def offer(self, item: Delivery | Reconnected) -> None:
        if self._items is None:
            self._items = collections.deque()
        if len(self._items) >= self._buffer:
            self.overflowed = True  # the consumer notices on its next read
        else:
            self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next(self) -> Delivery | Reconnected:
        while not self._items and not self.overflowed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.overflowed or not self._items:
            raise Overflowed
        return self._items.popleft()


class Hub:
    """Publishes typed events (as versioned JSON) and routes them to listeners by channel."""

    def __init__(self, backend: Backend, *, metrics: Metrics, buffer: int = 1000) -> None:
        self._backend = backend
        self.metrics = metrics
        self._buffer = buffer
        self._listeners: dict[str, set[Listener]] = {}
        self._pump_task: asyncio.Task[None] | None = None
        self._retries: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self._backend.connect()
        self._pump_task = asyncio.create_task(self._pump(), name="tidings-hub-pump")

    async def stop(self) -> None:
        for task in [self._pump_task, *self._retries]:
            if task is not None:
                await cancel_and_wait(task)
        await self._backend.disconnect()

    @property
    def reconnects(self) -> int:
        return self._backend.reconnects

    async def publish(self, channel: str, event: Event) -> None:
        """Publish ``event``; while Redis is unreachable keep retrying in the background.

        Listeners deduplicate and backfill from the database, so a late or lost event costs
        latency, never correctness; the caller's committed work is not failed for it.
        """
        data = encode(event)
        try:
            await self._backend.publish(channel, data)
        except REDIS_ERRORS:
            task = asyncio.create_task(self._republish(channel, data))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)

    async def _republish(self, channel: str, data: str) -> None:
        delay = 0.1
        for _ in range(60):
            await asyncio.sleep(delay)
            try:
                await self._backend.publish(channel, data)
            except REDIS_ERRORS:
                delay = min(delay * 2, 1.0)
            else:
                return
        log.error("dropped an event after retrying", channel=channel)

    async def listened(self, channels: list[str]) -> set[str]:
        """Which of ``channels`` anyone listens to, on any instance."""
        return await self._backend.listened(channels) if channels else set()

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[Listener]:
        listener = Listener(self, self._buffer)
        try:
            yield listener
        finally:
            await listener.remove(*listener.channels)

    async def _attach(self, listener: Listener, channels: list[str]) -> None:
        first = []
        for channel in channels:
            listeners = self._listeners.setdefault(channel, set())
            listeners.add(listener)
            if len(listeners) == 1:
                first.append(channel)
        if first:
            await self._backend.subscribe(*first)  # one round trip for them all

    async def _detach(self, listener: Listener, channels: list[str]) -> None:
        last = []
        for channel in channels:
            listeners = self._listeners.get(channel)
            if listeners is None:
                continue
            listeners.discard(listener)
            if not listeners:
                del self._listeners[channel]
                last.append(channel)
        if last:
            await self._backend.unsubscribe(*last)

    async def _pump(self) -> None:
        while True:
            event = await self._backend.next_published()
            if event.channel == RECONNECTED:
                self.metrics.pubsub_reconnects.inc()
                everyone = {listener for group in self._listeners.values() for listener in group}
                for listener in everyone:
                    listener.offer(Reconnected())
                continue
            listeners = self._listeners.get(event.channel)
            if not listeners:
                continue
            payload, published = decode(event.message)
            if published is not None:
                self.metrics.pubsub_lag.observe(max(0.0, time.time() - published))
            if isinstance(payload, Unreadable):
                self._unreadable(event.channel, payload, listeners)
                continue
            delivery = Delivery(event.channel, payload)
            for listener in list(listeners):
                listener.offer(delivery)

    def _unreadable(self, channel: str, event: Unreadable, listeners: set[Listener]) -> None:
        """Another release's event (a rolling deploy) or garbage: a durable one's listeners
        repair what they may have missed from the database; anything else is skipped."""
        self.metrics.unreadable_events.labels(str(event.type), str(event.version)).inc()
        if event.type is None:
            log.error("undecodable event", channel=channel)
        if event.durable:
            for listener in list(listeners):
                listener.offer(Reconnected())
