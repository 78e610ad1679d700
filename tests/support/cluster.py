"""Several real ``tidings serve`` processes sharing one PostgreSQL and Redis.

For the cluster tests: start and stop the processes, talk to them with real clients
(``tests.support.ws``, ``tests.support.api``), and inject Redis faults
(killed client connections, a restarted server) and PostgreSQL faults (killed connections).

Each instance names its Redis connections (``client_name`` in ``TIDINGS_REDIS_URL``), so a test
kills exactly its own instances' connections and never those of other test runs that share the
Redis server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as redis
import sqlalchemy as sa
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.api import Account, Api
from tests.support.chat import SEND_MESSAGE, code_of
from tidings.realtime.publish import Channels
from tidings.settings import Settings

__all__ = [
    "WAIT",
    "Cluster",
    "Instance",
    "PrivateRedis",
    "Scrape",
    "eventually",
    "kill_database_connections",
    "private_redis",
    "run_cluster",
    "run_instance",
    "scrape",
    "send_retrying",
]

_USER_PASSWORD = "cluster-test-password"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Generous bound on every wait: a slow CI machine must never turn into a failure.
WAIT = 20.0
_POLL = 0.05


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _holds(condition: Callable[[], Awaitable[bool]]) -> bool:
    try:
        return await condition()
    except RedisConnectionError:
        return False  # the test's own connection died with a restarted Redis: retry


async def eventually(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``condition`` until it holds; fail saying ``what`` did not happen."""
    try:
        async with asyncio.timeout(WAIT):
            # Polling: the states waited for live in other processes (Redis, the servers).
            while not await _holds(condition):  # noqa: ASYNC110
                await asyncio.sleep(_POLL)
    except TimeoutError:
        raise AssertionError(f"not within {WAIT} s: {what}") from None


@dataclass
class Instance:
    """One ``tidings serve`` process."""

    name: str
    port: int
    process: asyncio.subprocess.Process
    log: Path
    env: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def stop(self) -> None:
        """SIGTERM (a graceful shutdown), then SIGKILL if it does not end in time."""
        if self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            async with asyncio.timeout(WAIT):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    async def kill(self) -> None:
        """SIGKILL: the process dies at once, cleaning nothing up (a crashed instance)."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()

    async def start_again(self) -> None:
        """Start a stopped instance again with the same settings on the same port (a
        redeploy): clients reconnecting to the old address find the new process."""
        assert self.process.returncode is not None, f"instance {self.name} is still running"
        self.process = await _spawn(self.port, self.env, self.log)
        if not await _healthy(self):
            raise AssertionError(f"instance {self.name} did not restart:\n{self.output()}")


def _with_client_name(url: str, client_name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}client_name={client_name}"


def _environment(settings: Settings, redis_url: str | None) -> dict[str, str]:
    """``TIDINGS_*`` variables for every setting the test chose, and nothing inherited."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIDINGS_")}
    for name in settings.model_fields_set:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"TIDINGS_{name.upper()}"] = str(value)
    if redis_url is not None:  # None: embedded (SQLite, in-process fan-out), no Redis at all
        env["TIDINGS_REDIS_URL"] = redis_url
    return env


async def _start(
    name: str, settings: Settings, redis_url: str | None, log_dir: Path, *, workers: int = 1
) -> Instance:
    """Start one instance and wait until it answers ``/healthz``."""
    env = _environment(settings, redis_url)
    for _ in range(3):  # the free port may be taken between probing and binding
        port = _free_port()
        log = log_dir / f"{name}-{port}.log"
        log.unlink(missing_ok=True)
        process = await _spawn(port, env, log, workers=workers)
        instance = Instance(name, port, process, log, env)
        if await _healthy(instance):
            return instance
        await instance.stop()
        if "address already in use" not in instance.output().lower():
            break
    raise AssertionError(f"instance {name} did not start:\n{instance.output()}")


async def _spawn(
    port: int, env: dict[str, str], log: Path, *, workers: int = 1
) -> asyncio.subprocess.Process:
    """``tidings serve`` on ``port``, its output appended to ``log``."""
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tidings",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "info",
            "--workers",
            str(workers),
            env=env,
            cwd=PROJECT_ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )


async def _healthy(instance: Instance) -> bool:
    async with httpx.AsyncClient(base_url=instance.http_url, timeout=2) as http:
        try:
            async with asyncio.timeout(WAIT * 2):  # a cold start imports a lot
                while instance.process.returncode is None:
                    with contextlib.suppress(httpx.TransportError):
                        if (await http.get("/healthz")).status_code == 200:
                            return True
                    await asyncio.sleep(0.1)
        except TimeoutError:
            pass
    return False


@dataclass
class Cluster:
    """Instances sharing one database and Redis namespace, and a Redis client for the test."""

    settings: Settings
    instances: list[Instance]
    client_name: str
    redis: redis.Redis

    @property
    def channels(self) -> Channels:
        return Channels(self.settings.redis_namespace)

    def output(self) -> str:
        return "\n".join(
            f"----- {instance.name} (port {instance.port}) -----\n{instance.output()}"
            for instance in self.instances
        )

    async def listening(self, channel: str) -> int:
        """How many instances are subscribed to ``channel`` in Redis (one each at most)."""
        counts = await self.redis.pubsub_numsub(channel)
        return int(counts[0][1])

    async def wait_listening(self, channel: str, instances: int) -> None:
        """Wait until ``instances`` instances listen on ``channel``."""

        async def enough() -> bool:
            return await self.listening(channel) >= instances

        await eventually(enough, f"{instances} instances listening on {channel}")

    async def connections(self, kind: str, instance: Instance | None = None) -> dict[int, str]:
        """Our instances' (or one instance's) Redis connections of ``kind`` ("pubsub" or
        "normal"): id → client name."""
        prefix = self.client_name if instance is None else self._client_name_of(instance)
        clients = await self.redis.client_list(_type=kind)
        return {
            int(client["id"]): client["name"]
            for client in clients
            if client["name"].startswith(prefix)
        }

    def _client_name_of(self, instance: Instance) -> str:
        return f"{self.client_name}-{instance.name}"

    async def kill_connections(
        self, *kinds: str, instance: Instance | None = None
    ) -> dict[str, list[int]]:
        """Close our instances' (or one instance's) Redis connections of these kinds, as a
        network fault or ``CLIENT KILL TYPE …`` would; return the ids killed, by kind."""
        killed: dict[str, list[int]] = {}
        for kind in kinds:
            killed[kind] = []
            for client_id in await self.connections(kind, instance):
                with contextlib.suppress(redis.ResponseError):  # it went away meanwhile
                    await self.redis.client_kill_filter(_id=str(client_id))
                    killed[kind].append(client_id)
        return killed

    async def wait_resubscribed(self, killed: list[int]) -> None:
        """Wait until every running instance has a new pub/sub connection (none of
        ``killed``)."""

        async def resubscribed() -> bool:
            current = await self.connections("pubsub")
            fresh = {name for client_id, name in current.items() if client_id not in killed}
            running = [i for i in self.instances if i.process.returncode is None]
            return len(fresh) == len(running)

        await eventually(resubscribed, "every instance back on pub/sub")


@asynccontextmanager
async def run_cluster(
    settings: Settings, *, size: int, log_dir: Path, redis_urls: list[str] | None = None
) -> AsyncIterator[Cluster]:
    """Start ``size`` instances (``a``, ``b``…) for ``settings``; stop them all, whatever
    happens. ``redis_urls`` gives each its own Redis URL (e.g. its own Redis user).

    Their output goes to files under ``log_dir``; ``Cluster.output()`` reads it back.
    """
    assert settings.redis_url is not None, "a cluster needs Redis"
    urls = redis_urls or [settings.redis_url] * size
    assert len(urls) == size
    client_name = f"{settings.redis_namespace}-instance"
    names = [chr(ord("a") + index) for index in range(size)]
    started = await asyncio.gather(
        *(
            _start(name, settings, _with_client_name(url, f"{client_name}-{name}"), log_dir)
            for name, url in zip(names, urls, strict=True)
        ),
        return_exceptions=True,
    )
    instances = [item for item in started if isinstance(item, Instance)]
    client = redis.Redis.from_url(settings.redis_url)
    cluster = Cluster(settings, instances, client_name, client)
    try:
        for item in started:
            if isinstance(item, BaseException):
                raise item
        yield cluster
    finally:
        await asyncio.gather(*(instance.stop() for instance in instances))
        with contextlib.suppress(RedisConnectionError):
            await client.aclose()


@asynccontextmanager
async def run_instance(
    settings: Settings, *, log_dir: Path, name: str = "a", workers: int = 1
) -> AsyncIterator[Instance]:
    """One instance for ``settings``, embedded (no Redis) or production, of ``workers``
    processes; stopped afterwards (SIGTERM, then SIGKILL), whatever happens. Its Redis
    connections, if any, are named like a cluster's instance ``name``."""
    redis_url = settings.redis_url and _with_client_name(
        settings.redis_url, f"{settings.redis_namespace}-instance-{name}"
    )
    instance = await _start(name, settings, redis_url, log_dir, workers=workers)
    try:
        yield instance
    finally:
        await instance.stop()


_SAMPLE_SUFFIXES = ("", "_total", "_count", "_sum", "_bucket", "_created")


@dataclass(frozen=True)
class Scrape:
    """One reading of a server's ``/metrics``, parsed by prometheus-client."""

    families: dict[str, Metric]

    def value(self, name: str, **labels: str) -> float:
        """The sample ``name`` (``tidings_operations_total``, ``…_seconds_count``) with exactly
        ``labels``: 0 while a labelled child was never used, a failure if no such metric."""
        family = next(
            (
                family
                for family in self.families.values()
                if name.startswith(family.name)
                and name.removeprefix(family.name) in _SAMPLE_SUFFIXES
            ),
            None,
        )
        assert family is not None, f"{name} is not among the metrics: {sorted(self.families)}"
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
        return 0.0


async def scrape(http_url: str) -> Scrape:
    """Read ``http_url``'s ``/metrics``."""
    async with httpx.AsyncClient(base_url=http_url, timeout=WAIT) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    families = text_string_to_metric_families(response.text)
    return Scrape({family.name: family for family in families})


async def send_retrying(
    api: Api | Callable[[], Api],
    sender: Account,
    conversation_id: str,
    content: str,
    *,
    client_message_id: str,
    retried: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Send like a well-behaved client: retry ``UNAVAILABLE`` with the same clientMessageId
    (SPEC §5: "a dependency is down: retry"; the id makes the retry idempotent).

    ``api`` may be a function giving the instance for each attempt, as a load balancer
    would (a dead instance's attempt fails and the retry goes elsewhere); ``retried`` is
    called before each retry."""
    variables = {
        "input": {
            "conversationId": conversation_id,
            "content": content,
            "clientMessageId": client_message_id,
        }
    }
    async with asyncio.timeout(WAIT * 2):
        while True:
            target = api() if callable(api) else api
            try:
                body = await target.execute(SEND_MESSAGE, variables, token=sender.access_token)
            except (httpx.TransportError, ValueError):  # no answer, or not JSON (going down)
                body = {"errors": [{"extensions": {"code": "UNAVAILABLE"}}]}
            errors = body.get("errors")
            if not errors:
                message: dict[str, Any] = body["data"]["sendMessage"]
                return message
            if code_of(errors[0]) != "UNAVAILABLE":
                raise AssertionError(f"sendMessage failed: {errors}")
            if retried is not None:
                retried()
            await asyncio.sleep(0.1)


async def kill_database_connections(database_url: str) -> int:
    """``pg_terminate_backend`` every other connection to this test run's own database (the
    instances' pooled ones), as a database failover would; how many were killed."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            killed = await connection.scalar(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await engine.dispose()
    return int(killed or 0)


@dataclass
class PrivateRedis:
    """A redis-server of the test's own, so restarting it disturbs nobody else."""

    port: int
    directory: Path
    log: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        """Start it (again, on the same port) and wait until it answers PING."""
        with self.log.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
            )
        await self._wait_until_up()

    def url_of(self, user: str) -> str:
        return f"redis://{user}:{_USER_PASSWORD}@127.0.0.1:{self.port}/0"

    async def add_user(self, user: str) -> str:
        """A Redis user allowed everything; returns the URL that logs in as it."""
        async with redis.Redis.from_url(self.url) as client:
            await client.acl_setuser(
                user,
                enabled=True,
                passwords=[f"+{_USER_PASSWORD}"],
                keys=["*"],
                channels=["*"],
                commands=["+@all"],
            )
        return self.url_of(user)

    async def set_user_enabled(self, user: str, *, enabled: bool) -> None:
        """Disable (new logins refused) or re-enable ``user``."""
        async with redis.Redis.from_url(self.url) as client:
            await client.acl_setuser(user, enabled=enabled)

    async def shutdown(self) -> None:
        """SHUTDOWN NOSAVE (as ``redis-cli shutdown nosave`` does), and wait until it exits."""
        if self.process is None or self.process.returncode is not None:
            return
        client = redis.Redis.from_url(self.url)
        with contextlib.suppress(RedisConnectionError):
            await client.shutdown(nosave=True)
        with contextlib.suppress(RedisConnectionError):
            await client.aclose()
        try:
            async with asyncio.timeout(WAIT):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    async def _wait_until_up(self) -> None:
        async def answers() -> bool:
            if self.process is not None and self.process.returncode is not None:
                raise AssertionError(f"redis-server exited:\n{self.log.read_text()}")
            async with redis.Redis.from_url(self.url, socket_connect_timeout=1) as client:
                return bool(await client.ping())

        await eventually(answers, "redis-server answering PING")


@asynccontextmanager
async def private_redis(directory: Path) -> AsyncIterator[PrivateRedis]:
    """A fresh redis-server on a free port, working in the (existing) ``directory``, shut
    down afterwards even when the test fails."""
    if shutil.which("redis-server") is None:
        raise AssertionError("redis-server is not installed")
    server = PrivateRedis(_free_port(), directory, directory / "redis.log")
    await server.start()
    try:
        yield server
    finally:
        await server.shutdown()
