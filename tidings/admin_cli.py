"""``tidings admin``: the operator's commands (accounts, roles, invites, the audit log), run
beside a server.

Each command opens the database and the hub with the same ``TIDINGS_*`` settings as ``tidings
serve``, does one thing through ``tidings.actions.admin``, and exits. What running servers
must hear (a deactivated account's sessions ending) is published through Redis, as a logout
is; the embedded default's hub is in-process, so a CLI cannot reach a running embedded server
(docs/operations.md, "Administration").
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tidings.actions.admin import Console
    from tidings.settings import Settings

__all__ = ["add_admin_commands"]


def add_admin_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``admin`` group to the ``tidings`` command's subcommands."""
    admin = commands.add_parser(
        "admin", help="manage accounts, server admins and invites; read the audit log"
    )
    actions = admin.add_subparsers(dest="admin_command", required=True)

    create = actions.add_parser("create-user", help="make an account (any registration mode)")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--display-name")
    create.add_argument("--admin", action="store_true", help="make it a server admin")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (else: prompt twice)",
    )
    create.set_defaults(run=_create_user)

    for name, run, what in (
        ("deactivate", _deactivate, "end the user's sessions and refuse their logins"),
        ("reactivate", _reactivate, "let a deactivated user log in again"),
        ("promote", _promote, "make the user a server admin"),
        ("demote", _demote, "make a server admin an ordinary user"),
    ):
        command = actions.add_parser(name, help=what)
        command.add_argument("user", help="username or email")
        command.set_defaults(run=run)

    invite = actions.add_parser("invite", help="print a single-use sign-up code")
    invite.add_argument("--expires-in-days", type=float, help="default: never expires")
    invite.set_defaults(run=_invite)

    audit = actions.add_parser(
        "audit", help="print the audit log, newest first, one JSON object per line"
    )
    audit.add_argument("--limit", type=int, default=50, help="entries (1-1000, default 50)")
    audit.set_defaults(run=_audit)


def _create_user(args: argparse.Namespace) -> None:
    from tidings.actions import admin

    password = _password(from_stdin=args.password_stdin)

    async def run(console: Console) -> str:
        user = await admin.create_user(
            console,
            username=args.username,
            email=args.email,
            password=password,
            display_name=args.display_name,
            is_admin=args.admin,
        )
        role = "server admin" if user.is_admin else "user"
        return f"created {role} {user.username} ({user.id})"

    _run(run)


def _password(*, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        sys.exit("tidings: no terminal to ask for the password on; use --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        sys.exit("tidings: the passwords differ")
    return password


def _deactivate(args: argparse.Namespace) -> None:
    from tidings.actions import admin

    async def run(console: Console) -> str:
        done = await admin.deactivate(console, identifier=args.user)
        return f"deactivated {done.user.username}; ended {len(done.ended_sessions)} session(s)"

    _run(run, reaches_servers=True)


def _reactivate(args: argparse.Namespace) -> None:
    from tidings.actions import admin

    async def run(console: Console) -> str:
        user = await admin.reactivate(console, identifier=args.user)
        return f"{user.username} may log in again"

    _run(run)


def _promote(args: argparse.Namespace) -> None:
    _set_admin(args.user, is_admin=True)


def _demote(args: argparse.Namespace) -> None:
    _set_admin(args.user, is_admin=False)


def _set_admin(identifier: str, *, is_admin: bool) -> None:
    from tidings.actions import admin

    async def run(console: Console) -> str:
        user = await admin.set_admin(console, identifier=identifier, is_admin=is_admin)
        return f"{user.username} is {'a server admin' if user.is_admin else 'an ordinary user'}"

    _run(run)


def _invite(args: argparse.Namespace) -> None:
    from tidings.actions.invites import make_invite
    from tidings.clock import SystemClock

    days = args.expires_in_days
    if days is not None and days <= 0:
        sys.exit("tidings: --expires-in-days must be more than 0")

    async def run(console: Console) -> str:
        now = SystemClock().now()
        expires = now + timedelta(days=days) if days is not None else None
        async with console.db() as session:
            issued = make_invite(session, created_by_id=None, expires_at=expires, now=now)
            await session.commit()
        return issued.code

    _run(run)


def _audit(args: argparse.Namespace) -> None:
    import json

    from tidings import queries

    if not 1 <= args.limit <= _MOST_AUDIT_LINES:
        sys.exit(f"tidings: --limit must be between 1 and {_MOST_AUDIT_LINES}")

    async def run(console: Console) -> str:
        async with console.db() as session:
            lines = await queries.audit_log(session, limit=args.limit)
        return "\n".join(
            json.dumps(
                {
                    "at": line.entry.at.isoformat().replace("+00:00", "Z"),
                    "action": line.entry.action,
                    # None: the operator, at the command line.
                    "actor": _named(line.entry.actor_id, line.actor),
                    "target_user": _named(line.entry.target_user_id, line.target),
                    "conversation_id": _text(line.entry.conversation_id),
                    "message_id": _text(line.entry.message_id),
                }
            )
            for line in lines
        )

    _run(run)


_MOST_AUDIT_LINES = 1000


def _named(user_id: object, username: str | None) -> dict[str, str | None] | None:
    """A user an entry names: the id it kept, and the username while the account exists."""
    return None if user_id is None else {"id": str(user_id), "username": username}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _run(command: Callable[[Console], Awaitable[str]], *, reaches_servers: bool = False) -> None:
    """Run ``command`` with a console on the configured deployment; print what it says, or
    exit with the error a client would have got."""
    from tidings.cli import _settings
    from tidings.errors import TidingsError
    from tidings.migrate import upgrade

    settings = _settings()
    if settings.embedded:
        upgrade(settings.database_url)  # as serve does: the embedded default is zero-setup

    async def main() -> str:
        async with _console(settings) as console:
            return await command(console)

    try:
        print(asyncio.run(main()))
    except TidingsError as error:
        sys.exit(f"tidings: {error.message}")
    if reaches_servers and settings.redis_url is None:
        print(
            "note: without Redis a running server cannot hear this: its sockets already open "
            "stay open, and it may accept the ended sessions for up to "
            "TIDINGS_SESSION_CACHE_SECONDS; restart it to end them at once",
            file=sys.stderr,
        )


@asynccontextmanager
async def _console(settings: Settings) -> AsyncIterator[Console]:
    """The database, password hashing and a started hub for ``settings``; closed after."""
    from tidings.actions.admin import Console
    from tidings.db import create_engine, create_session_factory
    from tidings.metrics import Metrics
    from tidings.passwords import Passwords
    from tidings.realtime.hub import Hub
    from tidings.realtime.publish import Channels, Events
    from tidings.realtime.pubsub import create_backend
    from tidings.services import connect_pubsub_redis

    engine = create_engine(settings)
    redis = connect_pubsub_redis(settings.redis_url) if settings.redis_url else None
    hub = Hub(create_backend(redis, namespace=settings.redis_namespace), metrics=Metrics())
    try:
        await hub.start()
        try:
            yield Console(
                db=create_session_factory(engine),
                passwords=Passwords(settings),
                events=Events(hub, Channels(settings.redis_namespace)),
            )
        finally:
            await hub.stop()
    finally:
        if redis is not None:
            await redis.aclose()
        await engine.dispose()
