"""(f) Mixed load: 10,000 sockets, each subscribed to ``messageAdded`` for all its user's
conversations, while the group of (b) gets messages at a steady pace and the 1:1 traffic of
(a) runs at once.

The users of (a) and (b) (the first 1,000: the group's members and the 1:1 pairs) hold their
sockets here, where arrivals are timed; the rest are held by client processes of their own,
as in (e), and get no traffic. Both streams are sent open loop at their planned instants for
a bounded time, after a second's warm-up. Figures: the group's delivery latency (send until
each member's socket has it), the 1:1 send→receive latency (until the recipient's socket has
it), and the server's resident memory with every socket live and after the traffic. The
baseline: the bare server holding as many plain sockets, writing the same pre-serialized
frames to the same sockets on each POST.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bench.graphql_http import GraphQLHttp
from bench.graphql_socket import GraphQLSocket
from bench.queries import MESSAGE_ADDED, SEND_MESSAGE
from bench.results import ScenarioResult, percentile
from bench.scenarios._shared import (
    DirectTraffic,
    GroupDeliveries,
    Holders,
    Run,
    baseline_frame,
    close_all,
    gc_pauses,
    marker,
    open_sockets,
    plan_direct,
    subscription_errors,
    subscriptions_live,
    until_settled,
)
from bench.stack import ServerProcess

__all__ = ["run"]

DIRECT_TAG = "bench-f-direct"
GROUP_TAG = "bench-f-group"
_GROUP_WARM = 2  # group messages in the warm-up


class _Load:
    """Both streams of one side (Tidings or the baseline) and how to send each message."""

    def __init__(
        self,
        run: Run,
        send_direct: Callable[[int], Awaitable[None]],
        send_group: Callable[[int], Awaitable[None]],
    ) -> None:
        sizes = run.sizes
        self.direct_warm = max(5, int(sizes.direct_rate))
        self.direct_total = self.direct_warm + int(sizes.direct_rate * sizes.mixed_seconds)
        self.group_total = _GROUP_WARM + max(1, round(sizes.mixed_group_rate * sizes.mixed_seconds))
        self.direct = DirectTraffic(plan_direct(run.data, self.direct_total), DIRECT_TAG)
        self.group = GroupDeliveries(GROUP_TAG, sizes.group_size)
        self.send_direct, self.send_group = send_direct, send_group

    def handler(self, user: int) -> Callable[[dict[str, Any], float], None]:
        """User ``user``'s socket: a 1:1 message, a group message, or neither."""
        direct = self.direct.handler(user)
        group = self.group.on_next

        def on_next(payload: dict[str, Any], at: float) -> None:
            direct(payload, at)
            group(payload, at)

        return on_next

    def arrived(self) -> int:
        return self.direct.received + self.direct.echoes + self.group.total


async def _drive(
    run: Run, result: ScenarioResult, label: str, sockets: list[GraphQLSocket], load: _Load,
    server: ServerProcess,
) -> dict[str, Any]:  # fmt: skip
    sizes = run.sizes
    direct, group = load.direct, load.group
    members = group.subscribers
    await asyncio.gather(
        direct.send(sizes.direct_rate, load.send_direct, 0, load.direct_warm),
        group.send(sizes.mixed_group_rate, load.send_group, 0, _GROUP_WARM),
    )
    await until_settled(
        load.arrived,
        lambda: (
            direct.received >= load.direct_warm
            and direct.echoes >= load.direct_warm  # a late echo would count in the next phase
            and group.total >= _GROUP_WARM * members
        ),
        quiet=5,
    )
    direct.latencies.clear()
    received, echoes, delivered = direct.received, direct.echoes, group.total
    direct_count = load.direct_total - load.direct_warm
    group_count = load.group_total - _GROUP_WARM
    run.say(
        f"{label}: {direct_count} 1:1 messages at {sizes.direct_rate:g}/s and {group_count} to "
        f"the group of {members:,} at {sizes.mixed_group_rate:g}/s, at once"
    )
    cpu_before, started = server.cpu_seconds(), time.perf_counter()
    await asyncio.gather(
        direct.send(sizes.direct_rate, load.send_direct, load.direct_warm, load.direct_total),
        group.send(sizes.mixed_group_rate, load.send_group, _GROUP_WARM, load.group_total),
    )
    await until_settled(
        load.arrived,
        lambda: (
            direct.received >= load.direct_total
            and direct.echoes >= load.direct_total
            and group.total - delivered >= group_count * members
        ),
        quiet=15,
    )
    cpu_used = server.cpu_seconds() - cpu_before
    elapsed = time.perf_counter() - started
    result.expect(f"{label} 1:1 delivered to recipients", direct_count, direct.received - received)
    result.expect(f"{label} 1:1 echoed to senders", direct_count, direct.echoes - echoes)
    result.expect(f"{label} group deliveries", group_count * members, group.total - delivered)
    result.expect(f"{label} sends failed", 0, len(direct.failures) + len(group.failures))
    closed = sum(1 for s in sockets if s.closed)
    result.expect(f"{label} measured sockets closed by the server", 0, closed)
    subscription_errors(result, label, sockets)
    return {
        "direct_messages": direct_count,
        "group_messages": group_count,
        "direct_latencies": list(direct.latencies),
        "group_latencies": group.of(range(_GROUP_WARM, load.group_total)),
        "server_busy": cpu_used / elapsed,
        "request_p50_ms": percentile(direct.request_times, 0.5) * 1000,
        "failures": (direct.failures + group.failures)[:5],
    }


async def _side(
    run: Run, result: ScenarioResult, server: ServerProcess, load: _Load,
    idle: tuple[str, Sequence[str | None]],
    measured: tuple[Callable[[int], str], Sequence[str | None]],
) -> dict[str, Any]:  # fmt: skip
    """Hold the ``idle`` sockets (url, tokens) in client processes and the ``measured`` ones
    (url per index, tokens) here, then drive ``load``: what was measured, with the server's
    RSS before any socket, with every socket live, and after the traffic."""
    label = server.name
    tidings = label == "tidings"
    subscriptions: list[tuple[str, dict[str, Any]]] = [(MESSAGE_ADDED, {})] if tidings else []
    (idle_url, idle_tokens), (url, tokens) = idle, measured
    before = server.rss_kib()
    holders = Holders()
    sockets: list[GraphQLSocket] = []
    try:
        run.say(f"{label}: {len(idle_tokens):,} sockets held by client processes")
        opened, failures = await holders.open(
            run, idle_url, idle_tokens, subscriptions, run.compression
        )
        result.expect(f"{label} idle sockets opened", len(idle_tokens), opened)
        result.problems.extend(f"{label}: {failure}" for failure in failures[:3])
        sockets = await open_sockets(
            url, tokens, compression=run.compression, say=run.say, what=label
        )
        if tidings:
            await asyncio.gather(*(
                s.subscribe(MESSAGE_ADDED, {}, load.handler(i)) for i, s in enumerate(sockets)
            ))  # fmt: skip
            await subscriptions_live(server, {"messageAdded": opened + len(sockets)}, within=300)
        else:
            for i, socket in enumerate(sockets):
                socket.on("1", load.handler(i))
        await asyncio.sleep(run.sizes.settle_seconds)
        live = server.rss_kib()
        gc_before = await gc_pauses(server) if tidings else {}
        async with run.measuring(server, "f-mixed"):
            details = await _drive(run, result, label, sockets, load, server)
        gc_after = await gc_pauses(server) if tidings else {}
        details["gc"] = {name: value - gc_before.get(name, 0.0) for name, value in gc_after.items()}
        after = server.rss_kib()
    finally:
        await close_all(sockets)
        lost = await holders.close()
    result.expect(f"{label} idle sockets closed by the server", 0, lost)
    held = opened + len(sockets)
    return {
        "sockets": held,
        "rss_before_kib": before,
        "rss_live_kib": live,
        "rss_after_kib": after,
        "kib_per_socket": (live - before) / max(1, held),
        **details,
    }


async def run(run: Run) -> ScenarioResult:
    sizes, data = run.sizes, run.data
    active = max(sizes.direct_users, sizes.group_size)
    n = min(max(sizes.mixed_sockets, active), len(data.tokens))
    result = ScenarioResult(
        "f", f"{n:,} sockets on all their conversations, group and 1:1 traffic at once"
    )
    group = str(data.group)

    async with run.tidings("mixed") as server, GraphQLHttp(server.http_url) as http:

        async def send_direct(number: int) -> None:
            sender, _, cid = load.direct.plan[number]
            variables = {"input": {"conversationId": cid, "content": marker(DIRECT_TAG, number)}}
            await http.data(SEND_MESSAGE, variables, token=data.tokens[sender])

        async def send_group(number: int) -> None:
            variables = {"input": {"conversationId": group, "content": marker(GROUP_TAG, number)}}
            await http.data(SEND_MESSAGE, variables, token=data.tokens[0])

        load = _Load(run, send_direct, send_group)
        url = server.ws_url("/graphql")
        tidings = await _side(
            run, result, server, load, (url, data.tokens[active:n]),
            (lambda _: url, data.tokens[:active]),
        )  # fmt: skip

    async with run.baseline("mixed") as server, GraphQLHttp(server.http_url) as http:
        members = ",".join(str(i) for i in range(sizes.group_size))

        async def post_direct(number: int) -> None:
            sender, recipient, cid = load.direct.plan[number]
            text = baseline_frame(data, sender, cid, marker(DIRECT_TAG, number), number)
            status = await http.post_text(f"/send/{recipient},{sender}", text)
            if status != 200:
                raise RuntimeError(f"baseline answered {status}")

        async def post_group(number: int) -> None:
            text = baseline_frame(data, 0, group, marker(GROUP_TAG, number), number)
            status = await http.post_text(f"/send/{members}", text)
            if status != 200:
                raise RuntimeError(f"baseline answered {status}")

        load = _Load(run, post_direct, post_group)
        baseline = await _side(
            run, result, server, load, (server.ws_url("/ws"), [None] * (n - active)),
            (lambda i: server.ws_url(f"/ws?id={i}"), [None] * active),
        )  # fmt: skip

    result.latencies = {
        "tidings group": tidings.pop("group_latencies"),
        "baseline group": baseline.pop("group_latencies"),
        "tidings 1:1": tidings.pop("direct_latencies"),
        "baseline 1:1": baseline.pop("direct_latencies"),
    }
    result.details.update(tidings=tidings, baseline=baseline)
    group_title = f"group of {sizes.group_size:,} delivery"
    for what, title in (("group", group_title), ("1:1", "1:1 send→receive")):
        for name, q in (("p50", 0.5), ("p99", 0.99)):
            result.figure(
                f"{title} {name}", percentile(result.latencies[f"tidings {what}"], q) * 1000,
                "ms", baseline=percentile(result.latencies[f"baseline {what}"], q) * 1000,
            )  # fmt: skip
    result.figure(
        f"server RSS with {n:,} sockets live", tidings["rss_live_kib"] / 1024, "MiB",
        baseline=baseline["rss_live_kib"] / 1024,
    )  # fmt: skip
    result.figure(
        "server RSS after the traffic", tidings["rss_after_kib"] / 1024, "MiB",
        baseline=baseline["rss_after_kib"] / 1024,
    )  # fmt: skip
    gc = tidings["gc"]
    result.figure(
        "server GC pauses ≥ 50 ms during the traffic", gc.get("pauses_over_50ms", 0.0), ""
    )
    return result
