"""(h) Message search over the stored messages of (d): ``searchMessages`` as the reader, over
all their conversations (about 150, holding the 1 M messages), first page of 20 with excerpts.

Two queries: one common word (in about a third of the messages: the worst case, every match
ranked) and two words that must both match. Latency is timed against the server process,
one request at a time. The baseline is the same full-text statement (the same tsquery,
ts_rank order, excerpts for the page) run by raw asyncpg from the harness: what is left is
what HTTP, GraphQL, authentication and Tidings' own statements cost.
"""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]

from bench.graphql_http import GraphQLHttp
from bench.results import ScenarioResult, percentile
from bench.scenarios._shared import Run, timed_calls
from bench.statements import counting_app

__all__ = ["run"]

SEARCH = """
query Search($query: String!, $first: Int) {
  searchMessages(query: $query, first: $first) {
    edges { cursor node {
      rank snippetParts { text highlighted }
      message { id conversationId seq content sender { displayName } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# What tidings.queries.search runs on PostgreSQL, written out (markers and excerpt options
# as there), plus the senders' names the GraphQL query asks for.
_BASELINE = """
WITH q AS (SELECT websearch_to_tsquery('simple'::regconfig, $2) AS q),
ranked AS (
  SELECT m.id, ts_rank(m.search_vector, q.q) AS rank, m.created_at
  FROM messages m
  JOIN participants p ON p.conversation_id = m.conversation_id AND p.user_id = $1, q
  WHERE m.search_vector @@ q.q AND m.deleted_at IS NULL
  ORDER BY rank DESC, m.created_at DESC, m.id DESC
  LIMIT $3
)
SELECT m.id, m.conversation_id, m.seq, m.content, u.display_name, r.rank,
  CASE WHEN length(m.content) <= 200
    THEN ts_headline('simple'::regconfig, m.content, q.q,
                     'StartSel="\ue000", StopSel="\ue001", HighlightAll=true')
    ELSE ts_headline('simple'::regconfig, m.content, q.q,
                     'StartSel="\ue000", StopSel="\ue001", MaxWords=24, MinWords=12, '
                     'MaxFragments=2, FragmentDelimiter=" … "')
  END AS snippet
FROM ranked r JOIN messages m ON m.id = r.id JOIN users u ON u.id = m.sender_id, q
ORDER BY r.rank DESC, r.created_at DESC, r.id DESC
"""

QUERIES = {"one word": "deploy", "two words": "lunch tomorrow"}
PAGE = 20


# Untimed calls first: the server's caches and the database's buffers warm.
_WARMUPS = 2


async def run(run: Run) -> ScenarioResult:
    sizes, data = run.sizes, run.data
    result = ScenarioResult("h", f"message search, {data.messages:,} messages stored")
    token = data.tokens[data.reader]
    reader = data.users[data.reader]
    samples: dict[str, list[float]] = {}
    statements: dict[str, list[str]] = {}

    run.say("counting statements in process")
    async with counting_app(run.stack.settings()) as counter:
        for name, text in QUERIES.items():
            statements[name] = await counter.count(SEARCH, {"query": text, "first": PAGE}, token)

    connection = await asyncpg.connect(run.stack.dsn())
    try:
        for name, text in QUERIES.items():

            async def baseline(text: str = text) -> int:
                return len(await connection.fetch(_BASELINE, reader, text, PAGE))

            run.say(f"baseline: {sizes.search_requests} searches for {text!r}")
            samples[f"baseline {name}"], expected = await timed_calls(
                sizes.search_requests, baseline, warmups=_WARMUPS
            )
            result.details.setdefault("expected", {})[name] = expected
    finally:
        await connection.close()

    async with run.tidings("search") as server, GraphQLHttp(server.http_url) as http:
        for name, text in QUERIES.items():

            async def search(text: str = text) -> int:
                page = await http.data(SEARCH, {"query": text, "first": PAGE}, token=token)
                return len(page["searchMessages"]["edges"])

            run.say(f"tidings: {sizes.search_requests} searches for {text!r}")
            async with run.measuring(server, f"h-{name.replace(' ', '-')}"):
                cpu = server.cpu_seconds()
                samples[f"tidings {name}"], got = await timed_calls(
                    sizes.search_requests, search, warmups=_WARMUPS
                )
                cpu_each = (server.cpu_seconds() - cpu) / sizes.search_requests
            result.expect(f"tidings {name} hits", result.details["expected"][name], got)
            result.figure(f"server CPU per search ({name})", cpu_each * 1000, "ms")

    result.latencies = samples
    result.details["statements"] = statements
    for name in QUERIES:
        result.figure(f"search statements ({name})", len(statements[name]), "stmts")
        for share in (0.5, 0.99):
            ours = percentile(samples[f"tidings {name}"], share) * 1000
            base = percentile(samples[f"baseline {name}"], share) * 1000
            result.figure(
                f"search p{int(share * 100)} ({name})", ours, "ms", baseline=base,
                target="reported",
            )  # fmt: skip
    return result
