"""Counting the SQL statements one GraphQL request runs.

pg_stat_statements needs a server restart to load, which a shared PostgreSQL cannot have, so
the same request is run in this process against ``tidings.app.create_app`` with the run's
settings (the same code the server process runs, through its ASGI interface), counting what
its engine sends. Statements of the app's background tasks (named ``tidings-…``, such as the
delivered-mark flush) are not the request's and are left out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import event

from tidings.app import create_app
from tidings.logs import configure_logging
from tidings.services import Services
from tidings.settings import Settings

__all__ = ["StatementCounter", "counting_app"]


class StatementCounter:
    def __init__(self, client: httpx.AsyncClient, services: Services) -> None:
        self.client = client
        self.services = services
        self.statements: list[str] = []
        event.listen(services.engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        task = asyncio.current_task()
        if task is not None and task.get_name().startswith("tidings-"):
            return
        self.statements.append(" ".join(statement.split()))

    async def count(self, query: str, variables: dict[str, Any], token: str) -> list[str]:
        """The statements of one request for ``query`` (after a warm-up run of the same)."""
        for attempt in range(2):
            self.statements = []
            response = await self.client.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.json()
            if body.get("errors"):
                raise RuntimeError(f"in-process request failed: {body['errors']}")
            _ = attempt
        return list(self.statements)


@asynccontextmanager
async def counting_app(settings: dict[str, str]) -> AsyncIterator[StatementCounter]:
    """The app, its lifespan entered, behind an in-process HTTP client that counts SQL."""
    fields: dict[str, Any] = {
        name.removeprefix("TIDINGS_").lower(): value for name, value in settings.items()
    }
    configure_logging("WARNING")  # the per-operation log lines would drown the progress
    app = create_app(Settings(**fields))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield StatementCounter(client, app.state.services)
