"""The ``tidings`` command: serve, migrate, export-schema, admin."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from tidings.settings import Settings

__all__ = ["main", "worker_app"]


def _settings() -> Settings:
    """The settings from the environment; if they are invalid, exit saying why (no traceback)."""
    from pydantic import ValidationError

    from tidings.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            message = problem["msg"].removeprefix("Value error, ")
            field = "_".join(str(part) for part in problem["loc"]).upper()
            problems.append(f"TIDINGS_{field}: {message}" if field else message)
        sys.exit("tidings: invalid configuration: " + "; ".join(problems))


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from tidings.app import create_app
    from tidings.logs import configure_logging
    from tidings.migrate import upgrade

    configure_logging(args.log_level.upper())
    settings = _settings()
    if args.workers < 1:
        sys.exit("tidings: --workers must be at least 1")
    if args.workers > 1 and (settings.redis_url is None or _is_sqlite(settings)):
        sys.exit(
            "tidings: --workers needs PostgreSQL and Redis (TIDINGS_DATABASE_URL, "
            "TIDINGS_REDIS_URL): the embedded default keeps its live state in one process, "
            "so it runs one worker"
        )
    if settings.embedded or args.migrate:
        # The embedded default is zero-setup: its schema is brought up to date on start.
        upgrade(settings.database_url)
    else:
        _refuse_a_schema_behind(settings)
    options = {
        "host": args.host,
        "port": args.port,
        "log_config": None,  # configure_logging() already set uvicorn's loggers up
        "proxy_headers": True,
        # Protocol-level pings find dead peers (a phone that lost its network) and drop them.
        "ws_ping_interval": settings.ws_ping_interval_seconds,
        "ws_ping_timeout": settings.ws_ping_timeout_seconds,
        "ws_per_message_deflate": settings.ws_compression,
        # The request size limit holds for WebSocket messages too (1009 when over).
        "ws_max_size": settings.max_body_bytes,
        # On SIGTERM: stop accepting, close sockets with 1012, let in-flight requests finish.
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
    }
    if args.workers == 1:
        uvicorn.run(create_app(settings, freeze_gc=True), **options)
        return
    # Each worker is a process of its own, an instance as another machine's would be: they
    # share the listening socket, and nothing else but PostgreSQL and Redis.
    os.environ[_WORKER_LOG_LEVEL] = args.log_level.upper()
    uvicorn.run(
        "tidings.cli:worker_app",
        factory=True,
        workers=args.workers,
        **options,
    )


_WORKER_LOG_LEVEL = "TIDINGS_SERVE_LOG_LEVEL"


def worker_app() -> Starlette:
    """The app of one ``serve --workers N`` process, configured as its parent was (uvicorn
    starts each worker afresh, so it reads the environment again)."""
    from tidings.app import create_app
    from tidings.logs import configure_logging

    configure_logging(os.environ.get(_WORKER_LOG_LEVEL, "INFO"))
    return create_app(_settings(), freeze_gc=True)


def _is_sqlite(settings: Settings) -> bool:
    return settings.database_url.startswith("sqlite")


def _refuse_a_schema_behind(settings: Settings) -> None:
    """Exit saying ``tidings migrate`` is needed, rather than serve a database on which every
    request would fail. An unreachable database is no reason to refuse: the instance starts,
    unready, and ``/readyz`` says what is wrong (and checks the schema again each time)."""
    import asyncio

    import structlog
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from tidings.migrate import SchemaRevision, schema_revision

    log = structlog.get_logger("tidings.cli")

    async def read() -> SchemaRevision:
        engine = create_async_engine(settings.database_url, poolclass=NullPool)
        try:
            async with asyncio.timeout(10), engine.connect() as connection:
                return await schema_revision(connection)
        finally:
            await engine.dispose()

    try:
        schema = asyncio.run(read())
    except Exception as error:  # unreachable, refused, timed out: /readyz will say so
        log.warning("database schema not checked", error=f"{type(error).__name__}: {error}")
        return
    if schema.behind:
        log.error(schema.problem(), revision=schema.current, head=schema.head)
        sys.exit(1)
    if not schema.known:
        log.warning(
            "database schema is ahead of this release (a newer one migrated it)",
            revision=schema.current,
            head=schema.head,
        )


def _migrate(_: argparse.Namespace) -> None:
    import os

    from tidings.migrate import upgrade
    from tidings.settings import Settings

    # Migrating needs only the database: no JWT secret, so it can run in a deploy step.
    default = Settings.model_fields["database_url"].default
    upgrade(os.environ.get("TIDINGS_DATABASE_URL") or str(default))
    print("database is up to date")


def _export_schema(args: argparse.Namespace) -> None:
    from tidings.graphql.schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tidings", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port, to use every core (PostgreSQL and Redis only; "
        "each is an instance of its own)",
    )
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="apply migrations before serving (always done for the embedded default; "
        "otherwise serve refuses a database whose schema is behind)",
    )
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(run=_migrate)

    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("--output", "-o", default="-", help="file to write, or - for stdout")
    export.set_defaults(run=_export_schema)

    from tidings.admin_cli import add_admin_commands

    add_admin_commands(commands)

    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
