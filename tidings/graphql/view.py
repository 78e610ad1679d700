"""The GraphQL endpoint: Strawberry's ASGI view with Tidings' context and socket rules.

For WebSockets (``graphql-transport-ws`` and the legacy ``graphql-ws``): a per-IP connect rate,
authentication in ``connection_init`` (4403 when it fails), an init deadline for both
protocols, the per-user socket cap (4429), and cleanup when the socket ends. What each
protocol accepts on the wire (frames, operations, the per-socket cap) is in ``protocols``.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from functools import partial

import orjson
import structlog
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType

from tidings.errors import RateLimited, TidingsError
from tidings.graphql.context import Context
from tidings.graphql.protocols import LegacyProtocol, Socket, TransportProtocol
from tidings.graphql.schema import build_schema
from tidings.realtime.rooms import LiveMessages
from tidings.realtime.sockets import CLOSE_TOO_MANY, OpenSocket, close
from tidings.realtime.writer import SocketWriter
from tidings.services import Services
from tidings.web.serving import graphiql_page

__all__ = ["TidingsGraphQL"]

log = structlog.get_logger("tidings.realtime.sockets")

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


class TidingsGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportProtocol
    graphql_ws_handler_class = LegacyProtocol

    def __init__(self, services: Services) -> None:
        settings = services.settings
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            keep_alive=True,  # legacy graphql-ws "ka" messages
            keep_alive_interval=15,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            allowed_origins=settings.allowed_origin_list,
            max_subscriptions_per_connection=settings.ws_max_subscriptions_per_socket,
        )
        # The HTTP body limit holds for WebSocket messages too (uvicorn's ws_max_size as well).
        # A factory, as AsyncBaseHTTPView declares the attribute (GraphQL narrows it to a class).
        self.websocket_adapter_class = partial(  # type: ignore[assignment]
            Socket, max_frame_bytes=settings.max_body_bytes
        )
        self.services = services
        self.live = LiveMessages(services)

    def encode_json(self, data: object) -> str:
        """Responses and socket frames, by orjson (an inbox page in a fraction of
        ``json.dumps``'s time). Text, not bytes: Strawberry sends bytes over a WebSocket as a
        binary frame, which graphql-ws clients do not read."""
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        """JSON too deeply nested for the parser is unparsable JSON (HTTP 400, WebSocket
        4400), not a ``RecursionError``."""
        try:
            return json.loads(data)
        except RecursionError as error:
            raise json.JSONDecodeError("JSON is nested too deeply", "", 0) from error

    async def close(self) -> None:
        """The instance is stopping: stop live delivery."""
        await self.live.close()

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
        live = self.live if isinstance(request, WebSocket) else None
        return Context(services=self.services, request=request, response=response, live=live)

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
            writer = scope.get("tidings.writer")
            if isinstance(writer, SocketWriter):
                await writer.stop()
            socket: OpenSocket | None = scope.get("tidings.socket")
            if socket is not None:
                await self.services.sockets.release(socket)

    async def _require_init(self, websocket: WebSocket) -> None:
        """Close a socket that has not authenticated in time (the legacy protocol has no
        deadline of its own)."""
        await self.services.clock.sleep(self.services.settings.ws_init_timeout_seconds)
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
