"""The data set, written with PostgreSQL COPY: users with login sessions and minted access
tokens, direct conversations, one large group, one group of 200 for the paced scenario (g),
and a reader whose inbox holds the stored messages (most of them, up to 1 M, in one long
history).

Access tokens are signed here with the run's secret and the claims ``tidings.tokens`` reads
(sub, sid, iat, exp, typ="access"): logging 10,000 users in through Argon2 would only measure
Argon2.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import asyncpg  # type: ignore[import-untyped]
import jwt
from argon2 import PasswordHasher
from uuid_utils.compat import uuid7

from bench.sizes import Sizes

__all__ = ["Dataset", "seed"]

PASSWORD = "bench password"  # every seeded user's, hashed with cheap Argon2 as the server is set
_CHUNK = 50_000
_WORDS = [
    "hello", "there", "meeting", "lunch", "tomorrow", "sounds", "good", "see", "you", "later",
    "thanks", "a", "lot", "the", "report", "is", "ready", "can", "check", "my", "message",
    "when", "have", "minute", "I", "will", "call", "after", "standup", "deploy", "went", "ok",
]  # fmt: skip


@dataclass
class Dataset:
    users: list[uuid.UUID]
    tokens: list[str]
    # (conversation, user index, user index) of the direct conversations among the first users.
    direct: list[tuple[uuid.UUID, int, int]]
    group: uuid.UUID
    reader: int
    history: uuid.UUID
    # The group of scenario (g), and its members (user indices; the first one sends).
    paced_group: uuid.UUID
    paced_members: list[int]
    inbox: list[uuid.UUID] = field(default_factory=list)
    messages: int = 0

    def user_id(self, index: int) -> str:
        return str(self.users[index])


def _mint(secret: str, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime) -> str:
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=12)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


class _Writer:
    """Buffers rows per table and COPYs them in chunks."""

    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "users": (
            "id", "username", "email", "display_name", "avatar_url", "password_hash",
            "share_read_receipts", "share_presence", "last_seen_at", "created_at", "updated_at",
        ),
        "sessions": ("id", "user_id", "created_at", "revoked_at"),
        "conversations": (
            "id", "kind", "title", "direct_key", "created_by_id", "created_at", "last_seq",
            "last_message_at", "activity_at",
        ),
        "participants": (
            "conversation_id", "user_id", "role", "joined_at", "last_read_seq", "last_read_at",
            "last_delivered_seq",
        ),
        "messages": (
            "id", "conversation_id", "seq", "sender_id", "content", "content_type",
            "client_message_id", "reply_to_id", "created_at", "edited_at", "deleted_at",
        ),
    }  # fmt: skip

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.columns}

    async def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)
        if len(self.rows[table]) >= _CHUNK:
            await self.flush(table)

    async def flush(self, table: str) -> None:
        if self.rows[table]:
            await self.connection.copy_records_to_table(
                table, records=self.rows[table], columns=list(self.columns[table])
            )
            self.rows[table] = []

    async def flush_all(self) -> None:
        for table in self.columns:  # parents before children
            await self.flush(table)


def _direct_pairs(users: int) -> Iterator[tuple[int, int]]:
    """A ring with offsets 1 and 2: everyone has four direct conversations."""
    for offset in (1, 2):
        for i in range(users):
            yield i, (i + offset) % users


async def seed(dsn: str, sizes: Sizes, secret: str, *, progress: Any = None) -> Dataset:
    """Write the data set for ``sizes`` into the (migrated, empty) database at ``dsn``."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    start = now - timedelta(days=30)
    password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    connection = await asyncpg.connect(dsn)
    try:
        # Every row is consistent by construction; skipping foreign-key triggers makes COPY fast.
        await connection.execute("SET session_replication_role = replica")
        writer = _Writer(connection)
        users = [uuid7() for _ in range(sizes.users)]
        tokens = []
        for index, user_id in enumerate(users):
            name = f"b{index:05d}"
            await writer.add("users", (
                user_id, name, f"{name}@bench.example", f"Bench User {index}", None,
                password_hash, True, True, None, start, start,
            ))  # fmt: skip
            session_id = uuid7()
            await writer.add("sessions", (session_id, user_id, now, None))
            tokens.append(_mint(secret, user_id, session_id, now))

        def conversation(
            kind: str, creator: int, *, title: str | None = None, key: str | None = None
        ) -> tuple[uuid.UUID, tuple[Any, ...]]:
            cid = uuid7()
            return cid, (cid, kind, title, key, users[creator], start)

        async def add_conversation(
            row: tuple[Any, ...], members: list[int], last_seq: int, last_at: datetime | None
        ) -> None:
            await writer.add("conversations", (*row, last_seq, last_at, last_at or start))
            for position, member in enumerate(members):
                read = max(0, last_seq - rng.randint(0, 40)) if last_seq else 0
                delivered = max(read, last_seq - rng.randint(0, 5))
                role = "ADMIN" if position == 0 and row[1] == "GROUP" else "MEMBER"
                await writer.add("participants", (
                    row[0], users[member], role, start, read, last_at if read else None,
                    delivered,
                ))  # fmt: skip

        direct: list[tuple[uuid.UUID, int, int]] = []
        keys: set[str] = set()
        for i, j in _direct_pairs(sizes.users):
            low, high = sorted((users[i], users[j]))
            key = f"{low}:{high}"
            if key in keys:
                continue
            keys.add(key)
            cid, row = conversation("DIRECT", i, key=key)
            await add_conversation(row, [i, j], 0, None)
            if i < sizes.direct_users and j < sizes.direct_users:
                direct.append((cid, i, j))

        group, row = conversation("GROUP", 0, title="Everyone")
        await add_conversation(row, list(range(sizes.group_size)), 0, None)

        reader = sizes.users - 1
        # Inbox members come from users outside the traffic scenarios where there are enough.
        pool = list(range(max(sizes.direct_users, sizes.group_size), reader)) or list(range(reader))
        history_share = sizes.stored_messages * 2 // 5
        rest = (sizes.stored_messages - history_share) // max(1, sizes.inbox_conversations - 1)
        inbox: list[uuid.UUID] = []
        history = group
        written = 0
        for number in range(sizes.inbox_conversations):
            if number % 4 == 3:
                partner = rng.choice(pool)
                low, high = sorted((users[reader], users[partner]))
                key = f"{low}:{high}"
                if key in keys:
                    continue
                keys.add(key)
                cid, row = conversation("DIRECT", reader, key=key)
                members = [reader, partner]
            else:
                size = 20 if number == 0 else rng.randint(3, 12)
                members = [reader, *rng.sample(pool, min(size - 1, len(pool)))]
                title = f"Bench group {number}" if number % 2 else None
                cid, row = conversation("GROUP", reader, title=title)
            count = history_share if number == 0 else rest
            ends = now - timedelta(minutes=number)
            last_at = await _messages(writer, rng, cid, [users[m] for m in members], count, ends)
            await add_conversation(row, members, count, last_at)
            if number == 0:
                history = cid
            inbox.append(cid)
            written += count
            if progress is not None:
                progress(f"seeded {written:,} of {sizes.stored_messages:,} messages")
        # Scenario (g)'s group, written last so the rest of the data set is what it was. Its
        # members are users past those of (a) and (b) where there are enough, so the
        # conversations (a) and (b) follow stay as they were.
        first = max(sizes.direct_users, sizes.group_size)
        if first + sizes.paced_group_size > reader:
            first = 0
        paced_members = list(range(first, first + min(sizes.paced_group_size, reader)))
        paced_group, row = conversation("GROUP", paced_members[0], title="Paced group")
        await add_conversation(row, paced_members, 0, None)
        await writer.flush_all()
        await connection.execute("RESET session_replication_role")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return Dataset(
        users, tokens, direct, group, reader, history, paced_group, paced_members, inbox, written
    )


async def _messages(
    writer: _Writer,
    rng: random.Random,
    conversation_id: uuid.UUID,
    members: list[uuid.UUID],
    count: int,
    ends: datetime,
) -> datetime | None:
    """Write ``count`` messages (one in seven a reply) ending at ``ends``; the last one's time."""
    if count == 0:
        return None
    texts = [" ".join(rng.choices(_WORDS, k=rng.randint(2, 24))) for _ in range(97)]
    step = timedelta(seconds=20)
    first = ends - step * count
    recent: deque[uuid.UUID] = deque(maxlen=14)
    created = first
    for seq in range(1, count + 1):
        message_id = uuid7()
        reply_to = recent[-1 - seq % 13] if seq % 7 == 0 and len(recent) > 13 else None
        created = first + step * seq
        await writer.add("messages", (
            message_id, conversation_id, seq, members[seq % len(members)], texts[seq % 97],
            "TEXT", None, reply_to, created, None, None,
        ))  # fmt: skip
        recent.append(message_id)
    return created
