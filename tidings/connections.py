"""Where live connections are recorded: in Redis across instances, or in memory.

Each connection has a record with an expiry its instance keeps pushing forward (every
``refresh`` seconds, expiring ``ttl`` after the last push), so records of a crashed instance
lapse by themselves. From the live records come the per-user socket count (the cap) and the
user's presence (BUSY if any connection is BUSY, else ONLINE if any is, else AWAY; OFFLINE
without one). ``settle`` compares that with the last announced presence and claims the change
atomically: however many instances settle a user at once, each change is announced once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

__all__ = ["Connection", "ConnectionStore", "MemoryConnections", "RedisConnections", "aggregate"]

_RANK = {"BUSY": 3, "ONLINE": 2, "AWAY": 1}


def aggregate(statuses: Iterable[str]) -> str:
    """The user's status from their connections' statuses."""
    return max(statuses, key=lambda status: _RANK.get(status, 0), default="OFFLINE")


@dataclass(frozen=True, slots=True)
class Connection:
    id: str
    user_id: uuid.UUID


class ConnectionStore(Protocol):
    async def admit(self, connection: Connection, *, limit: int) -> bool:
        """Record an ONLINE connection unless its user already has ``limit`` live ones."""

    async def release(self, connection: Connection) -> None: ...

    async def set_status(self, connection: Connection, status: str) -> None: ...

    async def refresh(self, connections: Sequence[Connection]) -> None:
        """Push the expiry of these (this instance's) connections forward."""

    async def settle(self, user_id: uuid.UUID) -> str | None:
        """Announce-once: the user's new presence if it differs from the last announced."""

    async def announced(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The last announced presence of each user, in one round trip."""

    async def lapsed(self) -> list[uuid.UUID]:
        """Users with an expired connection record (its instance died), to be settled."""


class MemoryConnections:
    """One process: records live exactly as long as their sockets."""

    def __init__(self) -> None:
        self._statuses: dict[uuid.UUID, dict[str, str]] = {}
        self._announced: dict[uuid.UUID, str] = {}

    async def admit(self, connection: Connection, *, limit: int) -> bool:
        held = self._statuses.setdefault(connection.user_id, {})
        if len(held) >= limit:
            return False
        held[connection.id] = "ONLINE"
        return True

    async def release(self, connection: Connection) -> None:
        self._statuses.get(connection.user_id, {}).pop(connection.id, None)

    async def set_status(self, connection: Connection, status: str) -> None:
        held = self._statuses.get(connection.user_id, {})
        if connection.id in held:
            held[connection.id] = status

    async def refresh(self, connections: Sequence[Connection]) -> None:
        return None

    async def settle(self, user_id: uuid.UUID) -> str | None:
        status = aggregate(self._statuses.get(user_id, {}).values())
        if self._announced.get(user_id, "OFFLINE") == status:
            return None
        self._announced[user_id] = status
        return status

    async def announced(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {uid: self._announced.get(uid, "OFFLINE") for uid in user_ids}

    async def lapsed(self) -> list[uuid.UUID]:
        return []


# KEYS: records (zset id -> expiry), statuses (hash id -> status), online (zset user -> when
# the first of the user's records lapses: the sweep settles users whose time has come, so a
# record whose instance died is noticed even while the user has other, live ones)
# ARGV: now, expiry, limit, id, ttl, user
_ADMIT = """
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #lapsed > 0 then
  redis.call('ZREM', KEYS[1], unpack(lapsed))
  redis.call('HDEL', KEYS[2], unpack(lapsed))
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[4], 'ONLINE')
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('ZADD', KEYS[3], redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2], ARGV[6])
return 1
"""

# KEYS: records, statuses, online. ARGV: expiry, ttl, id, user
_REFRESH = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2], ARGV[4])
"""

# KEYS: records, statuses, announced (string), online. ARGV: now, user
_SETTLE = """
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #lapsed > 0 then
  redis.call('ZREM', KEYS[1], unpack(lapsed))
  redis.call('HDEL', KEYS[2], unpack(lapsed))
end
local live = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local rank = {BUSY = 3, ONLINE = 2, AWAY = 1}
local status, best = 'OFFLINE', 0
for i = 1, #live, 2 do
  local s = redis.call('HGET', KEYS[2], live[i])
  if s and rank[s] and rank[s] > best then status, best = s, rank[s] end
end
if #live == 0 then
  redis.call('ZREM', KEYS[4], ARGV[2])
else
  redis.call('ZADD', KEYS[4], live[2], ARGV[2])
end
local previous = redis.call('GET', KEYS[3]) or 'OFFLINE'
if previous == status then return false end
redis.call('SET', KEYS[3], status)
return status
"""


class RedisConnections:
    """Across instances, in Redis (keys under ``<namespace>:v1:``)."""

    def __init__(self, redis: Redis, *, namespace: str, ttl: float) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:v1"
        self._ttl = ttl
        self._admit = redis.register_script(_ADMIT)
        self._refresh = redis.register_script(_REFRESH)
        self._settle = redis.register_script(_SETTLE)

    def _records(self, user_id: uuid.UUID) -> str:
        return f"{self._prefix}:connections:{user_id}"

    def _statuses(self, user_id: uuid.UUID) -> str:
        return f"{self._prefix}:connection-status:{user_id}"

    def _announced(self, user_id: uuid.UUID) -> str:
        return f"{self._prefix}:presence:{user_id}"

    @property
    def _online(self) -> str:
        return f"{self._prefix}:online"

    async def admit(self, connection: Connection, *, limit: int) -> bool:
        now = time.time()
        user = connection.user_id
        admitted = await self._admit(
            keys=[self._records(user), self._statuses(user), self._online],
            args=[now, now + self._ttl, limit, connection.id, int(self._ttl) + 1, str(user)],
        )
        return bool(admitted)

    async def release(self, connection: Connection) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._records(connection.user_id), connection.id)
            pipe.hdel(self._statuses(connection.user_id), connection.id)
            await pipe.execute()

    async def set_status(self, connection: Connection, status: str) -> None:
        await self._redis.hset(self._statuses(connection.user_id), connection.id, status)

    async def refresh(self, connections: Sequence[Connection]) -> None:
        expiry = time.time() + self._ttl
        keep = int(self._ttl) + 1
        async with self._redis.pipeline(transaction=False) as pipe:
            for connection in connections:
                user = connection.user_id
                await self._refresh(
                    keys=[self._records(user), self._statuses(user), self._online],
                    args=[expiry, keep, connection.id, str(user)],
                    client=pipe,
                )
            await pipe.execute()

    async def settle(self, user_id: uuid.UUID) -> str | None:
        status = await self._settle(
            keys=[
                self._records(user_id),
                self._statuses(user_id),
                self._announced(user_id),
                self._online,
            ],
            args=[time.time(), str(user_id)],
        )
        return status.decode() if isinstance(status, bytes) else None

    async def announced(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not user_ids:
            return {}
        values = await self._redis.mget([self._announced(uid) for uid in user_ids])
        return {
            uid: _text(value) if value else "OFFLINE"
            for uid, value in zip(user_ids, values, strict=True)
        }

    async def lapsed(self) -> list[uuid.UUID]:
        users = await self._redis.zrangebyscore(self._online, "-inf", time.time())
        return [uuid.UUID(_text(user)) for user in users]


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
