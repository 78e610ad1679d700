"""The hub's backends: broadcaster's interface, plus what the hub needs of every backend.

``Backend`` adds (un)subscribing several channels at once, telling which channels anyone
listens to, and counting reconnections. ``LocalBackend`` is the in-process one.
``ResilientRedisBackend`` replaces broadcaster's Redis one, which stops at the first lost
connection (encode/broadcaster #144): it reconnects with backoff, re-subscribes every channel,
and reports that it did on the ``RECONNECTED`` pseudo-channel, since whatever was published
meanwhile is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from broadcaster import BroadcastBackend, Event
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tidings.tasks import cancel_and_wait

__all__ = [
    "RECONNECTED",
    "REDIS_ERRORS",
    "Backend",
    "LocalBackend",
    "ResilientRedisBackend",
    "create_backend",
]

log = structlog.get_logger("tidings.realtime.pubsub")

# A pseudo-channel on which a backend reports that it has reconnected.
RECONNECTED = "\x00reconnected"
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class Backend(BroadcastBackend):
    """broadcaster's backend interface, as the hub uses it."""

    reconnects = 0

    async def subscribe(self, channel: str, *more: str) -> None:
        raise NotImplementedError

    async def unsubscribe(self, channel: str, *more: str) -> None:
        raise NotImplementedError

    async def listened(self, channels: list[str]) -> set[str]:
        """The channels some listener (of any instance) subscribes to."""
        raise NotImplementedError


class LocalBackend(Backend):
    """In-process pub/sub: this process holds every listener there is. (broadcaster's memory
    backend, owned here: broadcaster exports it from a private module only.)"""

    def __init__(self) -> None:
        self._listened: set[str] = set()
        self._published: asyncio.Queue[Event] = asyncio.Queue()

    async def connect(self) -> None:
        pass

    async def disconnect(self) -> None:
        pass

    async def subscribe(self, channel: str, *more: str) -> None:
        self._listened.update((channel, *more))

    async def unsubscribe(self, channel: str, *more: str) -> None:
        self._listened.difference_update((channel, *more))

    async def publish(self, channel: str, message: Any) -> None:
        self._published.put_nowait(Event(channel=channel, message=message))

    async def listened(self, channels: list[str]) -> set[str]:
        return self._listened.intersection(channels)

    async def next_published(self) -> Event:
        while True:
            event = await self._published.get()
            if event.channel in self._listened:
                return event


class ResilientRedisBackend(Backend):
    """broadcaster's Redis pub/sub backend, made to survive a Redis restart."""

    def __init__(self, redis: Redis, *, keepalive_channel: str) -> None:
        # Its own client, without redis-py's retries: a pub/sub connection that redis-py
        # re-established by itself would hide what was published meanwhile from the feeds.
        self._redis = redis
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
        except REDIS_ERRORS as error:
            # Start anyway (readiness reports Redis down) and keep trying in the background.
            log.warning("redis unreachable at start", error=str(error))
            connected = False
        self._listener = asyncio.create_task(
            self._listen(connected=connected), name="tidings-redis-pubsub"
        )

    async def disconnect(self) -> None:
        if self._listener is not None:
            await cancel_and_wait(self._listener)
        with contextlib.suppress(*REDIS_ERRORS):
            await self._pubsub.aclose()

    async def subscribe(self, channel: str, *more: str) -> None:
        """SUBSCRIBE to every channel given, in one command."""
        self._channels.update((channel, *more))
        # While disconnected the listener re-subscribes everything once it is back.
        with contextlib.suppress(*REDIS_ERRORS):
            await self._pubsub.subscribe(channel, *more)

    async def unsubscribe(self, channel: str, *more: str) -> None:
        self._channels.difference_update((channel, *more))
        with contextlib.suppress(*REDIS_ERRORS):
            await self._pubsub.unsubscribe(channel, *more)

    async def publish(self, channel: str, message: Any) -> None:
        await self._redis.publish(channel, message)

    async def listened(self, channels: list[str]) -> set[str]:
        """PUBSUB NUMSUB; all of ``channels`` while Redis is unreachable (an event published to
        nobody is cheaper than one withheld from a listener)."""
        try:
            counts = await self._redis.pubsub_numsub(*channels)
        except REDIS_ERRORS:
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
            except REDIS_ERRORS as error:
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
            with contextlib.suppress(*REDIS_ERRORS):
                await self._pubsub.aclose()
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await self._pubsub.subscribe(*self._channels)
            except REDIS_ERRORS:
                delay = min(delay * 2, 1.0)
                continue
            self.reconnects += 1
            log.info("redis pub/sub reconnected", channels=len(self._channels))
            self._queue.put_nowait(Event(RECONNECTED, ""))
            return


def create_backend(redis: Redis | None, *, namespace: str) -> Backend:
    """In-process, or over ``redis``: a client of its own (see ``ResilientRedisBackend``)."""
    if redis is None:
        return LocalBackend()
    return ResilientRedisBackend(redis, keepalive_channel=f"{namespace}:v1:keepalive")
