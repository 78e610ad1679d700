"""Message search: bad input, the rate limit, what a page of results costs, and messages
stored before the search index existed, on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from tests.support.api import Api
from tests.support.chat import code_of, create, send
from tests.support.search import SEARCH, found, search, trio
from tests.support.server import LocalApp, run_app
from tests.support.statements import count_statements
from tidings.domain.search import clean_search_query, snippet_parts
from tidings.ids import new_id
from tidings.migrate import upgrade
from tidings.models import utcnow
from tidings.queries.search import search_messages as search_index
from tidings.settings import Settings

# --- bad input and limits --------------------------------------------------------------------


async def test_bad_input_is_a_validation_error_naming_the_argument(api: Api) -> None:
    alice, bob, _, direct = await trio(api)
    await send(api, alice, direct, "lunch")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "x" * 201}, "query"),
        ({"query": "-lunch"}, "query"),
        ({"query": "!!! ???"}, "query"),
        ({"query": "lunch or -pizza"}, "query"),
        ({"query": "lunch", "conversationId": "nope"}, "conversationId"),
        ({"query": "lunch", "senderId": "nope"}, "senderId"),
        ({"query": "lunch", "first": 101}, "first"),
        ({"query": "lunch", "first": -1}, "first"),
        ({"query": "lunch", "after": "bm90IGEgY3Vyc29y"}, "after"),
        (
            {"query": "lunch", "since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            "until",
        ),
    ]
    for variables, field in cases:
        error = await api.error(SEARCH, variables, token=bob.access_token)
        assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": field}, variables
    assert await found(api, bob, "lunch", first=100) == ["lunch"]
    assert await found(api, bob, "x" * 200) == []


async def test_searching_needs_a_viewer(api: Api) -> None:
    error = await api.error(SEARCH, {"query": "lunch"})
    assert code_of(error) == "UNAUTHENTICATED"


@asynccontextmanager
async def _serving(settings: Settings) -> AsyncIterator[Api]:
    async with run_app(settings) as app, Api.to_app(app) as client:
        yield client


async def test_searches_are_rate_limited_per_user(make_settings: Any) -> None:
    async with _serving(make_settings(rate_limit_search_messages="2/minute")) as api:
        alice, bob, _, _ = await trio(api)
        for _ in range(2):
            await search(api, alice, "lunch")

        body = await api.execute(SEARCH, {"query": "lunch"}, token=alice.access_token)

        extensions = body["errors"][0]["extensions"]
        assert extensions["code"] == "RATE_LIMITED"
        assert isinstance(extensions["retryAfter"], int)
        assert extensions["retryAfter"] > 0
        assert await found(api, bob, "lunch") == []  # another user's limit is their own


async def test_a_page_of_results_costs_the_same_statements_however_long(
    app: LocalApp, api: Api
) -> None:
    """Senders and conversations of a page load once for all its hits."""
    alice, bob, carol, direct = await trio(api)
    for number in range(12):
        cid = (await create(api, alice, "GROUP", bob, carol, title=f"Team {number}"))["id"]
        await send(api, [alice, bob, carol][number % 3], cid, f"retro notes {number}")
    await send(api, alice, direct, "retro at four")

    async def counted(first: int) -> tuple[dict[str, Any], list[str]]:
        await search(api, bob, "retro", first=first)  # warm-up
        desk = app.services.receipts  # its background writes are not the request's
        await desk.stop()
        try:
            with count_statements(app.services.engine) as statements:
                found = await search(api, bob, "retro", first=first)
        finally:
            await desk.start()
        return found, list(statements)

    small, small_statements = await counted(2)

    large, large_statements = await counted(20)

    assert len(small["edges"]) == 2
    assert len(large["edges"]) == 13
    assert {edge["node"]["conversation"]["displayTitle"] for edge in large["edges"]} >= {
        "Team 0",
        "Alice",
    }
    assert len(large_statements) == len(small_statements), (small_statements, large_statements)
    assert len(large_statements) <= 3, large_statements


async def test_messages_stored_before_the_search_migration_arefound(
    empty_database: str,
) -> None:
    """Migration 0005 indexes the history already there (a generated column is computed for
    every row; the FTS5 table is rebuilt from messages)."""
    await asyncio.to_thread(upgrade, empty_database, "0003")
    users = sa.table("users", *(sa.column(c) for c in _USER_COLUMNS))
    conversations = sa.table("conversations", *(sa.column(c) for c in _CONVERSATION_COLUMNS))
    participants = sa.table("participants", *(sa.column(c) for c in _PARTICIPANT_COLUMNS))
    messages = sa.table("messages", *(sa.column(c) for c in _MESSAGE_COLUMNS))
    viewer, conversation = new_id(), new_id()
    now = utcnow().replace(tzinfo=None)
    engine = create_async_engine(empty_database, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            uid = viewer.hex if connection.dialect.name == "sqlite" else viewer
            cid = conversation.hex if connection.dialect.name == "sqlite" else conversation
            await connection.execute(sa.insert(users).values(
                id=uid, username="old", email="old@example.com", display_name="Old",
                password_hash="x", share_read_receipts=True, share_presence=True,
                created_at=now, updated_at=now,
            ))  # fmt: skip
            await connection.execute(sa.insert(conversations).values(
                id=cid, kind="GROUP", created_by_id=uid, created_at=now, last_seq=2,
                activity_at=now,
            ))  # fmt: skip
            await connection.execute(sa.insert(participants).values(
                conversation_id=cid, user_id=uid, role="ADMIN", joined_at=now,
                last_read_seq=0, last_delivered_seq=0,
            ))  # fmt: skip
            for seq, content in ((1, "an archived lunch plan"), (2, "unrelated")):
                mid = new_id()
                await connection.execute(sa.insert(messages).values(
                    id=mid.hex if connection.dialect.name == "sqlite" else mid,
                    conversation_id=cid, seq=seq, sender_id=uid, content=content,
                    content_type="TEXT", created_at=now,
                ))  # fmt: skip
        await asyncio.to_thread(upgrade, empty_database)

        async with AsyncSession(engine) as session:
            page = await search_index(
                session, viewer_id=viewer, query=clean_search_query("lunch"), limit=10
            )
    finally:
        await engine.dispose()
    assert [hit.message.content for hit in page.hits] == ["an archived lunch plan"]
    assert [(text, on) for text, on in snippet_parts(page.hits[0].marked_snippet, "")] == [
        ("an archived ", False),
        ("lunch", True),
        (" plan", False),
    ]


_USER_COLUMNS = (
    "id", "username", "email", "display_name", "password_hash", "share_read_receipts",
    "share_presence", "created_at", "updated_at",
)  # fmt: skip
_CONVERSATION_COLUMNS = (
    "id", "kind", "created_by_id", "created_at", "last_seq", "activity_at",
)  # fmt: skip
_PARTICIPANT_COLUMNS = (
    "conversation_id", "user_id", "role", "joined_at", "last_read_seq", "last_delivered_seq",
)  # fmt: skip
_MESSAGE_COLUMNS = (
    "id", "conversation_id", "seq", "sender_id", "content", "content_type", "created_at",
)  # fmt: skip
