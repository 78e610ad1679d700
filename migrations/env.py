"""Alembic environment: runs migrations on the async engine for PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from tidings import models  # registers the tables on SQLModel.metadata
from tidings.settings import Settings

target_metadata = SQLModel.metadata


def _database_url() -> str:
    """The URL ``tidings migrate`` passed in, else TIDINGS_DATABASE_URL, else the default.

    Read without the full Settings, so migrating does not need the JWT secret.
    """
    url = context.config.attributes.get("database_url")
    default = Settings.model_fields["database_url"].default
    return str(url or os.environ.get("TIDINGS_DATABASE_URL") or default)


def _compared(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate leaves out the search index, which the database keeps by itself."""
    return not models.kept_by_database(name)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_compared,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_database_url(), poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
