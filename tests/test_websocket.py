"""The WebSocket transport as clients see it: both protocols, authentication in
``connection_init``, the init deadline, socket limits, origins, logout, the ``gql`` client,
and a subscriber too slow to keep up."""

from __future__ import annotations

import asyncio
import contextlib
import socket as sockets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest
import uvicorn
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from websockets.exceptions import InvalidStatus

from tests.support.api import Account, Api
from tests.support.chat import (
    CREATE_CONVERSATION,
    MESSAGES,
    SEND_MESSAGE,
    code_of,
    create,
    history,
    send,
)
from tests.support.clock import FakeClock
from tests.support.server import RunningServer, run_server
from tests.support.ws import (
    LEGACY_WS,
    MESSAGE_ADDED,
    PROTOCOLS,
    WAIT,
    GraphQLSocket,
    SocketClosed,
    StallingSocket,
    bearer,
    graphql_socket,
)
from tidings.app import create_app
from tidings.settings import Settings

ME = "{ me { user { id username } } }"
LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }
"""
LOGOUT = "mutation { logout }"


async def _refused(socket: GraphQLSocket, payload: dict[str, Any] | None) -> int | None:
    """Send ``connection_init``, expect no ``connection_ack``; the code the socket closed with."""
    with contextlib.suppress(SocketClosed):
        answer = await socket.init(payload)
        assert answer["type"] != "connection_ack", answer
    return await socket.closed()


def _me(account: Account) -> dict[str, Any]:
    return {"me": {"user": {"id": account.id, "username": account.username}}}


# --- connection_init ----------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("style", ["authorization", "token"])
async def test_connection_init_with_a_token_is_acknowledged(
    api: Api, server: RunningServer, protocol: str, style: str
) -> None:
    alice = await api.register("alice")
    payload = (
        bearer(alice.access_token) if style == "authorization" else {"token": alice.access_token}
    )

    async with GraphQLSocket.connect(server.ws_url, protocol=protocol) as socket:
        answer = await socket.init(payload)
        me = await socket.data(ME)

    assert socket.connection.subprotocol == protocol
    assert answer["type"] == "connection_ack"
    assert me == _me(alice)


def _tampered(token: str) -> str:
    """The same claims under a signature the server did not make."""
    head, claims, signature = token.split(".")
    return f"{head}.{claims}.{'A' * len(signature)}"


REFUSED_PAYLOADS: dict[str, Callable[[str], dict[str, Any] | None]] = {
    "no-payload": lambda _: None,
    "empty-payload": lambda _: {},
    "not-a-token": lambda _: {"authorization": "Bearer not-a-token"},
    "not-bearer": lambda token: {"authorization": f"Basic {token}"},
    "tampered": lambda token: bearer(_tampered(token)),
    "tampered-token-key": lambda token: {"token": _tampered(token)},
    "logged-out": bearer,
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("case", list(REFUSED_PAYLOADS))
async def test_a_bad_or_missing_token_closes_with_4403(
    api: Api, server: RunningServer, protocol: str, case: str
) -> None:
    alice = await api.register("alice")
    if case == "logged-out":
        assert await api.data(LOGOUT, token=alice.access_token) == {"logout": True}

    async with GraphQLSocket.connect(server.ws_url, protocol=protocol) as socket:
        code = await _refused(socket, REFUSED_PAYLOADS[case](alice.access_token))

    assert code == 4403


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_connection_init_must_arrive_before_the_deadline(
    api: Api, server: RunningServer, clock: FakeClock, protocol: str
) -> None:
    deadline = server.services.settings.ws_init_timeout_seconds
    alice = await api.register("alice")
    async with GraphQLSocket.connect(server.ws_url, protocol=protocol) as silent:
        await clock.until_sleeping(deadline)  # the socket's deadline is set
        clock.advance(deadline)
        code = await silent.closed()
    async with graphql_socket(server.ws_url, alice.access_token, protocol=protocol) as socket:
        await clock.until_sleeping(deadline)
        clock.advance(deadline + 1)  # well past the deadline: an authenticated socket stays
        me = await socket.data(ME)

    assert code == 4408
    assert me == _me(alice)


# --- operations over the socket -------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_queries_and_mutations_work_over_the_socket(
    api: Api, server: RunningServer, protocol: str
) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")

    async with graphql_socket(server.ws_url, alice.access_token, protocol=protocol) as socket:
        created = await socket.data(
            CREATE_CONVERSATION, {"input": {"kind": "DIRECT", "participantIds": [bob.id]}}
        )
        conversation_id = created["createConversation"]["id"]
        sent = await socket.data(
            SEND_MESSAGE, {"input": {"conversationId": conversation_id, "content": "over ws"}}
        )
        page = await socket.data(MESSAGES, {"conversationId": conversation_id})
        blank = await socket.execute(
            SEND_MESSAGE, {"input": {"conversationId": conversation_id, "content": "   "}}
        )

    assert sent["sendMessage"]["seq"] == 1
    assert [e["node"]["content"] for e in page["messages"]["edges"]] == ["over ws"]
    assert [code_of(error) for error in blank["errors"]] == ["VALIDATION_ERROR"]
    # The same conversation and message, as bob sees them over HTTP.
    seen_by_bob = await history(api, bob, conversation_id)
    assert [e["node"]["id"] for e in seen_by_bob["edges"]] == [sent["sendMessage"]["id"]]


@pytest.mark.parametrize(
    "subprotocol",
    [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL, WebsocketsTransport.APOLLO_SUBPROTOCOL],
)
async def test_gql_client_receives_message_added(
    api: Api, server: RunningServer, subprotocol: str
) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    direct = await create(api, alice, "DIRECT", bob)
    for content in ("one", "two"):
        await send(api, alice, direct["id"], content)
    transport = WebsocketsTransport(
        url=server.ws_url, init_payload=bearer(bob.access_token), subprotocols=[subprotocol]
    )
    subscription = GraphQLRequest(
        MESSAGE_ADDED, variable_values={"conversationId": direct["id"], "afterSeq": 0}
    )

    received: list[dict[str, Any]] = []
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        me = await session.execute(GraphQLRequest(ME))
        async with asyncio.timeout(WAIT):
            async for result in session.subscribe(subscription):
                received.append(result["messageAdded"])
                if len(received) == 2:  # history replayed; now one sent live
                    await send(api, alice, direct["id"], "three")
                if len(received) == 3:
                    break

    assert transport.subprotocol == subprotocol
    assert me == _me(bob)
    assert [(m["seq"], m["content"]) for m in received] == [(1, "one"), (2, "two"), (3, "three")]
    assert {m["sender"]["id"] for m in received} == {alice.id}


# --- limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_user_may_hold_only_so_many_sockets(
    make_settings: Callable[..., Settings], protocol: str
) -> None:
    settings = make_settings(ws_max_sockets_per_user=2)
    async with (
        run_server(settings) as server,
        Api.connect(server.http_url) as api,
        AsyncExitStack() as stack,
    ):
        alice = await api.register("alice")
        bob = await api.register("bob")

        async def open_socket(account: Account) -> GraphQLSocket:
            return await stack.enter_async_context(
                graphql_socket(server.ws_url, account.access_token, protocol=protocol)
            )

        first = await open_socket(alice)
        second = await open_socket(alice)
        async with GraphQLSocket.connect(server.ws_url, protocol=protocol) as third:
            code = await _refused(third, bearer(alice.access_token))
        bobs = await open_socket(bob)  # the cap is per user

        assert code == 4429
        assert await first.data(ME) == await second.data(ME) == _me(alice)
        assert await bobs.data(ME) == _me(bob)

        # A closed socket gives its place back (once the server has seen it go).
        await first.connection.close()
        for _ in range(50):
            async with GraphQLSocket.connect(server.ws_url, protocol=protocol) as again:
                with contextlib.suppress(SocketClosed):
                    if (await again.init(bearer(alice.access_token)))["type"] == "connection_ack":
                        assert await again.data(ME) == _me(alice)
                        break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the closed socket's place was never given back")


async def test_an_ip_may_open_only_so_many_sockets_a_minute(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(rate_limit_ws_connect="2/minute")
    here = {"X-Forwarded-For": "10.1.2.3"}
    elsewhere = {"X-Forwarded-For": "10.9.8.7"}
    async with (
        run_server(settings) as server,
        Api.connect(server.http_url) as api,
        AsyncExitStack() as stack,
    ):
        alice = await api.register("alice")

        async def open_socket(headers: dict[str, str]) -> GraphQLSocket:
            return await stack.enter_async_context(
                graphql_socket(server.ws_url, alice.access_token, headers=headers)
            )

        allowed = [await open_socket(here), await open_socket(here)]
        async with GraphQLSocket.connect(server.ws_url, headers=here) as third:
            code = await third.closed()
        from_elsewhere = await open_socket(elsewhere)

        assert code == 4429
        for socket in [*allowed, from_elsewhere]:
            assert await socket.data(ME) == _me(alice)


async def test_only_allowed_origins_may_open_sockets(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(allowed_origins="https://app.example")
    async with run_server(settings) as server, Api.connect(server.http_url) as api:
        alice = await api.register("alice")

        with pytest.raises(InvalidStatus) as refused:
            async with GraphQLSocket.connect(server.ws_url, origin="https://evil.example"):
                pass
        answers = []
        for origin in ("https://app.example", None):  # no Origin: not a browser
            async with GraphQLSocket.connect(server.ws_url, origin=origin) as socket:
                answers.append((await socket.init(bearer(alice.access_token)))["type"])

    assert refused.value.response.status_code == 403
    assert answers == ["connection_ack", "connection_ack"]


# --- logout -------------------------------------------------------------------------------


async def test_logout_closes_the_sockets_of_that_session_only(
    api: Api, server: RunningServer
) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    direct = await create(api, alice, "DIRECT", bob)
    login = await api.data(
        LOGIN, {"input": {"usernameOrEmail": "alice", "password": alice.password}}
    )
    other_device = login["login"]["accessToken"]

    async with (
        graphql_socket(server.ws_url, alice.access_token) as this_session,
        graphql_socket(server.ws_url, alice.access_token, protocol=LEGACY_WS) as also_this,
        graphql_socket(server.ws_url, other_device) as other_session,
    ):
        feed = await other_session.start(
            MESSAGE_ADDED, {"conversationId": direct["id"], "afterSeq": 0}
        )
        assert await api.data(LOGOUT, token=alice.access_token) == {"logout": True}
        codes = [await this_session.closed(), await also_this.closed()]

        await send(api, bob, direct["id"], "still here?")
        message = (await feed.data())["messageAdded"]
        me = await other_session.data(ME)

    assert codes == [4401, 4401]
    assert message["content"] == "still here?"
    assert me == _me(alice)


# --- a subscriber that cannot keep up --------------------------------------------------------


@asynccontextmanager
async def _server_with_small_send_buffers(settings: Settings) -> AsyncIterator[RunningServer]:
    """Like ``tests.support.server.run_server``, but connections get a small kernel send buffer.

    Over loopback the kernel would otherwise buffer megabytes for a client that does not read,
    and only thousands of messages would back up into the server. Accepted sockets inherit
    the listening socket's buffer size.
    """
    listening = sockets.socket(sockets.AF_INET, sockets.SOCK_STREAM)
    listening.setsockopt(sockets.SOL_SOCKET, sockets.SO_SNDBUF, 16 * 1024)
    listening.bind(("127.0.0.1", 0))
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[listening]))
    while not server.started:
        if task.done():
            task.result()  # raises the startup error
        await asyncio.sleep(0.01)
    try:
        yield RunningServer(app=app, port=listening.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        listening.close()


# About 40 messages of this size fill the socket buffers and a subscription buffer of 10.
STALLED_SENDS = 100
BIG = "x" * 3990


async def test_a_subscriber_that_cannot_keep_up_is_dropped_and_resumes_with_after_seq(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(subscription_buffer=10)
    async with (
        _server_with_small_send_buffers(settings) as server,
        Api.connect(server.http_url) as api,
    ):
        alice = await api.register("alice")
        bob = await api.register("bob")
        direct = await create(api, alice, "DIRECT", bob)

        async with StallingSocket.connect(server.ws_url) as stalled:
            await stalled.send({"type": "connection_init", "payload": bearer(bob.access_token)})
            assert (await stalled.receive() or {}).get("type") == "connection_ack"
            variables = {"conversationId": direct["id"], "afterSeq": 0}
            await stalled.send(
                {
                    "type": "subscribe",
                    "id": "1",
                    "payload": {"query": MESSAGE_ADDED, "variables": variables},
                }
            )
            await send(api, alice, direct["id"], "first")
            first = await stalled.receive()
            assert first is not None
            assert first["payload"]["data"]["messageAdded"]["seq"] == 1

            # Bob stops reading while far more arrives than the buffers hold.
            for start in range(2, STALLED_SENDS + 2, 10):
                await asyncio.gather(
                    *(
                        send(api, alice, direct["id"], f"{n} {BIG}")
                        for n in range(start, start + 10)
                    )
                )
            last_seq = STALLED_SENDS + 1

            # The server notices the overflow when its blocked write goes through, so bob
            # reads again: what was already on its way, then the close.
            seqs = [1]
            while (message := await stalled.receive()) is not None:
                if message["type"] == "next":
                    seqs.append(message["payload"]["data"]["messageAdded"]["seq"])
            code = stalled.close_code

        assert code == 1013
        assert seqs == list(range(1, len(seqs) + 1)), "no gap before the close"
        assert len(seqs) < last_seq

        async with graphql_socket(server.ws_url, bob.access_token) as socket:
            feed = await socket.start(
                MESSAGE_ADDED, {"conversationId": direct["id"], "afterSeq": seqs[-1]}
            )
            missed = [
                (await feed.data())["messageAdded"]["seq"] for _ in range(last_seq - seqs[-1])
            ]
            await send(api, alice, direct["id"], "live again")
            live = (await feed.data())["messageAdded"]

    assert missed == list(range(seqs[-1] + 1, last_seq + 1))
    assert (live["seq"], live["content"]) == (last_seq + 1, "live again")
