"""What a run stands on: its own PostgreSQL database and Redis namespace, and the server
processes (Tidings via ``python -m tidings serve``, and the bare baseline) it starts.

Rate limits and socket caps are raised through ``TIDINGS_*`` settings, as an operator would,
never by touching the code under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from redis.asyncio import Redis

__all__ = [
    "REDIS_URL",
    "ServerProcess",
    "Stack",
    "baseline_server",
    "free_port",
    "open_stack",
    "raise_open_files",
    "tidings_server",
]

PG_HOST = os.environ.get("TIDINGS_BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TIDINGS_BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("TIDINGS_BENCH_PG_USER", "postgres")
REDIS_URL = os.environ.get("TIDINGS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# Generous, so only the work measured limits a run, never a rule meant for abusers.
_UNLIMITED = "1000000/minute"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def raise_open_files() -> int:
    """Lift this process's (and its children's) open-file limit to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class Stack:
    """One run's database, Redis namespace and JWT secret."""

    database: str
    namespace: str
    secret: str
    logs: Path
    group_max: int

    def dsn(self, database: str | None = None) -> str:
        """The asyncpg DSN of this run's database (or another one on the same server)."""
        return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database or self.database}"

    @property
    def database_url(self) -> str:
        return self.dsn().replace("postgresql://", "postgresql+asyncpg://", 1)

    def settings(self) -> dict[str, str]:
        """The ``TIDINGS_*`` environment every Tidings process of this run gets."""
        limits = (
            "LOGIN_FAILURES",
            "REGISTER",
            "SEND_MESSAGE",
            "CREATE_CONVERSATION",
            "MARK_READ",
            "SET_TYPING",
            "WS_CONNECT",
            "SEARCH_MESSAGES",
        )
        return {
            "TIDINGS_DATABASE_URL": self.database_url,
            "TIDINGS_REDIS_URL": REDIS_URL,
            "TIDINGS_REDIS_NAMESPACE": self.namespace,
            "TIDINGS_JWT_SECRET": self.secret,
            "TIDINGS_ARGON2_TIME_COST": "1",
            "TIDINGS_ARGON2_MEMORY_KIB": "1024",
            "TIDINGS_ARGON2_PARALLELISM": "1",
            "TIDINGS_WS_MAX_SOCKETS_PER_USER": "100",
            "TIDINGS_GROUP_MAX_PARTICIPANTS": str(self.group_max),
            "TIDINGS_SHUTDOWN_GRACE_SECONDS": "2",
            **{f"TIDINGS_RATE_LIMIT_{name}": _UNLIMITED for name in limits},
        }

    def environment(self) -> dict[str, str]:
        """The parent's environment without stray ``TIDINGS_*`` values, plus this run's."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("TIDINGS_")}
        return {**base, **self.settings()}


@asynccontextmanager
async def open_stack(logs: Path, *, group_max: int) -> AsyncIterator[Stack]:
    """Create and migrate a fresh database; drop it and the Redis namespace afterwards."""
    tag = f"{os.getpid()}_{secrets.token_hex(3)}"
    stack = Stack(
        database=f"tidings_bench_{tag}",
        namespace=f"tidings-bench-{tag}",
        secret=secrets.token_urlsafe(48),
        logs=logs,
        group_max=group_max,
    )
    admin = await asyncpg.connect(stack.dsn("postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{stack.database}"')
    finally:
        await admin.close()
    try:
        migrate = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tidings", "migrate", env=stack.environment(),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, error = await migrate.communicate()
        if migrate.returncode != 0:
            raise RuntimeError(f"tidings migrate failed: {error.decode()[-2000:]}")
        yield stack
    finally:
        admin = await asyncpg.connect(stack.dsn("postgres"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{stack.database}" WITH (FORCE)')
        finally:
            await admin.close()
        redis = Redis.from_url(REDIS_URL)
        keys = [key async for key in redis.scan_iter(match=f"{stack.namespace}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


def _cpu_seconds(pid: str) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:  # a child that ended meanwhile
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


class ServerProcess:
    """A server started as its own process, with its RSS and CPU time readable from /proc."""

    def __init__(self, process: asyncio.subprocess.Process, port: int, name: str) -> None:
        self.process = process
        self.port = port
        self.name = name

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def rss_kib(self) -> int:
        """Resident memory now (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for {self.pid}")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process and its live children (the workers of
        ``serve --workers N``) have used so far."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return sum(_cpu_seconds(pid) for pid in [str(self.pid), *children])

    @classmethod
    async def start(
        cls, name: str, command: list[str], *, env: dict[str, str], port: int, ready: str, log: Path
    ) -> ServerProcess:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                *command, env=env, stdout=output, stderr=output
            )
        server = cls(process, port, name)
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as http:
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(server.http_url + ready) as response:
                        if response.status == 200:
                            return server
                if time.monotonic() > deadline:
                    await server.stop()
                    raise RuntimeError(f"{name} did not become ready; see {log}")
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@asynccontextmanager
async def tidings_server(
    stack: Stack, label: str, *, workers: int = 1
) -> AsyncIterator[ServerProcess]:
    """``python -m tidings serve`` on a free port, with the run's settings (and ``--workers``).

    ``TIDINGS_BENCH_SERVE_MODULE`` names another module with the same CLI to run instead,
    to measure a candidate change side by side without editing the package.
    """
    port = free_port()
    module = os.environ.get("TIDINGS_BENCH_SERVE_MODULE", "tidings")
    command = [sys.executable, "-m", module, "serve", "--host", "127.0.0.1"]
    if workers > 1:
        command += ["--workers", str(workers)]
    # A Redis namespace of its own: a scenario's server must not inherit the users of the
    # last scenario's stopped server (an instance settles the presence of the users another
    # one handed over when it stopped: 10,000 of them after (e), tens of seconds of CPU that
    # would be counted against the next scenario).
    env = {**stack.environment(), "TIDINGS_REDIS_NAMESPACE": f"{stack.namespace}-{label}"}
    server = await ServerProcess.start(
        "tidings",
        [*command, "--port", str(port)],
        env=env,
        port=port,
        ready="/readyz",
        log=stack.logs / f"tidings-{label}.log",
    )
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def baseline_server(stack: Stack, label: str) -> AsyncIterator[ServerProcess]:
    """The bare Starlette baseline (``bench.baseline_server``) on a free port."""
    port = free_port()
    server = await ServerProcess.start(
        "baseline",
        [sys.executable, "-m", "bench.baseline_server", "--port", str(port), "--dsn", stack.dsn()],
        env=stack.environment(),
        port=port,
        ready="/healthz",
        log=stack.logs / f"baseline-{label}.log",
    )
    try:
        yield server
    finally:
        await server.stop()
