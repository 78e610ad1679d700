"""(b) Group fan-out: one group whose every member has a socket subscribed to it.

Paced: one message at a time, each waiting until every subscriber has it (delivery latency,
and the time until the last subscriber has it). Saturation: a burst of messages with a few in
flight, and the figure is delivered events per second from the first send to the last
delivery. The baseline: the bare server writing the same pre-serialized frame to every socket.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from functools import partial
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

TAG = "bench-b"
# Subscriptions that read the database to fill a gap (an event ahead of the next seq).
_BACKFILLS = re.compile(r'^tidings_backfills_total\{reason="(\w+)"\} ([0-9.e+]+)$', re.M)


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
    paced, burst = sizes.group_paced, sizes.group_burst
    # Two warm-up messages, not measured; then paced messages, one at a time.
    failures: list[str] = []

    async def attempt(number: int) -> None:
        deliveries.sent_at[number] = time.perf_counter()
        try:
            await send(number)
        except Exception as error:  # counted: a failed send is a finding, not a crash
            failures.append(f"{type(error).__name__}: {error}"[:300])

    for number in range(paced + 2):
        await attempt(number)
        await until_settled(lambda: deliveries.total, partial(deliveries.complete, number), quiet=5)
    measured = range(2, paced + 2)
    latencies = deliveries.of(measured)
    last = deliveries.last_subscriber(measured)
    run.say(f"{label}: burst of {burst} messages to {deliveries.subscribers:,} subscribers")

    first = paced + 2
    numbers = iter(range(first, first + burst))
    before_total, cpu_before = deliveries.total, cpu()
    client_before = time.process_time()
    started = time.perf_counter()

    async def sender() -> None:
        for number in numbers:
            await attempt(number)

    await asyncio.gather(*(sender() for _ in range(sizes.group_in_flight)))
    expected = burst * deliveries.subscribers
    await until_settled(
        lambda: deliveries.total, lambda: deliveries.total - before_total >= expected, quiet=15
    )
    delivered = deliveries.total - before_total
    elapsed = deliveries.last_at - started
    # If the load generator was busy all along, it (not the server) set the pace.
    client_busy = (time.process_time() - client_before) / max(elapsed, 1e-9)
    burst_latencies = deliveries.of(range(first, first + burst))
    result.expect(f"{label} paced deliveries", paced * deliveries.subscribers, len(latencies))
    result.expect(f"{label} burst deliveries", expected, delivered)
    closed = sum(1 for s in sockets if s.closed)
    result.expect(f"{label} sockets closed by the server", 0, closed)
    subscription_errors(result, label, sockets)
    result.expect(f"{label} sends failed", 0, len(failures))
    return {
        "send_failures": failures[:3],
        "latencies": latencies,
        "last_subscriber_p50_ms": percentile(last, 0.5) * 1000,
        "events_per_second": delivered / elapsed if elapsed > 0 else 0.0,
        "burst_seconds": elapsed,
        "burst_latency_p50_ms": percentile(burst_latencies, 0.5) * 1000,
        "burst_latency_p99_ms": percentile(burst_latencies, 0.99) * 1000,
        "server_cpu_us_per_event": (cpu() - cpu_before) * 1e6 / max(1, delivered),
        "server_busy": (cpu() - cpu_before) / max(elapsed, 1e-9),
        "client_busy": client_busy,
    }


async def run(run: Run) -> ScenarioResult:
    sizes, data = run.sizes, run.data
    result = ScenarioResult("b", f"group fan-out, 1 group of {sizes.group_size:,} subscribers")
    tokens = data.tokens[: sizes.group_size]
    group = str(data.group)

    async with run.tidings("group") as server, GraphQLHttp(server.http_url) as http:
        deliveries = GroupDeliveries(TAG, len(tokens))
        sockets = await open_sockets(
            server.ws_url("/graphql"), tokens, compression=run.compression, say=run.say,
            what="tidings",
        )  # fmt: skip
        try:
            await asyncio.gather(*(
                s.subscribe(MESSAGE_ADDED, {"conversationId": group}, deliveries.on_next)
                for s in sockets
            ))  # fmt: skip
            await subscriptions_live(server, {"messageAdded": len(sockets)})

            async def send(number: int) -> None:
                variables = {"input": {"conversationId": group, "content": marker(TAG, number)}}
                await http.data(SEND_MESSAGE, variables, token=data.tokens[0])

            async with run.measuring(server, "b-group"):
                tidings = await _drive(
                    run, result, "tidings", sockets, deliveries, send, server.cpu_seconds
                )
            metrics = await http.get_text("/metrics")
            tidings["backfills"] = {
                reason: float(count) for reason, count in _BACKFILLS.findall(metrics)
            }
        finally:
            await close_all(sockets)

    async with run.baseline("group") as server, GraphQLHttp(server.http_url) as http:
        deliveries = GroupDeliveries(TAG, len(tokens))
        sockets = await open_sockets(
            lambda i: server.ws_url(f"/ws?id={i}"), [None] * len(tokens),
            compression=run.compression, say=run.say, what="baseline",
        )  # fmt: skip
        for socket in sockets:
            socket.on("1", deliveries.on_next)
        await asyncio.sleep(0.5)

        async def post(number: int) -> None:
            text = baseline_frame(data, 0, group, marker(TAG, number), number)
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
    rate = tidings["events_per_second"]
    result.figure(
        "delivered events/s at saturation", rate, "events/s",
        baseline=baseline["events_per_second"], target="≥ 60 % of baseline",
        met=rate >= 0.6 * baseline["events_per_second"],
    )  # fmt: skip
    for name, q in (("p50", 0.5), ("p99", 0.99)):
        result.figure(
            f"paced delivery latency {name}", percentile(result.latencies["tidings"], q) * 1000,
            "ms", baseline=percentile(result.latencies["baseline"], q) * 1000,
        )  # fmt: skip
    result.figure(
        "last subscriber p50 (paced)", tidings["last_subscriber_p50_ms"], "ms",
        baseline=baseline["last_subscriber_p50_ms"],
    )  # fmt: skip
    for label, side in (("tidings", tidings), ("baseline", baseline)):
        if side["client_busy"] > 0.9 and side["server_busy"] < 0.9:
            result.notes.append(
                f"{label}: the load generator was busy {side['client_busy']:.0%} of the burst and "
                f"the server {side['server_busy']:.0%}: the client set the pace, so this "
                "events/s understates the server; compare server CPU per event"
            )
    result.figure(
        "server CPU per delivered event", tidings["server_cpu_us_per_event"], "µs",
        baseline=baseline["server_cpu_us_per_event"],
    )  # fmt: skip
    return result
