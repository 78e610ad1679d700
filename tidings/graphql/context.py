"""The per-request context, and the per-operation scope (database session, loaders).

Strawberry builds one context per HTTP request but only one per WebSocket, shared by every
operation on it. What must not outlive an operation (the database session, the loaders' caches)
therefore lives in an ``OperationScope`` held in a context variable that the ``OperationScopes``
extension sets around each operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from tidings import queries
from tidings.actions.actor import Actor, Caller, Viewer
from tidings.errors import Unauthenticated
from tidings.graphql.loaders import Loaders
from tidings.models import User
from tidings.services import Services

if TYPE_CHECKING:
    from tidings.realtime.rooms import LiveMessages

__all__ = ["Context", "Info", "OperationScope", "Viewer", "current_scope"]


class OperationScope:
    """What one GraphQL operation owns: a lazily opened session and its loaders."""

    def __init__(self, services: Services, request_id: str) -> None:
        self.services = services
        self.request_id = request_id
        self._session: AsyncSession | None = None
        # GraphQL resolves sibling fields concurrently; one AsyncSession must not be.
        self._lock = asyncio.Lock()
        self._loaders: Loaders | None = None
        # A subscription lives for hours: it must not hold a connection between events.
        self.streaming = False
        # A query only reads: its session needs no transaction (``create_read_session_factory``).
        self.reading = False

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._session is None:
                factory = self.services.reads if self.reading else self.services.sessions
                self._session = factory()
            try:
                yield self._session
            finally:
                if self.streaming:
                    await self.close()

    def loaders(self, viewer_id: uuid.UUID) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.db, viewer_id, self.services.presence)
        return self._loaders

    def forget_loaded(self) -> None:
        """Drop cached loads, so a long subscription does not serve stale rows."""
        self._loaders = None

    async def close(self) -> None:
        if self._session is None:
            return
        session, self._session = self._session, None
        try:
            await session.close()
        except SQLAlchemyError:
            # When a non-null field fails, graphql-core cancels its siblings, possibly mid-query,
            # which can leave the connection unusable. Discard it rather than let the failed
            # rollback replace the operation's result. A session cancelled mid-checkout cannot
            # even be invalidated; the pool reclaims that connection itself.
            with contextlib.suppress(SQLAlchemyError):
                await session.invalidate()


_scope: ContextVar[OperationScope] = ContextVar("tidings_operation_scope")


def current_scope() -> OperationScope:
    return _scope.get()


def enter_scope(scope: OperationScope) -> Any:
    return _scope.set(scope)


def leave_scope(token: Any) -> None:
    _scope.reset(token)


@dataclass
class Context:
    """Built once per HTTP request or WebSocket connection by ``TidingsGraphQL.get_context``."""

    services: Services
    request: Request | WebSocket
    response: Response | WebSocket | None
    # The instance's live message delivery (sockets only).
    live: LiveMessages | None = None
    # Set by Strawberry from the graphql-ws ``connection_init`` payload.
    connection_params: dict[str, Any] | None = None
    _viewer: Viewer | None = field(default=None, repr=False)

    @property
    def viewer_id(self) -> uuid.UUID | None:
        """The viewer's id if already authenticated (for logs), without authenticating."""
        return self._viewer.user_id if self._viewer else None

    @property
    def scope(self) -> OperationScope:
        return current_scope()

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        """The operation's database session, held exclusively while the block runs."""
        async with self.scope.db() as session:
            yield session

    @property
    def client_ip(self) -> str:
        client = self.request.client
        return client.host if client else "unknown"

    def bearer_token(self) -> str | None:
        """The access token from the Authorization header or the connection_init payload."""
        params = self.connection_params or {}
        if isinstance(params.get("token"), str):
            return str(params["token"])
        header = params.get("authorization") or params.get("Authorization")
        if header is None and isinstance(self.request, Request):
            header = self.request.headers.get("authorization")
        if not isinstance(header, str):
            return None
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    async def authenticate_socket(self) -> Viewer:
        """Check the ``connection_init`` token of a WebSocket; the socket keeps this viewer."""
        token = self.bearer_token()
        if token is None:
            raise Unauthenticated("connection_init carries no token")
        # Always asks the database: once per socket, which then lives for hours, so the
        # round trip is cheap next to it, and a socket never opens on a remembered session.
        self._viewer, _ = await self._authenticate(self.services.sessions, token, fresh=True)
        # Bound in the socket's task, so every operation task it starts inherits it.
        structlog.contextvars.bind_contextvars(user_id=str(self._viewer.user_id))
        return self._viewer

    async def viewer(self) -> Viewer:
        """The authenticated viewer, or ``UNAUTHENTICATED`` / ``TOKEN_EXPIRED``."""
        if self._viewer is None:
            token = self.bearer_token()
            if token is None:
                raise Unauthenticated("Sign in: send 'Authorization: Bearer <access token>'")
            viewer, user = await self._authenticate(self.db, token, fresh=False)
            self._viewer = viewer
            if user is not None:  # read to check the session: saves the loaders a read
                self.scope.loaders(user.id).users.prime(user.id, queries.UserRow.of(user))
            # Once per request, not on every field that asks who the viewer is.
            structlog.contextvars.bind_contextvars(user_id=str(viewer.user_id))
        return self._viewer

    async def _authenticate(
        self,
        db: Callable[[], AbstractAsyncContextManager[AsyncSession]],
        token: str,
        *,
        fresh: bool,
    ) -> tuple[Viewer, User | None]:
        """The viewer behind a valid access token whose session is still live, and their row
        if the database was asked (not when ``live_sessions`` remembered the session)."""
        claims = self.services.tokens.read_access_token(token, keep=not fresh)
        viewer = Viewer(claims.user_id, claims.session_id)
        live = self.services.live_sessions
        if not fresh and live.lookup(claims.session_id, claims.user_id):
            return viewer, None
        since = live.checking()
        async with db() as session:
            user = await queries.session_user(
                session, session_id=claims.session_id, user_id=claims.user_id
            )
        if user is None:
            raise Unauthenticated("This session has ended; log in again")
        live.remember(claims.session_id, claims.user_id, since=since)
        return viewer, user

    def caller(self) -> Caller:
        """Who calls a signed-out action (register, log in, refresh), through this operation's
        database session."""
        return Caller(
            services=self.services,
            db=self.db,
            client_ip=self.client_ip,
            user_agent=self.request.headers.get("user-agent"),
        )

    async def actor(self) -> Actor:
        """The signed-in viewer, as actions take them; ``UNAUTHENTICATED`` if none."""
        viewer = await self.viewer()
        return Actor(services=self.services, db=self.db, client_ip=self.client_ip, viewer=viewer)

    async def loaders(self) -> Loaders:
        viewer = await self.viewer()
        return self.scope.loaders(viewer.user_id)


Info = StrawberryInfo[Context, None]
