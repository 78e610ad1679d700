"""The receipt desk: batches delivered marks and coalesces receipt events per conversation.

Delivered marks move on every push and every page a user is shown, far too often to write
one by one: they are collected here and written every ``receipt_flush_seconds`` (a crash
loses at most that much, and the next delivery writes it again; reads are written at once by
``markRead``). Each flush publishes one ``receipts`` event per conversation whose marks moved,
listing every moved mark and the new counts of the newest 100 affected messages, so a
conversation gets at most a few receipt events per second however many read at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tidings import queries
from tidings.domain.receipts import count_many
from tidings.realtime.events import PublicUser, ReceiptCount, ReceiptMark, Receipts
from tidings.realtime.publish import Events

__all__ = ["ReceiptDesk", "ShownMessage", "receipt_updates"]

log = structlog.get_logger("tidings.realtime.receipts")


class ShownMessage(Protocol):
    """What showing a message needs of it (a stored message, or one an event carried)."""

    @property
    def conversation_id(self) -> uuid.UUID: ...
    @property
    def sender_id(self) -> uuid.UUID: ...
    @property
    def seq(self) -> int: ...


class ReceiptDesk:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        events: Events,
        flush_every: float,
    ) -> None:
        self._sessions = sessions
        self._events = events
        self._flush_every = flush_every
        self._delivered: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
        # Moves written but not yet announced: read marks (by markRead), delivered marks.
        self._reads: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        self._deliveries: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # One flush at a time: a flush returns only once everything shown before it is
        # written, including what a flush already under way had taken.
        self._flushing = asyncio.Lock()

    def shown(self, viewer_id: uuid.UUID, *messages: ShownMessage) -> None:
        """Showing a message delivers it: ``viewer_id`` was shown ``messages`` of one
        conversation (a live frame, one message, a page of history, a conversation's last
        message), so their delivered mark moves up to the newest one shown. Their own messages
        alone move nothing: there was nothing to deliver to them."""
        newest = max(
            (message for message in messages if message.sender_id != viewer_id),
            key=lambda message: message.seq,
            default=None,
        )
        if newest is not None:
            self._deliver(newest.conversation_id, viewer_id, newest.seq)

    def _deliver(self, conversation_id: uuid.UUID, user_id: uuid.UUID, seq: int) -> None:
        """Note that ``user_id`` was shown ``conversation_id`` up to ``seq``."""
        key = (conversation_id, user_id)
        if self._delivered.get(key, 0) < seq:
            self._delivered[key] = seq

    def read_moved(self, conversation_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """Note a read mark that ``markRead`` has just moved (and written)."""
        self._reads[conversation_id].add(user_id)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="tidings-receipts")

    async def stop(self) -> None:
        """Stop, writing and announcing what is still pending."""
        self._stopping.set()
        if self._task is not None:
            # Not cancelled: cancelling a flush midway would drop the batch it had taken.
            await self._task
        await self.flush()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._flush_every)
            try:
                await self.flush()
            except Exception:  # the database or Redis is down: keep what we could not write
                log.exception("receipt flush failed")

    async def flush(self) -> None:
        """Write the delivered marks, then announce every move. Whatever fails stays pending
        for the next flush: unwritten marks and unannounced moves alike (announcing a move
        twice is harmless, an event carries marks, not increments)."""
        async with self._flushing:
            await self._flush()

    async def _flush(self) -> None:
        delivered, self._delivered = self._delivered, {}
        reads, self._reads = self._reads, defaultdict(set)
        deliveries, self._deliveries = self._deliveries, defaultdict(set)
        try:
            if delivered:
                async with self._sessions() as session:
                    written = await queries.write_delivered(session, marks=delivered)
                delivered = {}
                for conversation_id, users in written.items():
                    deliveries[conversation_id] |= users
            await self._announce(reads, deliveries)
        except Exception:
            for key, seq in delivered.items():
                self._deliver(*key, seq)
            for pending, kept in ((reads, self._reads), (deliveries, self._deliveries)):
                for conversation_id, users in pending.items():
                    kept[conversation_id] |= users
            raise

    async def _announce(
        self,
        reads: dict[uuid.UUID, set[uuid.UUID]],
        deliveries: dict[uuid.UUID, set[uuid.UUID]],
    ) -> None:
        """One ``receipts`` event per watched conversation whose marks moved."""
        # Counting is the costly part: only for conversations someone watches the receipts of.
        # (A watcher who subscribes after this check reads marks already written.)
        channels = {self._events.channels.receipts(cid): cid for cid in {*reads, *deliveries}}
        watched = [channels[channel] for channel in await self._events.hub.listened(list(channels))]
        if not watched:
            return
        moved = {cid: reads.get(cid, set()) | deliveries.get(cid, set()) for cid in watched}
        reads_only = {cid: reads.get(cid, set()) - deliveries.get(cid, set()) for cid in watched}
        async with self._sessions() as session:
            updates = await receipt_updates(session, moved, reads_only=reads_only)
        for update in updates.values():
            await self._events.receipts(update)


async def receipt_updates(
    session: AsyncSession,
    moved: dict[uuid.UUID, set[uuid.UUID]] | dict[uuid.UUID, None],
    *,
    reads_only: Mapping[uuid.UUID, set[uuid.UUID]] | None = None,
) -> dict[uuid.UUID, Receipts]:
    """The ``receipts`` event per conversation: the marks of the users who moved
    (``None``: everyone's) and the counts of the newest 100 messages up to those marks.

    ``reads_only``: who moved only their read mark. A private one of those is news to the
    reader's own devices alone (``receiptUpdated`` sends it nobody else).
    """
    reads_only = reads_only or {}
    updates: dict[uuid.UUID, Receipts] = {}
    participants = await queries.recipients_of(session, conversation_ids=list(moved))
    moved_marks = {
        conversation_id: [
            p for p in participants[conversation_id] if user_ids is None or p.user_id in user_ids
        ]
        for conversation_id, user_ids in moved.items()
    }
    movers = {p.user_id for marks in moved_marks.values() for p in marks}
    users = await queries.users_by_id(session, ids=movers)
    for conversation_id, marks in moved_marks.items():
        if not marks:
            continue  # they left meanwhile
        high = max(max(p.last_delivered_seq, p.last_read_seq) for p in marks)
        messages = await queries.newest_messages(
            session, conversation_id=conversation_id, up_to=high
        )
        updates[conversation_id] = Receipts(
            conversation_id=conversation_id,
            receipts=[
                ReceiptMark(
                    user=PublicUser.of(users[p.user_id]),
                    last_delivered_seq=max(p.last_delivered_seq, p.last_read_seq),
                    last_read_seq=p.last_read_seq,
                    read_at=p.last_read_at,
                    private=not p.shares_reads,
                    read_only=p.user_id in reads_only.get(conversation_id, ()),
                )
                for p in marks
            ],
            counts=[
                ReceiptCount(
                    message_id=message_id,
                    seq=seq,
                    delivered=counts.delivered,
                    read=counts.read,
                    recipients=counts.recipients,
                )
                for (message_id, seq, _, _), counts in zip(
                    messages,
                    count_many(
                        [(seq, sender, at) for _, seq, sender, at in messages],
                        participants[conversation_id],
                    ),
                    strict=True,
                )
            ],
        )
    return updates
