"""(a) 1:1 traffic: many users connected, messages sent at a steady rate between pairs.

Every user has one socket subscribed to ``messageAdded`` for all their conversations; a
sender posts ``sendMessage`` over HTTP at the planned instant (open loop, so a slow server
cannot slow the offered load down) and the figure is the time until the recipient's socket
has the message. The baseline: the same sockets on the bare server, which writes the same
pre-serialized frame to the recipient (and the sender, as Tidings echoes) on each POST.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bench.graphql_http import GraphQLHttp
from bench.graphql_socket import GraphQLSocket
from bench.queries import MESSAGE_ADDED, SEND_MESSAGE
from bench.results import ScenarioResult, percentile
from bench.scenarios._shared import (
    DirectTraffic,
    Run,
    baseline_frame,
    close_all,
    gc_pauses,
    marker,
    open_sockets,
    plan_direct,
    subscription_errors,
    subscriptions_live,
    until,
    until_settled,
)

__all__ = ["run"]

TAG = "bench-a"


async def _drive(
    run: Run,
    result: ScenarioResult,
    label: str,
    sockets: list[GraphQLSocket],
    traffic: DirectTraffic,
    send: Callable[[int], Awaitable[None]],
    cpu: Callable[[], float],
) -> dict[str, Any]:
    """A second of warm-up, a light phase (a quarter of the rate), then the measured rate."""
    sizes = run.sizes
    warm, light, total = _phases(sizes.direct_rate, sizes.direct_seconds)
    light_rate = sizes.direct_rate / 4
    # Each phase ends when its echoes are in too: a late one would count in the next.
    await traffic.send(sizes.direct_rate, send, 0, warm)
    await until(lambda: traffic.received >= warm and traffic.echoes >= warm, within=30)

    traffic.latencies.clear()
    run.say(f"{label}: {light} messages at {light_rate:g}/s")
    await traffic.send(light_rate, send, warm, warm + light)
    await until_settled(
        lambda: traffic.received + traffic.echoes,
        lambda: traffic.received >= warm + light and traffic.echoes >= warm + light,
    )
    light_latencies = list(traffic.latencies)

    traffic.latencies.clear()
    received_before, echoes_before = traffic.received, traffic.echoes
    run.say(f"{label}: {total - warm - light} messages at {sizes.direct_rate:g}/s")
    cpu_before = cpu()
    await traffic.send(sizes.direct_rate, send, warm + light, total)
    await until_settled(
        lambda: traffic.received + traffic.echoes,
        lambda: traffic.received >= total and traffic.echoes >= total,
    )
    measured = total - warm - light
    result.expect(f"{label} delivered to recipients", measured, traffic.received - received_before)
    result.expect(f"{label} echoed to senders", measured, traffic.echoes - echoes_before)
    result.expect(f"{label} sends failed", 0, len(traffic.failures))
    closed = sum(1 for s in sockets if s.closed)
    result.expect(f"{label} sockets closed by the server", 0, closed)
    subscription_errors(result, label, sockets)
    return {
        "messages": measured,
        "light_latencies": light_latencies,
        "server_cpu_ms_per_message": (cpu() - cpu_before) * 1000 / measured,
        "request_p50_ms": percentile(traffic.request_times, 0.5) * 1000,
        "failures": traffic.failures[:5],
    }


def _phases(rate: float, seconds: float) -> tuple[int, int, int]:
    """Messages in the warm-up, the light phase, and in all (warm-up and light included)."""
    warm = max(5, int(rate))
    light = max(5, int(rate / 4 * seconds / 2))
    return warm, light, warm + light + int(rate * seconds)


async def run(run: Run) -> ScenarioResult:
    sizes, data = run.sizes, run.data
    result = ScenarioResult("a", f"1:1 traffic, {sizes.direct_users:,} users connected")
    count = _phases(sizes.direct_rate, sizes.direct_seconds)[2]
    tokens = data.tokens[: sizes.direct_users]

    async with run.tidings("direct") as server, GraphQLHttp(server.http_url) as http:
        traffic = DirectTraffic(plan_direct(data, count), TAG)
        sockets = await open_sockets(
            server.ws_url("/graphql"), tokens, compression=run.compression, say=run.say,
            what="tidings",
        )  # fmt: skip
        try:
            await asyncio.gather(*(
                s.subscribe(MESSAGE_ADDED, {}, traffic.handler(i)) for i, s in enumerate(sockets)
            ))  # fmt: skip
            await subscriptions_live(server, {"messageAdded": len(sockets)})

            async def send(number: int) -> None:
                sender, _, cid = traffic.plan[number]
                content = marker(TAG, number)
                variables = {"input": {"conversationId": cid, "content": content}}
                await http.data(SEND_MESSAGE, variables, token=data.tokens[sender])

            async with run.measuring(server, "a-direct"):
                gc_before = await gc_pauses(server)
                details = await _drive(
                    run, result, "tidings", sockets, traffic, send, server.cpu_seconds
                )
                gc_after = await gc_pauses(server)
            details["gc"] = {
                name: value - gc_before.get(name, 0.0) for name, value in gc_after.items()
            }
        finally:
            await close_all(sockets)
    tidings = traffic.latencies

    async with run.baseline("direct") as server, GraphQLHttp(server.http_url) as http:
        traffic = DirectTraffic(plan_direct(data, count), TAG)
        sockets = await open_sockets(
            lambda i: server.ws_url(f"/ws?id={i}"), [None] * len(tokens),
            compression=run.compression, say=run.say, what="baseline",
        )  # fmt: skip
        for i, socket in enumerate(sockets):
            socket.on("1", traffic.handler(i))
        await asyncio.sleep(0.5)

        async def post(number: int) -> None:
            sender, recipient, cid = traffic.plan[number]
            text = baseline_frame(data, sender, cid, marker(TAG, number), number)
            status = await http.post_text(f"/send/{recipient},{sender}", text)
            if status != 200:
                raise RuntimeError(f"baseline answered {status}")

        try:
            base_details = await _drive(
                run, result, "baseline", sockets, traffic, post, server.cpu_seconds
            )
        finally:
            await close_all(sockets)
    baseline = traffic.latencies

    light = f"{sizes.direct_rate / 4:g}/s"
    result.latencies = {
        f"tidings {sizes.direct_rate:g}/s": tidings,
        f"baseline {sizes.direct_rate:g}/s": baseline,
        f"tidings {light}": details.pop("light_latencies"),
        f"baseline {light}": base_details.pop("light_latencies"),
    }
    result.details.update(tidings=details, baseline=base_details)
    for name, q, target, limit in (("p50", 0.5, "≤ 10 ms", 10.0), ("p95", 0.95, None, None),
                                   ("p99", 0.99, "≤ 50 ms", 50.0)):  # fmt: skip
        value = percentile(tidings, q) * 1000
        result.figure(
            f"send→receive {name}", value, "ms", baseline=percentile(baseline, q) * 1000,
            target=target, met=None if limit is None else value <= limit,
        )  # fmt: skip
    for name, q in (("p50", 0.5), ("p99", 0.99)):
        result.figure(
            f"send→receive {name} at {light}",
            percentile(result.latencies[f"tidings {light}"], q) * 1000, "ms",
            baseline=percentile(result.latencies[f"baseline {light}"], q) * 1000,
        )  # fmt: skip
    result.figure(
        "server CPU per message", details["server_cpu_ms_per_message"], "ms",
        baseline=base_details["server_cpu_ms_per_message"],
    )  # fmt: skip
    gc = details["gc"]
    result.figure(
        "server GC pauses ≥ 50 ms during the traffic", gc.get("pauses_over_50ms", 0.0), ""
    )
    result.figure("server time in GC during the traffic", gc.get("seconds", 0.0) * 1000, "ms")
    return result
