"""A client process holding idle sockets for scenarios (e) and (f).

Reads one JSON line on stdin: ``{"url", "tokens", "subscriptions": [[query, variables]...],
"compression", "concurrency"}``; opens a socket per token (``connection_init``, then each
subscription; with a null token, a plain socket), printing ``progress N`` now and then, then
``failure ERROR`` for each of the first three failures and ``ready OPENED FAILED``; holds them
until a line (or EOF) on stdin, then closes them and prints ``closed N`` where N counts
sockets the server had closed meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from bench.graphql_socket import GraphQLSocket
from bench.stack import raise_open_files

__all__ = ["main"]


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def _hold(order: dict[str, Any]) -> None:
    gate = asyncio.Semaphore(order.get("concurrency", 64))
    sockets: list[GraphQLSocket] = []
    failures: list[str] = []
    shown = time.monotonic()

    def ignore(_payload: dict[str, Any], _at: float) -> None:
        pass

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
            for query, variables in order["subscriptions"]:
                await socket.subscribe(query, variables, ignore)
        if time.monotonic() - shown > 2:
            shown = time.monotonic()
            _say(f"progress {len(sockets)}")

    await asyncio.gather(*(one(token) for token in order["tokens"]))
    for failure in failures[:3]:  # before "ready": the harness stops reading at "ready"
        _say(f"failure {failure}")
    _say(f"ready {len(sockets)} {len(failures)}")
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    lost = sum(1 for s in sockets if s.closed)
    await asyncio.gather(*(s.close() for s in sockets))
    _say(f"closed {lost}")


def main() -> None:
    raise_open_files()
    order = json.loads(sys.stdin.readline())
    try:
        import uvloop
    except ImportError:
        asyncio.run(_hold(order))
    else:
        uvloop.run(_hold(order))


if __name__ == "__main__":
    main()
