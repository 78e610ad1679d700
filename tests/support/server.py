"""Run the real app under a real uvicorn server inside the test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from tidings.app import create_app
from tidings.services import Services
from tidings.settings import Settings

__all__ = ["RunningServer", "run_server"]


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
async def run_server(
    settings: Settings, *, ws_max_size: int | None = None
) -> AsyncIterator[RunningServer]:
    """The app under uvicorn, configured as ``tidings serve`` configures it (``ws_max_size``
    overrides its WebSocket message limit, to test the app's own check behind it)."""
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        ws_max_size=ws_max_size or settings.max_body_bytes,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises the startup error
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningServer(app=app, port=port)
    finally:
        server.should_exit = True
        await task
