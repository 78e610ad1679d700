"""(e) Idle sockets: many users each holding one socket with three subscriptions
(``messageAdded``, ``messageUpdated`` and ``conversationUpdated``, all conversations), held by
client processes of their own. The figure is the server's resident memory (VmRSS) per socket:
after all are live, less before any connected (after a warm-up). The baseline: the bare
server holding the same number of plain sockets.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.queries import CONVERSATION_UPDATED, MESSAGE_ADDED, MESSAGE_UPDATED
from bench.results import ScenarioResult
from bench.scenarios._shared import Holders, Run, close_all, open_sockets, subscriptions_live
from bench.stack import ServerProcess

__all__ = ["run"]

_SUBSCRIPTIONS: list[tuple[str, dict[str, Any]]] = [
    (MESSAGE_ADDED, {}),
    (MESSAGE_UPDATED, {}),
    (CONVERSATION_UPDATED, {}),
]
_FIELDS = ("messageAdded", "messageUpdated", "conversationUpdated")


async def _warm(
    run: Run, server: ServerProcess, url: str, tokens: list[str | None], compression: bool
) -> None:
    """Run a few sockets through every code path first, so imports and caches are not counted."""
    sockets = await open_sockets(url, tokens, compression=compression, say=run.say, what="warm")

    def ignore(_payload: dict[str, Any], _at: float) -> None:
        pass

    if tokens[0] is not None:
        for socket in sockets:
            for query, variables in _SUBSCRIPTIONS:
                await socket.subscribe(query, variables, ignore)
        await subscriptions_live(server, dict.fromkeys(_FIELDS, len(sockets)))
    await close_all(sockets)
    await asyncio.sleep(run.sizes.settle_seconds)


async def _measure(
    run: Run, result: ScenarioResult, server: ServerProcess, label: str, url: str,
    tokens: list[str | None], compression: bool,
) -> dict[str, Any]:  # fmt: skip
    n = len(tokens)
    subscriptions = _SUBSCRIPTIONS if tokens[0] is not None else []
    await _warm(run, server, url, tokens[-5:], compression)
    before, cpu = server.rss_kib(), server.cpu_seconds()
    holders = Holders()
    try:
        async with run.measuring(server, f"e-{label.replace(' ', '-')}"):
            opened, failures = await holders.open(run, url, tokens, subscriptions, compression)
        result.expect(f"{label} sockets opened", n, opened)
        result.problems.extend(f"{label}: {failure}" for failure in failures[:3])
        if subscriptions:
            try:
                await subscriptions_live(server, dict.fromkeys(_FIELDS, opened), within=300)
            except TimeoutError as error:
                result.problems.append(f"{label}: {error}")
        await asyncio.sleep(run.sizes.settle_seconds)  # let allocations settle
        after = server.rss_kib()
        connect_cpu = server.cpu_seconds() - cpu
    finally:
        lost = await holders.close()
    result.expect(f"{label} sockets closed by the server while idle", 0, lost)
    held = max(1, opened)
    return {
        "sockets": opened,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_socket": (after - before) / held,
        "server_cpu_ms_per_socket": connect_cpu * 1000 / held,
    }


async def _pair(
    run: Run, result: ScenarioResult, n: int, compression: bool, suffix: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Tidings and the baseline holding ``n`` sockets each."""
    tokens: list[str | None] = list(run.data.tokens[:n])
    async with run.tidings("idle" + suffix) as server:
        run.say(f"tidings: opening {n:,} sockets with 3 subscriptions each{suffix}")
        tidings = await _measure(
            run, result, server, "tidings" + suffix, server.ws_url("/graphql"), tokens,
            compression,
        )  # fmt: skip
    async with run.baseline("idle" + suffix) as server:
        run.say(f"baseline: opening {n:,} plain sockets{suffix}")
        baseline = await _measure(
            run, result, server, "baseline" + suffix, server.ws_url("/ws"), [None] * n,
            compression,
        )  # fmt: skip
    return tidings, baseline


async def run(run: Run) -> ScenarioResult:
    n = min(run.sizes.idle_sockets, len(run.data.tokens))
    result = ScenarioResult("e", f"{n:,} idle sockets with 3 subscriptions each")
    tidings, baseline = await _pair(run, result, n, run.compression, "")
    result.details.update(tidings=tidings, baseline=baseline)
    per_socket = tidings["kib_per_socket"]
    result.figure(
        "server RSS per socket", per_socket, "KiB",
        baseline=baseline["kib_per_socket"], target="≤ 40 KiB", met=per_socket <= 40,
    )  # fmt: skip
    if run.compression:
        result.notes.append(
            "clients offer permessage-deflate, as browsers do; both servers decline it "
            "(the default of tidings serve, TIDINGS_WS_COMPRESSION=false)"
        )
    result.figure(
        "server CPU to open one socket", tidings["server_cpu_ms_per_socket"], "ms",
        baseline=baseline["server_cpu_ms_per_socket"],
    )  # fmt: skip
    return result
