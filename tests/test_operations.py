"""Operating an instance (SPEC §5 "Operations", issue 6), read from a running server: health
and readiness, Prometheus metrics, JSON logs, and what SIGTERM does to clients and pending work.

Logs and signals need a real ``tidings serve`` process
(``tests.support.cluster.run_instance``); HTTP checks use the in-process server. Both
backends, except where a test says why not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from tests.support.api import Account, Api
from tests.support.chat import MARK_READ, SEND_MESSAGE, code_of, create, history, send
from tests.support.cluster import Instance, Scrape, eventually, run_instance, scrape
from tests.support.receipts import TICKS
from tests.support.server import RunningServer, run_server
from tests.support.ws import (
    LEGACY_WS,
    MESSAGE_ADDED,
    TRANSPORT_WS,
    TYPING,
    Operation,
    SocketClosed,
    graphql_socket,
)
from tests.support.ws import until_live as _until_live
from tidings.migrate import alembic_config, upgrade
from tidings.settings import Settings

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken user { id } }
}
"""
REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(refreshToken: $token) { accessToken refreshToken }
}
"""
ME = "query Me { me { user { id } } }"
SET_TYPING = """
mutation Typing($conversationId: ID!, $isTyping: Boolean!) {
  setTyping(conversationId: $conversationId, isTyping: $isTyping)
}
"""
# Close code of a graceful shutdown: "service restart", reconnect elsewhere (SPEC §5).
SERVICE_RESTART = 1012


@pytest.fixture
async def instance(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> AsyncIterator[Instance]:
    """One real ``tidings serve`` process for this test's database (and Redis namespace)."""
    async with run_instance(make_settings(), log_dir=tmp_path) as running:
        try:
            yield running
        finally:
            print(running.output())  # pytest shows it when the test failed


def closed_port() -> int:
    """A loopback port nobody listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def log_lines(instance: Instance) -> list[dict[str, Any]]:
    """Every line the process wrote, each of which must be one JSON object."""
    lines = []
    for line in instance.output().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON log line: {line!r}") from None
        assert isinstance(entry, dict), line
        lines.append(entry)
    return lines


async def logged(instance: Instance, **fields: Any) -> dict[str, Any]:
    """Wait for the log line that has all of ``fields``; return it."""
    found: list[dict[str, Any]] = []

    async def written() -> bool:
        found[:] = [
            line
            for line in log_lines(instance)
            if all(line.get(key) == value for key, value in fields.items())
        ]
        return bool(found)

    await eventually(written, f"a log line with {fields}")
    assert len(found) == 1, found
    return found[0]


async def until_live(operation: Operation, api: Api, sender: Account, cid: str) -> None:
    """Wait until a just-started messageAdded subscription hears ``sender``'s messages."""
    await _until_live(operation, probe=lambda mark: send(api, sender, cid, mark))


@dataclass
class RowLock:
    """A conversation's row lock held by the test, as a long transaction would hold it: a
    sendMessage to that conversation waits inside the server until ``release()``."""

    engine: AsyncEngine
    holder: AsyncConnection

    async def someone_waits(self) -> bool:
        """Whether a statement of another connection waits for a lock (pg_stat_activity)."""
        async with self.engine.connect() as connection:
            waiting = await connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        return bool(waiting)

    async def release(self) -> None:
        await self.holder.rollback()


@asynccontextmanager
async def conversation_locked(database_url: str, conversation_id: str) -> AsyncIterator[RowLock]:
    """PostgreSQL only: SQLite cannot show that a statement is waiting."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as holder:
            await holder.execute(
                sa.text("SELECT id FROM conversations WHERE id = :id FOR UPDATE"),
                {"id": conversation_id},
            )
            yield RowLock(engine, holder)
    finally:
        await engine.dispose()


# --- /healthz and /readyz ---------------------------------------------------------------------


async def test_healthz_and_readyz_answer_200_while_the_database_and_redis_are_up(
    server: RunningServer,
) -> None:
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        health = await http.get("/healthz")
        ready = await http.get("/readyz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


async def test_an_instance_whose_database_is_unreachable_starts_but_is_not_ready(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """PostgreSQL on a port nobody listens on: alive (so it can be probed), not ready, and a
    request that needs the database is told to retry. With Redis (production) or without."""
    nowhere = f"postgresql+asyncpg://tidings@127.0.0.1:{closed_port()}/tidings"
    settings = make_settings(database_url=nowhere)
    async with (
        run_instance(settings, log_dir=tmp_path) as instance,
        Api.connect(instance.http_url) as api,
    ):
        health = await api.http.get("/healthz")
        ready = await api.http.get("/readyz")
        error = await api.error(
            LOGIN, {"input": {"usernameOrEmail": "alice", "password": "whatever it is"}}
        )
    assert health.status_code == 200
    assert ready.status_code == 503, ready.text
    body = ready.json()
    assert body["status"] == "unavailable"
    assert set(body["problems"]) == {"database"}, body
    assert code_of(error) == "UNAVAILABLE", error


@pytest.mark.parametrize("backend", ["production"], indirect=True)
async def test_an_instance_whose_redis_is_unreachable_starts_but_is_not_ready(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    nowhere = f"redis://127.0.0.1:{closed_port()}/0"
    settings = make_settings(redis_url=nowhere)
    async with (
        run_instance(settings, log_dir=tmp_path) as instance,
        httpx.AsyncClient(base_url=instance.http_url) as http,
    ):
        health = await http.get("/healthz")
        ready = await http.get("/readyz")
    assert health.status_code == 200
    assert ready.status_code == 503, ready.text
    assert set(ready.json()["problems"]) == {"redis"}, ready.json()


async def test_a_database_whose_schema_is_behind_is_not_ready_and_says_so(
    make_settings: Callable[..., Settings], empty_database: str
) -> None:
    """Never migrated, then one migration short, then up to date: /readyz names the
    revisions and the command until the schema is what this release needs."""
    head = _head_revision()
    async with (
        run_server(make_settings(database_url=empty_database)) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        never = await http.get("/readyz")
        await asyncio.to_thread(upgrade, empty_database, _previous_revision())
        behind = await http.get("/readyz")
        await asyncio.to_thread(upgrade, empty_database)
        migrated = await http.get("/readyz")

    assert never.status_code == behind.status_code == 503
    assert never.json() == {
        "status": "unavailable",
        "problems": {
            "schema": f"database schema is not migrated, this release needs revision {head}: "
            "run `tidings migrate`"
        },
    }
    assert behind.json()["problems"] == {
        "schema": f"database schema is at revision {_previous_revision()}, this release needs "
        f"revision {head}: run `tidings migrate`"
    }
    assert (migrated.status_code, migrated.json()) == (200, {"status": "ready"})


@pytest.mark.parametrize("backend", ["production"], indirect=True)
async def test_serve_refuses_a_database_whose_schema_is_behind_saying_to_migrate(
    make_settings: Callable[..., Settings], empty_database: str, tmp_path: Path
) -> None:
    """Outside the embedded default, ``tidings serve`` migrates nothing by itself (that is a
    deploy step, ``tidings migrate``); it says so in one JSON line and exits 1."""
    await asyncio.to_thread(upgrade, empty_database, _previous_revision())
    settings = make_settings(database_url=empty_database)
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIDINGS_")}
    env |= {
        "TIDINGS_DATABASE_URL": empty_database,
        "TIDINGS_REDIS_URL": str(settings.redis_url),
        "TIDINGS_REDIS_NAMESPACE": settings.redis_namespace,
        "TIDINGS_JWT_SECRET": settings.signing_secret,
    }
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tidings", "serve", "--port", str(closed_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    [line] = [line for line in lines if line["level"] == "error"]
    assert line["event"] == (
        f"database schema is at revision {_previous_revision()}, this release needs revision "
        f"{_head_revision()}: run `tidings migrate`"
    )
    assert (line["revision"], line["head"]) == (_previous_revision(), _head_revision())


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_serve_embedded_brings_a_schema_that_is_behind_up_to_date(
    make_settings: Callable[..., Settings], empty_database: str, tmp_path: Path
) -> None:
    await asyncio.to_thread(upgrade, empty_database, _previous_revision())
    settings = make_settings(database_url=empty_database)
    async with (
        run_instance(settings, log_dir=tmp_path) as instance,
        httpx.AsyncClient(base_url=instance.http_url) as http,
    ):
        ready = await http.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def _head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _previous_revision() -> str:
    """The revision just before the head: a database one release behind."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("head")
    assert script is not None
    assert isinstance(script.down_revision, str)
    return script.down_revision


@pytest.mark.parametrize("graphiql", [True, False])
async def test_graphiql_is_served_to_browsers_unless_switched_off(
    make_settings: Callable[..., Settings], graphiql: bool
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml"}
    async with (
        run_server(make_settings(graphiql=graphiql)) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        page = await http.get("/graphql", headers=browser)
        query = await http.get("/graphql", params={"query": "{ __typename }"})
    if graphiql:
        assert page.status_code == 200
        assert "graphiql" in page.text.lower()
    else:
        assert page.status_code == 404
        assert "graphiql" not in page.text.lower()
    assert query.json() == {"data": {"__typename": "Query"}}


# --- /metrics ---------------------------------------------------------------------------------


async def test_metrics_count_operations_by_name_and_outcome(
    server: RunningServer, api: Api
) -> None:
    def operations(reading: Scrape, name: str, kind: str, outcome: str) -> float:
        return reading.value("tidings_operations_total", operation=name, type=kind, outcome=outcome)

    before = await scrape(server.http_url)
    alice = await api.register("alice")
    await api.data(ME, token=alice.access_token)
    await api.data(ME, token=alice.access_token)
    refused = await api.error(ME)
    after = await scrape(server.http_url)

    assert code_of(refused) == "UNAUTHENTICATED"
    counted = {
        ("Register", "mutation", "ok"): 1,
        ("Me", "query", "ok"): 2,
        ("Me", "query", "UNAUTHENTICATED"): 1,
    }
    for labels, count in counted.items():
        assert operations(after, *labels) - operations(before, *labels) == count, labels


async def test_metrics_count_sends_and_deliveries_to_subscribers(
    server: RunningServer, api: Api
) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    direct = (await create(api, alice, "DIRECT", bob))["id"]
    async with (
        graphql_socket(server.ws_url, bob.access_token) as socket,
        graphql_socket(server.ws_url, alice.access_token) as alices,
    ):
        added = await socket.start(MESSAGE_ADDED, {"conversationId": direct})
        echoed = await alices.start(MESSAGE_ADDED, {"conversationId": direct})
        await _until_live(added, echoed, probe=lambda mark: send(api, alice, direct, mark))

        before = await scrape(server.http_url)
        await send(api, alice, direct, "one")
        await send(api, alice, direct, "two")
        for feed in (added, echoed):
            assert [(await feed.data())["messageAdded"]["content"] for _ in range(2)] == [
                "one",
                "two",
            ]
        after = await scrape(server.http_url)

    # Two messages, each handed to both subscribers' sockets: observed once per message.
    for name in ("tidings_send_message_seconds_count", "tidings_delivery_seconds_count"):
        assert after.value(name) - before.value(name) == 2, name
    assert after.value("tidings_send_message_seconds_sum") > before.value(
        "tidings_send_message_seconds_sum"
    )


async def test_metrics_follow_open_sockets_and_active_subscriptions(
    server: RunningServer, api: Api
) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    direct = (await create(api, alice, "DIRECT", bob))["id"]
    sockets = "tidings_open_sockets"
    subscriptions = ("tidings_active_subscriptions", {"field": "messageAdded"})

    async def reads(name: str, value: float, **labels: str) -> None:
        async def holds() -> bool:
            return (await scrape(server.http_url)).value(name, **labels) == value

        await eventually(holds, f"{name}{labels} == {value}")

    idle = await scrape(server.http_url)
    assert (idle.value(sockets), idle.value(subscriptions[0], **subscriptions[1])) == (0, 0)

    async with graphql_socket(server.ws_url, bob.access_token) as socket:
        added = await socket.start(MESSAGE_ADDED, {"conversationId": direct})
        await until_live(added, api, alice, direct)
        live = await scrape(server.http_url)
        assert (live.value(sockets), live.value(subscriptions[0], **subscriptions[1])) == (1, 1)

        await socket.send({"type": "complete", "id": added.id})  # the client stops it
        await reads(subscriptions[0], 0, **subscriptions[1])
        assert (await scrape(server.http_url)).value(sockets) == 1

        again = await socket.start(MESSAGE_ADDED, {"conversationId": direct})
        await until_live(again, api, alice, direct)
        await reads(subscriptions[0], 1, **subscriptions[1])
    # The socket closed with a subscription still running: both gauges come back down.
    await reads(sockets, 0)
    await reads(subscriptions[0], 0, **subscriptions[1])


async def test_metrics_count_rate_limit_rejections_by_action(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(rate_limit_send_message="2/minute")
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice, bob = await api.register("alice"), await api.register("bob")
        direct = (await create(api, alice, "DIRECT", bob))["id"]
        before = await scrape(server.http_url)
        await send(api, alice, direct, "one")
        await send(api, alice, direct, "two")
        variables = {"input": {"conversationId": direct, "content": "three"}}
        refused = await api.error(SEND_MESSAGE, variables, token=alice.access_token)
        after = await scrape(server.http_url)

    assert code_of(refused) == "RATE_LIMITED"
    rejections = "tidings_rate_limit_rejections_total"
    assert (
        after.value(rejections, action="sendMessage")
        - before.value(rejections, action="sendMessage")
        == 1
    )
    assert after.value(rejections, action="register") == 0
    labels = {"operation": "Send", "type": "mutation", "outcome": "RATE_LIMITED"}
    assert after.value("tidings_operations_total", **labels) == 1


async def test_metrics_show_the_database_pool_size(
    make_settings: Callable[..., Settings], backend: str
) -> None:
    async with run_server(make_settings(db_pool_size=3)) as server:
        reading = await scrape(server.http_url)
    # SQLite keeps one connection whatever the setting: it allows a single writer.
    assert reading.value("tidings_db_pool_size") == (1 if backend == "embedded" else 3)


@pytest.mark.parametrize("backend", ["production"], indirect=True)
async def test_metrics_show_database_connections_in_use(
    server: RunningServer, api: Api, settings: Settings
) -> None:
    """A sendMessage held up by a row lock keeps its pooled connection checked out."""
    alice, bob = await api.register("alice"), await api.register("bob")
    direct = (await create(api, alice, "DIRECT", bob))["id"]

    async def checked_out() -> float:
        return (await scrape(server.http_url)).value("tidings_db_pool_checked_out")

    async def all_returned() -> bool:
        return await checked_out() == 0

    async with conversation_locked(settings.database_url, direct) as lock:
        sending = asyncio.create_task(send(api, alice, direct, "held up"))
        await eventually(lock.someone_waits, "sendMessage waiting for the row lock")
        assert await checked_out() >= 1  # background work may hold one more meanwhile
        await lock.release()
        await sending
    await eventually(all_returned, "every connection back in the pool")


async def test_every_metric_is_documented(server: RunningServer) -> None:
    reading = await scrape(server.http_url)
    documented = Path(__file__).parent.parent.joinpath("docs", "operations.md").read_text()
    names = {
        family.name + ("_total" if family.type == "counter" else "")
        for family in reading.families.values()
        # prometheus-client's creation timestamps of unlabelled counters and histograms
        if not family.name.endswith("_created")
    }
    assert names, "no metrics at all"
    assert all(name.startswith("tidings_") for name in names), names
    assert {name for name in names if f"`{name}`" not in documented} == set()


# --- logs -------------------------------------------------------------------------------------


async def test_each_operation_logs_a_json_line_with_request_id_user_and_outcome(
    instance: Instance,
) -> None:
    async with Api.connect(instance.http_url) as api:
        alice = await api.register("alice")
        headers = {"Authorization": f"Bearer {alice.access_token}", "X-Request-ID": "ops-1"}
        response = await api.http.post("/graphql", json={"query": ME}, headers=headers)
        assert response.json()["data"]["me"]["user"]["id"] == alice.id
        refused = await api.error(ME, headers={"X-Request-ID": "ops-2"})

    assert code_of(refused) == "UNAUTHENTICATED"
    line = await logged(instance, event="operation", request_id="ops-1")
    assert (line["operation"], line["type"], line["outcome"]) == ("Me", "query", "ok")
    assert line["user_id"] == alice.id
    assert line["level"] == "info"
    assert line["timestamp"]
    anonymous = await logged(instance, event="operation", request_id="ops-2")
    assert (anonymous["operation"], anonymous["outcome"]) == ("Me", "UNAUTHENTICATED")
    assert anonymous["user_id"] is None
    # Without an X-Request-ID header each operation gets a fresh id of its own.
    registered = await logged(instance, event="operation", operation="Register")
    assert registered["request_id"] not in {"", None, "ops-1", "ops-2"}
    log_lines(instance)  # and every line the process wrote is JSON


async def test_a_subscription_is_logged_and_counted_when_its_client_ends_it(
    instance: Instance,
) -> None:
    """The usual end of a subscription: the client stops it, or closes the socket."""
    async with Api.connect(instance.http_url) as api:
        alice, bob = await api.register("alice"), await api.register("bob")
        direct = (await create(api, alice, "DIRECT", bob))["id"]
        headers = {"X-Request-ID": "socket-1"}
        async with graphql_socket(instance.ws_url, bob.access_token, headers=headers) as socket:
            added = await socket.start(MESSAGE_ADDED, {"conversationId": direct})
            await until_live(added, api, alice, direct)
            await socket.send({"type": "complete", "id": added.id})
            stopped = await logged(instance, event="operation", operation="MessageAdded")
            again = await socket.start(MESSAGE_ADDED, {"conversationId": direct})
            await until_live(again, api, alice, direct)

        async def both_logged() -> bool:
            operations = [line.get("operation") for line in log_lines(instance)]
            return operations.count("MessageAdded") == 2

        await eventually(both_logged, "the second subscription's log line")
        reading = await scrape(instance.http_url)

    labels = {"operation": "MessageAdded", "type": "subscription", "outcome": "ok"}
    assert reading.value("tidings_operations_total", **labels) == 2
    assert (stopped["type"], stopped["outcome"]) == ("subscription", "ok")
    assert (stopped["user_id"], stopped["request_id"]) == (bob.id, "socket-1")


async def test_logs_hold_no_password_token_or_message_content(
    instance: Instance,
) -> None:
    password = "p4ssw0rd-that-must-stay-secret"
    content = "a message body that must stay private"
    secrets: list[str] = [password, content]
    async with Api.connect(instance.http_url) as api:
        alice = await api.register("alice", password=password)
        bob = await api.register("bob")
        login = await api.data(LOGIN, {"input": {"usernameOrEmail": "alice", "password": password}})
        refreshed = await api.data(REFRESH, {"token": login["login"]["refreshToken"]})
        tokens = [
            alice.access_token,
            alice.refresh_token,
            bob.access_token,
            bob.refresh_token,
            login["login"]["accessToken"],
            login["login"]["refreshToken"],
            refreshed["refreshToken"]["accessToken"],
            refreshed["refreshToken"]["refreshToken"],
        ]
        direct = (await create(api, alice, "DIRECT", bob))["id"]
        async with graphql_socket(instance.ws_url, bob.access_token) as socket:
            added = await socket.start(MESSAGE_ADDED, {"conversationId": direct})
            await until_live(added, api, alice, direct)
            await send(api, alice, direct, content)
            assert (await added.data())["messageAdded"]["content"] == content
    await instance.stop()  # everything it will ever write is in the log now

    # A JWT's last part is its signature: not even that may leak.
    secrets += tokens + [token.rsplit(".", 1)[-1] for token in tokens]
    output = instance.output()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    logged = {line.get("operation") for line in lines}
    assert {"Register", "Login", "Refresh", "Create", "Send"} <= logged
    assert [secret for secret in secrets if secret in output] == []


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.database_url).database
    assert database is not None
    return Path(database)


def _alter(database: Path, statement: str) -> None:
    """Change the schema under the running server, as a bad migration or a DBA might."""
    with sqlite3.connect(database) as connection:
        connection.execute(statement)
    connection.close()


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_a_masked_internal_error_carries_the_request_id_of_its_logged_traceback(
    settings: Settings, tmp_path: Path
) -> None:
    """SQLite only: the test breaks the schema under a running server, which it must not do
    to the PostgreSQL database that the other tests share."""
    async with run_instance(settings, log_dir=tmp_path) as instance:
        try:
            async with Api.connect(instance.http_url) as api:
                alice, bob = await api.register("alice"), await api.register("bob")
                direct = (await create(api, alice, "DIRECT", bob))["id"]
                message = await send(api, alice, direct, "hello")
                _alter(_sqlite_path(settings), "DROP TABLE read_receipts")
                variables = {"conversationId": direct, "messageId": message["id"]}
                error = await api.error(MARK_READ, variables, token=bob.access_token)

            assert code_of(error) == "INTERNAL_SERVER_ERROR", error
            request_id = error["extensions"]["requestId"]
            assert "read_receipts" not in json.dumps(error)  # the client learns nothing inside
            traceback = await logged(instance, event="unhandled error", request_id=request_id)
            assert traceback["level"] == "error"
            assert "no such table: read_receipts" in traceback["exception"]
            assert (traceback["operation"], traceback["user_id"]) == ("MarkRead", bob.id)
            line = await logged(instance, event="operation", request_id=request_id)
            assert line["outcome"] == "INTERNAL_SERVER_ERROR"
        finally:
            print(instance.output())


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_a_failed_statement_is_logged_without_the_message_it_carried(
    settings: Settings, tmp_path: Path
) -> None:
    """The traceback of a failed INSERT names the statement but not its values: they hold
    message content (and elsewhere password hashes and token digests)."""
    content = "a message body that must stay private"
    async with run_instance(settings, log_dir=tmp_path) as instance:
        try:
            async with Api.connect(instance.http_url) as api:
                alice, bob = await api.register("alice"), await api.register("bob")
                direct = (await create(api, alice, "DIRECT", bob))["id"]
                _alter(
                    _sqlite_path(settings),
                    "CREATE TRIGGER refuse BEFORE INSERT ON messages "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
                )
                variables = {"input": {"conversationId": direct, "content": content}}
                error = await api.error(SEND_MESSAGE, variables, token=alice.access_token)

            assert code_of(error) == "INTERNAL_SERVER_ERROR", error
            request_id = error["extensions"]["requestId"]
            traceback = await logged(instance, event="unhandled error", request_id=request_id)
            assert "refused by the test" in traceback["exception"]
            assert content not in instance.output()
        finally:
            print(instance.output())


# What a server process's libraries may write besides Tidings' own logs, each in its own way.
_FOREIGN_OUTPUT = """
import asyncio, gc, logging, warnings
from tidings.logs import configure_logging

configure_logging("INFO")
logging.getLogger("strawberry.ws.task").exception("Exception in worker task", exc_info=OSError())
logging.getLogger("uvicorn.error").info("Waiting for application shutdown.")
warnings.warn("something is deprecated", DeprecationWarning, stacklevel=1)

class Unraisable:
    def __del__(self):
        raise RuntimeError("raised in __del__")

Unraisable()
gc.collect()

async def main():
    async def fails():
        raise ValueError("nobody awaits this")
    task = asyncio.get_running_loop().create_task(fails())
    await asyncio.sleep(0.01)
    del task  # asyncio logs "Task exception was never retrieved"
    gc.collect()

asyncio.run(main())
raise SystemError("nobody catches this")
"""


def test_every_library_and_uncaught_exception_logs_json_lines(tmp_path: Path) -> None:
    """Not only uvicorn's: strawberry's, asyncio's, warnings, tracebacks nobody caught."""
    result = subprocess.run(
        [sys.executable, "-W", "always", "-c", _FOREIGN_OUTPUT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    lines = result.stderr.splitlines()
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON log line: {line!r}\n{result.stderr}") from None
    by_event = {entry["event"]: entry for entry in entries}
    assert "OSError" in by_event["Exception in worker task"]["exception"]
    assert by_event["Waiting for application shutdown."]["logger"] == "uvicorn.error"
    assert any("something is deprecated" in entry["event"] for entry in entries), entries
    assert any("raised in __del__" in entry.get("exception", "") for entry in entries), entries
    [never_retrieved] = [
        entry for entry in entries if entry["event"].startswith("Task exception was never")
    ]
    assert never_retrieved["logger"] == "asyncio"
    assert "nobody awaits this" in never_retrieved["exception"]
    assert "nobody catches this" in by_event["uncaught exception"]["exception"]
    assert result.returncode == 1


# --- graceful shutdown ------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_sigterm_closes_open_sockets_with_1012(instance: Instance, protocol: str) -> None:
    async with Api.connect(instance.http_url) as api:
        alice, bob = await api.register("alice"), await api.register("bob")
        direct = (await create(api, alice, "DIRECT", bob))["id"]
        async with graphql_socket(instance.ws_url, bob.access_token, protocol=protocol) as socket:
            added = await socket.start(MESSAGE_ADDED, {"conversationId": direct})
            await until_live(added, api, alice, direct)

            instance.process.terminate()
            assert await socket.closed(within=20) == SERVICE_RESTART
            with pytest.raises(SocketClosed) as closed:
                await added.next()
            assert closed.value.code == SERVICE_RESTART
    await instance.stop()
    assert "Application shutdown complete." in instance.output()


async def test_every_line_written_while_stopping_with_open_sockets_is_json(
    instance: Instance,
) -> None:
    """Sockets of both protocols with live subscriptions, typing events streaming through
    them, when SIGTERM arrives: what uvicorn, asyncio, strawberry (a subscription that meets
    its closed socket) and Tidings then write is one JSON object per line."""
    async with Api.connect(instance.http_url) as api:
        alice, bob = await api.register("alice"), await api.register("bob")
        direct = (await create(api, alice, "DIRECT", bob))["id"]
        async with (
            graphql_socket(instance.ws_url, bob.access_token, protocol=TRANSPORT_WS) as modern,
            graphql_socket(instance.ws_url, bob.access_token, protocol=LEGACY_WS) as legacy,
        ):
            for socket in (modern, legacy):
                added = await socket.start(MESSAGE_ADDED, {"conversationId": direct})
                await until_live(added, api, alice, direct)
                for _ in range(5):
                    await socket.start(TYPING, {"conversationId": direct})

            async def chatter() -> None:  # events in flight while the sockets close
                typing = True
                while True:
                    typing = not typing  # started and stopped: no state outlives the test
                    with contextlib.suppress(httpx.TransportError):
                        await api.execute(
                            SET_TYPING,
                            {"conversationId": direct, "isTyping": typing},
                            token=alice.access_token,
                        )

            chatting = [asyncio.create_task(chatter()) for _ in range(4)]
            try:
                await asyncio.sleep(0.5)
                instance.process.terminate()
                for socket in (modern, legacy):
                    assert await socket.closed(within=20) == SERVICE_RESTART
            finally:
                for task in chatting:
                    task.cancel()
                await asyncio.gather(*chatting, return_exceptions=True)
    await instance.stop()

    events = [line["event"] for line in log_lines(instance)]  # each line parsed as JSON
    assert "Shutting down" in events, events


@pytest.mark.parametrize("backend", ["production"], indirect=True)
async def test_an_in_flight_request_completes_after_sigterm(
    instance: Instance, settings: Settings
) -> None:
    """A sendMessage waits in the server for a row lock the test holds; SIGTERM arrives; the
    lock is released, and the message is stored and answered all the same. PostgreSQL only:
    SQLite cannot show that a request is waiting inside the server."""
    async with Api.connect(instance.http_url) as api:
        alice, bob = await api.register("alice"), await api.register("bob")
        direct = (await create(api, alice, "DIRECT", bob))["id"]
        async with conversation_locked(settings.database_url, direct) as lock:
            sending = asyncio.create_task(send(api, alice, direct, "sent while stopping"))
            await eventually(lock.someone_waits, "sendMessage waiting for the row lock")
            instance.process.terminate()

            async def shutting_down() -> bool:
                return "Waiting for connections to close" in instance.output()

            await eventually(shutting_down, "the instance waiting for its requests")
            assert not sending.done()
            await lock.release()
            sent = await sending
            await instance.stop()
            async with lock.engine.connect() as connection:
                stored = await connection.scalar(
                    sa.text("SELECT seq FROM messages WHERE id = :id"), {"id": sent["id"]}
                )
    assert (sent["seq"], sent["content"], stored) == (1, "sent while stopping", 1)


async def test_delivered_marks_noted_just_before_sigterm_are_written_on_stop(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Bob is shown alice's message by the messages query, so instance A notes his delivered
    mark for its next batch (at most one second away); A is stopped at once. Instance B (the
    same SQLite file restarted, in the embedded case) then shows alice the message delivered."""
    settings = make_settings(receipt_flush_seconds=1)
    async with run_instance(settings, log_dir=tmp_path, name="a") as a:
        try:
            async with Api.connect(a.http_url) as api:
                alice, bob = await api.register("alice"), await api.register("bob")
                direct = (await create(api, alice, "DIRECT", bob))["id"]
                message = await send(api, alice, direct, "did you get this?")
                ticks = await api.data(TICKS, {"id": message["id"]}, token=alice.access_token)
                assert ticks["message"]["deliveredCount"] == 0
                shown = await history(api, bob, direct)
                assert [edge["node"]["id"] for edge in shown["edges"]] == [message["id"]]
            await a.stop()
        finally:
            print(a.output())

    async with run_instance(settings, log_dir=tmp_path, name="b") as b:
        try:
            async with Api.connect(b.http_url) as api:
                ticks = await api.data(TICKS, {"id": message["id"]}, token=alice.access_token)
        finally:
            print(b.output())
    assert (ticks["message"]["deliveredCount"], ticks["message"]["status"]) == (1, "DELIVERED")
