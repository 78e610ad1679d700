"""Fan-out of events to subscribers, in process (memory) or across instances (Redis pub/sub).

Built on broadcaster's backends, with two things its ``Broadcast`` lacks (encode/broadcaster
#144): the Redis backend here reconnects and re-subscribes after Redis restarts or drops the
connection, and tells every listener so (``Reconnected``), because pub/sub loses what was
published meanwhile and listeners must backfill from the database. Listener buffers are
bounded: a listener that falls behind is told it overflowed instead of growing memory.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import structlog
from broadcaster._backends.base import BroadcastBackend
from broadcaster._backends.memory import MemoryBackend
from broadcaster._base import Event
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tidings.metrics import Metrics

__all__ = [
    "PAYLOAD_VERSION",
    "Delivery",
    "Hub",
    "Listener",
    "Overflowed",
    "Reconnected",
    "ResilientRedisBackend",
    "create_backend",
]

log = structlog.get_logger("tidings.broadcast")

PAYLOAD_VERSION = 1
# A pseudo-channel on which a backend reports that it has reconnected.
_RECONNECTED = "\x00reconnected"
_REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event, handed to every listener of its channel (the same object to each)."""

    channel: str
    payload: dict[str, Any]
    # What listeners make of the payload, made once for all of them (see ``derive``).
    derived: dict[str, Any] = field(default_factory=dict, compare=False)

    def derive(self, name: str, make: Callable[[], T]) -> T:
        """``make()``, called by the first listener to ask; the others get the same object."""
        if name not in self.derived:
            self.derived[name] = make()
        return cast("T", self.derived[name])


@dataclass(frozen=True, slots=True)
class Reconnected:
    """The pub/sub connection was lost and restored: events may have been missed."""


class Overflowed(Exception):
    """The listener fell more than its buffer behind; its subscriber must be dropped."""


class ResilientRedisBackend(BroadcastBackend):
    """broadcaster's Redis pub/sub backend, made to survive a Redis restart."""

    def __init__(self, url: str, *, keepalive_channel: str) -> None:
        self._redis = Redis.from_url(url, health_check_interval=10, socket_keepalive=True)
        self._keepalive_channel = keepalive_channel
        self._channels: set[str] = {keepalive_channel}
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._listener: asyncio.Task[None] | None = None
        self.reconnects = 0

    async def connect(self) -> None:
        # Always subscribed to one channel, so the pub/sub connection is never idle-unused.
        try:
            await self._pubsub.subscribe(self._keepalive_channel)
            connected = True
        except _REDIS_ERRORS as error:
            # Start anyway (readiness reports Redis down) and keep trying in the background.
            log.warning("redis unreachable at start", error=str(error))
            connected = False
        self._listener = asyncio.create_task(
            self._listen(connected=connected), name="tidings-redis-pubsub"
        )

    async def disconnect(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        with contextlib.suppress(*_REDIS_ERRORS):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
        await self._redis.aclose()

    async def subscribe(self, channel: str, *more: str) -> None:
        """SUBSCRIBE to every channel given, in one command."""
        self._channels.update((channel, *more))
        # While disconnected the listener re-subscribes everything once it is back.
        with contextlib.suppress(*_REDIS_ERRORS):
            await self._pubsub.subscribe(channel, *more)

    async def unsubscribe(self, channel: str, *more: str) -> None:
        self._channels.difference_update((channel, *more))
        with contextlib.suppress(*_REDIS_ERRORS):
            await self._pubsub.unsubscribe(channel, *more)

    async def publish(self, channel: str, message: Any) -> None:
        await self._redis.publish(channel, message)

    async def listened(self, channels: list[str]) -> set[str]:
        """The channels some instance subscribes to (all of them while Redis is unreachable:
        an event published to nobody is cheaper than one withheld from a listener)."""
        try:
            counts = await self._redis.pubsub_numsub(*channels)
        except _REDIS_ERRORS:
            return set(channels)
        return {
            name.decode() if isinstance(name, bytes) else name for name, count in counts if count
        }

    async def next_published(self) -> Event:
        return await self._queue.get()

    async def _listen(self, *, connected: bool) -> None:
        if not connected:
            await self._reconnect()
        while True:
            try:
                message = await self._pubsub.get_message(timeout=None)
            except _REDIS_ERRORS as error:
                log.warning("redis pub/sub connection lost", error=str(error))
                await self._reconnect()
                continue
            if message is not None and message["type"] == "message":
                channel = message["channel"].decode()
                if channel != self._keepalive_channel:
                    self._queue.put_nowait(Event(channel, message["data"].decode()))

    async def _reconnect(self) -> None:
        delay = 0.05
        while True:
            await asyncio.sleep(delay)
            with contextlib.suppress(*_REDIS_ERRORS):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await self._pubsub.subscribe(*self._channels)
            except _REDIS_ERRORS:
                delay = min(delay * 2, 1.0)
                continue
            self.reconnects += 1
            log.info("redis pub/sub reconnected", channels=len(self._channels))
            self._queue.put_nowait(Event(_RECONNECTED, ""))
            return


def create_backend(redis_url: str | None, *, namespace: str) -> BroadcastBackend:
    if redis_url is None:
        return MemoryBackend("memory://")
    return ResilientRedisBackend(redis_url, keepalive_channel=f"{namespace}:v1:keepalive")


class Listener:
    """One subscriber's view of the hub: a set of channels and a bounded buffer."""

    def __init__(self, hub: Hub, buffer: int) -> None:
        self._hub = hub
        # A deque and one waiter rather than an asyncio.Queue: ~2 KiB less per subscription,
        # which counts at 10,000 sockets of three subscriptions each.
        self._buffer = buffer
        self._items: collections.deque[Delivery | Reconnected] = collections.deque()
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
        if self.overflowed:
            raise Overflowed
        return self._items.popleft()


class Hub:
    """Publishes versioned JSON events and routes them to listeners by channel."""

    def __init__(self, backend: BroadcastBackend, *, metrics: Metrics, buffer: int = 1000) -> None:
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
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._backend.disconnect()

    @property
    def reconnects(self) -> int:
        return getattr(self._backend, "reconnects", 0)

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        """Publish ``event``; while Redis is unreachable keep retrying in the background.

        Listeners deduplicate and backfill from the database, so a late or lost event costs
        latency, never correctness; the caller's committed work is not failed for it.
        """
        data = json.dumps(
            {"v": PAYLOAD_VERSION, "ts": time.time(), **event},
            separators=(",", ":"),
            default=str,
        )
        try:
            await self._backend.publish(channel, data)
        except _REDIS_ERRORS:
            task = asyncio.create_task(self._republish(channel, data))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)

    async def _republish(self, channel: str, data: str) -> None:
        delay = 0.1
        for _ in range(60):
            await asyncio.sleep(delay)
            try:
                await self._backend.publish(channel, data)
            except _REDIS_ERRORS:
                delay = min(delay * 2, 1.0)
            else:
                return
        log.error("dropped an event after retrying", channel=channel)

    async def listened(self, channels: list[str]) -> set[str]:
        """Which of ``channels`` anyone listens to, on any instance."""
        if not channels:
            return set()
        if isinstance(self._backend, ResilientRedisBackend):
            return await self._backend.listened(channels)
        return {channel for channel in channels if self._listeners.get(channel)}

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
        if not first:
            return
        if isinstance(self._backend, ResilientRedisBackend):
            await self._backend.subscribe(*first)  # one round trip for them all
        else:
            for channel in first:
                await self._backend.subscribe(channel)

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
        if not last:
            return
        if isinstance(self._backend, ResilientRedisBackend):
            await self._backend.unsubscribe(*last)
        else:
            for channel in last:
                await self._backend.unsubscribe(channel)

    async def _pump(self) -> None:
        while True:
            event = await self._backend.next_published()
            if event.channel == _RECONNECTED:
                self.metrics.pubsub_reconnects.inc()
                everyone = {listener for group in self._listeners.values() for listener in group}
                for listener in everyone:
                    listener.offer(Reconnected())
                continue
            listeners = self._listeners.get(event.channel)
            if not listeners:
                continue
            try:
                payload = json.loads(event.message)
            except ValueError:
                log.error("undecodable event", channel=event.channel)
                continue
            if payload.get("v") != PAYLOAD_VERSION:
                continue  # another version's instance during a rolling upgrade
            if isinstance(payload.get("ts"), float):
                self.metrics.pubsub_lag.observe(max(0.0, time.time() - payload["ts"]))
            delivery = Delivery(event.channel, payload)
            for listener in list(listeners):
                listener.offer(delivery)
