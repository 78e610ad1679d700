"""What every scenario needs: the run's stack and data, servers (optionally profiled), many
sockets opened at once, and a way to tell when subscriptions are live."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.graphql_http import GraphQLHttp
from bench.graphql_socket import GraphQLSocket
from bench.profiling import profiled
from bench.results import ScenarioResult
from bench.seed import Dataset
from bench.sizes import Sizes
from bench.stack import ServerProcess, Stack, baseline_server, tidings_server

__all__ = [
    "Run",
    "close_all",
    "frame",
    "gc_pauses",
    "marker",
    "open_sockets",
    "read_marker",
    "subscription_errors",
    "subscriptions_live",
    "until",
    "until_settled",
]

_PADDING = "lorem ipsum dolor sit amet, consectetur adipiscing elit"


@dataclass
class Run:
    stack: Stack
    data: Dataset
    sizes: Sizes
    say: Callable[[str], None]
    results: Path
    compression: bool = True
    profile: bool = False

    @asynccontextmanager
    async def tidings(self, label: str) -> AsyncIterator[ServerProcess]:
        async with tidings_server(self.stack, label) as server:
            yield server

    @asynccontextmanager
    async def baseline(self, label: str) -> AsyncIterator[ServerProcess]:
        async with baseline_server(self.stack, label) as server:
            yield server

    @asynccontextmanager
    async def measuring(self, server: ServerProcess, label: str) -> AsyncIterator[None]:
        """Profile ``server`` with py-spy while the block runs, when ``--profile`` is on."""
        if not self.profile or server.name != "tidings":
            yield
            return
        async with profiled(server.pid, self.results / f"profile-{label}"):
            yield


def marker(tag: str, number: int) -> str:
    """Message content that says which message it is, padded to a chat-like length."""
    return f"{tag} {number} {_PADDING}"


def read_marker(content: str) -> tuple[str, int]:
    tag, number, _ = content.split(" ", 2)
    return tag, int(number)


async def open_sockets(
    url: str | Callable[[int], str],
    tokens: Sequence[str | None],
    *,
    compression: bool,
    say: Callable[[str], None],
    what: str,
    concurrency: int = 64,
) -> list[GraphQLSocket]:
    """Open one socket per token (``connection_init`` when the token is not None)."""
    sockets: list[GraphQLSocket | None] = [None] * len(tokens)
    gate = asyncio.Semaphore(concurrency)
    done = 0
    shown = time.monotonic()

    async def one(index: int) -> None:
        nonlocal done, shown
        target = url(index) if callable(url) else url
        async with gate:
            sockets[index] = await GraphQLSocket.open(
                target, tokens[index], compression=compression
            )
        done += 1
        if time.monotonic() - shown > 2:
            shown = time.monotonic()
            say(f"{what}: {done:,}/{len(tokens):,} sockets open")

    try:
        await asyncio.gather(*(one(i) for i in range(len(tokens))))
    except BaseException:
        await close_all([s for s in sockets if s is not None])
        raise
    return [s for s in sockets if s is not None]


async def close_all(sockets: Sequence[GraphQLSocket]) -> None:
    gate = asyncio.Semaphore(256)

    async def one(socket: GraphQLSocket) -> None:
        async with gate:
            await socket.close()

    await asyncio.gather(*(one(s) for s in sockets))


_GAUGE = re.compile(r'^tidings_active_subscriptions\{field="(\w+)"\} ([0-9.e+]+)$', re.M)
_POOL = re.compile(r"^tidings_db_pool_checked_out ([0-9.e+]+)$", re.M)
_GC = re.compile(
    r'^tidings_gc_pause_seconds_(bucket|sum|count)\{generation="(\d)"(?:,le="([^"]+)")?\} '
    r"([0-9.e+]+)$",
    re.M,
)


async def gc_pauses(server: ServerProcess) -> dict[str, float]:
    """The server's garbage collections so far: how many per generation, how many took 50 ms
    or more (in all and per generation), and the seconds they stood the event loop still."""
    async with GraphQLHttp(server.http_url, connections=1) as http:
        text = await http.get_text("/metrics")
    found: dict[str, float] = {}
    for kind, generation, le, value in _GC.findall(text):
        if kind == "sum":
            found["seconds"] = found.get("seconds", 0.0) + float(value)
        elif kind == "count":
            found[f"collections_gen{generation}"] = float(value)
        elif kind == "bucket" and le in {"0.05", "+Inf"}:
            slow = float(value) if le == "+Inf" else -float(value)
            found["pauses_over_50ms"] = found.get("pauses_over_50ms", 0.0) + slow
            key = f"pauses_over_50ms_gen{generation}"
            found[key] = found.get(key, 0.0) + slow
    return found


async def subscriptions_live(
    server: ServerProcess, wanted: dict[str, int], *, within: float = 120
) -> dict[str, int]:
    """Wait until the server reports at least ``wanted`` live subscriptions per field, and
    no database connection in use (the gauge rises as a subscription starts, before its feed
    has read what it follows; message feeds would fill a gap from the database anyway).
    """
    deadline = time.monotonic() + within
    async with GraphQLHttp(server.http_url, connections=1) as http:
        while True:
            text = await http.get_text("/metrics")
            live = {field: int(float(value)) for field, value in _GAUGE.findall(text)}
            busy = sum(float(value) for value in _POOL.findall(text))
            if busy == 0 and all(live.get(field, 0) >= count for field, count in wanted.items()):
                await asyncio.sleep(0.2)
                return live
            if time.monotonic() > deadline:
                raise TimeoutError(f"subscriptions live {live}, wanted {wanted}")
            await asyncio.sleep(0.25)


async def until(done: Callable[[], bool], *, within: float, step: float = 0.05) -> bool:
    """Poll ``done`` until it holds or ``within`` seconds pass; whether it held."""
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


async def until_settled(
    progress: Callable[[], int], done: Callable[[], bool], *, quiet: float = 10,
    within: float = 900,
) -> bool:  # fmt: skip
    """Poll until ``done``; give up once ``progress`` has not moved for ``quiet`` seconds
    (what has not arrived by then is not coming: the checks will say so)."""
    deadline = time.monotonic() + within
    last, moved = progress(), time.monotonic()
    while not done():
        now = time.monotonic()
        if progress() != last:
            last, moved = progress(), now
        elif now - moved > quiet or now > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def subscription_errors(
    result: ScenarioResult, label: str, sockets: Sequence[GraphQLSocket]
) -> None:
    """Check that no subscription ended in an error, keeping the first few errors seen."""
    errors = [error for socket in sockets for error in socket.errors]
    result.expect(f"{label} subscription errors", 0, len(errors))
    if errors:
        result.details.setdefault("errors", {})[label] = [json.dumps(e)[:300] for e in errors[:3]]


def frame(operation: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A ``next`` frame as the server sends it, for the baseline to send pre-serialized."""
    return {"id": "1", "type": "next", "payload": {"data": {operation: fields}}}
