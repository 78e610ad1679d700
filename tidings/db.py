"""The async engine and session factory; built once, in the app's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from tidings.settings import Settings

__all__ = ["autocommit", "create_engine", "create_read_session_factory", "create_session_factory"]


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the engine for ``settings.database_url`` (PostgreSQL via asyncpg, or SQLite).

    ``hide_parameters``: a failed statement's error (logged with its traceback) would
    otherwise carry the statement's values: message content, password hashes, token digests.
    """
    if settings.is_sqlite:
        # SQLite allows one writer; a single pooled connection serialises transactions
        # instead of failing them with "database is locked".
        engine = create_async_engine(
            settings.database_url,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            hide_parameters=True,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=settings.db_pool_pre_ping,
        hide_parameters=True,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # SQLite's own lower() folds only ASCII, so case-insensitive search would miss "Émile".
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for a GraphQL query, which only reads: on PostgreSQL each statement runs in
    autocommit, without the ``BEGIN`` and ``ROLLBACK`` round trips around them (a history
    page: four statements, six round trips before). Nothing is lost by it: at READ
    COMMITTED, PostgreSQL's default and Tidings', every statement of a transaction takes its
    own snapshot anyway. The connections come from the same pool and go back to it at their
    usual isolation level (SQLAlchemy resets it on return). SQLite keeps its transaction,
    whose single snapshot a page's statements do share."""
    if engine.dialect.name == "sqlite":
        return create_session_factory(engine)
    return create_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


@asynccontextmanager
async def autocommit(session: AsyncSession) -> AsyncIterator[AsyncConnection]:
    """The session's connection with each statement its own transaction: no BEGIN or COMMIT
    round trips, for a write that is one statement (atomic by itself).

    A transaction the session has open (a read) ends first. Afterwards the session's
    transaction ends with a commit, which sends nothing (there is no transaction on the wire)
    and, unlike a rollback, keeps the rows the session holds (the request's viewer) loaded;
    the connection goes back to the pool at its usual isolation level, so the next statement
    of the request starts an ordinary transaction.
    """
    if session.in_transaction():
        await session.commit()
    connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    try:
        yield connection
    except Exception:
        if connection.invalidated:
            await session.rollback()  # what a lost connection needs; the request fails anyway
        else:
            await session.commit()
        raise
    await session.commit()
