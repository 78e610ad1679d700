"""Where a live subscription's frames go: its target, its payload, and its socket's writer.

- ``LiveSubscription``: one live operation, what it asks (its executor and sharing key), for
  whom, and where it has got to in each conversation;
- ``execute_event``: the JSON payload of an event for a subscription, executed with a fresh
  operation scope (once per sharing key where the root carries ``SharedResults``);
- ``SocketWriter``: each socket's bounded queue and the one task that writes its frames, in
  order per operation, in the protocol's form (``next`` or the legacy ``data``). A socket that
  falls ``limit`` frames behind is closed with 1013 (it resumes with ``afterSeq``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass, field
from inspect import isawaitable

from graphql import ExecutionResult, execute_subscription_event
from starlette.websockets import WebSocket, WebSocketState

from tidings.graphql.context import OperationScope, enter_scope, leave_scope
from tidings.graphql.extensions import coded_error
from tidings.realtime.fanout import SharingExecutor, encode_data
from tidings.realtime.sockets import close
from tidings.services import Services

__all__ = [
    "CLOSE_TOO_SLOW",
    "LiveSubscription",
    "LiveTarget",
    "SocketWriter",
    "close_too_slow",
    "current_target",
    "execute_event",
]

# 1013 "Try Again Later": clients reconnect and resume with afterSeq.
CLOSE_TOO_SLOW = 1013


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

    __slots__ = (
        "_closing", "_dead", "_idle", "_limit", "_queue", "_services", "_space", "_task",
        "websocket",
    )  # fmt: skip

    def __init__(self, websocket: WebSocket, *, limit: int, services: Services) -> None:
        self.websocket = websocket
        self._limit = limit
        self._services = services
        # Made by the first frame, as the task is (~0.6 KiB for an empty deque).
        self._queue: deque[tuple[LiveSubscription, str]] | None = None
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
        if self._queue is None:
            self._queue = deque()
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
        while len(self._queue or ()) > self._limit // 2 and not self._dead:
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
        if self._space is not None and (self._dead or len(self._queue or ()) <= self._limit // 2):
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
