"""DataLoaders: every relation a resolver follows is one batched query (``tidings.queries``)
per operation."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader, DefaultCache

from tidings import queries
from tidings.domain.conversation_state import ViewerState
from tidings.domain.receipts import MessageCounts, Recipient, count, count_many
from tidings.models import Message
from tidings.queries import ParticipantRow, ReactionGroup, UserRow
from tidings.realtime.presence import Presence

__all__ = ["Loaders", "load_all"]

Db = Callable[[], AbstractAsyncContextManager[AsyncSession]]
K = TypeVar("K")
V = TypeVar("V")

# (conversation, seq, sender, sent at) of a message whose readers are wanted.
ReadersKey = tuple[uuid.UUID, int, uuid.UUID, datetime]


class Loaders:
    """The loaders of one operation, for one viewer."""

    def __init__(self, db: Db, viewer_id: uuid.UUID, presence: Presence) -> None:
        self._db = db
        self._viewer_id = viewer_id
        self._presence = presence
        # A loader (one key: the viewer) rather than a cached attribute: the presence fields
        # of a list ask all at once, and must share one query rather than each run it.
        self._contacts = DataLoader[uuid.UUID, set[uuid.UUID]](load_fn=self._contacts_of)
        # Kept at hand: its keys are every user this operation has asked for.
        self._users_cache = DefaultCache[uuid.UUID, UserRow | None]()
        self.users = DataLoader[uuid.UUID, UserRow | None](
            load_fn=self._users, cache_map=self._users_cache
        )
        self.messages = DataLoader[uuid.UUID, Message | None](load_fn=self._messages)
        self.last_messages = DataLoader[uuid.UUID, Message | None](load_fn=self._last_messages)
        self.participants = DataLoader[uuid.UUID, list[ParticipantRow]](load_fn=self._participants)
        self.unread_counts = DataLoader[uuid.UUID, int](load_fn=self._unread_counts)
        self.viewer_states = DataLoader[uuid.UUID, ViewerState | None](load_fn=self._viewer_states)
        self._presence_cache = DefaultCache[uuid.UUID, str]()
        self.presence = DataLoader[uuid.UUID, str](
            load_fn=self._presence_statuses, cache_map=self._presence_cache
        )
        self.recipients = DataLoader[uuid.UUID, list[Recipient]](load_fn=self._recipients)
        self.readers = DataLoader[ReadersKey, list[tuple[uuid.UUID, datetime]]](
            load_fn=self._readers
        )
        self.reactions = DataLoader[uuid.UUID, list[ReactionGroup]](load_fn=self._reactions)
        self.mentions = DataLoader[uuid.UUID, list[uuid.UUID]](load_fn=self._mentions)
        self.unread_mention_counts = DataLoader[uuid.UUID, int](load_fn=self._unread_mention_counts)
        # Counted from the recipients loader: many messages of a conversation at once.
        self.counts = DataLoader[Message, MessageCounts](
            load_fn=self._counts, cache_key_fn=_message_id
        )

    async def _users(self, ids: Sequence[uuid.UUID]) -> list[UserRow | None]:
        async with self._db() as session:
            found = await queries.users_by_id(session, ids=ids)
        return [found.get(uid) for uid in ids]

    async def _messages(self, ids: Sequence[uuid.UUID]) -> list[Message | None]:
        async with self._db() as session:
            found = await queries.messages_by_id(session, ids=ids)
        return [found.get(mid) for mid in ids]

    async def _last_messages(self, conversation_ids: Sequence[uuid.UUID]) -> list[Message | None]:
        async with self._db() as session:
            found = await queries.last_messages_of(session, conversation_ids=conversation_ids)
        return [found.get(cid) for cid in conversation_ids]

    async def _participants(
        self, conversation_ids: Sequence[uuid.UUID]
    ) -> list[list[ParticipantRow]]:
        async with self._db() as session:
            found = await queries.participants_of(session, conversation_ids=conversation_ids)
        return [found[cid] for cid in conversation_ids]

    async def _presence_statuses(self, user_ids: Sequence[uuid.UUID]) -> list[str]:
        # Every user this operation asked for is read along, and loads of them meanwhile wait
        # for this round trip: a list's presence fields do not all start in one batch (a cached
        # row resolves before the others), yet cost one round trip.
        wanted = set(user_ids)
        loop = asyncio.get_running_loop()
        along: dict[uuid.UUID, asyncio.Future[str]] = {}
        for uid in self._users_cache.cache_map:
            if (
                isinstance(uid, uuid.UUID)
                and uid not in wanted
                and self._presence_cache.get(uid) is None
            ):
                along[uid] = loop.create_future()
                self._presence_cache.set(uid, along[uid])
        try:
            statuses = await self._presence.statuses([*user_ids, *along])
        except BaseException as error:
            for future in along.values():
                if isinstance(error, Exception):
                    future.set_exception(error)
                else:
                    future.cancel()
            raise
        for uid, future in along.items():
            future.set_result(statuses[uid])
        return [statuses[uid] for uid in user_ids]

    async def contacts(self) -> set[uuid.UUID]:
        """Everyone who shares a conversation with the viewer (the viewer included)."""
        return await self._contacts.load(self._viewer_id)

    async def _contacts_of(self, viewer_ids: Sequence[uuid.UUID]) -> list[set[uuid.UUID]]:
        async with self._db() as session:
            return [
                await queries.contacts_of(session, user_id=viewer_id) for viewer_id in viewer_ids
            ]

    async def _recipients(self, conversation_ids: Sequence[uuid.UUID]) -> list[list[Recipient]]:
        async with self._db() as session:
            found = await queries.recipients_of(session, conversation_ids=conversation_ids)
        return [found[cid] for cid in conversation_ids]

    async def _readers(self, keys: Sequence[ReadersKey]) -> list[list[tuple[uuid.UUID, datetime]]]:
        async with self._db() as session:
            found = await queries.readers(session, messages=keys)
        return [found[(cid, seq)] for cid, seq, _, _ in keys]

    async def _reactions(self, message_ids: Sequence[uuid.UUID]) -> list[list[ReactionGroup]]:
        async with self._db() as session:
            found = await queries.reactions_of(session, message_ids=message_ids)
        return [found[mid] for mid in message_ids]

    async def _mentions(self, message_ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
        async with self._db() as session:
            found = await queries.mentioned_in(session, message_ids=message_ids)
        return [found[mid] for mid in message_ids]

    async def _unread_mention_counts(self, conversation_ids: Sequence[uuid.UUID]) -> list[int]:
        async with self._db() as session:
            counts = await queries.unread_mention_counts(
                session, user_id=self._viewer_id, conversation_ids=conversation_ids
            )
        return [counts[cid] for cid in conversation_ids]

    async def _counts(self, messages: Sequence[Message]) -> list[MessageCounts]:
        conversation_ids = list(dict.fromkeys(m.conversation_id for m in messages))
        recipients = await self.recipients.load_many(conversation_ids)
        counts: dict[uuid.UUID, MessageCounts] = {}
        for conversation_id, participants in zip(conversation_ids, recipients, strict=True):
            group = [m for m in messages if m.conversation_id == conversation_id]
            if len(group) == 1:  # one message: no sorting of marks for it
                m = group[0]
                counts[m.id] = count(
                    seq=m.seq,
                    sender_id=m.sender_id,
                    sent_at=m.created_at,
                    participants=participants,
                )
                continue
            keys = [(m.seq, m.sender_id, m.created_at) for m in group]
            counts.update(zip((m.id for m in group), count_many(keys, participants), strict=True))
        return [counts[m.id] for m in messages]

    async def _unread_counts(self, conversation_ids: Sequence[uuid.UUID]) -> list[int]:
        async with self._db() as session:
            counts = await queries.unread_counts(
                session, user_id=self._viewer_id, conversation_ids=conversation_ids
            )
        return [counts[cid] for cid in conversation_ids]

    async def _viewer_states(
        self, conversation_ids: Sequence[uuid.UUID]
    ) -> list[ViewerState | None]:
        async with self._db() as session:
            found = await queries.viewer_states(
                session, user_id=self._viewer_id, conversation_ids=conversation_ids
            )
        return [found.get(cid) for cid in conversation_ids]


def _message_id(message: Message) -> uuid.UUID:
    return message.id


async def load_all(loader: DataLoader[K, V], keys: Sequence[K]) -> list[V]:
    """``loader.load_many(keys)`` for a page's keys, without a future, a callback and a batch
    entry per key (a tenth of a page's time, for an inbox's hundreds of users): the keys
    nobody asked for yet go to the loader's batch function in one call, and the cache then
    holds their values, so a single object's later load of one is answered from it."""
    cache: Any = loader.cache_map if loader.cache else None
    if not isinstance(cache, DefaultCache):
        return await loader.load_many(keys)
    loop = asyncio.get_running_loop()
    missing: dict[Hashable, K] = {}
    for key in keys:
        future = cache.get(key)
        if future is None or future.cancelled():
            missing.setdefault(cache.cache_key_fn(key), key)
    if missing:
        wanted = list(missing.values())
        values = await loader.load_fn(wanted)
        for key, value in zip(wanted, values, strict=True):
            future = loop.create_future()
            future.set_result(value)
            cache.set(key, future)
    found: list[V] = []
    for key in keys:
        # Done, or (loaded by someone else's batch meanwhile) on its way.
        future = cache.get(key)
        found.append(await (future if future is not None else loader.load(key)))
    return found
