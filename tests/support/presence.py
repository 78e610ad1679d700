"""GraphQL documents and helpers for the presence tests: a watcher of ``presenceChanged`` that
can put a mark into its own feed, and a log of the Redis commands a test causes.

A feed cannot say "nothing happened", so absence is shown with a mark: the watcher changes its
own presence (its feed carries it: everyone watches themselves), and whatever the feed brought
before the mark is what happened before it. The mark's events carry a display name unique to
that mark, so a late event of an earlier mark is never mistaken for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis.asyncio as redis
from redis.asyncio.client import Monitor

from tests.support.api import Account, Api
from tests.support.clock import FakeClock
from tests.support.ws import WAIT, GraphQLSocket, Operation, graphql_socket, probe_waits
from tidings.services import Services

__all__ = [
    "LOGIN",
    "PRESENCE_CHANGED",
    "SET_PRESENCE",
    "TIMINGS",
    "UPDATE_SETTINGS",
    "Command",
    "CommandLog",
    "Event",
    "Watcher",
    "hide_presence",
    "log_in",
    "my_presence",
    "past_grace",
    "presence_of",
    "set_presence",
    "status_of",
    "timestamp",
    "watching",
]

# Presence settings short enough for tests, far enough apart that the order of things stays
# as in production.
TIMINGS: dict[str, Any] = {
    "presence_ttl_seconds": 4.0,
    "presence_refresh_seconds": 1.0,
    "presence_grace_seconds": 0.5,
    "presence_sweep_seconds": 0.5,
}

# One presence event as a subscriber receives it.
Event = dict[str, Any]

PRESENCE_CHANGED = """
subscription Presence($userIds: [ID!]) {
  presenceChanged(userIds: $userIds) { user { id displayName } status lastSeenAt }
}
"""

SET_PRESENCE = """
mutation SetPresence($status: PresenceStatus!) {
  setPresence(status: $status) { status lastSeenAt }
}
"""

USER_PRESENCE = """
query UserPresence($id: ID!) { user(id: $id) { id presence { status lastSeenAt } } }
"""

MY_PRESENCE = "{ me { user { id presence { status lastSeenAt } } } }"

UPDATE_SETTINGS = """
mutation UpdateSettings($input: UpdateSettingsInput!) {
  updateSettings(input: $input) { shareReadReceipts sharePresence }
}
"""

UPDATE_PROFILE = """
mutation UpdateProfile($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }
"""

LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }
"""


def status_of(event: Event) -> tuple[str, str]:
    """Whose presence an event is about, and what it says: (user id, status)."""
    return event["user"]["id"], event["status"]


def timestamp(value: str) -> datetime:
    """A ``DateTime`` as the API returns it."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def presence_of(api: Api, viewer: Account, user: Account) -> dict[str, Any]:
    """``user``'s ``presence { status lastSeenAt }`` as ``viewer`` sees it, in a new request."""
    data = await api.data(USER_PRESENCE, {"id": user.id}, token=viewer.access_token)
    presence: dict[str, Any] = data["user"]["presence"]
    return presence


async def my_presence(api: Api, viewer: Account) -> dict[str, Any]:
    """The viewer's own presence, through ``me``."""
    data = await api.data(MY_PRESENCE, token=viewer.access_token)
    presence: dict[str, Any] = data["me"]["user"]["presence"]
    return presence


async def set_presence(api: Api, token: str, status: str) -> dict[str, Any]:
    """``setPresence`` over HTTP: every socket of the login session ``token`` belongs to."""
    data = await api.data(SET_PRESENCE, {"status": status}, token=token)
    presence: dict[str, Any] = data["setPresence"]
    return presence


async def hide_presence(api: Api, account: Account, *, hidden: bool) -> None:
    """``updateSettings(sharePresence: not hidden)``."""
    variables = {"input": {"sharePresence": not hidden}}
    data = await api.data(UPDATE_SETTINGS, variables, token=account.access_token)
    assert data["updateSettings"]["sharePresence"] is not hidden


async def log_in(api: Api, account: Account) -> str:
    """A second login session (another device) of ``account``: its access token."""
    variables = {"input": {"usernameOrEmail": account.username, "password": account.password}}
    data = await api.data(LOGIN, variables)
    token: str = data["login"]["accessToken"]
    return token


class Watcher:
    """A user following ``presenceChanged`` on a socket of their own (see the module
    docstring). The watcher's own events are marks; ``next`` and ``mark`` return the others.
    A mark toggles the watcher BUSY and back, so their sockets must otherwise be ONLINE."""

    def __init__(self, account: Account, socket: GraphQLSocket, operation: Operation) -> None:
        self.account = account
        self.socket = socket
        self.operation = operation
        self._marks = itertools.count(1)

    async def next(self, within: float = WAIT) -> Event:
        """The next event about someone else."""
        while True:
            event = await self._event(within)
            if event["user"]["id"] != self.account.id:
                return event

    async def until(self, user_id: str, status: str, within: float = WAIT) -> Event:
        """Events about others until ``user_id``'s ``status``; returns that one."""
        while status_of(event := await self.next(within)) != (user_id, status):
            pass
        return event

    async def mark(self) -> list[Event]:
        """Put a mark into the feed; the events about others that came before it."""
        name = await self._rename()
        await self._set("BUSY")
        before = await self._until_own(name, "BUSY", WAIT)
        await self._set("ONLINE")
        return before + await self._until_own(name, "ONLINE", WAIT)

    async def live(self) -> None:
        """Wait until the feed has started: neither protocol acknowledges a subscription, so
        mark until a mark comes through. The feed then listens to every channel it watches."""
        for within in probe_waits():
            name = await self._rename()
            await self._set("BUSY")
            try:
                await self._until_own(name, "BUSY", within)
            except TimeoutError:
                await self._set("ONLINE")
                continue
            await self._set("ONLINE")
            await self._until_own(name, "ONLINE", WAIT)
            return
        raise AssertionError(f"{self.account.username}'s presence feed never started")

    async def _event(self, within: float) -> Event:
        event: Event = (await self.operation.data(within))["presenceChanged"]
        return event

    async def _rename(self) -> str:
        name = f"{self.account.username} mark {next(self._marks)}"
        await self.socket.data(UPDATE_PROFILE, {"input": {"displayName": name}})
        return name

    async def _set(self, status: str) -> None:
        await self.socket.data(SET_PRESENCE, {"status": status})

    async def _until_own(self, name: str, status: str, within: float) -> list[Event]:
        others = []
        while True:
            event = await self._event(within)
            user = event["user"]
            if user["id"] != self.account.id:
                others.append(event)
            elif (user["displayName"], event["status"]) == (name, status):
                return others


@asynccontextmanager
async def past_grace(clock: FakeClock, services: Services) -> AsyncIterator[None]:
    """Around a block that closes a user's last socket: once the server has seen it close
    (its grace timer runs), the clock moves past the grace period, so OFFLINE comes next."""
    grace = services.settings.presence_grace_seconds
    timers = clock.sleeping(grace)  # the sweep's, when it has the grace's length
    yield
    await clock.until_sleeping(grace, count=timers + 1)
    clock.advance(grace)


@asynccontextmanager
async def watching(
    ws_url: str, account: Account, user_ids: list[str] | None = None
) -> AsyncIterator[Watcher]:
    """``account`` on a new socket, following ``presenceChanged`` (of ``user_ids``, or
    everyone), the feed already live. With ids the watcher's own are added, for the marks."""
    async with graphql_socket(ws_url, account.access_token) as socket:
        ids = None if user_ids is None else [*user_ids, account.id]
        operation = await socket.start(PRESENCE_CHANGED, {"userIds": ids})
        watcher = Watcher(account, socket, operation)
        await watcher.live()
        yield watcher


# --- Redis commands ----------------------------------------------------------------------

_ARGUMENT = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True, slots=True)
class Command:
    """One command Redis ran, as MONITOR reports it."""

    source: str  # "127.0.0.1:54321", or "lua" for a command a script ran
    name: str  # upper case
    arguments: list[str]

    @property
    def from_script(self) -> bool:
        return self.source == "lua"


class CommandLog:
    """The commands naming ``namespace`` that Redis runs, from MONITOR on a connection of the
    test's own. Other test runs share the Redis server; the namespace tells ours apart.

    ``during()`` yields the list of commands run between its start and its end; both ends are
    marked by a command of the log's own, so no command of the block is missed or early.
    """

    def __init__(self, marker: redis.Redis, namespace: str) -> None:
        self._marker = marker
        self.namespace = namespace
        self.commands: list[Command] = []
        self._marks = itertools.count(1)

    @classmethod
    @asynccontextmanager
    async def monitoring(cls, url: str, namespace: str) -> AsyncIterator[CommandLog]:
        async with (
            redis.Redis.from_url(url) as client,
            redis.Redis.from_url(url) as marker,
            client.monitor() as monitor,
        ):
            log = cls(marker, namespace)
            reader = asyncio.create_task(log._read(monitor))
            try:
                yield log
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader

    @asynccontextmanager
    async def during(self) -> AsyncIterator[list[Command]]:
        window: list[Command] = []
        start = await self._mark()
        yield window
        end = await self._mark()
        window.extend(self.commands[start + 1 : end])

    async def _mark(self) -> int:
        """Send a mark; once MONITOR has shown it, its index in ``commands``."""
        text = f"{self.namespace}:mark:{next(self._marks)}"
        await self._marker.echo(text)
        async with asyncio.timeout(WAIT):
            while True:
                for index, command in enumerate(self.commands):
                    if command.name == "ECHO" and command.arguments == [text]:
                        return index
                await asyncio.sleep(0.01)

    async def _read(self, monitor: Monitor) -> None:
        assert monitor.connection is not None
        while True:
            raw = await monitor.connection.read_response()
            line = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
            if self.namespace not in line:
                continue
            # 1700000000.123456 [0 127.0.0.1:54321] "MGET" "key" …
            head, _, rest = line.partition("] ")
            source = head.split(" ", 2)[-1]
            name, *arguments = _ARGUMENT.findall(rest)
            self.commands.append(Command(source, name.upper(), arguments))
