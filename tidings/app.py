"""The ASGI application: Starlette routes, the GraphQL endpoint and the lifespan."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tidings.clock import Clock
from tidings.errors import ErrorCode
from tidings.graphql.view import TidingsGraphQL
from tidings.migrate import schema_revision
from tidings.services import Services, open_services
from tidings.settings import Settings
from tidings.web.serving import WebClient, bundle_of

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
    """The process is alive and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """PostgreSQL (or SQLite) and Redis answer, and the schema is migrated; 503 naming what
    is wrong (an unmigrated schema would fail every request)."""
    services: Services = request.app.state.services
    problems: dict[str, str] = {}
    try:
        async with asyncio.timeout(2):
            async with services.engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
                schema = await schema_revision(connection)
        if schema.behind:
            problems["schema"] = schema.problem()
    except Exception as error:  # any failure means not ready; say which
        problems["database"] = f"{type(error).__name__}: {error}"[:200]
    if services.redis is not None:
        try:
            async with asyncio.timeout(2):
                await services.redis.ping()
        except Exception as error:
            problems["redis"] = f"{type(error).__name__}: {error}"[:200]
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


async def metrics(request: Request) -> Response:
    """Prometheus exposition of this instance's ``tidings_*`` metrics."""
    services: Services = request.app.state.services
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


class _GraphQLEndpoint:
    """Hands HTTP and WebSocket requests to the view the lifespan built."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        view: TidingsGraphQL = scope["app"].state.graphql
        await view(scope, receive, send)


_graphql = _GraphQLEndpoint()


def _tune_gc() -> None:
    """Every collection stops the event loop, so every subscriber waits for it.

    What lives from start to stop (modules, the schema, pools) goes to the permanent
    generation, which collections never walk. Young collections run every 10,000 new
    container objects rather than 700: fewer objects outlive them into the older generations,
    so the collections of those, which walk every socket's state, come far less often
    (benchmark (a): p99 from ~460 to ~40 ms; see BENCHMARKS.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _cors(settings: Settings) -> list[Middleware]:
    """Other-origin frontends (a dev server on :5173, an app on its own domain) may call the
    HTTP API when their origin is listed. Tokens travel in the Authorization header, never in
    cookies, so credentials are not allowed; a preflight is cached for ``cors_max_age_seconds``.
    WebSockets are not CORS: their origins are ``allowed_origins``."""
    origins = settings.cors_origin_list
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=settings.cors_max_age_seconds,
        )
    ]


def create_app(
    settings: Settings | None = None, *, freeze_gc: bool = False, clock: Clock | None = None
) -> Starlette:
    """Build the app. Services (engine, Redis, limits) are created in the lifespan.

    ``freeze_gc`` is for a server process (not for tests, which build many apps): once
    started, tune the garbage collector (``_tune_gc``). ``clock`` is for tests that move time
    by hand; the system's clock otherwise.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_services(settings, clock=clock) as services:
            app.state.services = services
            app.state.graphql = view = TidingsGraphQL(services)
            if freeze_gc:
                _tune_gc()
            try:
                yield
            finally:
                await view.close()

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route(
                "/graphql",
                BodySizeLimit(_graphql, settings.max_body_bytes),
                methods=["GET", "POST"],
            ),
            WebSocketRoute("/graphql", _graphql),
            # Last: every other GET is the web client's. A Route, not a Mount: another method on
            # /graphql still gets that route's 405 (or a CORS preflight answer).
            Route("/{path:path}", WebClient(bundle_of(settings)), methods=["GET", "HEAD"]),
        ],
        middleware=_cors(settings),
        lifespan=lifespan,
    )
