"""The network between one browser context and the server, under the test's control.

Playwright's ``set_offline`` fails HTTP requests and tells the page it is offline, but leaves
open WebSockets working (microsoft/playwright#4910), which no real loss of network does. So
every ``/graphql`` WebSocket of the context goes through Playwright (``route_web_socket``,
connected to the real server), and going offline also drops those sockets and refuses new
ones, as a dead Wi-Fi would.

It can also hold back ``sendMessage`` requests (HTTP or WebSocket) without failing them: a
send that is slow to be confirmed, as on a congested network.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field

from playwright.async_api import BrowserContext, Route, WebSocketRoute
from playwright.async_api import Error as PlaywrightError

__all__ = ["Network"]

_GRAPHQL = re.compile(r"/graphql(\?.*)?$")


def _is_send(text: str | bytes | None) -> bool:
    """Whether an HTTP body or a graphql-ws frame carries a sendMessage mutation."""
    if text is None:
        return False
    try:
        body = json.loads(text)
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    payload = body.get("payload") if body.get("type") == "subscribe" else body
    query = payload.get("query", "") if isinstance(payload, dict) else ""
    return isinstance(query, str) and re.search(r"\bsendMessage\b", query) is not None


@dataclass
class Network:
    context: BrowserContext
    reachable: bool = True
    holding: bool = False
    sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = field(default_factory=list)
    held_requests: list[Route] = field(default_factory=list)
    held_frames: list[tuple[WebSocketRoute, str | bytes]] = field(default_factory=list)

    @classmethod
    async def install(cls, context: BrowserContext) -> Network:
        """Route the context's GraphQL traffic through a Network (install before any page)."""
        network = cls(context)
        await context.route(_GRAPHQL, network._request)
        await context.route_web_socket(_GRAPHQL, network._socket)
        return network

    @property
    def held(self) -> int:
        return len(self.held_requests) + len(self.held_frames)

    async def go_offline(self) -> None:
        """The device loses its network: the page hears ``offline``, sockets drop."""
        await self.context.set_offline(True)
        await self.cut()

    async def go_online(self, *, server_reachable: bool = True) -> None:
        """The device has a network again; with ``server_reachable=False`` pages load but
        the server's GraphQL endpoint does not answer yet (until ``restore``)."""
        self.reachable = server_reachable
        await self.context.set_offline(False)

    async def cut(self) -> None:
        """The server becomes unreachable (the page still believes it is online): open
        sockets drop, new ones and GraphQL requests fail. Pages themselves still load."""
        self.reachable = False
        sockets, self.sockets = self.sockets, []
        for page_side, server_side in sockets:
            with contextlib.suppress(PlaywrightError):  # one side may have closed already
                await server_side.close()
            with contextlib.suppress(PlaywrightError):
                await page_side.close(code=1001, reason="network lost")

    def restore(self) -> None:
        """The server is reachable again."""
        self.reachable = True

    async def release(self) -> None:
        """Stop holding sends and let the held ones reach the server, late."""
        self.holding = False
        requests, self.held_requests = self.held_requests, []
        frames, self.held_frames = self.held_frames, []
        for route in requests:
            await route.continue_()
        for server_side, frame in frames:
            server_side.send(frame)

    async def drop_held(self) -> None:
        """Stop holding sends; the held ones never reach the server."""
        self.holding = False
        requests, self.held_requests = self.held_requests, []
        self.held_frames = []
        for route in requests:
            await route.abort("timedout")

    async def _request(self, route: Route) -> None:
        if not self.reachable:
            await route.abort("internetdisconnected")
        elif self.holding and _is_send(route.request.post_data):
            self.held_requests.append(route)
        else:
            await route.continue_()

    async def _socket(self, page_side: WebSocketRoute) -> None:
        if not self.reachable:
            await page_side.close(code=1001, reason="network lost")
            return
        server_side = page_side.connect_to_server()
        self.sockets.append((page_side, server_side))

        def forward(frame: str | bytes) -> None:
            if self.holding and _is_send(frame):
                self.held_frames.append((server_side, frame))
            else:
                server_side.send(frame)

        page_side.on_message(forward)
