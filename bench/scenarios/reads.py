"""(d) Reads over a large store: a history page (50 messages with sender, replyTo and counts)
of the longest conversation, and the reader's inbox (100 conversations with last message,
participants and unread count).

Latency is timed against the server process, one request at a time. Statements are counted
by running the same request in process (``bench.statements``), and again with a smaller page
or list to show the count does not grow with it. The baseline: the bare server answering the
same data with hand-written SQL over raw asyncpg.
"""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.graphql_http import GraphQLHttp
from bench.queries import HISTORY, INBOX
from bench.results import ScenarioResult, percentile
from bench.scenarios._shared import Run, timed_calls
from bench.statements import counting_app

__all__ = ["run"]

# Statements the baseline's handlers run (see bench.baseline_server): auth, membership, page,
# marks; and auth, conversations, last messages, marks, unread counts.
_BASELINE_STATEMENTS = {"history": 4, "inbox": 5}


# Untimed calls first: the server's caches and the database's buffers warm.
_WARMUPS = 5


async def run(run: Run) -> ScenarioResult:
    sizes, data = run.sizes, run.data
    result = ScenarioResult("d", f"history page and inbox, {data.messages:,} messages stored")
    token = data.tokens[data.reader]
    history_vars = {"conversationId": str(data.history), "last": 50}
    inbox_vars = {"first": 100}
    connection = await asyncpg.connect(run.stack.dsn())
    try:
        member_of = await connection.fetchval(
            "SELECT count(*) FROM participants WHERE user_id = $1", data.users[data.reader]
        )
    finally:
        await connection.close()
    expected_inbox = min(100, member_of)
    samples: dict[str, list[float]] = {}

    run.say("counting statements in process")
    async with counting_app(run.stack.settings()) as counter:
        statements = {
            "history": await counter.count(HISTORY, history_vars, token),
            "history_small": await counter.count(HISTORY, {**history_vars, "last": 5}, token),
            "inbox": await counter.count(INBOX, inbox_vars, token),
            "inbox_small": await counter.count(INBOX, {"first": 10}, token),
        }

    async with run.tidings("reads") as server, GraphQLHttp(server.http_url) as http:

        async def history() -> int:
            page = await http.data(HISTORY, history_vars, token=token)
            return len(page["messages"]["edges"])

        async def inbox() -> int:
            page = await http.data(INBOX, inbox_vars, token=token)
            return len(page["conversations"]["edges"])

        run.say(f"tidings: {sizes.read_requests} history pages, {sizes.read_requests} inboxes")
        # Server CPU per request as well: latency on a shared machine moves with whatever
        # else runs; the CPU a request costs the server hardly does. Profiled apart.
        async with run.measuring(server, "d-history"):
            cpu = server.cpu_seconds()
            samples["tidings history"], got = await timed_calls(
                sizes.read_requests, history, warmups=_WARMUPS
            )
            cpu_history = (server.cpu_seconds() - cpu) / sizes.read_requests
        result.expect("tidings history page messages", 50, got)
        async with run.measuring(server, "d-inbox"):
            cpu = server.cpu_seconds()
            samples["tidings inbox"], got = await timed_calls(
                sizes.read_requests, inbox, warmups=_WARMUPS
            )
            cpu_inbox = (server.cpu_seconds() - cpu) / sizes.read_requests
        result.expect("tidings inbox conversations", expected_inbox, got)

    async with run.baseline("reads") as server, GraphQLHttp(server.http_url) as http:
        headers = {"Authorization": f"Bearer {token}"}

        async def get(path: str, key: str) -> int:
            async with http.session.get(server.http_url + path, headers=headers) as response:
                body: dict[str, Any] = await response.json()
            return len(body["data"][key]["edges"])

        async def base_history() -> int:
            return await get(f"/history?conversation={data.history}&last=50", "messages")

        async def base_inbox() -> int:
            return await get("/inbox?first=100", "conversations")

        samples["baseline history"], got = await timed_calls(
            sizes.read_requests, base_history, warmups=_WARMUPS
        )
        result.expect("baseline history page messages", 50, got)
        samples["baseline inbox"], got = await timed_calls(
            sizes.read_requests, base_inbox, warmups=_WARMUPS
        )
        result.expect("baseline inbox conversations", expected_inbox, got)

    result.latencies = samples
    result.details["statements"] = statements
    counts = {name: len(found) for name, found in statements.items()}
    result.details["statement_counts"] = counts
    result.figure(
        "history statements", counts["history"], "stmts",
        baseline=_BASELINE_STATEMENTS["history"], target="≤ 5", met=counts["history"] <= 5,
    )  # fmt: skip
    p50 = percentile(samples["tidings history"], 0.5) * 1000
    result.figure(
        "history p50", p50, "ms", baseline=percentile(samples["baseline history"], 0.5) * 1000,
        target="≤ 5 ms", met=p50 <= 5,
    )  # fmt: skip
    result.figure("server CPU per history page", cpu_history * 1000, "ms")
    same = counts["inbox"] == counts["inbox_small"]
    result.figure(
        f"inbox statements (10 → {expected_inbox})", counts["inbox"], "stmts",
        baseline=_BASELINE_STATEMENTS["inbox"], target="independent of size", met=same,
    )  # fmt: skip
    if not same:
        result.notes.append(
            f"inbox statements grow: {counts['inbox_small']} for 10, {counts['inbox']} for 100"
        )
    p50 = percentile(samples["tidings inbox"], 0.5) * 1000
    result.figure(
        "inbox p50", p50, "ms", baseline=percentile(samples["baseline inbox"], 0.5) * 1000,
        target="≤ 15 ms", met=p50 <= 15,
    )  # fmt: skip
    result.figure("server CPU per inbox", cpu_inbox * 1000, "ms")
    return result
