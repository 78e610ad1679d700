"""(a) 1:1 traffic: many users connected, messages sent at a steady rate between pairs.

Every user has one socket subscribed to ``messageAdded`` for all their conversations; a
sender posts ``sendMessage`` over HTTP at the planned instant (open loop, so a slow server
cannot slow the offered load down) and the figure is the time until the recipient's socket
has the message. The baseline: the same sockets on the bare server, which writes the same
pre-serialized frame to the recipient (and the sender, as Tidings echoes) on each POST.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.graphql_http import GraphQLHttp
from bench.graphql_socket import GraphQLSocket
from bench.queries import MESSAGE_ADDED, SEND_MESSAGE
from bench.results import ScenarioResult, percentile
from bench.scenarios._shared import (
    Run,
    close_all,
    frame,
    gc_pauses,
    marker,
    open_sockets,
    read_marker,
    subscription_errors,
    subscriptions_live,
    until,
    until_settled,
)

__all__ = ["run"]

TAG = "bench-a"


@dataclass
class _Traffic:
    """Who sends what to whom, and what arrived when."""

    plan: list[tuple[int, int, str]]  # (sender, recipient, conversation id) per message
    sent_at: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    received: int = 0
    echoes: int = 0
    failures: list[str] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)

    def handler(self, user: int) -> Callable[[dict[str, Any], float], None]:
        def on_next(payload: dict[str, Any], at: float) -> None:
            added = payload["data"]["messageAdded"]
            tag, number = read_marker(added["content"])
            if tag != TAG or number not in self.sent_at:
                return
            sender, recipient, _ = self.plan[number]
            if user == recipient:
                self.received += 1
                self.latencies.append(at - self.sent_at[number])
            elif user == sender:
                self.echoes += 1

        return on_next


def _plan(run: Run, count: int) -> list[tuple[int, int, str]]:
    rng = random.Random(11)
    plan = []
    for _ in range(count):
        cid, i, j = rng.choice(run.data.direct)
        sender, recipient = (i, j) if rng.random() < 0.5 else (j, i)
        plan.append((sender, recipient, str(cid)))
    return plan


async def _paced(
    traffic: _Traffic, rate: float, send: Callable[[int], Awaitable[None]], first: int, last: int
) -> None:
    """Send messages ``first..last-1`` at ``rate`` per second, each at its planned instant."""
    started = time.perf_counter()
    tasks = []

    async def one(number: int) -> None:
        traffic.sent_at[number] = time.perf_counter()
        try:
            await send(number)
        except Exception as error:
            traffic.failures.append(f"{type(error).__name__}: {error}"[:200])
        traffic.request_times.append(time.perf_counter() - traffic.sent_at[number])

    for number in range(first, last):
        delay = started + (number - first) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(number)))
    await asyncio.gather(*tasks)


async def _drive(
    run: Run,
    result: ScenarioResult,
    label: str,
    sockets: list[GraphQLSocket],
    traffic: _Traffic,
    send: Callable[[int], Awaitable[None]],
    cpu: Callable[[], float],
) -> dict[str, Any]:
    """A second of warm-up, a light phase (a quarter of the rate), then the measured rate."""
    sizes = run.sizes
    warm, light, total = _phases(sizes.direct_rate, sizes.direct_seconds)
    light_rate = sizes.direct_rate / 4
    await _paced(traffic, sizes.direct_rate, send, 0, warm)
    await until(lambda: traffic.received >= warm, within=30)

    traffic.latencies.clear()
    run.say(f"{label}: {light} messages at {light_rate:g}/s")
    await _paced(traffic, light_rate, send, warm, warm + light)
    await until_settled(lambda: traffic.received, lambda: traffic.received >= warm + light)
    light_latencies = list(traffic.latencies)

    traffic.latencies.clear()
    received_before, echoes_before = traffic.received, traffic.echoes
    run.say(f"{label}: {total - warm - light} messages at {sizes.direct_rate:g}/s")
    cpu_before = cpu()
    await _paced(traffic, sizes.direct_rate, send, warm + light, total)
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
        traffic = _Traffic(_plan(run, count))
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
        traffic = _Traffic(_plan(run, count))
        sockets = await open_sockets(
            lambda i: server.ws_url(f"/ws?id={i}"), [None] * len(tokens),
            compression=run.compression, say=run.say, what="baseline",
        )  # fmt: skip
        for i, socket in enumerate(sockets):
            socket.on("1", traffic.handler(i))
        await asyncio.sleep(0.5)

        async def post(number: int) -> None:
            sender, recipient, cid = traffic.plan[number]
            fields = {
                "id": "0192f3c4-0000-7000-8000-000000000000", "conversationId": cid,
                "seq": number, "content": marker(TAG, number),
                "createdAt": "2026-11-24T02:00:00.000000+00:00", "clientMessageId": None,
                "sender": {"id": data.user_id(sender), "username": f"b{sender:05d}",
                           "displayName": f"Bench User {sender}"},
            }  # fmt: skip
            text = json.dumps(frame("messageAdded", fields))
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
