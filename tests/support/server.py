"""The real app, in this process (requests through ASGI) or under a real uvicorn server, inside
the test's event loop.

``run_app`` is the fast tier: the very app ``create_app`` builds, its lifespan run as a
server runs it, HTTP requests handed to it without a socket (``Api.to_app``). ``run_server``
puts the same app behind uvicorn on a loopback port, for what needs a real socket: WebSockets,
uvicorn's own limits, ``tidings serve``'s configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import uvicorn
from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tidings.app import create_app
from tidings.clock import Clock
from tidings.services import Services
from tidings.settings import Settings

__all__ = ["LocalApp", "RunningServer", "run_app", "run_server"]

# Where an in-process request comes from: loopback, as the uvicorn tier's clients do.
CLIENT = ("127.0.0.1", 50000)


@dataclass
class LocalApp:
    """The app running in this process, without a server."""

    app: Starlette

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One request, as uvicorn hands it over: in a task of its own (so context variables
        do not leak between requests) and through the proxy-headers middleware that
        ``tidings serve`` turns on (X-Forwarded-For from loopback names the client)."""
        # Any: uvicorn types ASGI apps more narrowly than Starlette does.
        served: Any = ProxyHeadersMiddleware(cast(Any, self.app), trusted_hosts="127.0.0.1")
        await asyncio.create_task(served(scope, receive, send))


@dataclass
class RunningServer:
    app: Starlette
    port: int

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services


@asynccontextmanager
async def run_app(settings: Settings, *, clock: Clock | None = None) -> AsyncIterator[LocalApp]:
    """``create_app(settings)`` with its lifespan started, as uvicorn starts it (the ASGI
    lifespan protocol, in a task of its own), and shut down when the block ends."""
    app = create_app(settings, clock=clock)
    async with _lifespan(app):
        yield LocalApp(app)


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()

    async def send(message: Message) -> None:
        await from_app.put(message)

    scope: dict[str, Any] = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, to_app.get, send))
    await to_app.put({"type": "lifespan.startup"})
    started = await _answer(task, from_app)
    if started["type"] != "lifespan.startup.complete":
        await task
        raise RuntimeError(started.get("message", "the lifespan failed to start"))
    try:
        yield
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        stopped = await _answer(task, from_app)
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if stopped["type"] != "lifespan.shutdown.complete":
            raise RuntimeError(stopped.get("message", "the lifespan failed to stop"))


async def _answer(task: asyncio.Task[None], answers: asyncio.Queue[Message]) -> Message:
    """The app's next lifespan message; the app's own error if it ended without one."""
    answer = asyncio.create_task(answers.get())
    await asyncio.wait({task, answer}, return_when=asyncio.FIRST_COMPLETED)
    if answer.done():
        return answer.result()
    answer.cancel()
    task.result()  # raises what the lifespan raised
    raise RuntimeError("the lifespan ended without answering")


@asynccontextmanager
async def run_server(
    settings: Settings, *, ws_max_size: int | None = None, clock: Clock | None = None
) -> AsyncIterator[RunningServer]:
    """The app under uvicorn, configured as ``tidings serve`` configures it (``ws_max_size``
    overrides its WebSocket message limit, to test the app's own check behind it)."""
    app = create_app(settings, clock=clock)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        ws_max_size=ws_max_size or settings.max_body_bytes,
    )
    config.load()
    server = uvicorn.Server(config)
    # Server.serve() without its main loop, which notices should_exit only every 0.1 s.
    server.lifespan = config.lifespan_class(config)
    try:
        await server.startup()
    except SystemExit as exit_:  # how uvicorn reports a failed lifespan start (logged)
        raise RuntimeError("the app failed to start; its error is logged above") from exit_
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningServer(app=app, port=port)
    finally:
        await _shut_down(server)


async def _shut_down(server: uvicorn.Server) -> None:
    """``Server.shutdown()``, less its fixed 0.1 s pause: stop listening, ask every connection
    to close (a WebSocket gets 1012), wait until they and their tasks are done, then run the
    lifespan's shutdown."""
    for listener in server.servers:
        listener.close()
    state = server.server_state
    for connection in list(state.connections):
        connection.shutdown()
    try:
        async with asyncio.timeout(10):
            # uvicorn has no event for its last connection or task ending: poll.
            while state.connections or state.tasks:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
    except TimeoutError:  # as uvicorn does once its graceful shutdown times out
        for task in state.tasks:
            task.cancel()
    for listener in server.servers:
        await listener.wait_closed()
    await server.lifespan.shutdown()
