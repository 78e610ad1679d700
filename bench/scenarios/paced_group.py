"""(g) Paced group: one group of 200 whose every member has one socket subscribed to
``messageAdded`` for all their conversations, while one member sends to the group at a fixed
rate (5 messages a second) for a bounded time: a busy group at a pace people write, not
saturation. Sends go at their planned instants (open loop), and the figure is the time from
the send until each subscriber's socket has the message (the sender's echo included), with
the server's CPU per delivered event over the paced phase. The baseline: the bare server
writing the same pre-serialized frame to every socket on each POST, paced the same.

The subscribers' sockets, Tidings' and the baseline's alike, are held by ``paced_processes``
client processes (``bench/idle_client.py``) rather than by the harness, so a message's frames
are read by several processes at once, not one after another by one: each process times
what its sockets get and reports the times, which the harness sets against its send times
(one clock for all, ``CLOCK_MONOTONIC``).

The group is its own in the data set (``bench/seed.py``): its members are the users after
those of (a) and (b), so (b)'s group of 1,000 is not reused with most of it offline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bench.graphql_http import GraphQLHttp
from bench.queries import MESSAGE_ADDED, SEND_MESSAGE
from bench.results import ScenarioResult, percentile
from bench.scenarios._shared import (
    GroupDeliveries,
    Holders,
    Run,
    baseline_frame,
    marker,
    subscription_errors,
    subscriptions_live,
    until_settled,
)
from bench.stack import ServerProcess

__all__ = ["run"]

TAG = "bench-g"
_WARM = 2  # messages sent first at the same pace, not measured


async def _drive(
    run: Run,
    result: ScenarioResult,
    label: str,
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


async def _side(
    run: Run, result: ScenarioResult, server: ServerProcess, url: str,
    tokens: Sequence[str | None], send: Callable[[int], Awaitable[None]],
) -> dict[str, Any]:  # fmt: skip
    """Hold a socket per token in client processes (on ``messageAdded`` when the token is not
    None, else the baseline's plain socket), then send the paced messages."""
    label = server.name
    deliveries = GroupDeliveries(TAG, len(tokens))
    subscriptions: list[tuple[str, dict[str, Any]]] = [(MESSAGE_ADDED, {})] if tokens[0] else []
    holders = Holders()
    try:
        opened, failures = await holders.open(
            run, url, tokens, subscriptions, run.compression,
            processes=run.sizes.paced_processes, deliveries=deliveries,
        )  # fmt: skip
        result.expect(f"{label} sockets opened", len(tokens), opened)
        result.problems.extend(f"{label}: {failure}" for failure in failures[:3])
        if subscriptions:
            await subscriptions_live(server, {"messageAdded": opened})
        else:
            await asyncio.sleep(0.5)
        async with run.measuring(server, "g-paced-group"):
            details = await _drive(run, result, label, deliveries, send, server.cpu_seconds)
    finally:
        lost = await holders.close()
    result.expect(f"{label} sockets closed by the server", 0, lost)
    subscription_errors(result, label, reported=holders.errors)
    return details


async def run(run: Run) -> ScenarioResult:
    sizes, data = run.sizes, run.data
    members = data.paced_members
    result = ScenarioResult(
        "g", f"paced group, {len(members):,} subscribers at {sizes.paced_group_rate:g} msg/s"
    )
    tokens = [data.tokens[i] for i in members]
    group, sender = str(data.paced_group), members[0]

    async with run.tidings("paced-group") as server, GraphQLHttp(server.http_url) as http:

        async def send(number: int) -> None:
            variables = {"input": {"conversationId": group, "content": marker(TAG, number)}}
            await http.data(SEND_MESSAGE, variables, token=data.tokens[sender])

        tidings = await _side(run, result, server, server.ws_url("/graphql"), tokens, send)

    async with run.baseline("paced-group") as server, GraphQLHttp(server.http_url) as http:

        async def post(number: int) -> None:
            text = baseline_frame(data, sender, group, marker(TAG, number), number)
            status = await http.post_text("/send/all", text)
            if status != 200:
                raise RuntimeError(f"baseline answered {status}")

        baseline = await _side(
            run, result, server, server.ws_url("/ws"), [None] * len(tokens), post
        )

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
