"""A client process holding sockets for scenarios (e), (f) and (g).

Reads one JSON line on stdin: ``{"url", "tokens", "subscriptions": [[query, variables]...],
"compression", "concurrency", "deliveries"}``; opens a socket per token (``connection_init``,
then each subscription; with a null token, a plain socket that takes the baseline's frames),
printing ``progress N`` now and then, then ``failure ERROR`` for each of the first three
failures and ``ready OPENED FAILED``; holds them until a line (or EOF) on stdin, then closes
them, prints ``error JSON`` for each error a socket got and ``closed N`` where N counts sockets
the server had closed meanwhile.

With ``deliveries`` (a marker tag), each ``messageAdded`` result whose content carries that
tag is timed as it arrives and reported in batches while the sockets are held: ``got NUMBER
TIME...``, the times by ``time.perf_counter()``. On Linux that is ``clock_gettime
(CLOCK_MONOTONIC)`` (``time.get_clock_info("perf_counter")``), which clock_gettime(2) calls
system-wide: one clock for every process on the machine, so the harness sets the times against
its own send times. ``main`` refuses to time on any other clock.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from bench.graphql_socket import GraphQLSocket
from bench.markers import read_marker
from bench.stack import raise_open_files

__all__ = ["main"]

_BATCH = 0.05  # seconds an arrival may wait to be reported with others


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class _Arrivals:
    """When each of the tagged messages reached each socket, reported in batches."""

    def __init__(self, tag: str | None) -> None:
        self.tag = tag
        self.pending: dict[int, list[float]] = {}
        self.flushing: asyncio.TimerHandle | None = None

    def on_next(self, payload: dict[str, Any], at: float) -> None:
        if self.tag is None:
            return
        tag, number = read_marker(payload["data"]["messageAdded"]["content"])
        if tag != self.tag:
            return
        self.pending.setdefault(number, []).append(at)
        if self.flushing is None:
            self.flushing = asyncio.get_running_loop().call_later(_BATCH, self.flush)

    def flush(self) -> None:
        if self.flushing is not None:
            self.flushing.cancel()
        self.flushing = None
        lines = [f"got {n} {' '.join(map(repr, times))}\n" for n, times in self.pending.items()]
        self.pending.clear()
        if lines:
            sys.stdout.write("".join(lines))
            sys.stdout.flush()


async def _hold(order: dict[str, Any]) -> None:
    gate = asyncio.Semaphore(order.get("concurrency", 64))
    sockets: list[GraphQLSocket] = []
    failures: list[str] = []
    arrivals = _Arrivals(order.get("deliveries"))
    shown = time.monotonic()

    async def one(token: str | None) -> None:
        nonlocal shown
        async with gate:
            try:
                socket = await GraphQLSocket.open(
                    order["url"], token, compression=order["compression"]
                )
            except Exception as error:
                failures.append(f"{type(error).__name__}: {error}")
                return
            sockets.append(socket)
            if token is None:
                socket.on("1", arrivals.on_next)  # the baseline's frames
            for query, variables in order["subscriptions"]:
                await socket.subscribe(query, variables, arrivals.on_next)
        if time.monotonic() - shown > 2:
            shown = time.monotonic()
            _say(f"progress {len(sockets)}")

    await asyncio.gather(*(one(token) for token in order["tokens"]))
    for failure in failures[:3]:  # before "ready": the harness reads them until "ready"
        _say(f"failure {failure}")
    _say(f"ready {len(sockets)} {len(failures)}")
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    arrivals.flush()
    lost = sum(1 for s in sockets if s.closed)
    await asyncio.gather(*(s.close() for s in sockets))
    for socket in sockets:
        for error in socket.errors:
            _say(f"error {json.dumps(error)[:300]}")
    _say(f"closed {lost}")


def main() -> None:
    raise_open_files()
    order = json.loads(sys.stdin.readline())
    clock = time.get_clock_info("perf_counter").implementation
    if order.get("deliveries") and "CLOCK_MONOTONIC" not in clock:
        raise SystemExit(f"perf_counter is {clock}, not a clock shared with the harness")
    try:
        import uvloop
    except ImportError:
        asyncio.run(_hold(order))
    else:
        uvloop.run(_hold(order))


if __name__ == "__main__":
    main()
