"""Where live connections are recorded: in Redis across instances, or in memory.

Each connection has a record with an expiry its instance keeps pushing forward (every
``refresh`` seconds, expiring ``ttl`` after the last push), so records of a crashed instance
lapse by themselves. From the live records come the per-user socket count (the cap) and the
user's presence (BUSY if any connection is BUSY, else ONLINE if any is, else AWAY; OFFLINE
without one). ``settle`` compares that with the last announced presence and claims the change
atomically: however many instances settle a user at once, each change is announced once.

Redis may lose everything (a restart without persistence). Each refresh therefore writes the
whole record again (expiry and status) and reports the users whose records or presence were
gone, for their instance to settle again; a presence Redis no longer knows reads as unknown
(``None``) rather than as an announced OFFLINE. A released connection leaves a due time, so that any
instance settles its user after the grace even if the releasing one shuts down first.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
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

    # Whether other instances see these records (and so settle what this one leaves behind).
    shared: bool

    async def release(self, connection: Connection, *, settle_after: float) -> None:
        """Drop the record; its user is due to be settled ``settle_after`` seconds from now."""

    async def set_status(self, connection: Connection, status: str) -> None: ...

    async def refresh(self, connections: Mapping[Connection, str]) -> list[uuid.UUID]:
        """Push the expiry of these (this instance's) connections, with their statuses,
        forward; the users whose records or presence were gone (Redis lost them), to settle
        again."""

    async def settle(self, user_id: uuid.UUID) -> str | None:
        """Announce-once: the user's new presence if it differs from the last announced."""

    async def announced(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
        """The last announced presence of each user, in one round trip; None where nothing
        is known (never announced, or lost with Redis's data)."""

    async def lapsed(self) -> list[uuid.UUID]:
        """Users to settle now: an expired connection record (its instance died), or a
        released one whose grace is over."""


class MemoryConnections:
    """One process: records live exactly as long as their sockets."""

    shared = False

    def __init__(self) -> None:
        self._statuses: dict[uuid.UUID, dict[str, str]] = {}
        self._announced: dict[uuid.UUID, str] = {}

    async def admit(self, connection: Connection, *, limit: int) -> bool:
        held = self._statuses.setdefault(connection.user_id, {})
        if len(held) >= limit:
            return False
        held[connection.id] = "ONLINE"
        return True

    async def release(self, connection: Connection, *, settle_after: float) -> None:
        self._statuses.get(connection.user_id, {}).pop(connection.id, None)

    async def set_status(self, connection: Connection, status: str) -> None:
        held = self._statuses.get(connection.user_id, {})
        if connection.id in held:
            held[connection.id] = status

    async def refresh(self, connections: Mapping[Connection, str]) -> list[uuid.UUID]:
        return []

    async def settle(self, user_id: uuid.UUID) -> str | None:
        status = aggregate(self._statuses.get(user_id, {}).values())
        if self._announced.get(user_id, "OFFLINE") == status:
            return None
        self._announced[user_id] = status
        return status

    async def announced(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
        # Nothing is ever lost here: never announced is OFFLINE.
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

# KEYS: records, statuses, online, announced. ARGV: expiry, ttl, id, user, status. The whole
# record again: after Redis lost its data, this brings it back (HSETNX: never over a newer
# status). Returns 1 when the record was gone or the user's presence is unknown (to settle).
_REFRESH = """
local added = redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2], ARGV[4])
if added == 1 or redis.call('EXISTS', KEYS[4]) == 0 then return 1 end
return 0
"""

# KEYS: records, statuses, announced (string), online, due (zset user -> when a released
# connection's grace ends), claim (string). ARGV: now, user, claim.
# An announced presence Redis lost reads as unknown, so any status found is announced. The
# claim makes the script safe to retry: run again after its reply was lost (the client
# retries on a dead connection), it returns the change it made instead of "no change".
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
local due = redis.call('ZSCORE', KEYS[5], ARGV[2])
if due and tonumber(due) <= tonumber(ARGV[1]) then redis.call('ZREM', KEYS[5], ARGV[2]) end
if redis.call('GET', KEYS[3]) == status then
  if redis.call('GET', KEYS[6]) == ARGV[3] then return status end
  return false
end
redis.call('SET', KEYS[3], status)
redis.call('SET', KEYS[6], ARGV[3], 'EX', 60)
return status
"""


class RedisConnections:
    """Across instances, in Redis (keys under ``<namespace>:v1:``)."""

    shared = True

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

    def _claim(self, user_id: uuid.UUID) -> str:
        return f"{self._prefix}:presence-claim:{user_id}"

    @property
    def _online(self) -> str:
        return f"{self._prefix}:online"

    @property
    def _due(self) -> str:
        return f"{self._prefix}:settle-due"

    async def admit(self, connection: Connection, *, limit: int) -> bool:
        now = time.time()
        user = connection.user_id
        admitted = await self._admit(
            keys=[self._records(user), self._statuses(user), self._online],
            args=[now, now + self._ttl, limit, connection.id, int(self._ttl) + 1, str(user)],
        )
        return bool(admitted)

    async def release(self, connection: Connection, *, settle_after: float) -> None:
        user = connection.user_id
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._records(user), connection.id)
            pipe.hdel(self._statuses(user), connection.id)
            pipe.zadd(self._due, {str(user): time.time() + settle_after}, gt=True)
            await pipe.execute()

    async def set_status(self, connection: Connection, status: str) -> None:
        await self._redis.hset(self._statuses(connection.user_id), connection.id, status)

    async def refresh(self, connections: Mapping[Connection, str]) -> list[uuid.UUID]:
        if not connections:
            return []
        expiry = time.time() + self._ttl
        keep = int(self._ttl) + 1
        async with self._redis.pipeline(transaction=False) as pipe:
            for connection, status in connections.items():
                user = connection.user_id
                await self._refresh(
                    keys=[
                        self._records(user),
                        self._statuses(user),
                        self._online,
                        self._announced(user),
                    ],
                    args=[expiry, keep, connection.id, str(user), status],
                    client=pipe,
                )
            added = await pipe.execute()
        lost = {c.user_id for c, gone in zip(connections, added, strict=True) if gone}
        return list(lost)

    async def settle(self, user_id: uuid.UUID) -> str | None:
        status = await self._settle(
            keys=[
                self._records(user_id),
                self._statuses(user_id),
                self._announced(user_id),
                self._online,
                self._due,
                self._claim(user_id),
            ],
            args=[time.time(), str(user_id), uuid.uuid4().hex],
        )
        return status.decode() if isinstance(status, bytes) else None

    async def announced(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str | None]:
        if not user_ids:
            return {}
        values = await self._redis.mget([self._announced(uid) for uid in user_ids])
        return {
            uid: _text(value) if value else None
            for uid, value in zip(user_ids, values, strict=True)
        }

    async def lapsed(self) -> list[uuid.UUID]:
        now = time.time()
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrangebyscore(self._online, "-inf", now)
            pipe.zrangebyscore(self._due, "-inf", now)
            lapsed, due = await pipe.execute()
        return [uuid.UUID(_text(user)) for user in dict.fromkeys([*lapsed, *due])]


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
