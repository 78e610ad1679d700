"""Migrations are the only way the schema is made: they must agree with the models, and they
must go down and up again cleanly, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from tests.support.services import POSTGRES_ADMIN_URL
from tidings import models  # registers the tables on SQLModel.metadata
from tidings.migrate import alembic_config, upgrade

DIALECTS = ["sqlite", "postgresql"]


def _run(url: str, work: Any) -> Any:
    """Run ``work(sync_connection)`` on the database at ``url``."""

    async def run() -> Any:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "include_name": lambda name, type_, parents: not models.kept_by_database(name),
        },
    )
    return list(compare_metadata(context, SQLModel.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _admin(statement: str) -> None:
    async def run() -> None:
        engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(sa.text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.fixture(params=DIALECTS)
def fresh_database(
    request: pytest.FixtureRequest, tmp_path: Path, production_available: str | None
) -> Iterator[str]:
    """The URL of an empty database of its own, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    if production_available:
        pytest.skip(f"PostgreSQL cases skipped: {production_available}")
    name = f"tidings_migrations_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_migrations_have_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "merge the migration branches"


def test_migrated_database_matches_the_models(fresh_database: str) -> None:
    upgrade(fresh_database)
    assert _run(fresh_database, _revision) == _head()
    differences = _run(fresh_database, _differences)
    assert differences == [], (
        "the models and the migrations disagree; write a migration "
        "(alembic revision --autogenerate) that makes them agree"
    )


def test_downgrade_to_base_and_upgrade_again(fresh_database: str) -> None:
    upgrade(fresh_database)
    expected = {table.name for table in SQLModel.metadata.sorted_tables}
    assert expected <= _run(fresh_database, _tables)

    command.downgrade(alembic_config(fresh_database), "base")
    assert _run(fresh_database, _tables) <= {"alembic_version"}
    assert _run(fresh_database, _revision) is None

    upgrade(fresh_database)
    assert expected <= _run(fresh_database, _tables)
    assert _run(fresh_database, _differences) == []
