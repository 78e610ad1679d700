"""``messageAdded``'s rooms: one per conversation with live subscribers on this instance.

A room listens to its conversation's channel and alone keeps the order: it takes each event
once, fills a gap (or what a Redis outage lost) from the database once for every subscriber
behind, and tells a subscriber who joins what it missed (``afterSeq``) under the same lock,
so nothing falls between replay and live. Each message is then executed once per sharing key
(``execute_event``) and its frame handed to each subscriber's ``SocketWriter``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping

import structlog

from tidings import queries
from tidings.graphql.types import Message
from tidings.models import utcnow
from tidings.realtime.events import MessageAdded
from tidings.realtime.feeds.messages import NO_REACTIONS, FeedItem, read_messages
from tidings.realtime.hub import Delivery, Listener, Overflowed, Reconnected
from tidings.realtime.writer import LiveSubscription, execute_event
from tidings.services import Services
from tidings.tasks import cancel_and_wait

__all__ = ["LiveMessages", "Room"]

log = structlog.get_logger("tidings.realtime.rooms")
_PAGE = 100


class Room:
    """A conversation's live subscribers on this instance. Its events wait in a queue that
    one task at a time works through in order, started when an event comes and gone when
    none is left: an idle conversation costs no task."""

    __slots__ = (
        "channel", "conversation_id", "events", "joining", "live", "lock", "ready", "retry",
        "seen", "subscribers", "task",
    )  # fmt: skip

    def __init__(self, live: LiveMessages, conversation_id: uuid.UUID) -> None:
        self.live = live
        self.conversation_id = conversation_id
        self.channel = live.services.channels.conversation(conversation_id)
        self.subscribers: dict[LiveSubscription, None] = {}
        # Subscriptions on their way in: the room stays open for them.
        self.joining = 0
        self.lock = asyncio.Lock()
        # Listening: the instance's listener has subscribed to the channel. A flag, not an
        # asyncio.Event (~0.7 KiB with its waiters' deque): nothing waits for it.
        self.ready = False
        # The highest seq this room has told (or read): a joiner catches up at least to it.
        self.seen = 0
        # Made by the first event (~0.6 KiB for an empty deque): most rooms stay quiet.
        self.events: deque[Delivery | Reconnected] | None = None
        self.task: asyncio.Task[None] | None = None
        self.retry: asyncio.TimerHandle | None = None

    def offer(self, event: Delivery | Reconnected) -> None:
        if self.events is None:
            self.events = deque()
        self.events.append(event)
        if self.task is None:
            self.task = asyncio.create_task(self._work(), name="tidings-live-room")

    async def _work(self) -> None:
        """Handle the queued events. A failure (the database down during a gap fill) leaves
        the marks where they were: the next event, or a refill a second later, fills what the
        subscribers lack."""
        try:
            while self.events:
                event = self.events.popleft()
                async with self.lock:
                    try:
                        await self._on(event)
                    except Exception:
                        log.exception(
                            "live delivery failed", conversation=str(self.conversation_id)
                        )
                        self._retry_later()
        finally:
            self.task = None

    def _retry_later(self) -> None:
        if self.retry is None:
            loop = asyncio.get_running_loop()
            self.retry = loop.call_later(1, self._refill)

    def _refill(self) -> None:
        self.retry = None
        if self.live.rooms.get(self.conversation_id) is self:
            self.offer(Reconnected())

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.retry is not None:
            self.retry.cancel()

    async def _on(self, event: Delivery | Reconnected) -> None:
        if isinstance(event, Reconnected):
            last = await self.live.last_seqs([self.conversation_id])
            await self.catch_up(list(self.subscribers), last.get(self.conversation_id, 0))
            return
        payload = event.payload
        if not isinstance(payload, MessageAdded):
            return
        seq = payload.message.seq
        cid = self.conversation_id
        behind = [s for s in self.subscribers if s.marks.get(cid, seq) < seq - 1]
        if behind:
            await self.catch_up(behind, seq - 1)
        ready = [s for s in self.subscribers if s.marks.get(cid) == seq - 1]
        self.seen = max(self.seen, seq)
        if ready:
            item = event.derived.once(
                "item",
                lambda: FeedItem(
                    payload.message.model(),
                    payload.sender,
                    reactions=NO_REACTIONS,
                    mentions=payload.mentions,
                ),
            )
            await self.live.deliver(self.conversation_id, item, ready)

    async def catch_up(self, subscribers: list[LiveSubscription], up_to: int) -> None:
        """Tell ``subscribers`` what they lack up to ``up_to``, read once for all of them."""
        cid = self.conversation_id
        while True:
            behind = [s for s in subscribers if s.active and s.marks.get(cid, up_to) < up_to]
            if not behind:
                return
            low = min(s.marks[cid] for s in behind)
            items = await self.live.read(cid, after=low, up_to=up_to)
            if not items:
                return
            self.live.services.metrics.backfills.labels("gap").inc()
            for item in items:
                seq = item.message.seq
                self.seen = max(self.seen, seq)
                ready = [s for s in behind if s.marks.get(cid) == seq - 1]
                if ready:
                    await self.live.deliver(cid, item, ready)


class LiveMessages:
    """This instance's live message delivery: a room per conversation followed, and one
    listener for all of their channels, whose task hands each event to its room."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.rooms: dict[uuid.UUID, Room] = {}
        self._by_channel: dict[str, Room] = {}
        self._listener: Listener | None = None
        self._listening = asyncio.Event()
        self._dispatch_task: asyncio.Task[None] | None = None

    async def _dispatch(self) -> None:
        hub = self.services.hub
        while True:
            async with hub.listen() as listener:
                await listener.add(*self._by_channel)
                self._listener = listener
                self._listening.set()
                try:
                    while True:
                        event = await listener.next()
                        if isinstance(event, Reconnected):
                            for room in self.rooms.values():
                                room.offer(event)
                        elif (target := self._by_channel.get(event.channel)) is not None:
                            target.offer(event)
                except Overflowed:
                    # Fell behind: listen afresh, then every room refills from the database.
                    self._listening.clear()
                    self._listener = None
            for room in self.rooms.values():
                room.offer(Reconnected())

    async def _listen_to(self, room: Room) -> None:
        """Subscribe the room's channel (once), before the room reads the database."""
        if room.ready:
            return
        if self._dispatch_task is None:
            self._dispatch_task = asyncio.create_task(self._dispatch(), name="tidings-live")
        await self._listening.wait()
        assert self._listener is not None
        await self._listener.add(room.channel)
        room.ready = True

    async def follow(
        self, subscription: LiveSubscription, marks: Mapping[uuid.UUID, int | None]
    ) -> None:
        """Deliver these conversations' messages after each mark (None: from now on), the
        missed ones first: read at the socket's pace, outside the room, then the few that
        came meanwhile under the room's lock, so nothing falls between replay and live."""
        rooms = {cid: self._room(cid) for cid in marks}
        try:
            for room in rooms.values():
                await self._listen_to(room)  # listening before reading: nothing falls between
            lasts = await self.last_seqs(list(rooms))
            for cid, room in rooms.items():
                mark = marks[cid]
                if mark is not None:
                    subscription.marks[cid] = mark
                    await self._replay(subscription, cid, lasts.get(cid, 0))
                async with room.lock:
                    if not subscription.active:
                        return
                    last = lasts.get(cid, 0)
                    if mark is None:
                        # "From now on" is from the read made once listening: whatever the
                        # room saw since came after it and is told below.
                        subscription.marks[cid] = last
                    room.subscribers[subscription] = None
                    await room.catch_up([subscription], max(last, room.seen))
        finally:
            for room in rooms.values():
                room.joining -= 1
                await self._close_if_empty(room)

    async def _replay(self, subscription: LiveSubscription, cid: uuid.UUID, up_to: int) -> None:
        """What ``subscription`` missed up to ``up_to``, as fast as its socket takes it."""
        while subscription.active and subscription.marks.get(cid, up_to) < up_to:
            items = await self.read(cid, after=subscription.marks[cid], up_to=up_to)
            if not items:
                return
            self.services.metrics.backfills.labels("replay").inc()
            for item in items:
                await subscription.writer.room()
                await self.deliver(cid, item, [subscription])

    async def unfollow(
        self, subscription: LiveSubscription, conversations: Iterable[uuid.UUID]
    ) -> None:
        for cid in list(conversations):
            subscription.marks.pop(cid, None)
            room = self.rooms.get(cid)
            if room is not None:
                room.subscribers.pop(subscription, None)
                await self._close_if_empty(room)

    async def _close_if_empty(self, room: Room) -> None:
        if room.subscribers or room.joining or self.rooms.get(room.conversation_id) is not room:
            return
        del self.rooms[room.conversation_id]
        del self._by_channel[room.channel]
        room.close()
        if self._listener is not None and room.ready:
            await self._listener.remove(room.channel)

    async def leave(self, subscription: LiveSubscription) -> None:
        await self.unfollow(subscription, list(subscription.marks))

    async def close(self) -> None:
        """Stop every room and the listener (the instance is stopping)."""
        rooms, self.rooms, self._by_channel = list(self.rooms.values()), {}, {}
        for room in rooms:
            room.close()
        if self._dispatch_task is not None:
            await cancel_and_wait(self._dispatch_task)

    def _room(self, conversation_id: uuid.UUID) -> Room:
        """The conversation's room, held open (``joining``) until the caller has joined."""
        room = self.rooms.get(conversation_id)
        if room is None:
            room = self.rooms[conversation_id] = Room(self, conversation_id)
            self._by_channel[room.channel] = room
        room.joining += 1
        return room

    async def last_seqs(self, conversations: list[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not conversations:
            return {}
        async with self.services.reads() as session:
            return await queries.last_seqs(session, conversation_ids=conversations)

    async def read(self, conversation_id: uuid.UUID, *, after: int, up_to: int) -> list[FeedItem]:
        async with self.services.reads() as session:
            return await read_messages(
                session, conversation_id, after=after, up_to=up_to, limit=_PAGE
            )

    async def deliver(
        self, conversation_id: uuid.UUID, item: FeedItem, subscribers: list[LiveSubscription]
    ) -> None:
        """One message to ``subscribers``: executed once per sharing key, encoded once."""
        root = Message.of(
            item.message, item.sender, reactions=item.reactions, mentions=item.mentions
        )
        groups: dict[tuple[int, str, uuid.UUID | None], list[LiveSubscription]] = defaultdict(list)
        for subscription in subscribers:
            groups[subscription.key].append(subscription)
        if len(groups) == 1:
            payloads = [await execute_event(self.services, next(iter(groups.values()))[0], root)]
        else:
            payloads = list(
                await asyncio.gather(
                    *(execute_event(self.services, group[0], root) for group in groups.values())
                )
            )
        seq = item.message.seq
        latency = max(0.0, (utcnow() - item.message.created_at).total_seconds())
        metrics, receipts = self.services.metrics, self.services.receipts
        for group, (payload, shareable) in zip(groups.values(), payloads, strict=True):
            for index, subscription in enumerate(group):
                if conversation_id not in subscription.marks:
                    continue  # it left the conversation meanwhile
                if index and not shareable:  # a result with errors is never shared
                    payload, _ = await execute_event(self.services, subscription, root)
                subscription.marks[conversation_id] = seq
                subscription.writer.put(subscription, subscription.frame(payload))
                receipts.shown(subscription.viewer_id, item.message)
        metrics.delivery_latency.observe(latency)
