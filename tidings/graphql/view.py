"""The GraphQL endpoint: Strawberry's ASGI view with Tidings' context and socket rules.

For WebSockets (``graphql-transport-ws`` and the legacy ``graphql-ws``): a per-IP connect rate,
authentication in ``connection_init`` (4403 when it fails), an init deadline for both
protocols, the per-user socket cap (4429), and cleanup when the socket ends. Both protocols
run queries and mutations as well as subscriptions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta

import structlog
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import CompleteMessage, ErrorMessage
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.unset import UnsetType

from tidings.errors import RateLimited, TidingsError
from tidings.graphql.context import Context
from tidings.graphql.fanout import encode_result_frame
from tidings.graphql.schema import build_schema
from tidings.services import Services
from tidings.sockets import CLOSE_TOO_MANY, OpenSocket, close
from tidings.web.serving import graphiql_page

__all__ = ["TidingsGraphQL"]

log = structlog.get_logger("tidings.sockets")

CLOSE_FORBIDDEN = 4403
CLOSE_INIT_TIMEOUT = 4408

_WS_PARAMS = """subscriptionUrl,
        wsConnectionParams: () => {
          try {
            const headers = JSON.parse(localStorage.getItem("graphiql:headers") || "{}");
            return { authorization: headers.Authorization || headers.authorization || "" };
          } catch (error) {
            return {};
          }
        },
"""


class _Socket(ASGIWebSocketAdapter):
    """Strawberry's adapter, tolerating a socket that Tidings closed meanwhile (a limit, a
    logout, a slow subscriber): what Strawberry still sends to it is dropped, not an error."""

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


class _LegacyProtocol(BaseGraphQLWSHandler[Context, None]):
    """The legacy ``graphql-ws`` protocol, running queries and mutations too: Strawberry's
    handler only runs subscriptions over it (``InvalidOperationTypeError`` otherwise)."""

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


class TidingsGraphQL(GraphQL[Context, None]):
    websocket_adapter_class = _Socket
    graphql_ws_handler_class = _LegacyProtocol

    def __init__(self, services: Services) -> None:
        settings = services.settings
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql",
            keep_alive=True,  # legacy graphql-ws "ka" messages
            keep_alive_interval=15,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            allowed_origins=settings.allowed_origin_list,
        )
        self.services = services

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL, whose subscriptions send the Authorization header set in its Headers tab
        as the connection_init payload (browsers cannot set headers on WebSockets).

        The web client's bundle has its own build (web/graphiql.html), all of its files
        served from here, so it works offline; without a bundle, Strawberry's page, which
        loads GraphiQL from a public CDN."""
        page = graphiql_page(self.services.settings)
        if page is not None:
            return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
        html = self.graphql_ide_html.replace("subscriptionUrl,\n", _WS_PARAMS, 1)
        return HTMLResponse(html)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return Context(services=self.services, request=request, response=response)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await super().__call__(scope, receive, send)
            return
        websocket = WebSocket(scope, receive=receive, send=send)
        client = websocket.client.host if websocket.client else "unknown"
        try:
            await self.services.limits.hit("wsConnect", f"ip:{client}")
        except RateLimited as error:
            await websocket.accept(subprotocol=await self.pick_websocket_subprotocol(websocket))
            await close(websocket, CLOSE_TOO_MANY, error.message)
            return
        watchdog = asyncio.create_task(self._require_init(websocket))
        try:
            await self.run(websocket)
        finally:
            watchdog.cancel()
            socket: OpenSocket | None = scope.get("tidings.socket")
            if socket is not None:
                await self.services.sockets.release(socket)

    async def _require_init(self, websocket: WebSocket) -> None:
        """Close a socket that has not authenticated in time (the legacy protocol has no
        deadline of its own)."""
        await asyncio.sleep(self.services.settings.ws_init_timeout_seconds)
        if "tidings.socket" not in websocket.scope:
            await close(websocket, CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        websocket = context.request
        assert isinstance(websocket, WebSocket)
        try:
            viewer = await context.authenticate_socket()
        except TidingsError as error:
            log.info("socket refused", reason=error.message)
            # Closed here: the legacy protocol would close with 1011 on the rejection.
            await close(websocket, CLOSE_FORBIDDEN, "Forbidden")
            raise ConnectionRejectionError from error
        socket = OpenSocket(websocket, viewer.user_id, viewer.session_id)
        if not await self.services.sockets.admit(socket):
            limit = self.services.settings.ws_max_sockets_per_user
            await close(websocket, CLOSE_TOO_MANY, f"At most {limit} open sockets per user")
            raise ConnectionRejectionError
        websocket.scope["tidings.socket"] = socket
        return {"userId": str(viewer.user_id)}
