"""A subscription's memory does not grow with the events it is sent.

graphql-core executes each event on a copy of the subscription's executor, which shared the
subscription's memo of collected subfields. Each event collects its root fields afresh, so
every event added entries to that memo for as long as the subscription lived: a socket
subscribed for a day to a busy conversation held every message's selections.
``PlainFieldsExecutor`` gives each event's copy memos of its own."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from tidings.graphql.execution import PlainFieldsExecutor


@strawberry.type
class Person:
    name: str


@strawberry.type
class Note:
    seq: int
    text: str
    author: Person


@strawberry.type
class Query:
    ping: int = 0


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def notes(self, count: int) -> AsyncGenerator[Note, None]:
        for seq in range(count):
            yield Note(seq=seq, text=f"note {seq}", author=Person(name="alice"))


DOCUMENT = "subscription ($n: Int!) { notes(count: $n) { seq text author { name } } }"
COLLECTING = "*/graphql/execution/collect_fields.py"


def _held_by_collecting(snapshot: tracemalloc.Snapshot) -> int:
    """Bytes still allocated by graphql-core's field collection."""
    kept = snapshot.filter_traces([tracemalloc.Filter(True, COLLECTING)])
    return sum(stat.size for stat in kept.statistics("filename"))


async def _held_after(events: int, marks: set[int]) -> tuple[list[Any], dict[int, int]]:
    """One subscription's ``events`` results, and the bytes field collection held after
    each event numbered in ``marks``."""
    schema = strawberry.Schema(
        query=Query, subscription=Subscription, execution_context_class=PlainFieldsExecutor
    )
    stream: Any = await schema.subscribe(DOCUMENT, variable_values={"n": events})
    results: list[Any] = []
    held: dict[int, int] = {}
    async for result in stream:
        results.append(result)
        if len(results) in marks:
            held[len(results)] = _held_by_collecting(tracemalloc.take_snapshot())
    return results, held


def test_a_long_subscription_holds_no_more_after_many_events() -> None:
    tracemalloc.start()
    try:
        results, held = asyncio.run(_held_after(1050, {50, 1050}))
    finally:
        tracemalloc.stop()

    assert [r.errors for r in results] == [None] * 1050
    assert results[-1].data == {
        "notes": {"seq": 1049, "text": "note 1049", "author": {"name": "alice"}}
    }
    # Without per-event memos: about 1 KiB more per event, ~930 KiB over these 1,000.
    assert held[1050] - held[50] < 20_000, held
