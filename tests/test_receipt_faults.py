"""A receipt flush whose database write fails keeps everything it had: the delivered marks it
could not write and the read moves it had yet to announce go out once the database is back.

The faults are real: PostgreSQL terminates the server's connections (as a restart would);
SQLite is held locked by another writer until the server's busy timeout gives up.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.api import Account, Api
from tests.support.chat import create, history, mark_read, send
from tests.support.receipts import (
    RECEIPT_UPDATED,
    count_of,
    read_up_to,
    ticks,
    updates_until,
    users,
)
from tests.support.server import LocalApp, RunningServer
from tests.support.ws import graphql_socket, until_live
from tests.test_database_connections import _kill_connections
from tidings.settings import Settings


@asynccontextmanager
async def _database_fault(settings: Settings) -> AsyncIterator[None]:
    """While inside, the server's next database write fails."""
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[1]
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            locker.execute("ROLLBACK")
            locker.close()
    else:
        assert await _kill_connections(settings.database_url) > 0
        yield


async def _watch_receipts(
    api: Api, server: RunningServer, alice: Account, carol: Account, cid: str, socket: Any
) -> Any:
    """alice's live ``receiptUpdated`` feed, once it is listening."""
    feed = await socket.start(RECEIPT_UPDATED, {"conversationId": cid})
    probes: dict[str, str] = {}

    async def probe(mark: str) -> None:
        probes[mark] = (await send(api, alice, cid, mark))["id"]
        await mark_read(api, carol, cid, probes[mark])
        await server.services.receipts.flush()

    def heard(data: dict[str, Any], mark: str) -> bool:
        return count_of(data["receiptUpdated"], probes[mark]) is not None

    await until_live(feed, probe=probe, heard=heard)
    return feed


async def test_read_moves_are_announced_after_a_failed_delivered_write(
    api: Api, server: RunningServer, settings: Settings
) -> None:
    # The desk's own loop stops: the test flushes by hand, so it knows which flush fails.
    await server.services.receipts.stop()
    alice, bob, carol = await users(api, "alice", "bob", "carol")
    cid = (await create(api, alice, "GROUP", bob, carol))["id"]
    async with graphql_socket(server.ws_url, alice.access_token) as socket:
        feed = await _watch_receipts(api, server, alice, carol, cid, socket)
        message = await send(api, alice, cid, "lunch?")
        await history(api, carol, cid)  # a delivered mark for the flush to write
        await mark_read(api, bob, cid, message["id"])  # a read move for it to announce

        async with _database_fault(settings):
            with pytest.raises(sa.exc.DBAPIError):
                await server.services.receipts.flush()
        await server.services.receipts.flush()

        updates = await updates_until(feed, read_up_to(bob, message["seq"]))
    # The write the fault refused was made too: carol's delivered mark is in the counts.
    assert count_of(updates[-1], message["id"]) == {
        "messageId": message["id"],
        "seq": message["seq"],
        "deliveredCount": 2,
        "readCount": 1,
        "recipientCount": 2,
    }


async def test_a_flush_returns_only_once_a_flush_under_way_has_written(
    api: Api, app: LocalApp
) -> None:
    """The desk's own loop may be writing a batch when another flush is asked for (by a test,
    by shutdown): that flush waits for the batch, so what was shown before it is written."""
    await app.services.receipts.stop()
    alice, bob = await users(api, "alice", "bob")
    cid = (await create(api, alice, "DIRECT", bob))["id"]
    message = await send(api, alice, cid, "lunch?")
    await history(api, bob, cid)  # delivers it to bob: a mark pending in the desk

    under_way = asyncio.create_task(app.services.receipts.flush())
    await asyncio.sleep(0)  # it has taken the pending mark and is writing it
    await app.services.receipts.flush()

    assert under_way.done()  # the batch it had taken is written, not still on its way
    assert (await ticks(api, alice, message["id"]))["status"] == "DELIVERED"
