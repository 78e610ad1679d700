"""The documented production deployment (issue 6, docs/operations.md): nginx running
``deploy/nginx.conf`` in front of two ``tidings serve`` processes sharing PostgreSQL and Redis.

The test rewrites only the file's ports (the instances', and a free loopback port to listen
on) and wraps it in a minimal nginx.conf whose pid, logs and temporary files live in the test's
directory. Clients talk only to nginx; which instance served what is read from the instances'
own ``/metrics``.

Production only: skipped without PostgreSQL and Redis, or without nginx; failing instead under
``CI=true`` (``.ci/run`` installs Debian's nginx-light).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidHandshake

from tests.support.api import Account, Api
from tests.support.chat import SEND_MESSAGE, code_of, create
from tests.support.cluster import WAIT, Cluster, Instance, eventually, run_cluster, scrape
from tests.support.services import in_ci
from tests.support.ws import MESSAGE_ADDED, GraphQLSocket, SocketClosed, graphql_socket
from tidings.settings import Settings

pytestmark = pytest.mark.parametrize("backend", ["production"], indirect=True)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPLOY_CONFIG = PROJECT_ROOT / "deploy" / "nginx.conf"
SERVICE_RESTART = 1012


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if Path(path).is_file()), None
    )
    if found is None:
        reason = "nginx is not installed"
        if in_ci():
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    return found


def deployment_config(upstream_ports: list[int], listen_port: int) -> str:
    """``deploy/nginx.conf`` with its instances on ``upstream_ports``, listening on loopback
    at ``listen_port``; nothing else changed."""
    text = DEPLOY_CONFIG.read_text()
    ports = iter(upstream_ports)
    text, servers = re.subn(
        r"^(\s*server 127\.0\.0\.1:)\d+", lambda m: f"{m[1]}{next(ports)}", text, flags=re.M
    )
    assert servers == len(upstream_ports), f"{DEPLOY_CONFIG} has {servers} upstream servers"
    text, listens = re.subn(
        r"^(\s*)listen \d+;", rf"\g<1>listen 127.0.0.1:{listen_port};", text, flags=re.M
    )
    assert listens == 1, f"{DEPLOY_CONFIG} should have one listen directive"
    return text


def main_config(binary: str, directory: Path) -> str:
    """A minimal nginx.conf around the deployment's server block, everything in ``directory``.

    Every temporary path nginx was built with is set, or it would create them under /var/lib
    (and fail without root); nginx-light lacks some of the modules they belong to."""
    built = subprocess.run([binary, "-V"], capture_output=True, text=True, check=True).stderr
    temp = [
        f"{kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        if f"--without-http_{kind}_module" not in built
    ]
    temp_paths = "\n    ".join(temp)
    return f"""
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} info;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '$request_uri $status upstream=$upstream_addr';
    access_log {directory / "access.log"} upstreams;
    {temp_paths}
    include {directory / "tidings.conf"};
}}
"""


def write_configs(binary: str, deployment: str, directory: Path) -> None:
    directory.mkdir()
    (directory / "tidings.conf").write_text(deployment)
    (directory / "nginx.conf").write_text(main_config(binary, directory))


@dataclass
class Nginx:
    port: int
    process: asyncio.subprocess.Process
    directory: Path

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def output(self) -> str:
        logs = [self.directory / name for name in ("nginx.out", "error.log", "access.log")]
        return "\n".join(
            f"----- nginx {log.name} -----\n{log.read_text(errors='replace')}"
            for log in logs
            if log.exists()
        )


@asynccontextmanager
async def run_nginx(
    binary: str, upstream_ports: list[int], directory: Path
) -> AsyncIterator[Nginx]:
    """nginx in the foreground for the deployment config; stopped whatever happens."""
    port = _free_port()
    write_configs(binary, deployment_config(upstream_ports, port), directory)
    with (directory / "nginx.out").open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            binary,
            "-p",
            str(directory),
            "-c",
            str(directory / "nginx.conf"),
            "-e",
            str(directory / "error.log"),
            "-g",
            "daemon off; master_process on;",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
    nginx = Nginx(port, process, directory)
    try:

        async def answers() -> bool:
            if process.returncode is not None:
                raise AssertionError(f"nginx exited:\n{nginx.output()}")
            async with httpx.AsyncClient(base_url=nginx.http_url, timeout=2) as http:
                with contextlib.suppress(httpx.TransportError):
                    return (await http.get("/healthz")).status_code == 200
            return False

        await eventually(answers, "nginx answering /healthz")
        yield nginx
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(WAIT):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.fixture
async def cluster(make_settings: Callable[..., Settings], tmp_path: Path) -> AsyncIterator[Cluster]:
    async with run_cluster(make_settings(), size=2, log_dir=tmp_path) as running:
        try:
            yield running
        finally:
            print(running.output())  # pytest shows it when the test failed


@pytest.fixture
async def nginx(nginx_binary: str, cluster: Cluster, tmp_path: Path) -> AsyncIterator[Nginx]:
    ports = [instance.port for instance in cluster.instances]
    async with run_nginx(nginx_binary, ports, tmp_path / "nginx") as running:
        try:
            yield running
        finally:
            print(running.output())


async def sockets_on(instance: Instance) -> int:
    """WebSockets ``instance`` holds, from its own ``/metrics``."""
    return int((await scrape(instance.http_url)).value("tidings_open_sockets"))


async def test_a_message_sent_through_nginx_reaches_a_subscriber_on_the_other_instance(
    cluster: Cluster, nginx: Nginx
) -> None:
    async with Api.connect(nginx.http_url) as api:
        alice, bob = await api.register("alice"), await api.register("bob")
        direct = (await create(api, alice, "DIRECT", bob))["id"]

    async with AsyncExitStack() as stack:
        bobs = await stack.enter_async_context(graphql_socket(nginx.ws_url, bob.access_token))
        added = await bobs.start(MESSAGE_ADDED, {"conversationId": direct, "afterSeq": 0})
        held = [await sockets_on(instance) for instance in cluster.instances]
        assert sorted(held) == [0, 1], held
        listener = cluster.instances[held.index(1)]
        other = cluster.instances[held.index(0)]

        # Round robin sends the next socket to the other instance; should it not, try again.
        alices: GraphQLSocket | None = None
        for _ in range(4):
            opened = await stack.enter_async_context(
                graphql_socket(nginx.ws_url, alice.access_token)
            )
            if await sockets_on(other) == 1:
                alices = opened
                break
        assert alices is not None, "nginx never sent a socket to the other instance"

        variables = {"input": {"conversationId": direct, "content": "hello through nginx"}}
        sent = (await alices.data(SEND_MESSAGE, variables))["sendMessage"]
        heard = (await added.data())["messageAdded"]
        assert (heard["id"], heard["seq"], heard["content"]) == (
            sent["id"],
            1,
            "hello through nginx",
        )

    ok = {"operation": "Send", "type": "mutation", "outcome": "ok"}
    on_listener, on_other = await scrape(listener.http_url), await scrape(other.http_url)
    # Sent on one instance, handed to the subscriber's socket by the other.
    assert (
        on_other.value("tidings_operations_total", **ok),
        on_listener.value("tidings_operations_total", **ok),
    ) == (1, 0)
    assert (
        on_listener.value("tidings_delivery_seconds_count"),
        on_other.value("tidings_delivery_seconds_count"),
    ) == (1, 0)


async def test_metrics_are_not_served_to_the_public_but_each_instance_is_scraped(
    cluster: Cluster, nginx: Nginx
) -> None:
    async with httpx.AsyncClient(base_url=nginx.http_url) as http:
        public = await http.get("/metrics")
        ready = await http.get("/readyz")
    assert public.status_code == 403, public.text
    assert "tidings_" not in public.text
    assert ready.status_code == 200  # everything else still passes through
    for instance in cluster.instances:  # what Prometheus does, on the instances' network
        assert (await scrape(instance.http_url)).value("tidings_db_pool_size") > 0


async def send_through(api: Api, sender: Account, conversation_id: str, n: int) -> int:
    """Send m<n> like a client behind a load balancer: retry a dropped connection, a 502-504
    from nginx or ``UNAVAILABLE`` with the same clientMessageId, so a retry never duplicates.
    Returns the message's seq."""
    variables = {
        "input": {"conversationId": conversation_id, "content": f"m{n}", "clientMessageId": f"m{n}"}
    }
    async with asyncio.timeout(WAIT * 2):
        while True:
            try:
                response = await api.post(SEND_MESSAGE, variables, token=sender.access_token)
            except httpx.TransportError:
                await asyncio.sleep(0.1)
                continue
            if response.status_code in {502, 503, 504}:
                await asyncio.sleep(0.1)
                continue
            body: dict[str, Any] = response.json()
            if not body.get("errors"):
                seq: int = body["data"]["sendMessage"]["seq"]
                return seq
            if code_of(body["errors"][0]) != "UNAVAILABLE":
                raise AssertionError(f"sendMessage failed: {body['errors']}")
            await asyncio.sleep(0.1)


@dataclass
class Follower:
    """A client following one conversation through nginx as a real one would: when its socket
    closes it reconnects and resumes with ``afterSeq`` = the last seq it saw."""

    url: str
    token: str
    conversation_id: str
    received: list[tuple[int, str]] = field(default_factory=list)
    closes: list[int | None] = field(default_factory=list)
    connections: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last_seq(self) -> int:
        return self.received[-1][0] if self.received else 0

    async def follow(self, until: int) -> None:
        """Receive up to seq ``until``, then stay connected until ``done`` is set."""
        async with asyncio.timeout(WAIT * 3):
            while True:
                try:
                    async with graphql_socket(self.url, self.token) as connection:
                        self.connections += 1
                        variables = {"conversationId": self.conversation_id}
                        added = await connection.start(
                            MESSAGE_ADDED, {**variables, "afterSeq": self.last_seq}
                        )
                        while self.last_seq < until:
                            item = (await added.data())["messageAdded"]
                            self.received.append((item["seq"], item["content"]))
                        await self.done.wait()
                        return
                except SocketClosed as closed:
                    self.closes.append(closed.code)
                except (InvalidHandshake, OSError):  # nginx had no instance for it just then
                    await asyncio.sleep(0.1)


async def test_stopping_an_instance_moves_its_clients_to_the_other_without_loss(
    cluster: Cluster, nginx: Nginx
) -> None:
    """Four followers through nginx, spread over both instances; A is stopped with SIGTERM
    while alice sends m1…m60 through nginx. A's followers are closed with 1012, reconnect
    through nginx to B and resume: every follower gets m1…m60 exactly once, in order."""
    a, b = cluster.instances
    total, stop_after = 60, 20
    async with Api.connect(nginx.http_url) as api:
        alice, bob = await api.register("alice"), await api.register("bob")
        group = (await create(api, alice, "GROUP", bob, title="Failover"))["id"]
        followers = [Follower(nginx.ws_url, bob.access_token, group) for _ in range(4)]
        sent: list[int] = []
        held_by_a: list[int] = []

        async def subscribed(instance: Instance) -> int:
            reading = await scrape(instance.http_url)
            return int(reading.value("tidings_active_subscriptions", field="messageAdded"))

        async def everyone_subscribed() -> bool:
            return await subscribed(a) + await subscribed(b) == len(followers)

        async def send_all() -> None:
            await eventually(everyone_subscribed, "every follower subscribed")
            held_by_a.append(await sockets_on(a))
            stopping = None
            for n in range(1, total + 1):
                if n == stop_after + 1:  # SIGTERM; sending goes on while A shuts down
                    stopping = asyncio.create_task(a.stop())
                sent.append(await send_through(api, alice, group, n))
                await asyncio.sleep(0.02)
            assert stopping is not None
            await stopping

        async def all_moved_to_b() -> bool:
            return all(f.last_seq == total for f in followers) and await sockets_on(b) == 4

        async def release_when_done() -> None:
            await eventually(all_moved_to_b, "every follower at the end, connected to B")
            for follower in followers:
                follower.done.set()

        async with asyncio.TaskGroup() as tasks:
            for follower in followers:
                tasks.create_task(follower.follow(total))
            tasks.create_task(send_all())
            tasks.create_task(release_when_done())

    assert a.process.returncode is not None
    assert sent == list(range(1, total + 1))
    expected = [(n, f"m{n}") for n in range(1, total + 1)]
    for index, follower in enumerate(followers):
        assert follower.received == expected, f"follower {index}"
    moved = [follower for follower in followers if follower.closes]
    # Round robin spread the sockets: A held some, and exactly those were closed with 1012.
    assert 1 <= held_by_a[0] < len(followers), held_by_a
    assert len(moved) == held_by_a[0]
    assert [(f.closes, f.connections) for f in moved] == [([SERVICE_RESTART], 2)] * len(moved)
    stayed = [follower for follower in followers if not follower.closes]
    assert [f.connections for f in stayed] == [1] * len(stayed)
