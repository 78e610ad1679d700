"""Where a subscription's resolver joins the shared delivery path.

Strawberry parses, validates and authorises every subscription; its resolver then registers
it here (``LiveSubscription``, ``writer.py``) and from then on its frames do not climb an
async-generator chain per subscriber:

- ``live_messages`` (``messageAdded``) joins the rooms of the viewer's conversations
  (``rooms.py``) and only follows the viewer's memberships: the rooms execute each message
  once per sharing key and hand the frames to the socket's writer;
- ``live_stream`` (every other subscription) runs the subscription's feed (``feeds/``) and
  executes each item it hands on, once per sharing key where the root carries
  ``SharedResults``, onto the same writer, in order with the socket's other frames.

A subscription that the client completes is dropped at once (nothing is written for it after);
one that the server ends (the viewer was removed) first writes what it had queued.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from inspect import isawaitable
from typing import Any, TypeVar

from starlette.websockets import WebSocket

from tidings.errors import ValidationFailed
from tidings.graphql.context import Info
from tidings.graphql.types import Message
from tidings.realtime.events import ConversationChanged
from tidings.realtime.fanout import sharing_key, subscribing_executor
from tidings.realtime.feeds.membership import Viewing
from tidings.realtime.hub import Overflowed, Reconnected
from tidings.realtime.writer import (
    LiveSubscription,
    SocketWriter,
    close_too_slow,
    current_target,
    execute_event,
)

__all__ = ["live_messages", "live_stream"]


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


@contextlib.asynccontextmanager
async def _live(
    info: Info,
    viewer_id: uuid.UUID,
    *,
    leave: Callable[[LiveSubscription], Awaitable[None]] | None = None,
) -> AsyncIterator[LiveSubscription]:
    """The operation registered on the shared path while the block runs: counted among the
    active subscriptions, closed with 1013 when its feed overflows, and written for no more
    once it ends. An error that ends it is raised after what was queued before has been
    written; ``leave`` first takes it out of whatever hands it frames (the rooms)."""
    subscription = _register(info, viewer_id)
    services = info.context.services
    gauge = services.metrics.subscriptions.labels(info.field_name)
    gauge.inc()
    try:
        yield subscription
    except Overflowed:
        await close_too_slow(subscription.writer.websocket, services)
    except Exception:
        if leave is not None:
            await leave(subscription)
        await subscription.writer.flush(subscription)
        raise
    finally:
        subscription.active = False
        if leave is not None:
            await leave(subscription)
        gauge.dec()


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
    live = info.context.live
    if live is None:  # the view sets it for every socket
        raise RuntimeError("No shared delivery path on this context")
    async with (
        _live(info, viewing.viewer_id, leave=live.leave) as subscription,
        viewing.follow(conversation_id) as following,
    ):
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
    async with _live(info, viewer_id) as subscription, contextlib.aclosing(feed):
        async for item in feed:
            root = convert(item)
            if isawaitable(root):
                root = await root
            if root is None or not subscription.active:
                continue
            payload, _ = await execute_event(info.context.services, subscription, root)
            subscription.writer.put(subscription, subscription.frame(payload))
        await subscription.writer.flush(subscription)  # the feed ended: complete after these
    return
    yield  # an async generator, as Strawberry's subscriptions are
