"""The shared delivery path of live messages (``messageAdded``).

Strawberry parses, validates and authorises each ``messageAdded`` subscription, whose resolver
then registers it here (``LiveSubscription``) and only follows the viewer's memberships. From
then on its frames do not climb an async-generator chain per subscriber:

- one ``Room`` per conversation with live subscribers on this instance listens to its channel,
  and alone keeps the order: it takes each event once, fills a gap (or what a Redis outage
  lost) from the database once for every subscriber behind, and tells a subscriber who joins
  what it missed (``afterSeq``) under the same lock, so nothing falls between replay and live;
- an event is executed once per distinct (document, variables used below the root field,
  viewer where a field depends on it: ``fanout.sharing_key``), and its JSON encoded once;
- each socket has one ``SocketWriter``: a bounded queue and one task that writes the frames,
  in order per operation, in the protocol's form (``next`` or the legacy ``data``). A socket
  that falls ``limit`` frames behind is closed with 1013 (it resumes with ``afterSeq``).

A subscription that the client completes is dropped at once (nothing is written for it after);
one that the server ends (the viewer was removed) first writes what it had queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import Any, TypeVar

import sqlalchemy as sa
import structlog
from graphql import ExecutionResult, execute_subscription_event
from sqlmodel import col
from starlette.websockets import WebSocket, WebSocketState

from tidings.broadcast import Delivery, Listener, Overflowed, Reconnected
from tidings.errors import NotInConversation, ValidationFailed
from tidings.event_types import ConversationChanged, MessageAdded
from tidings.graphql.context import Info, OperationScope, enter_scope, leave_scope
from tidings.graphql.extensions import coded_error
from tidings.graphql.fanout import (
    SharingExecutor,
    encode_data,
    sharing_key,
    subscribing_executor,
)
from tidings.graphql.types import Message
from tidings.models import Conversation, utcnow
from tidings.services import Services
from tidings.sockets import close
from tidings.subscriptions.membership import Viewing
from tidings.subscriptions.messages import FeedItem, read_messages

__all__ = [
    "CLOSE_TOO_SLOW",
    "LiveMessages",
    "LiveSubscription",
    "LiveTarget",
    "SocketWriter",
    "close_too_slow",
    "current_target",
    "execute_event",
    "live_messages",
    "live_stream",
]

log = structlog.get_logger("tidings.live")

# 1013 "Try Again Later": clients reconnect and resume with afterSeq.
CLOSE_TOO_SLOW = 1013
_PAGE = 100


async def close_too_slow(websocket: WebSocket, services: Services) -> None:
    """Close a socket whose subscriber fell too far behind (its writer's queue, or a feed's
    listener, is full): its buffer is bounded, never grown."""
    services.metrics.slow_subscribers.inc()
    reason = "Subscriber too slow; reconnect and resume with afterSeq"
    await close(websocket, CLOSE_TOO_SLOW, reason)


@dataclass(frozen=True, slots=True)
class LiveTarget:
    """Where an operation's frames go: its id and its protocol's frame type."""

    operation_id: str
    frame_type: str  # "next" (graphql-transport-ws) or "data" (legacy graphql-ws)


# Set by the protocol handlers as an operation starts; its task inherits it.
current_target: ContextVar[LiveTarget | None] = ContextVar("tidings_live_target", default=None)


@dataclass(eq=False, slots=True)
class LiveSubscription:
    """One live ``messageAdded`` operation: what it asks, for whom, and where it has got to."""

    target: LiveTarget
    # The subscription's executor: each event is executed by a per-event copy of it.
    executor: SharingExecutor
    viewer_id: uuid.UUID
    key: tuple[int, str, uuid.UUID | None]
    writer: SocketWriter
    # conversation -> the highest seq written for it
    marks: dict[uuid.UUID, int] = field(default_factory=dict)
    active: bool = True
    pending: int = 0
    drained: asyncio.Event | None = None

    # The frame up to its payload: made once, as every frame of the operation begins with it.
    head: str = field(init=False, default="")

    def __post_init__(self) -> None:
        operation_id = json.dumps(self.target.operation_id)
        self.head = f'{{"id":{operation_id},"type":"{self.target.frame_type}","payload":'

    def frame(self, payload: str) -> str:
        return f"{self.head}{payload}}}"


class SocketWriter:
    """Writes one socket's live frames in order from a bounded queue, with one task, started
    by the first frame and parked between frames until the socket ends: a socket that never
    gets a live frame costs no task, and one that does is not charged a new task per frame
    (a group's message reaches hundreds of sockets at once)."""

    def __init__(self, websocket: WebSocket, *, limit: int, services: Services) -> None:
        self.websocket = websocket
        self._limit = limit
        self._services = services
        self._queue: deque[tuple[LiveSubscription, str]] = deque()
        self._dead = False
        self._space: asyncio.Event | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._idle: asyncio.Future[None] | None = None

    @classmethod
    def of(cls, websocket: WebSocket, services: Services) -> SocketWriter:
        """The socket's writer, made on first use (``stop`` it when the socket ends)."""
        writer = websocket.scope.get("tidings.writer")
        if not isinstance(writer, SocketWriter):
            limit = services.settings.subscription_buffer
            writer = websocket.scope["tidings.writer"] = cls(
                websocket, limit=limit, services=services
            )
        return writer

    def put(self, subscription: LiveSubscription, frame: str) -> None:
        if self._dead or not subscription.active:
            return
        if len(self._queue) >= self._limit:
            self._overflow()
            return
        self._queue.append((subscription, frame))
        subscription.pending += 1
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="tidings-socket-writer")
        elif self._idle is not None:
            self._idle.set_result(None)
            self._idle = None

    async def room(self) -> None:
        """Wait until the queue is at most half full (a replay goes at the socket's pace;
        live events never wait: a socket too far behind is closed)."""
        while len(self._queue) > self._limit // 2 and not self._dead:
            self._space = asyncio.Event()
            await self._space.wait()

    async def flush(self, subscription: LiveSubscription) -> None:
        """Wait until every frame queued for ``subscription`` has been written (or dropped)."""
        if subscription.pending:
            subscription.drained = asyncio.Event()
            await subscription.drained.wait()

    async def stop(self) -> None:
        self._dead = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._drop_all()

    def _overflow(self) -> None:
        self._dead = True
        self._drop_all()
        task = asyncio.create_task(close_too_slow(self.websocket, self._services))
        self._closing.add(task)  # kept until done
        task.add_done_callback(self._closing.discard)

    def _drop_all(self) -> None:
        while self._queue:
            subscription, _ = self._queue.popleft()
            self._written(subscription)

    def _written(self, subscription: LiveSubscription) -> None:
        subscription.pending -= 1
        if subscription.pending == 0 and subscription.drained is not None:
            subscription.drained.set()
        if self._space is not None and (self._dead or len(self._queue) <= self._limit // 2):
            self._space.set()

    async def _run(self) -> None:
        try:
            while True:
                if not self._queue:
                    self._idle = asyncio.get_running_loop().create_future()
                    await self._idle
                    continue
                subscription, frame = self._queue.popleft()
                try:
                    gone = self.websocket.application_state == WebSocketState.DISCONNECTED
                    if subscription.active and not gone and not self._dead:
                        await self.websocket.send_text(frame)
                except Exception:  # the socket went away: nothing more can be written to it
                    self._dead = True
                    self._drop_all()
                finally:
                    self._written(subscription)
        finally:
            self._task = None


class Room:
    """A conversation's live subscribers on this instance. Its events wait in a queue that
    one task at a time works through in order, started when an event comes and gone when
    none is left: an idle conversation costs no task."""

    def __init__(self, live: LiveMessages, conversation_id: uuid.UUID) -> None:
        self.live = live
        self.conversation_id = conversation_id
        self.channel = live.services.channels.conversation(conversation_id)
        self.subscribers: dict[LiveSubscription, None] = {}
        # Subscriptions on their way in: the room stays open for them.
        self.joining = 0
        self.lock = asyncio.Lock()
        # Listening: the instance's listener has subscribed to the channel.
        self.ready = asyncio.Event()
        # The highest seq this room has told (or read): a joiner catches up at least to it.
        self.seen = 0
        self.events: deque[Delivery | Reconnected] = deque()
        self.task: asyncio.Task[None] | None = None
        self.retry: asyncio.TimerHandle | None = None

    def offer(self, event: Delivery | Reconnected) -> None:
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
                "item", lambda: FeedItem(payload.message.model(), payload.sender)
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
        if room.ready.is_set():
            return
        if self._dispatch_task is None:
            self._dispatch_task = asyncio.create_task(self._dispatch(), name="tidings-live")
        await self._listening.wait()
        assert self._listener is not None
        await self._listener.add(room.channel)
        room.ready.set()

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
        if self._listener is not None and room.ready.is_set():
            await self._listener.remove(room.channel)

    async def leave(self, subscription: LiveSubscription) -> None:
        await self.unfollow(subscription, list(subscription.marks))

    async def close(self) -> None:
        """Stop every room and the listener (the instance is stopping)."""
        rooms, self.rooms, self._by_channel = list(self.rooms.values()), {}, {}
        for room in rooms:
            room.close()
        if self._dispatch_task is not None:
            self._dispatch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatch_task

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
        async with self.services.sessions() as session:
            rows = await session.execute(
                sa.select(col(Conversation.id), col(Conversation.last_seq)).where(
                    col(Conversation.id).in_(conversations)
                )
            )
            return dict(rows.all())

    async def read(self, conversation_id: uuid.UUID, *, after: int, up_to: int) -> list[FeedItem]:
        async with self.services.sessions() as session:
            return await read_messages(
                session, conversation_id, after=after, up_to=up_to, limit=_PAGE
            )

    async def deliver(
        self, conversation_id: uuid.UUID, item: FeedItem, subscribers: list[LiveSubscription]
    ) -> None:
        """One message to ``subscribers``: executed once per sharing key, encoded once."""
        root = Message.of(item.message, item.sender)
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
        seq, sender = item.message.seq, item.message.sender_id
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
                if sender != subscription.viewer_id:
                    receipts.delivered(conversation_id, subscription.viewer_id, seq)
        metrics.delivery_latency.observe(latency)


async def execute_event(
    services: Services, subscription: LiveSubscription, root: object
) -> tuple[str, bool]:
    """The JSON payload of ``subscription``'s document executed over ``root`` (an event's
    root object), and whether it may be shared (no errors)."""
    scope = OperationScope(services, uuid.uuid4().hex)
    scope.streaming = True
    token = enter_scope(scope)
    operation = subscription.executor.operation
    name = operation.name.value if operation.name else None
    try:
        result = execute_subscription_event(subscription.executor.build_per_event_executor(root))
        if isawaitable(result):
            result = await result
        if not isinstance(result, ExecutionResult):  # a stream: never for a subscription event
            raise TypeError(f"Expected an ExecutionResult, got {type(result).__name__}")
    finally:
        await scope.close()
        leave_scope(token)
    if not result.errors:
        return f'{{"data":{encode_data(result.data)}}}', True
    errors = [coded_error(e, scope, name).formatted for e in result.errors]
    payload = {"data": result.data, "errors": errors}
    return json.dumps(payload, separators=(",", ":"), default=str), False


def _register(info: Info, viewer_id: uuid.UUID) -> LiveSubscription:
    """The operation being subscribed, as the shared path writes it: its socket's writer,
    its protocol's frame, and its executor."""
    target, websocket = current_target.get(), info.context.request
    executor = subscribing_executor.get()
    if target is None or executor is None or not isinstance(websocket, WebSocket):
        # Subscriptions are served over the WebSocket at /graphql only.
        raise ValidationFailed("operation", "Subscriptions run over a WebSocket at /graphql")
    return LiveSubscription(
        target=target,
        executor=executor,
        viewer_id=viewer_id,
        key=sharing_key(
            executor.schema,
            executor.operation,
            list(executor.fragment_definitions.values()),
            executor.variable_values.coerced,
            viewer_id,
        ),
        writer=SocketWriter.of(websocket, info.context.services),
    )


async def live_messages(
    info: Info,
    viewing: Viewing,
    conversation_id: uuid.UUID | None,
    after_seq: int | None,
    resume: Mapping[uuid.UUID, int] | None,
) -> AsyncIterator[Message]:
    """``messageAdded`` on the shared path: registered with the instance's ``LiveMessages``,
    and kept right as the viewer joins and leaves. Its frames are written by the rooms, so
    this yields nothing; it ends when the client completes it (cancelled) or, for one
    conversation, with ``NOT_IN_CONVERSATION`` once what was queued has been written."""
    live, services = info.context.live, info.context.services
    subscription = _register(info, viewing.viewer_id)
    if live is None:  # the view sets it for every socket
        raise RuntimeError("No shared delivery path on this context")
    gauge = services.metrics.subscriptions.labels(info.field_name)
    gauge.inc()
    try:
        async with viewing.follow(conversation_id) as following:
            marks: dict[uuid.UUID, int | None] = dict.fromkeys(following.marks)
            if conversation_id is not None and after_seq is not None:
                marks[conversation_id] = max(0, after_seq)
            for resumed, seq in (resume or {}).items():
                if resumed in marks:
                    marks[resumed] = max(0, seq)
            await live.follow(subscription, marks)
            while True:
                event = await following.listener.next()
                if isinstance(event, Reconnected):
                    joined, left = await following.resync()
                elif isinstance(event.payload, ConversationChanged):
                    joined, left = await following.on_change(event.payload)
                else:
                    continue
                await live.unfollow(subscription, left)
                if joined:
                    await live.follow(subscription, {c: following.marks[c] for c in joined})
    except NotInConversation:
        await live.leave(subscription)
        await subscription.writer.flush(subscription)
        raise
    except Overflowed:
        await close_too_slow(subscription.writer.websocket, services)
    finally:
        subscription.active = False
        await live.leave(subscription)
        gauge.dec()
    return
    yield  # an async generator, as Strawberry's subscriptions are


R = TypeVar("R")


async def live_stream(
    info: Info,
    viewer_id: uuid.UUID,
    feed: AsyncGenerator[R, None],
    convert: Callable[[R], object | Awaitable[object | None] | None],
) -> AsyncIterator[Any]:
    """Any other subscription on the shared path. Its feed (one per subscription: it decides
    what this viewer hears, and when) hands on items; each is converted to its root object,
    executed (once for every local subscriber asking the same, where the root carries
    ``SharedResults``), and the frame goes to the socket's writer, in order with the socket's
    other frames. Like ``live_messages``, it yields nothing; an error that ends it is raised
    once what was queued before has been written."""
    subscription = _register(info, viewer_id)
    services = info.context.services
    gauge = services.metrics.subscriptions.labels(info.field_name)
    gauge.inc()
    try:
        async with contextlib.aclosing(feed):
            async for item in feed:
                root = convert(item)
                if isawaitable(root):
                    root = await root
                if root is None or not subscription.active:
                    continue
                payload, _ = await execute_event(services, subscription, root)
                subscription.writer.put(subscription, subscription.frame(payload))
        await subscription.writer.flush(subscription)  # the feed ended: complete after these
    except Overflowed:
        await close_too_slow(subscription.writer.websocket, services)
    except Exception:
        await subscription.writer.flush(subscription)
        raise
    finally:
        subscription.active = False
        gauge.dec()
    return
    yield  # an async generator, as Strawberry's subscriptions are
