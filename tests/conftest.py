"""Fixtures: every integration test runs twice, embedded (SQLite + memory) and production
(PostgreSQL + Redis), against the real app and real clients.

Two tiers (README "Test tiers"): ``api`` alone talks to the app in this process (``app``);
a test that asks for ``server`` gets the app under a real uvicorn server, and ``api`` then
talks to that server over a socket. Asking for ``clock`` hands either one a ``FakeClock``.

PostgreSQL: the test database is migrated once per session (so migrations are tested) and
emptied before each test. SQLite: a migrated template file is copied per test. Redis: each
test gets its own key namespace, deleted afterwards. Without PostgreSQL or Redis the production
runs are skipped with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from redis import Redis as SyncRedis
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.cluster import PrivateRedis, private_redis
from tests.support.server import LocalApp, RunningServer, run_app, run_server
from tests.support.services import (
    POSTGRES_ADMIN_URL,
    POSTGRES_TEST_DB,
    REDIS_URL,
    in_ci,
    unreachable,
)
from tidings.migrate import upgrade
from tidings.settings import Settings

BACKENDS = ["embedded", "production"]

# Cheap but real Argon2id, and limits high enough that only the rate-limit tests meet them.
TEST_SETTINGS: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
    "argon2_parallelism": 1,
    "rate_limit_login_failures": "1000/minute",
    "rate_limit_register": "1000/minute",
    "rate_limit_send_message": "10000/minute",
    "rate_limit_create_conversation": "1000/minute",
    "rate_limit_mark_read": "10000/minute",
    "rate_limit_set_typing": "10000/minute",
    "rate_limit_react": "10000/minute",
    "rate_limit_ws_connect": "1000/minute",
    "rate_limit_search_messages": "10000/minute",
}
TEST_SECRET = "test-secret-" + "x" * 40


def _postgres_url(database: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


@pytest.fixture(scope="session")
def production_available() -> str | None:
    """None when PostgreSQL and Redis are reachable, else the reason (fails under CI)."""
    reason = unreachable()
    if reason and in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    return reason


@pytest.fixture(scope="session")
def postgres_database(production_available: str | None) -> Iterator[str]:
    """A freshly created and migrated PostgreSQL database URL."""
    if production_available:
        pytest.skip(f"production backend skipped: {production_available}")

    async def recreate() -> None:
        admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            await connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{POSTGRES_TEST_DB}" WITH (FORCE)')
            )
            await connection.execute(sa.text(f'CREATE DATABASE "{POSTGRES_TEST_DB}"'))
        await admin.dispose()

    async def drop() -> None:
        admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            await connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{POSTGRES_TEST_DB}" WITH (FORCE)')
            )
        await admin.dispose()

    asyncio.run(recreate())
    url = _postgres_url(POSTGRES_TEST_DB)
    upgrade(url)
    yield url
    asyncio.run(drop())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


# Children before parents. DELETE, not TRUNCATE: a test leaves a few rows, which DELETE removes
# in well under a millisecond where TRUNCATE takes ~20 ms (it replaces every table's files).
_EMPTY_TABLES = ";".join(
    f'DELETE FROM "{table.name}"' for table in reversed(SQLModel.metadata.sorted_tables)
)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_settings(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[Callable[..., Settings]]:
    """A factory of Settings for this test's isolated database and Redis namespace.

    Call it with overrides, e.g. ``make_settings(rate_limit_register="2/hour")``.
    """
    namespace = f"tidings-test-{uuid.uuid4().hex[:12]}"
    if backend == "embedded":
        database = tmp_path / "tidings.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), database)
        base: dict[str, Any] = {"database_url": f"sqlite+aiosqlite:///{database}"}
    else:
        url = request.getfixturevalue("postgres_database")
        asyncio.run(_empty(url))
        base = {"database_url": url, "redis_url": REDIS_URL, "redis_namespace": namespace}

    def factory(**overrides: Any) -> Settings:
        return Settings(**{"jwt_secret": TEST_SECRET, **TEST_SETTINGS, **base, **overrides})

    yield factory

    if backend == "production":
        redis = SyncRedis.from_url(REDIS_URL)
        keys = list(redis.scan_iter(match=f"{namespace}*"))
        if keys:
            redis.delete(*keys)
        redis.close()


async def _empty(url: str) -> None:
    """Delete every row of the app's tables."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            asyncpg = (await connection.get_raw_connection()).driver_connection
            assert asyncpg is not None
            await asyncpg.execute(_EMPTY_TABLES)  # several statements at once
    finally:
        await engine.dispose()


@pytest.fixture
def empty_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the backend's kind, this test's own (never migrated;
    dropped afterwards). For tests of what happens before, or between, migrations."""
    if backend == "embedded":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_database")  # skips (or fails in CI) without PostgreSQL
    name = f"tidings_empty_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _postgres_url(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(statement: str) -> None:
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await admin.dispose()


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def clock() -> FakeClock:
    """Time the test moves by hand (``clock.advance(seconds)``); the ``app`` or ``server`` of
    a test that asks for it goes by it."""
    return FakeClock()


def _clock_of(request: pytest.FixtureRequest) -> FakeClock | None:
    if "clock" in request.fixturenames:
        clock: FakeClock = request.getfixturevalue("clock")
        return clock
    return None


@pytest.fixture
async def app(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[LocalApp]:
    """The app serving ``settings`` in this process, its lifespan run around the test."""
    async with run_app(settings, clock=_clock_of(request)) as local:
        yield local


@pytest.fixture
async def server(
    request: pytest.FixtureRequest, settings: Settings
) -> AsyncIterator[RunningServer]:
    """A real uvicorn server on a free loopback port, serving ``settings``."""
    async with run_server(settings, clock=_clock_of(request)) as running:
        yield running


@pytest.fixture
def serving(request: pytest.FixtureRequest, settings: Settings) -> LocalApp | RunningServer:
    """What the test's requests go to: its ``server`` if it asks for one (the app behind its
    sockets), else the ``app`` in this process. (Through ``settings``, which either serves,
    every test that asks for ``api`` runs on both backends.)"""
    if "server" in request.fixturenames:
        server: RunningServer = request.getfixturevalue("server")
        return server
    local: LocalApp = request.getfixturevalue("app")
    return local


@pytest.fixture
async def api(serving: LocalApp | RunningServer) -> AsyncIterator[Api]:
    """A GraphQL-over-HTTP client of ``serving``: over a socket to a server, else in process."""
    if isinstance(serving, RunningServer):
        async with Api.connect(serving.http_url) as client:
            yield client
    else:
        async with Api.to_app(serving) as client:
            yield client


@pytest.fixture
async def redis_server(
    tmp_path: Path, production_available: str | None
) -> AsyncIterator[PrivateRedis]:
    """A redis-server of this test's own: restarting the shared one would break other runs."""
    if production_available:
        pytest.skip(f"production backend skipped: {production_available}")
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed"
        if in_ci():
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    async with private_redis(tmp_path) as server:
        yield server
