"""Rate limits (SPEC §5) on the ``limits`` library, in memory or in Redis."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tidings.errors import RateLimited
from tidings.metrics import Metrics
from tidings.settings import Settings

__all__ = ["RateLimits", "create_rate_limit_storage"]

log = structlog.get_logger("tidings.ratelimit")


def create_rate_limit_storage(settings: Settings, redis: Redis | None) -> Storage:
    """In memory, or in Redis through the shared client's connections (and its retry rule)."""
    if settings.redis_url is None or redis is None:
        return MemoryStorage()
    return RedisStorage(
        f"async+{settings.redis_url}",
        implementation="redispy",
        key_prefix=f"{settings.redis_namespace}:ratelimit",
        # Documented by limits, though its options are typed narrower.
        connection_pool=redis.connection_pool,  # type: ignore[arg-type]
    )


class RateLimits:
    """Named limits from settings. ``hit`` consumes one unit or raises ``RATE_LIMITED``."""

    def __init__(self, settings: Settings, storage: Storage, metrics: Metrics) -> None:
        self._storage = storage
        self._metrics = metrics
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._items: dict[str, RateLimitItem] = {
            "login": parse(settings.rate_limit_login_failures),
            "register": parse(settings.rate_limit_register),
            "sendMessage": parse(settings.rate_limit_send_message),
            "createConversation": parse(settings.rate_limit_create_conversation),
            "markRead": parse(settings.rate_limit_mark_read),
            "setTyping": parse(settings.rate_limit_set_typing),
            "react": parse(settings.rate_limit_react),
            "conversationState": parse(settings.rate_limit_conversation_state),
            "wsConnect": parse(settings.rate_limit_ws_connect),
            "searchMessages": parse(settings.rate_limit_search_messages),
        }

    async def hit(self, action: str, *keys: str) -> None:
        """Count one ``action`` against every key (e.g. the IP and the account)."""
        item = self._items[action]
        async with self._fail_open(action):
            if len(keys) > 1:
                # Consume nothing from one key when another is exhausted. A single key
                # needs no test: its hit is refused, without counting, when exhausted.
                for key in keys:
                    if not await self._limiter.test(item, action, key):
                        await self._refuse(action, item, key)
            for key in keys:
                if not await self._limiter.hit(item, action, key):
                    await self._refuse(action, item, key)

    async def check(self, action: str, *keys: str) -> None:
        """Raise ``RATE_LIMITED`` if any key is exhausted, without consuming anything."""
        item = self._items[action]
        async with self._fail_open(action):
            for key in keys:
                if not await self._limiter.test(item, action, key):
                    await self._refuse(action, item, key)

    @contextlib.asynccontextmanager
    async def _fail_open(self, action: str) -> AsyncIterator[None]:
        """While Redis is unreachable, let requests through rather than fail them: a chat
        that cannot send during a Redis restart loses more than a few uncounted requests."""
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            self._metrics.rate_limit_unavailable.labels(action).inc()
            log.warning("rate limit storage unreachable; allowing", action=action, error=str(error))

    async def _refuse(self, action: str, item: RateLimitItem, key: str) -> None:
        stats = await self._limiter.get_window_stats(item, action, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        self._metrics.rate_limited.labels(action).inc()
        raise RateLimited(action, retry_after)
