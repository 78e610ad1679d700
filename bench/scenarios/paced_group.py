"""(g) Paced group: one group of 200 whose every member has one socket subscribed to
``messageAdded`` for all their conversations, while one member sends to the group at a fixed
rate (5 messages a second) for a bounded time: a busy group at a pace people write, not
saturation. Sends go at their planned instants (open loop), and the figure is the time from
the send until each subscriber's socket has the message (the sender's echo included), with
the server's CPU per delivered event over the paced phase. The baseline: the bare server
writing the same pre-serialized frame to every socket on each POST, paced the same.

The group is its own in the data set (``bench/seed.py``): its members are the users after
those of (a) and (b), so (b)'s group of 1,000 is not reused with most of it offline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.graphql_http import GraphQLHttp
from bench.graphql_socket import GraphQLSocket
from bench.queries import MESSAGE_ADDED, SEND_MESSAGE
from bench.results import ScenarioResult, percentile
from bench.scenarios._shared import (
    GroupDeliveries,
    Run,
    baseline_frame,
    close_all,
    marker,
    open_sockets,
    subscription_errors,
    subscriptions_live,
    until_settled,
)

__all__ = ["run"]

TAG = "bench-g"
_WARM = 2  # messages sent first at the same pace, not measured


async def _drive(
    run: Run,
    result: ScenarioResult,
    label: str,
    sockets: list[GraphQLSocket],
    deliveries: GroupDeliveries,
    send: Callable[[int], Awaitable[None]],
    cpu: Callable[[], float],
) -> dict[str, Any]:
    sizes = run.sizes
    rate = sizes.paced_group_rate
    count = max(1, round(rate * sizes.paced_group_seconds))
    subscribers = deliveries.subscribers
    await deliveries.send(rate, send, 0, _WARM)
    await until_settled(
        lambda: deliveries.total, lambda: deliveries.total >= _WARM * subscribers, quiet=5
    )
    before = deliveries.total
    run.say(f"{label}: {count} messages at {rate:g}/s to {subscribers:,} subscribers")
    cpu_before, started = cpu(), time.perf_counter()
    await deliveries.send(rate, send, _WARM, _WARM + count)
    expected = count * subscribers
    await until_settled(
        lambda: deliveries.total, lambda: deliveries.total - before >= expected, quiet=15
    )
    cpu_used = cpu() - cpu_before
    elapsed = max(deliveries.last_at - started, 1e-9)
    delivered = deliveries.total - before
    measured = range(_WARM, _WARM + count)
    result.expect(f"{label} deliveries", expected, delivered)
    result.expect(f"{label} sends failed", 0, len(deliveries.failures))
    closed = sum(1 for s in sockets if s.closed)
    result.expect(f"{label} sockets closed by the server", 0, closed)
    subscription_errors(result, label, sockets)
    return {
        "messages": count,
        "delivered": delivered,
        "seconds": elapsed,
        "latencies": deliveries.of(measured),
        "last_subscriber_p50_ms": percentile(deliveries.last_subscriber(measured), 0.5) * 1000,
        "server_cpu_us_per_event": cpu_used * 1e6 / max(1, delivered),
        "server_busy": cpu_used / elapsed,
        "send_failures": deliveries.failures[:3],
    }


async def run(run: Run) -> ScenarioResult:
    sizes, data = run.sizes, run.data
    members = data.paced_members
    result = ScenarioResult(
        "g", f"paced group, {len(members):,} subscribers at {sizes.paced_group_rate:g} msg/s"
    )
    tokens = [data.tokens[i] for i in members]
    group, sender = str(data.paced_group), members[0]

    async with run.tidings("paced-group") as server, GraphQLHttp(server.http_url) as http:
        deliveries = GroupDeliveries(TAG, len(tokens))
        sockets = await open_sockets(
            server.ws_url("/graphql"), tokens, compression=run.compression, say=run.say,
            what="tidings",
        )  # fmt: skip
        try:
            await asyncio.gather(*(
                s.subscribe(MESSAGE_ADDED, {}, deliveries.on_next) for s in sockets
            ))  # fmt: skip
            await subscriptions_live(server, {"messageAdded": len(sockets)})

            async def send(number: int) -> None:
                variables = {"input": {"conversationId": group, "content": marker(TAG, number)}}
                await http.data(SEND_MESSAGE, variables, token=data.tokens[sender])

            async with run.measuring(server, "g-paced-group"):
                tidings = await _drive(
                    run, result, "tidings", sockets, deliveries, send, server.cpu_seconds
                )
        finally:
            await close_all(sockets)

    async with run.baseline("paced-group") as server, GraphQLHttp(server.http_url) as http:
        deliveries = GroupDeliveries(TAG, len(tokens))
        sockets = await open_sockets(
            lambda i: server.ws_url(f"/ws?id={i}"), [None] * len(tokens),
            compression=run.compression, say=run.say, what="baseline",
        )  # fmt: skip
        for socket in sockets:
            socket.on("1", deliveries.on_next)
        await asyncio.sleep(0.5)

        async def post(number: int) -> None:
            text = baseline_frame(data, sender, group, marker(TAG, number), number)
            status = await http.post_text("/send/all", text)
            if status != 200:
                raise RuntimeError(f"baseline answered {status}")

        try:
            baseline = await _drive(
                run, result, "baseline", sockets, deliveries, post, server.cpu_seconds
            )
        finally:
            await close_all(sockets)

    result.latencies = {"tidings": tidings.pop("latencies"), "baseline": baseline.pop("latencies")}
    result.details.update(tidings=tidings, baseline=baseline)
    for name, q, limit in (("p50", 0.5, 10.0), ("p99", 0.99, 30.0)):
        value = percentile(result.latencies["tidings"], q) * 1000
        result.figure(
            f"delivery latency {name}", value, "ms",
            baseline=percentile(result.latencies["baseline"], q) * 1000,
            target=f"≤ {limit:g} ms", met=value <= limit,
        )  # fmt: skip
    result.figure(
        "last subscriber p50", tidings["last_subscriber_p50_ms"], "ms",
        baseline=baseline["last_subscriber_p50_ms"],
    )  # fmt: skip
    result.figure(
        "delivered events", tidings["delivered"], "events", baseline=baseline["delivered"]
    )
    result.figure(
        "server CPU per delivered event", tidings["server_cpu_us_per_event"], "µs",
        baseline=baseline["server_cpu_us_per_event"],
    )  # fmt: skip
    return result
