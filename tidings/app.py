"""The ASGI application: Starlette routes, the GraphQL endpoint and the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tidings.errors import ErrorCode
from tidings.graphql.view import TidingsGraphQL
from tidings.services import open_services
from tidings.settings import Settings

__all__ = ["create_app"]


class BodySizeLimit:
    """Refuse request bodies over ``limit`` bytes with 413 and ``MESSAGE_TOO_LARGE``."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = {
            "message": f"Request body is over {self.limit} bytes",
            "extensions": {"code": ErrorCode.MESSAGE_TOO_LARGE.value, "limit": self.limit},
        }
        await JSONResponse({"errors": [error]}, status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    """The streamed body passed the limit."""


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


class _GraphQLEndpoint:
    """Hands HTTP and WebSocket requests to the view the lifespan built."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        view: TidingsGraphQL = scope["app"].state.graphql
        await view(scope, receive, send)


_graphql = _GraphQLEndpoint()


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app. Services (engine, Redis, limits) are created in the lifespan."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_services(settings) as services:
            app.state.services = services
            app.state.graphql = TidingsGraphQL(services)
            yield

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route(
                "/graphql",
                BodySizeLimit(_graphql, settings.max_body_bytes),
                methods=["GET", "POST"],
            ),
            WebSocketRoute("/graphql", _graphql),
        ],
        lifespan=lifespan,
    )
