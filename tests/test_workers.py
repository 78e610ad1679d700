"""``tidings serve --workers N``: several processes share the port, each an instance of its
own, and what one worker's client sends reaches the sockets every other worker holds."""

from __future__ import annotations

import os
import re
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.chat import create, send
from tests.support.cluster import run_instance
from tests.support.ws import MESSAGE_ADDED, Operation, graphql_socket, until_live
from tidings.settings import Settings

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(sys.platform != "linux", reason="reads sockets' owners from /proc"),
]


def workers_of(parent: int) -> list[int]:
    """The server processes under ``parent``: those holding a TCP socket."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children if _socket_inodes(int(pid))]


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:  # closed meanwhile
            continue
        if match := re.fullmatch(r"socket:\[(\d+)\]", target):
            inodes.add(match[1])
    return inodes


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def peer_ports(pid: int) -> set[int]:
    """The remote ports of the TCP connections process ``pid`` holds (its clients' ports)."""
    inodes = _socket_inodes(pid)
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[2].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.parametrize("backend", ["production"])
async def test_workers_share_the_port_and_deliver_to_each_others_sockets(
    settings: Settings, tmp_path: Path
) -> None:
    async with (
        run_instance(settings, log_dir=tmp_path, workers=2) as instance,
        Api.connect(instance.http_url) as api,
        AsyncExitStack() as stack,
    ):
        workers = workers_of(instance.process.pid)
        assert len(workers) == 2, instance.output()
        alice = await api.register("alice")
        bob = await api.register("bob")
        direct = await create(api, alice, "DIRECT", bob)

        # Bob opens sockets until each worker holds at least one (the kernel picks).
        operations: list[Operation] = []
        holders: set[int] = set()
        while holders != set(workers):
            assert len(operations) < 40, "one worker took every socket"
            socket = await stack.enter_async_context(
                graphql_socket(instance.ws_url, bob.access_token)
            )
            port = socket.connection.local_address[1]
            holders |= {pid for pid in workers if port in peer_ports(pid)}
            operations.append(await socket.start(MESSAGE_ADDED, {"conversationId": direct["id"]}))

        await until_live(*operations, probe=lambda mark: send(api, alice, direct["id"], mark))
        sent = await send(api, alice, direct["id"], "to every worker's sockets")
        for operation in operations:
            heard = (await operation.data())["messageAdded"]
            assert (heard["seq"], heard["content"]) == (sent["seq"], sent["content"])

    # SIGTERM ended the parent, and with it every worker.
    assert instance.process.returncode == 0, instance.output()
    assert not any(map(alive, workers))


@pytest.mark.parametrize("backend", ["embedded"])
async def test_the_embedded_default_refuses_more_than_one_worker(
    settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(AssertionError, match="did not start") as refused:
        async with run_instance(settings, log_dir=tmp_path, workers=2):
            pass
    assert "--workers needs PostgreSQL and Redis" in str(refused.value)
