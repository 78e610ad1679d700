"""A small GraphQL-over-WebSocket test client on ``websockets``, speaking both protocols.

``graphql-transport-ws`` (subscribe / next / complete) and the legacy ``graphql-ws``
(start / data / stop) differ only in message names, so one client hides the difference:
operations return results (``{"data": …, "errors": […]}``) in the order the server sent them,
and a socket the server closes reports its close code.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.typing import Origin, Subprotocol
from websockets.uri import parse_uri

__all__ = [
    "CONVERSATION_UPDATED",
    "LEGACY_WS",
    "MESSAGE_ADDED",
    "MESSAGE_UPDATED",
    "PROTOCOLS",
    "TRANSPORT_WS",
    "TYPING",
    "WAIT",
    "Feed",
    "GraphQLSocket",
    "Operation",
    "OperationCompleted",
    "SocketClosed",
    "StallingSocket",
    "bearer",
    "graphql_socket",
    "probe_waits",
    "until_live",
]

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]
# How long a test waits for something it expects. Generous: a slow machine must not fail.
WAIT = 10.0

_CLOSED: dict[str, Any] = {"type": "\x00closed"}


class SocketClosed(AssertionError):
    """The server closed the socket while the test waited for a message."""

    def __init__(self, code: int | None, reason: str | None) -> None:
        super().__init__(f"socket closed with {code} {reason!r}")
        self.code = code
        self.reason = reason


class OperationCompleted(AssertionError):
    """The server completed the operation while the test waited for a result."""


def bearer(token: str) -> dict[str, str]:
    """The ``connection_init`` payload a client sends (SPEC §3)."""
    return {"authorization": f"Bearer {token}"}


class Operation:
    """One query, mutation or subscription started on a socket."""

    def __init__(self, socket: GraphQLSocket, operation_id: str) -> None:
        self.socket = socket
        self.id = operation_id
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.completed = False

    async def _message(self, within: float) -> dict[str, Any]:
        message = await asyncio.wait_for(self.queue.get(), within)
        if message is _CLOSED:
            self.queue.put_nowait(_CLOSED)  # every later wait fails the same way
            raise SocketClosed(self.socket.close_code, self.socket.close_reason)
        return message

    async def next(self, within: float = WAIT) -> dict[str, Any]:
        """The next result; an ``error`` message is returned as ``{"errors": [...]}``."""
        message = await self._message(within)
        if message["type"] in {"next", "data"}:
            result: dict[str, Any] = message["payload"]
            return result
        if message["type"] == "error":
            payload = message["payload"]
            return {"errors": payload if isinstance(payload, list) else [payload]}
        self.completed = True
        raise OperationCompleted(self.id)

    async def data(self, within: float = WAIT) -> dict[str, Any]:
        """The data of the next result, failing the test if it carries errors."""
        result = await self.next(within)
        assert not result.get("errors"), result
        data: dict[str, Any] = result["data"]
        return data

    async def error(self, within: float = WAIT) -> dict[str, Any]:
        """The single error of the next result."""
        result = await self.next(within)
        errors = result.get("errors") or []
        assert len(errors) == 1, result
        error: dict[str, Any] = errors[0]
        return error

    async def stop(self) -> None:
        """Ask the server to end the operation (``complete``; ``stop`` on the legacy protocol)."""
        kind = "complete" if self.socket.protocol == TRANSPORT_WS else "stop"
        await self.socket.send({"type": kind, "id": self.id})

    async def complete(self, within: float = WAIT) -> None:
        """Wait for the server to end the operation, failing on any result before that."""
        message = await self._message(within)
        assert message["type"] == "complete", message
        self.completed = True


class Feed:
    """The items of one subscription (``data[field]`` of each result), in arrival order; every
    item read is kept in ``received``."""

    def __init__(self, operation: Operation, field: str, within: float) -> None:
        self.operation = operation
        self.field = field
        self.within = within
        self.received: list[dict[str, Any]] = []

    async def next(self) -> dict[str, Any]:
        """The next item; fails the test on an error, the end of the feed, or a timeout."""
        try:
            result = await self.operation.next(self.within)
        except TimeoutError:
            raise AssertionError(
                f"subscription {self.field} got nothing within {self.within} s "
                f"after {len(self.received)} items"
            ) from None
        except (SocketClosed, OperationCompleted) as ended:
            raise AssertionError(f"subscription {self.field} ended: {ended!r}") from ended
        if result.get("errors"):
            raise AssertionError(f"subscription {self.field} failed: {result['errors']}")
        item: dict[str, Any] = result["data"][self.field]
        self.received.append(item)
        return item

    async def take(self, count: int) -> list[dict[str, Any]]:
        return [await self.next() for _ in range(count)]

    async def until(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Items until one satisfies ``predicate``; returns that one."""
        while not predicate(item := await self.next()):
            pass
        return item


class GraphQLSocket:
    """A WebSocket to ``/graphql`` speaking ``protocol``; see the module docstring."""

    def __init__(self, connection: ClientConnection, protocol: str) -> None:
        self.connection = connection
        self.protocol = protocol
        self.operations: dict[str, Operation] = {}
        self._ids = itertools.count(1)
        self._control: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @property
    def start_type(self) -> str:
        return "subscribe" if self.protocol == TRANSPORT_WS else "start"

    @classmethod
    @asynccontextmanager
    async def connect(
        cls,
        url: str,
        *,
        protocol: str = TRANSPORT_WS,
        headers: dict[str, str] | None = None,
        origin: str | None = None,
    ) -> AsyncIterator[GraphQLSocket]:
        """Open the socket without ``connection_init``; close it when the block ends."""
        connection = await connect(
            url,
            subprotocols=[Subprotocol(protocol)],
            additional_headers=headers,
            origin=Origin(origin) if origin is not None else None,
            open_timeout=WAIT,
            close_timeout=2,
        )
        socket = cls(connection, protocol)
        try:
            yield socket
        finally:
            await connection.close()
            socket._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await socket._reader

    async def send(self, message: dict[str, Any]) -> None:
        # As browsers' JSON.stringify does: UTF-8, no \u escapes.
        await self.connection.send(json.dumps(message, ensure_ascii=False))

    async def init(self, payload: dict[str, Any] | None) -> dict[str, Any]:
        """Send ``connection_init``; the server's answer (``connection_ack`` when accepted)."""
        message: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            message["payload"] = payload
        await self.send(message)
        answer = await asyncio.wait_for(self._control.get(), WAIT)
        if answer is _CLOSED:
            raise SocketClosed(self.close_code, self.close_reason)
        return answer

    async def start(self, query: str, variables: dict[str, Any] | None = None) -> Operation:
        """Start an operation of any kind; read its results from the returned ``Operation``."""
        operation = Operation(self, str(next(self._ids)))
        self.operations[operation.id] = operation
        await self.send(
            {
                "type": self.start_type,
                "id": operation.id,
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return operation

    async def subscribe(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        field: str,
        within: float = 2 * WAIT,
    ) -> Feed:
        """Start a subscription; read its items (``data[field]``) from the returned ``Feed``,
        which waits ``within`` seconds for each (long: through faults, a feed may take a while
        to come back)."""
        return Feed(await self.start(query, variables), field, within)

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a query or mutation: its single result, after which the server completes it."""
        operation = await self.start(query, variables)
        result = await operation.next()
        if "data" in result:  # a result, not an "error" message: the server completes it
            await operation.complete()
        return result

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        result = await self.execute(query, variables)
        assert not result.get("errors"), result
        data: dict[str, Any] = result["data"]
        return data

    @property
    def close_code(self) -> int | None:
        return self.connection.close_code

    @property
    def close_reason(self) -> str | None:
        return self.connection.close_reason

    async def closed(self, within: float = WAIT) -> int | None:
        """Wait until the server closes the socket; its close code."""
        await asyncio.wait_for(asyncio.shield(self._reader), within)
        return self.close_code

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                message = json.loads(raw)
                kind = message.get("type")
                if kind in {"connection_ack", "connection_error"}:
                    self._control.put_nowait(message)
                elif kind == "ping":
                    await self.send({"type": "pong"})
                elif "id" in message and message["id"] in self.operations:
                    self.operations[message["id"]].queue.put_nowait(message)
                # "ka" (legacy keep-alive) and "pong" need no answer.
        except ConnectionClosed:
            pass
        finally:
            self._control.put_nowait(_CLOSED)
            for operation in self.operations.values():
                operation.queue.put_nowait(_CLOSED)


@asynccontextmanager
async def graphql_socket(
    url: str,
    token: str,
    *,
    protocol: str = TRANSPORT_WS,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[GraphQLSocket]:
    """An authenticated socket (``connection_init`` answered with ``connection_ack``)."""
    async with GraphQLSocket.connect(url, protocol=protocol, headers=headers) as socket:
        answer = await socket.init(bearer(token))
        assert answer["type"] == "connection_ack", answer
        yield socket


class StallingSocket:
    """A ``graphql-transport-ws`` client on a bare TCP socket that reads only when asked to.

    Its receive buffer is as small as the kernel allows, so once the test stops reading, the
    server's writes back up quickly, as they would to a client on a stalled network. The
    protocol is websockets' own (sans-I/O), so only the I/O is hand-written.
    """

    def __init__(self, sock: socket.socket, protocol: ClientProtocol) -> None:
        self.sock = sock
        self.protocol = protocol
        self._received: collections.deque[dict[str, Any]] = collections.deque()

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, url: str, *, receive_buffer: int = 4096
    ) -> AsyncIterator[StallingSocket]:
        uri = parse_uri(url)
        protocol = ClientProtocol(uri, subprotocols=[Subprotocol(TRANSPORT_WS)], max_size=None)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Before connecting, so the window the client advertises is small from the start.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        stalling = cls(sock, protocol)
        try:
            loop = asyncio.get_running_loop()
            await asyncio.wait_for(loop.sock_connect(sock, (uri.host, uri.port)), WAIT)
            protocol.send_request(protocol.connect())
            await stalling._flush()
            while protocol.handshake_exc is None and protocol.state is State.CONNECTING:
                await stalling._read_some(WAIT)
            if protocol.handshake_exc is not None:
                raise protocol.handshake_exc
            yield stalling
        finally:
            sock.close()

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        for data in self.protocol.data_to_send():
            if data:
                await loop.sock_sendall(self.sock, data)

    async def _read_some(self, within: float) -> bool:
        """Read what has arrived and parse it; False once the connection is over."""
        loop = asyncio.get_running_loop()
        data = await asyncio.wait_for(loop.sock_recv(self.sock, 65536), within)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        for event in self.protocol.events_received():
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._received.append(json.loads(bytes(event.data)))
        await self._flush()  # pongs, and the answer to a close
        return bool(data) and self.protocol.state is not State.CLOSED

    async def send(self, message: dict[str, Any]) -> None:
        self.protocol.send_text(json.dumps(message).encode())
        await self._flush()

    async def receive(self, within: float = WAIT) -> dict[str, Any] | None:
        """The next message, or None once the server has closed the connection."""
        while not self._received:
            if not await self._read_some(within):
                return self._received.popleft() if self._received else None
        return self._received.popleft()

    @property
    def close_code(self) -> int | None:
        close = self.protocol.close_rcvd
        return close.code if close is not None else None


# --- subscriptions ----------------------------------------------------------------------

MESSAGE_ADDED = """
subscription MessageAdded($conversationId: ID, $afterSeq: Int) {
  messageAdded(conversationId: $conversationId, afterSeq: $afterSeq) {
    id conversationId seq content sender { id username displayName }
  }
}
"""

MESSAGE_UPDATED = """
subscription MessageUpdated($conversationId: ID) {
  messageUpdated(conversationId: $conversationId) {
    id conversationId seq content editedAt deletedAt sender { id }
  }
}
"""

CONVERSATION_UPDATED = """
subscription { conversationUpdated { id kind title participants { role user { id } } } }
"""

TYPING = """
subscription Typing($conversationId: ID!) {
  typing(conversationId: $conversationId) { conversationId isTyping user { id username } }
}
"""


async def until_live(
    *operations: Operation,
    probe: Callable[[str], Awaitable[object]],
    heard: Callable[[dict[str, Any], str], bool] | None = None,
) -> list[dict[str, Any]]:
    """Wait until just-started subscriptions are listening; the result each had for the probe.

    Neither protocol acknowledges a subscription, so this repeats ``probe(mark)`` (an action
    whose event carries ``mark``) until every operation has delivered the same one. Results of
    earlier, late probes are skipped. ``heard`` decides for events that cannot carry the mark.
    """

    async def hear(operation: Operation, mark: str, within: float) -> dict[str, Any]:
        while True:
            data = await operation.data(within=within)
            if heard(data, mark) if heard else mark in json.dumps(data):
                return data

    for attempt, within in enumerate(probe_waits(), start=1):
        mark = f"<probe {attempt}>"
        await probe(mark)
        try:
            return [await hear(operation, mark, within) for operation in operations]
        except TimeoutError:
            continue
    raise AssertionError("the subscriptions never heard a probe")


def probe_waits(*, first: float = 0.1, longest: float = 2.0, total: float = 20.0) -> list[float]:
    """How long to wait for each probe in turn: a subscription is usually live within a
    fraction of a second, so the first waits are short, then longer ones (``longest``) until
    ``total`` seconds were waited, for a slow machine."""
    waits: list[float] = []
    wait = first
    while sum(waits) < total:
        waits.append(wait)
        wait = min(2 * wait, longest)
    return waits
