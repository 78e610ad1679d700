"""(c) sendMessage at saturation: many senders, each in its own direct conversation, as fast
as the server answers. The baseline: the same rows written over a raw asyncpg pool of the
same size, in the same transaction shape (take the next seq under the row lock, insert).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from uuid_utils.compat import uuid7

from bench.graphql_http import GraphQLHttp
from bench.queries import SEND_MESSAGE
from bench.results import ScenarioResult, percentile
from bench.scenarios._shared import Run, marker

__all__ = ["run"]

_NEXT_SEQ = """
UPDATE conversations SET last_seq = last_seq + 1, last_message_at = $2, activity_at = $2
WHERE id = $1 AND EXISTS (
  SELECT 1 FROM participants WHERE conversation_id = $1 AND user_id = $3)
RETURNING last_seq
"""
_INSERT = """
INSERT INTO messages (id, conversation_id, seq, sender_id, content, content_type,
                      client_message_id, reply_to_id, created_at, edited_at, deleted_at)
VALUES ($1, $2, $3, $4, $5, 'TEXT', NULL, NULL, $6, NULL, NULL)
"""


async def _saturate(
    total: int, in_flight: int, send: Callable[[int, int], Awaitable[None]]
) -> tuple[float, list[float], list[str]]:
    """Send ``total`` messages from ``in_flight`` workers; (seconds, latencies, failures)."""
    numbers = iter(range(total))
    latencies: list[float] = []
    failures: list[str] = []

    async def worker(slot: int) -> None:
        for number in numbers:
            started = time.perf_counter()
            try:
                await send(slot, number)
            except Exception as error:
                failures.append(f"{type(error).__name__}: {error}"[:200])
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(slot) for slot in range(in_flight)))
    return time.perf_counter() - started, latencies, failures


async def _stored(dsn: str, tag: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM messages WHERE content LIKE $1", f"{tag} %"
        )
        return count
    finally:
        await connection.close()


async def _send_through_tidings(
    run: Run, lanes: list[tuple[str, int]], warm: int, *, workers: int, tag: str
) -> dict[str, Any]:
    """``total`` sendMessage through a Tidings server of ``workers`` processes, after ``warm``."""
    sizes, data = run.sizes, run.data
    in_flight, total = sizes.throughput_in_flight, sizes.throughput_messages
    label = "throughput" if workers == 1 else f"throughput-{workers}-workers"
    async with (
        run.tidings(label, workers=workers) as server,
        GraphQLHttp(server.http_url, connections=in_flight) as http,
    ):

        def sender(tag: str) -> Callable[[int, int], Awaitable[None]]:
            async def send(slot: int, number: int) -> None:
                cid, user = lanes[slot % len(lanes)]
                variables = {"input": {"conversationId": cid, "content": marker(tag, number)}}
                await http.data(SEND_MESSAGE, variables, token=data.tokens[user])

            return send

        await _saturate(warm, in_flight, sender(f"{tag}-warm"))
        run.say(f"tidings ({workers} process(es)): {total:,} sendMessage, {in_flight} in flight")
        cpu = server.cpu_seconds()
        # py-spy follows one process: the single server's, not a supervisor of workers.
        measuring = run.measuring(server, f"c-{label}") if workers == 1 else nullcontext()
        async with measuring:
            seconds, latencies, failures = await _saturate(total, in_flight, sender(tag))
        return {
            "seconds": seconds,
            "per_second": total / seconds,
            "latencies": latencies,
            "server_cpu_ms_per_message": (server.cpu_seconds() - cpu) * 1000 / total,
            "failures": failures[:5],
        }


async def run(run: Run) -> ScenarioResult:
    sizes, data = run.sizes, run.data
    in_flight, total = sizes.throughput_in_flight, sizes.throughput_messages
    result = ScenarioResult("c", f"sendMessage throughput, {in_flight} in flight")
    # One conversation per worker, so workers never wait for each other's row lock.
    lanes = [(str(cid), i) for cid, i, _ in data.direct[:in_flight]]
    warm = min(200, total // 10)
    figures: dict[str, dict[str, Any]] = {}

    figures["tidings"] = await _send_through_tidings(run, lanes, warm, workers=1, tag="bench-c")
    failures = figures["tidings"]["failures"]
    result.expect("tidings sends failed", 0, len(failures))
    result.expect("tidings messages stored", total, await _stored(run.stack.dsn(), "bench-c"))
    # Every core: as many server processes as the machine has cores, sharing the port.
    workers = os.cpu_count() or 1
    if workers > 1:
        figures["workers"] = await _send_through_tidings(
            run, lanes, warm, workers=workers, tag="bench-cw"
        )
        result.expect("--workers sends failed", 0, len(figures["workers"]["failures"]))
        result.expect(
            "--workers messages stored", total, await _stored(run.stack.dsn(), "bench-cw")
        )

    # The size of the server's pool (TIDINGS_DB_POOL_SIZE + TIDINGS_DB_MAX_OVERFLOW).
    pool = await asyncpg.create_pool(run.stack.dsn(), min_size=min(in_flight, 20), max_size=20)
    try:
        ids = [(uuid.UUID(cid), data.users[user]) for cid, user in lanes]

        def writer(tag: str) -> Callable[[int, int], Awaitable[None]]:
            async def write(slot: int, number: int) -> None:
                cid, sender_id = ids[slot % len(ids)]
                now = datetime.now(UTC)
                async with pool.acquire() as connection, connection.transaction():
                    seq = await connection.fetchval(_NEXT_SEQ, cid, now, sender_id)
                    await connection.execute(
                        _INSERT, uuid7(), cid, seq, sender_id, marker(tag, number), now
                    )

            return write

        await _saturate(warm, in_flight, writer("bench-c-base-warm"))
        run.say(f"baseline: {total:,} raw asyncpg transactions, {in_flight} in flight")
        seconds, latencies, failures = await _saturate(total, in_flight, writer("bench-c-base"))
        figures["baseline"] = {
            "seconds": seconds,
            "per_second": total / seconds,
            "latencies": latencies,
            "failures": failures[:5],
        }
    finally:
        await pool.close()
    result.expect("baseline writes failed", 0, len(failures))
    result.expect("baseline rows stored", total, await _stored(run.stack.dsn(), "bench-c-base"))

    tidings, baseline = figures["tidings"], figures["baseline"]
    result.latencies = {"tidings": tidings.pop("latencies"), "baseline": baseline.pop("latencies")}
    result.details.update(tidings=tidings, baseline=baseline)
    rate = tidings["per_second"]
    result.figure(
        "sendMessage sustained", rate, "msg/s", baseline=baseline["per_second"],
        target="≥ 1,000 msg/s", met=rate >= 1000,
    )  # fmt: skip
    result.figure(
        "request latency p50", percentile(result.latencies["tidings"], 0.5) * 1000, "ms",
        baseline=percentile(result.latencies["baseline"], 0.5) * 1000,
    )  # fmt: skip
    result.figure(
        "server CPU per message", tidings["server_cpu_ms_per_message"], "ms",
    )  # fmt: skip
    if "workers" in figures:
        several = figures["workers"]
        several.pop("latencies")
        result.details["workers"] = {**several, "processes": workers}
        result.figure(
            f"sendMessage sustained, --workers {workers}", several["per_second"], "msg/s",
            baseline=baseline["per_second"],
        )  # fmt: skip
        result.figure(
            f"server CPU per message, --workers {workers}",
            several["server_cpu_ms_per_message"], "ms",
        )  # fmt: skip
    return result
