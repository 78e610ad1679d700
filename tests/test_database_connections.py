"""PostgreSQL drops every connection (a restart, a failover): the service recovers by itself.

Pooled connections are not tested before use unless ``TIDINGS_DB_POOL_PRE_PING`` is on, so at
most the first request to meet a dead connection fails, with ``UNAVAILABLE``, and a client's
retry with the same ``clientMessageId`` neither loses nor duplicates the message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.api import Account, Api
from tests.support.chat import SEND_MESSAGE, code_of, create, history
from tests.support.server import run_server
from tidings.actions.actor import Actor, Viewer
from tidings.actions.messages import send_message
from tidings.models import Message
from tidings.settings import Settings

pytestmark = pytest.mark.parametrize("backend", ["production"], indirect=True)

KILL_CONNECTIONS = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


async def _kill_connections(database_url: str) -> int:
    """Terminate every other connection to the test database, as a restart would."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(sa.text(KILL_CONNECTIONS))).scalar_one())
    finally:
        await engine.dispose()


async def _send_with_retries(
    api: Api, sender: Account, conversation_id: str, content: str
) -> list[str]:
    """Send like a client does, retrying UNAVAILABLE with the same clientMessageId; the
    error codes of the attempts that failed."""
    variables = {
        "input": {
            "conversationId": conversation_id,
            "content": content,
            "clientMessageId": str(uuid.uuid4()),
        }
    }
    failures: list[str] = []
    for _ in range(5):
        body = await api.execute(SEND_MESSAGE, variables, token=sender.access_token)
        if not body.get("errors"):
            return failures
        failures.append(code_of(body["errors"][0]))
        if failures[-1] != "UNAVAILABLE":
            break
    raise AssertionError(f"never sent: {failures}")


async def _restart_during_traffic(
    settings: Settings, make_api: Callable[[str], Any]
) -> tuple[int, list[str], list[str]]:
    """Send, drop every database connection, send ten more: (connections killed, the error
    codes clients met, the history's contents)."""
    async with run_server(settings) as server, make_api(server.http_url) as api:
        alice = await api.register("alice", display_name="Alice")
        bob = await api.register("bob", display_name="Bob")
        cid = (await create(api, alice, "DIRECT", bob))["id"]
        await _send_with_retries(api, alice, cid, "before")
        killed = await _kill_connections(settings.database_url)
        failures = [
            code
            for n in range(10)
            for code in await _send_with_retries(api, alice, cid, f"after {n}")
        ]
        page = await history(api, bob, cid)
    contents = [edge["node"]["content"] for edge in page["edges"]]
    return killed, failures, contents


async def test_a_database_restart_fails_at_most_one_request(
    make_settings: Callable[..., Settings],
) -> None:
    killed, failures, contents = await _restart_during_traffic(make_settings(), Api.connect)

    assert killed >= 1, "the server held pooled connections to kill"
    assert failures in ([], ["UNAVAILABLE"])
    assert contents == ["before", *(f"after {n}" for n in range(10))]


async def test_with_pre_ping_a_database_restart_fails_no_request(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(db_pool_pre_ping=True)
    killed, failures, contents = await _restart_during_traffic(settings, Api.connect)

    assert killed >= 1
    assert failures == []
    assert contents == ["before", *(f"after {n}" for n in range(10))]


async def test_a_send_that_meets_a_dropped_connection_fails_as_an_outage(
    make_settings: Callable[..., Settings],
) -> None:
    """The send is the first statement of its session (a socket's operation, or once sign-in
    needs no read): its autocommitted statement fails as an outage (``UNAVAILABLE``), not as
    a session left half-open, and the next send gets the next seq."""
    settings = make_settings()
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice = await api.register("alice")
        bob = await api.register("bob")
        cid = uuid.UUID((await create(api, alice, "DIRECT", bob))["id"])
        actor = Actor.signed_in(server.services, Viewer(uuid.UUID(alice.id), uuid.uuid4()))

        async def send(content: str) -> Message:
            return await send_message(
                actor,
                conversation_id=cid,
                content=content,
                client_message_id=None,
                reply_to_id=None,
            )

        await send("before")
        assert await _kill_connections(settings.database_url) >= 1
        with pytest.raises(DBAPIError) as failed:
            await send("lost")
        after = await send("after")

    assert failed.value.connection_invalidated  # what the API answers as UNAVAILABLE
    assert after.seq == 2
