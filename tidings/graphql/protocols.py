"""The two GraphQL-over-WebSocket protocols as Tidings speaks them: Strawberry's handlers, with
the rules they leave out.

- Every frame must be a JSON object with a ``type``, at most ``max_body_bytes`` long (the HTTP
  body limit): anything else closes the socket with 4400, a longer one with 1009. Strawberry's
  handlers index into whatever ``json.loads`` returns (so ``[]`` or ``null`` crashed them), and
  the legacy one silently dropped frames that were not JSON.
- An operation's ``id`` and ``payload`` must have the protocol's shape (4400 otherwise).
- A second ``connection_init`` closes the socket with 4429 on the legacy protocol too, as on
  ``graphql-transport-ws``; acknowledging it would hold a second place in the socket cap.
- The per-socket operation cap answers with ``VALIDATION_ERROR`` and ``extensions.limit``.
- Queries and mutations run over the legacy protocol as well as subscriptions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from json import JSONDecodeError
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.async_base_view import AsyncBaseHTTPView
from strawberry.http.exceptions import NonTextMessageReceived, WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    CompleteMessage,
    ConnectionInitMessage,
    ErrorMessage,
    OperationMessage,
    StartMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from tidings.errors import ErrorCode
from tidings.graphql.context import Context
from tidings.realtime.fanout import encode_result_frame
from tidings.realtime.sockets import CLOSE_TOO_MANY, close
from tidings.realtime.writer import LiveTarget, current_target

__all__ = [
    "CLOSE_BAD_MESSAGE",
    "CLOSE_TOO_BIG",
    "LegacyProtocol",
    "Socket",
    "TransportProtocol",
]

CLOSE_BAD_MESSAGE = 4400
CLOSE_TOO_BIG = 1009  # RFC 6455: a message too big to process


class Socket(ASGIWebSocketAdapter):
    """Strawberry's adapter, reading only well-formed frames, and tolerating a socket that
    Tidings closed meanwhile (a limit, a logout, a slow subscriber): what Strawberry still
    sends to it is dropped, not an error."""

    def __init__(
        self,
        view: AsyncBaseHTTPView[Any, Any, Any, Any, Any, Any, Any],
        request: WebSocket,
        response: WebSocket,
        *,
        max_frame_bytes: int,
    ) -> None:
        super().__init__(view, request, response)
        self.max_frame_bytes = max_frame_bytes

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        """Each frame, decoded; the first frame that is not a JSON object with a string
        ``type``, or is too long, closes the socket and ends the iteration."""
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if problem := self._too_long(text):
                    await close(self.ws, CLOSE_TOO_BIG, problem)
                    return
                try:
                    message = self.view.decode_json(text)
                except JSONDecodeError:
                    await close(self.ws, CLOSE_BAD_MESSAGE, "WebSocket message must be valid JSON")
                    return
                if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                    reason = "WebSocket message must be a JSON object with a string type"
                    await close(self.ws, CLOSE_BAD_MESSAGE, reason)
                    return
                yield message
        except KeyError as error:  # a binary frame
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass

    def _too_long(self, text: str) -> str | None:
        # A character is at most 4 bytes: short frames (nearly all) need no encoding.
        limit = self.max_frame_bytes
        if len(text) * 4 <= limit or len(text.encode()) <= limit:
            return None
        return f"WebSocket message is over {limit} bytes"

    async def send_json(self, message: Mapping[str, object]) -> None:
        if self.ws.application_state == WebSocketState.DISCONNECTED:
            return
        frame = encode_result_frame(message)
        if frame is None:
            await super().send_json(message)
            return
        try:
            await self.ws.send_text(frame)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc

    async def close(self, code: int, reason: str) -> None:
        await close(self.ws, code, reason)


def _malformed(message: Mapping[str, object], *, start: str, stop: str) -> str | None:
    """Why an operation message lacks the shape its protocol gives it, or None."""
    kind = message["type"]
    if kind not in (start, stop):
        return None
    if not isinstance(message.get("id"), str):
        return f"A {kind} message needs a string id"
    if kind == stop:
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return f"A {kind} message needs a payload with a query string"
    if not isinstance(payload.get("variables"), dict | None):
        return "variables must be an object or null"
    if not isinstance(payload.get("operationName"), str | None):
        return "operationName must be a string or null"
    return None


def _over_the_cap(
    limit: int | None, *, acknowledged: bool, operation_id: str, running: Mapping[str, object]
) -> GraphQLError | None:
    """The error for a new operation past the per-socket cap, or None. It cannot run as sent
    (like a query over the depth limit), so ``VALIDATION_ERROR``; the client completes one.
    A reused id is left to the protocol's own rule."""
    if limit is None or not acknowledged or operation_id in running or len(running) < limit:
        return None
    return GraphQLError(
        f"At most {limit} operations may run at once on one socket; complete one first",
        extensions={"code": ErrorCode.VALIDATION_ERROR.value, "limit": limit},
    )


class TransportProtocol(BaseGraphQLTransportWSHandler[Context, None]):
    """``graphql-transport-ws`` (Apollo, urql, ``graphql-ws``) with the module's rules."""

    async def handle_message(self, message: Message) -> None:
        if problem := _malformed(message, start="subscribe", stop="complete"):
            await self.websocket.close(CLOSE_BAD_MESSAGE, problem)
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        error = _over_the_cap(
            self.max_subscriptions_per_connection,
            acknowledged=self.connection_acknowledged,
            operation_id=message["id"],
            running=self.operations,
        )
        if error is not None:
            payload = [error.formatted]
            await self.send_message({"id": message["id"], "type": "error", "payload": payload})
            return
        # The operation's task inherits where its live frames go.
        current_target.set(LiveTarget(message["id"], "next"))
        await super().handle_subscribe(message)


class LegacyProtocol(BaseGraphQLWSHandler[Context, None]):
    """The legacy ``graphql-ws`` protocol (``subscriptions-transport-ws``) with the module's
    rules, running queries and mutations too: Strawberry's handler only runs subscriptions
    over it (``InvalidOperationTypeError`` otherwise)."""

    _init_received = False

    async def handle_message(self, message: OperationMessage) -> None:
        if problem := _malformed(message, start="start", stop="stop"):
            await self.websocket.close(CLOSE_BAD_MESSAGE, problem)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self._init_received:
            await self.websocket.close(CLOSE_TOO_MANY, "Too many initialisation requests")
            return
        self._init_received = True
        await super().handle_connection_init(message)

    async def handle_start(self, message: StartMessage) -> None:
        operation_id = message["id"]
        error = _over_the_cap(
            self.max_subscriptions_per_connection,
            acknowledged=self.connection_acknowledged,
            operation_id=operation_id,
            running=self.tasks,
        )
        if error is not None:
            payload = error.formatted
            await self.send_message(ErrorMessage(type="error", id=operation_id, payload=payload))
            return
        current_target.set(LiveTarget(operation_id, "data"))
        await super().handle_start(message)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        # Strawberry's own method, with ``stream`` (any operation) for ``subscribe``.
        try:
            results = await self.schema.stream(
                query,
                variable_values=variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation_name,
            )
            self.subscriptions[operation_id] = results
            first = True
            async for result in results:
                if first and isinstance(result, PreExecutionError):
                    assert result.errors
                    await self.send_message(
                        ErrorMessage(
                            type="error", id=operation_id, payload=result.errors[0].formatted
                        )
                    )
                    return
                if isinstance(result, ExecutionResult):  # @defer frames have no wire form here
                    await self.send_data_message(result, operation_id)
                first = False
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        except asyncio.CancelledError:
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)
