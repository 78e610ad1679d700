"""A lean ``graphql-transport-ws`` client on ``websockets``: one reader task per socket hands
each result to a callback with the time it arrived, so thousands of sockets cost the load
generator little. The baseline server sends frames of the same shape, so the same reader
serves both.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

__all__ = ["GraphQLSocket", "OnNext"]

# (the result's payload, when it arrived by time.perf_counter())
OnNext = Callable[[dict[str, Any], float], None]
PROTOCOL = Subprotocol("graphql-transport-ws")


class GraphQLSocket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.errors: list[dict[str, Any]] = []
        self.completed: set[str] = set()
        self._handlers: dict[str, OnNext] = {}
        self._ids = itertools.count(1)
        self._ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(
        cls, url: str, token: str | None, *, compression: bool = True, within: float = 60
    ) -> GraphQLSocket:
        """Connect; with a token, send ``connection_init`` and wait for ``connection_ack``."""
        connection = await connect(
            url,
            subprotocols=[PROTOCOL],
            # Browsers offer permessage-deflate; the server decides.
            compression="deflate" if compression else None,
            open_timeout=within,
            close_timeout=2,
            ping_interval=None,  # the server pings; an idle client stays idle
            max_size=None,
        )
        socket = cls(connection)
        if token is None:
            socket._ack.set_result(None)  # a plain socket: nothing to acknowledge
        else:
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
            await connection.send(json.dumps(init))
            try:
                await asyncio.wait_for(asyncio.shield(socket._ack), within)
            except BaseException:
                await socket.close()
                raise
        return socket

    def on(self, operation_id: str, handler: OnNext) -> None:
        """Route results of ``operation_id`` (the baseline's frames use id "1") to ``handler``."""
        self._handlers[operation_id] = handler

    async def subscribe(self, query: str, variables: dict[str, Any], handler: OnNext) -> str:
        operation_id = str(next(self._ids))
        self._handlers[operation_id] = handler
        message = {
            "type": "subscribe",
            "id": operation_id,
            "payload": {"query": query, "variables": variables},
        }
        await self.connection.send(json.dumps(message))
        return operation_id

    @property
    def closed(self) -> bool:
        return self._reader.done()

    @property
    def close_code(self) -> int | None:
        return self.connection.close_code

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.connection.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                received = time.perf_counter()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    payload = message["payload"]
                    handler = self._handlers.get(message.get("id", ""))
                    if payload.get("errors") or not payload.get("data"):
                        self.errors.append(message)  # a result with errors is not a delivery
                    elif handler is not None:
                        handler(payload, received)
                elif kind == "connection_ack":
                    if not self._ack.done():
                        self._ack.set_result(None)
                elif kind == "ping":
                    await self.connection.send('{"type":"pong"}')
                elif kind == "error":
                    self.errors.append(message)
                elif kind == "complete":
                    self.completed.add(message.get("id", ""))
        except ConnectionClosed:
            pass
        finally:
            if not self._ack.done():
                code = self.connection.close_code
                self._ack.set_exception(ConnectionError(f"socket closed before ack: {code}"))
                self._ack.exception()  # retrieved: open() re-raises it if it is waiting
