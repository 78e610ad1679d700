"""What each WebSocket protocol accepts on the wire (issue 11, items 9, 11, 13, 14): frames
that are not protocol messages close the socket with 4400, messages over the request size
limit with 1009, a second ``connection_init`` with 4429 on both protocols (holding no place in
the socket cap), and the per-socket operation cap answers with a coded error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import code_of, create
from tests.support.presence import presence_of
from tests.support.server import RunningServer, run_server
from tests.support.ws import (
    LEGACY_WS,
    MESSAGE_ADDED,
    PROTOCOLS,
    TRANSPORT_WS,
    WAIT,
    GraphQLSocket,
    bearer,
    graphql_socket,
)
from tidings.settings import Settings

ME = "{ me { user { id username } } }"
BODY_LIMIT = 64 * 1024


def _me(account: Account) -> dict[str, Any]:
    return {"me": {"user": {"id": account.id, "username": account.username}}}


def _operation(protocol: str, **fields: Any) -> str:
    start = "subscribe" if protocol == TRANSPORT_WS else "start"
    return json.dumps({"type": start, **fields})


# Frames that are not messages of the protocol, each after an acknowledged connection_init.
# (graphql-transport-ws already refused "{}", unparsable text and an operation without id.)
BAD_FRAMES: dict[str, Callable[[str], str]] = {
    "array": lambda _: "[]",
    "string": lambda _: '"x"',
    "number": lambda _: "1",
    "null": lambda _: "null",
    "nested-5000-deep": lambda _: "[" * 5000 + "]" * 5000,
    "payload-not-an-object": lambda protocol: _operation(protocol, id="1", payload="x"),
    "variables-not-an-object": lambda protocol: _operation(
        protocol, id="1", payload={"query": ME, "variables": "x"}
    ),
}
LEGACY_ONLY_BAD_FRAMES: dict[str, Callable[[str], str]] = {
    "empty-object": lambda _: "{}",
    "not-json": lambda _: "{not json",
    "start-without-id": lambda protocol: _operation(protocol, payload={"query": ME}),
}
BAD_FRAME_CASES = [
    *((protocol, case) for protocol in PROTOCOLS for case in BAD_FRAMES),
    *((LEGACY_WS, case) for case in LEGACY_ONLY_BAD_FRAMES),
]


@pytest.mark.parametrize(("protocol", "case"), BAD_FRAME_CASES)
async def test_a_frame_that_is_not_a_protocol_message_closes_with_4400(
    api: Api, server: RunningServer, protocol: str, case: str
) -> None:
    alice = await api.register("alice")
    frame = {**BAD_FRAMES, **LEGACY_ONLY_BAD_FRAMES}[case](protocol)

    async with graphql_socket(server.ws_url, alice.access_token, protocol=protocol) as socket:
        await socket.connection.send(frame)
        code = await socket.closed()
    async with graphql_socket(server.ws_url, alice.access_token, protocol=protocol) as again:
        me = await again.data(ME)

    assert code == 4400
    assert me == _me(alice)


# --- message size ----------------------------------------------------------------------------


def _padded(query: str, size: int) -> str:
    """``query`` behind a comment, as a query message of about ``size`` bytes."""
    return "# " + "x" * size + "\n" + query


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_message_over_the_request_limit_closes_with_1009(
    api: Api, server: RunningServer, protocol: str
) -> None:
    alice = await api.register("alice")

    async with graphql_socket(server.ws_url, alice.access_token, protocol=protocol) as socket:
        just_under = await socket.data(_padded(ME, BODY_LIMIT - 1024))
        await socket.start(_padded(MESSAGE_ADDED, 1024 * 1024))
        code = await socket.closed()

    assert just_under == _me(alice)
    assert code == 1009


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_the_app_holds_the_limit_behind_a_server_that_allows_more(
    make_settings: Callable[..., Settings], protocol: str
) -> None:
    """Under an ASGI server left at its own message limit (uvicorn's is 16 MiB), counted in
    bytes: 40,000 two-byte characters are over 64 KiB."""
    settings = make_settings()
    async with (
        run_server(settings, ws_max_size=16 * 1024 * 1024) as server,
        Api.connect(server.http_url) as api,
    ):
        alice = await api.register("alice")
        async with graphql_socket(server.ws_url, alice.access_token, protocol=protocol) as socket:
            just_under = await socket.data("# " + "é" * 30_000 + "\n" + ME)
            await socket.start("# " + "é" * 40_000 + "\n" + ME)
            code = await socket.closed()

    assert just_under == _me(alice)
    assert code == 1009


# --- connection_init -------------------------------------------------------------------------


async def test_a_second_connection_init_closes_with_4429_and_holds_no_place(
    make_settings: Callable[..., Settings],
) -> None:
    """On the legacy protocol, as on graphql-transport-ws: the socket keeps no second record,
    so its user's places are all free again, and they go offline, once it is closed."""
    settings = make_settings(ws_max_sockets_per_user=3, presence_grace_seconds=0.2)
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice = await api.register("alice")
        bob = await api.register("bob")
        await create(api, alice, "DIRECT", bob)

        codes = []
        for _ in range(3):
            async with GraphQLSocket.connect(server.ws_url, protocol=LEGACY_WS) as socket:
                answer = await socket.init(bearer(alice.access_token))
                assert answer["type"] == "connection_ack"
                again = {"type": "connection_init", "payload": bearer(alice.access_token)}
                await socket.send(again)
                codes.append(await socket.closed())

        for _ in range(int(WAIT / 0.1)):
            if (await presence_of(api, bob, alice))["status"] == "OFFLINE":
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("alice stayed online with no socket open")

        async with AsyncExitStack() as stack:
            sockets = [
                await stack.enter_async_context(
                    graphql_socket(server.ws_url, alice.access_token, protocol=LEGACY_WS)
                )
                for _ in range(3)
            ]
            answers = [await socket.data(ME) for socket in sockets]

    assert codes == [4429, 4429, 4429]
    assert answers == [_me(alice)] * 3


# --- operations per socket -------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_operations_past_the_per_socket_cap_get_a_coded_error(
    make_settings: Callable[..., Settings], protocol: str
) -> None:
    settings = make_settings(ws_max_subscriptions_per_socket=2)
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice = await api.register("alice")
        async with graphql_socket(server.ws_url, alice.access_token, protocol=protocol) as socket:
            first = await socket.start(MESSAGE_ADDED)
            await socket.start(MESSAGE_ADDED)
            refused = await socket.execute(ME)
            await first.stop()
            if protocol == LEGACY_WS:  # the legacy protocol confirms the stop
                await first.complete()
            me = await socket.data(ME)

    [error] = refused["errors"]
    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["limit"] == 2
    assert "complete one" in error["message"]
    assert me == _me(alice)


async def test_the_per_socket_cap_defaults_to_100(api: Api, server: RunningServer) -> None:
    alice = await api.register("alice")
    async with graphql_socket(server.ws_url, alice.access_token) as socket:
        for _ in range(100):
            await socket.start(MESSAGE_ADDED)
        refused = await socket.execute(ME)

    [error] = refused["errors"]
    assert (code_of(error), error["extensions"]["limit"]) == ("VALIDATION_ERROR", 100)
