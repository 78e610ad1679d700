"""What every scenario needs: the run's stack and data, servers (optionally profiled), many
sockets opened at once (here or in client processes of their own), a way to tell when
subscriptions are live, and the traffic several scenarios share: 1:1 messages between pairs,
group messages to every member, each sent at a planned instant."""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.graphql_http import GraphQLHttp
from bench.graphql_socket import GraphQLSocket
from bench.markers import marker, read_marker
from bench.profiling import profiled
from bench.results import ScenarioResult
from bench.seed import Dataset
from bench.sizes import Sizes
from bench.stack import ServerProcess, Stack, baseline_server, tidings_server

__all__ = [
    "DirectTraffic",
    "GroupDeliveries",
    "Holders",
    "Run",
    "baseline_frame",
    "close_all",
    "frame",
    "gc_pauses",
    "marker",
    "open_sockets",
    "paced",
    "plan_direct",
    "read_marker",
    "subscription_errors",
    "subscriptions_live",
    "timed_calls",
    "until",
    "until_settled",
]


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
    async def tidings(self, label: str, *, workers: int = 1) -> AsyncIterator[ServerProcess]:
        async with tidings_server(self.stack, label, workers=workers) as server:
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
    result: ScenarioResult, label: str, sockets: Sequence[GraphQLSocket] = (),
    *, reported: Sequence[str] = (),
) -> None:  # fmt: skip
    """Check that no subscription ended in an error, on ``sockets`` held here or as client
    processes ``reported`` them (JSON), keeping the first few errors seen."""
    errors = [json.dumps(error) for socket in sockets for error in socket.errors]
    errors.extend(reported)
    result.expect(f"{label} subscription errors", 0, len(errors))
    if errors:
        result.details.setdefault("errors", {})[label] = [e[:300] for e in errors[:3]]


def frame(operation: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A ``next`` frame as the server sends it, for the baseline to send pre-serialized."""
    return {"id": "1", "type": "next", "payload": {"data": {operation: fields}}}


def baseline_frame(data: Dataset, sender: int, conversation: str, content: str, seq: int) -> str:
    """The ``messageAdded`` frame the baseline writes: the shape and size of Tidings' own."""
    fields = {
        "id": "0192f3c4-0000-7000-8000-000000000000", "conversationId": conversation,
        "seq": seq, "content": content,
        "createdAt": "2026-11-24T02:00:00.000000+00:00", "clientMessageId": None,
        "sender": {"id": data.user_id(sender), "username": f"b{sender:05d}",
                   "displayName": f"Bench User {sender}"},
    }  # fmt: skip
    return json.dumps(frame("messageAdded", fields))


async def paced(
    rate: float,
    send: Callable[[int], Awaitable[None]],
    first: int,
    last: int,
    *,
    sent_at: dict[int, float],
    failures: list[str],
    request_times: list[float] | None = None,
) -> None:
    """Send messages ``first..last-1`` at ``rate`` per second, each at its planned instant
    (open loop: a slow server cannot slow the offered load down); a failed send is counted in
    ``failures``, not raised."""
    started = time.perf_counter()
    tasks = []

    async def one(number: int) -> None:
        sent_at[number] = time.perf_counter()
        try:
            await send(number)
        except Exception as error:
            failures.append(f"{type(error).__name__}: {error}"[:200])
        if request_times is not None:
            request_times.append(time.perf_counter() - sent_at[number])

    for number in range(first, last):
        delay = started + (number - first) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(number)))
    await asyncio.gather(*tasks)


def plan_direct(data: Dataset, count: int) -> list[tuple[int, int, str]]:
    """Who sends each of ``count`` 1:1 messages to whom: (sender, recipient, conversation)."""
    rng = random.Random(11)
    plan = []
    for _ in range(count):
        cid, i, j = rng.choice(data.direct)
        sender, recipient = (i, j) if rng.random() < 0.5 else (j, i)
        plan.append((sender, recipient, str(cid)))
    return plan


@dataclass
class DirectTraffic:
    """1:1 messages: who sends what to whom, and what arrived when."""

    plan: list[tuple[int, int, str]]  # (sender, recipient, conversation id) per message
    tag: str
    sent_at: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    received: int = 0
    echoes: int = 0
    failures: list[str] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)

    def handler(self, user: int) -> Callable[[dict[str, Any], float], None]:
        """The ``messageAdded`` handler of user ``user``'s socket (other tags are ignored)."""

        def on_next(payload: dict[str, Any], at: float) -> None:
            added = payload["data"]["messageAdded"]
            tag, number = read_marker(added["content"])
            if tag != self.tag or number not in self.sent_at:
                return
            sender, recipient, _ = self.plan[number]
            if user == recipient:
                self.received += 1
                self.latencies.append(at - self.sent_at[number])
            elif user == sender:
                self.echoes += 1

        return on_next

    async def send(
        self, rate: float, send: Callable[[int], Awaitable[None]], first: int, last: int
    ) -> None:
        """Send messages ``first..last-1`` of the plan at ``rate`` per second."""
        await paced(
            rate, send, first, last, sent_at=self.sent_at, failures=self.failures,
            request_times=self.request_times,
        )  # fmt: skip


@dataclass
class GroupDeliveries:
    """Group messages: when each was sent, and when each subscriber had it."""

    tag: str
    subscribers: int
    sent_at: dict[int, float] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    latencies: dict[int, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    last_at: float = 0.0
    total: int = 0

    def on_next(self, payload: dict[str, Any], at: float) -> None:
        tag, number = read_marker(payload["data"]["messageAdded"]["content"])
        if tag == self.tag:
            self.arrived(number, at)

    def arrived(self, number: int, at: float) -> None:
        """A subscriber had message ``number`` at ``at`` (``time.perf_counter()``)."""
        if number not in self.sent_at:
            return
        self.counts[number] = self.counts.get(number, 0) + 1
        self.latencies.setdefault(number, []).append(at - self.sent_at[number])
        self.total += 1
        self.last_at = max(self.last_at, at)

    def complete(self, number: int) -> bool:
        return self.counts.get(number, 0) >= self.subscribers

    def of(self, numbers: range) -> list[float]:
        """Every subscriber's latency of messages ``numbers``."""
        return [x for n in numbers for x in self.latencies.get(n, [])]

    def last_subscriber(self, numbers: range) -> list[float]:
        """Per message of ``numbers``: the latency until the last subscriber had it."""
        return [max(self.latencies[n]) for n in numbers if n in self.latencies]

    async def send(
        self, rate: float, send: Callable[[int], Awaitable[None]], first: int, last: int
    ) -> None:
        """Send messages ``first..last-1`` at ``rate`` per second."""
        await paced(rate, send, first, last, sent_at=self.sent_at, failures=self.failures)


class Holders:
    """Client processes (``bench.idle_client``), each holding its share of many sockets, so the
    load generator's own process is not the one holding them all, nor reading all they get."""

    def __init__(self) -> None:
        self.processes: list[asyncio.subprocess.Process] = []
        self.errors: list[str] = []  # what sockets got as errors (JSON), once closed
        self._listening: list[asyncio.Task[int]] = []

    async def open(
        self,
        run: Run,
        url: str,
        tokens: Sequence[str | None],
        subscriptions: Sequence[tuple[str, dict[str, Any]]],
        compression: bool,
        *,
        processes: int | None = None,
        deliveries: GroupDeliveries | None = None,
    ) -> tuple[int, list[str]]:
        """Open a socket per token (each with ``subscriptions``) across ``processes`` client
        processes (``idle_processes`` by default); (sockets opened, failures). With
        ``deliveries``, each socket's arrivals of its messages are timed in the client
        process and passed to it while the sockets are held."""
        if not tokens:
            return 0, []
        share = -(-len(tokens) // (processes or run.sizes.idle_processes))
        for start in range(0, len(tokens), share):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.idle_client",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert process.stdin is not None
            order = {
                "url": url,
                "tokens": list(tokens[start : start + share]),
                "subscriptions": list(subscriptions),
                "compression": compression,
                "concurrency": 16,
                "deliveries": deliveries.tag if deliveries else None,
            }
            process.stdin.write(json.dumps(order).encode() + b"\n")
            await process.stdin.drain()
            self.processes.append(process)
        opened, failures = 0, []
        progress = [0] * len(self.processes)
        for index, process in enumerate(self.processes):
            assert process.stdout is not None
            while True:
                line = (await process.stdout.readline()).decode().strip()
                if not line:
                    raise RuntimeError("a client process died")
                word, _, rest = line.partition(" ")
                if word == "progress":
                    progress[index] = int(rest)
                    run.say(f"{sum(progress):,}/{len(tokens):,} sockets open in client processes")
                elif word == "failure":
                    failures.append(rest)
                elif word == "ready":
                    count, failed = rest.split()
                    opened += int(count)
                    progress[index] = int(count)
                    if int(failed):
                        failures.append(f"{failed} sockets failed to open")
                    break
        self._listening = [
            asyncio.create_task(self._listen(process, deliveries)) for process in self.processes
        ]
        return opened, failures

    async def _listen(
        self, process: asyncio.subprocess.Process, deliveries: GroupDeliveries | None
    ) -> int:
        """Read a client process after ``ready`` until it exits; how many of its sockets the
        server had closed."""
        assert process.stdout is not None
        lost = 0
        while line := (await process.stdout.readline()).decode().strip():
            word, _, rest = line.partition(" ")
            if word == "got" and deliveries is not None:
                number, *times = rest.split()
                for at in times:
                    deliveries.arrived(int(number), float(at))
            elif word == "error":
                self.errors.append(rest)
            elif word == "closed":
                lost += int(rest)
        await process.wait()
        return lost

    async def close(self) -> int:
        """Close every socket; how many the server had closed while they were held."""
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(b"close\n")
            await process.stdin.drain()
        # Read each until it exits (those of an open that failed part-way too).
        listening = self._listening or [
            asyncio.create_task(self._listen(process, None)) for process in self.processes
        ]
        lost = sum(await asyncio.gather(*listening))
        self.processes, self._listening = [], []
        return lost


async def timed_calls(
    requests: int, call: Callable[[], Awaitable[int]], *, warmups: int
) -> tuple[list[float], int]:
    """Latencies of ``requests`` sequential calls after ``warmups`` untimed ones; the size the
    last call returned (for the check that Tidings answered as much as the baseline)."""
    size = 0
    for _ in range(warmups):
        size = await call()
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        size = await call()
        latencies.append(time.perf_counter() - started)
    return latencies, size
