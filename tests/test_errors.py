"""Errors a client meets (SPEC §5): query limits, subscriptions over HTTP, unparsable and
oversized bodies, validation, introspection, masking of internal failures with a request id,
and UNAVAILABLE when the database is down."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import structlog
from sqlalchemy.engine import make_url

from tests.support.api import Api
from tests.support.server import run_app
from tidings.logs import configure_logging
from tidings.settings import Settings

BODY_LIMIT = 64 * 1024

CREATE_DIRECT = """
mutation Create($input: CreateConversationInput!) { createConversation(input: $input) { id } }
"""
HISTORY = """
query History($id: ID!) { messages(conversationId: $id) { edges { node { id content } } } }
"""
# unreadCount (Int!) reads the messages table while its siblings' loaders are in flight.
INBOX = """
query Inbox {
  conversations { edges { node { id unreadCount participantCount lastMessage { id } } } }
}
"""


def _code(error: dict[str, Any]) -> str:
    return str(error.get("extensions", {}).get("code"))


def _nested_reply_to(levels: int) -> str:
    """``replyTo { replyTo { … id } }``: ``levels`` fields below the one it is put under."""
    return "replyTo { " * levels + "id" + " }" * levels


async def _direct_conversation(api: Api) -> tuple[str, str]:
    """A conversation of alice and bob: (alice's token, conversation id)."""
    alice = await api.register("alice")
    bob = await api.register("bob")
    data = await api.data(
        CREATE_DIRECT,
        {"input": {"kind": "DIRECT", "participantIds": [bob.id]}},
        token=alice.access_token,
    )
    return alice.access_token, data["createConversation"]["id"]


# Query limits: depth ≤ 10, aliases ≤ 20, tokens ≤ 5000.


async def test_query_depth_at_the_limit_is_allowed(api: Api) -> None:
    token, conversation_id = await _direct_conversation(api)
    # Root fields are depth 0, so nine replyTo levels under message end at depth 10.
    query = f"query Q($id: ID!) {{ message(id: $id) {{ {_nested_reply_to(9)} }} }}"
    body = await api.execute(query, {"id": conversation_id}, token=token)
    assert [_code(error) for error in body.get("errors", [])] == ["NOT_FOUND"]


async def test_query_deeper_than_10_is_refused_before_anything_runs(api: Api) -> None:
    token, conversation_id = await _direct_conversation(api)
    mutation = (
        "mutation Send($input: SendMessageInput!) "
        f"{{ sendMessage(input: $input) {{ {_nested_reply_to(10)} }} }}"
    )
    variables = {"input": {"conversationId": conversation_id, "content": "too deep"}}
    body = await api.execute(mutation, variables, token=token)

    assert [_code(error) for error in body["errors"]] == ["VALIDATION_ERROR"]
    assert "depth" in body["errors"][0]["message"]
    assert body.get("data") is None
    history = await api.data(HISTORY, {"id": conversation_id}, token=token)
    assert history["messages"]["edges"] == [], "the refused mutation must not have run"


def _aliased_registrations(count: int) -> str:
    fields = " ".join(
        f'r{i}: register(input: {{username: "user{i}", email: "user{i}@example.com", '
        f'password: "correct horse battery"}}) {{ accessToken }}'
        for i in range(count)
    )
    return f"mutation Many {{ {fields} }}"


async def test_more_than_20_aliases_are_refused_before_anything_runs(api: Api) -> None:
    body = await api.execute(_aliased_registrations(21))
    assert [_code(error) for error in body["errors"]] == ["VALIDATION_ERROR"]
    assert "alias" in body["errors"][0]["message"]
    assert body.get("data") is None
    # None of the 21 accounts exists: the usernames are still free.
    await api.register("user0")
    await api.register("user20")


async def test_20_aliases_are_allowed(api: Api) -> None:
    query = "query Twenty { " + " ".join(f"a{i}: __typename" for i in range(20)) + " }"
    data = await api.data(query)
    assert len(data) == 20


def _query_of_tokens(count: int) -> str:
    """A valid query of exactly ``count`` tokens.

    Each field carries two directives (15 tokens), so a few hundred fields suffice: thousands
    of identical fields would trip graphql-core's overlapping-fields check before the limit.
    """
    field = "__typename @skip(if: false) @include(if: true) "  # 15 tokens
    fields, rest = divmod(count - 2, 15)  # 2 for the braces
    return "{ " + field * fields + "__typename " * rest + "}"


async def test_more_than_5000_tokens_are_refused(api: Api) -> None:
    query = _query_of_tokens(5001)
    assert len(query) < BODY_LIMIT
    error = await api.error(query)
    assert _code(error) == "VALIDATION_ERROR"
    assert "5000 tokens" in error["message"]


async def test_5000_tokens_are_allowed(api: Api) -> None:
    assert await api.data(_query_of_tokens(5000)) == {"__typename": "Query"}


async def test_unknown_field_is_a_validation_error(api: Api) -> None:
    error = await api.error("{ me { user { id shoeSize } } }")
    assert _code(error) == "VALIDATION_ERROR"
    assert "shoeSize" in error["message"]


async def test_syntax_error_is_a_validation_error(api: Api) -> None:
    error = await api.error("{ me { ")
    assert _code(error) == "VALIDATION_ERROR"


# Subscriptions run over the WebSocket only.

SUBSCRIPTION = "subscription { messageAdded { id } }"


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_subscription_over_http_gets_a_coded_error(api: Api, method: str) -> None:
    alice = await api.register("alice")

    async def subscribe(token: str | None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if method == "GET":
            params = {"query": SUBSCRIPTION}
            response = await api.http.get("/graphql", params=params, headers=headers)
        else:
            body = {"query": SUBSCRIPTION}
            response = await api.http.post("/graphql", json=body, headers=headers)
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    anonymous = await subscribe(None)
    signed_in = await subscribe(alice.access_token)

    assert anonymous["data"] is None
    assert [_code(error) for error in anonymous["errors"]] == ["UNAUTHENTICATED"]
    assert signed_in["data"] is None
    [error] = signed_in["errors"]
    assert _code(error) == "VALIDATION_ERROR"
    assert "WebSocket" in error["message"]


# Unparsable requests: HTTP 400.


async def test_json_nested_too_deeply_is_an_unparsable_body(api: Api) -> None:
    nested = "[" * 5000 + "]" * 5000
    json_body = {"Content-Type": "application/json"}
    unparsable = await api.http.post("/graphql", content="{not json", headers=json_body)
    too_deep = await api.http.post("/graphql", content=nested, headers=json_body)
    deep_variables = await api.http.get(
        "/graphql", params={"query": "{ __typename }", "variables": nested}
    )

    assert unparsable.status_code == 400
    assert (too_deep.status_code, too_deep.text) == (400, unparsable.text)
    assert (deep_variables.status_code, deep_variables.text) == (400, unparsable.text)


# Request body ≤ 64 KiB.


def _register_body(username: str, padding: int) -> dict[str, Any]:
    """A register request made ``padding`` bytes larger by a comment in the document."""
    return {
        "query": (
            f"# {'x' * padding}\n"
            "mutation Register($input: RegisterInput!) { register(input: $input) { accessToken } }"
        ),
        "variables": {
            "input": {
                "username": username,
                "email": f"{username}@example.com",
                "password": "correct horse battery",
            }
        },
    }


def _assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "MESSAGE_TOO_LARGE"


async def test_body_over_64_kib_with_content_length_is_refused(api: Api) -> None:
    response = await api.http.post("/graphql", json=_register_body("carol", BODY_LIMIT))
    assert int(response.request.headers["content-length"]) > BODY_LIMIT
    _assert_too_large(response)
    await api.register("carol")  # the refused request did not register carol


async def test_chunked_body_over_64_kib_is_refused(api: Api) -> None:
    payload = json.dumps(_register_body("carol", BODY_LIMIT)).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 4096):
            yield payload[start : start + 4096]

    response = await api.http.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    _assert_too_large(response)
    await api.register("carol")


async def test_body_just_under_64_kib_is_served(api: Api) -> None:
    response = await api.http.post("/graphql", json=_register_body("carol", BODY_LIMIT - 1024))
    assert BODY_LIMIT - 1024 < int(response.request.headers["content-length"]) <= BODY_LIMIT
    assert response.status_code == 200
    assert response.json()["data"]["register"]["accessToken"]


# Introspection: on by default, switchable off.

INTROSPECTION = "query Introspect { __schema { queryType { name } } }"


async def test_introspection_is_on_by_default(api: Api) -> None:
    data = await api.data(INTROSPECTION)
    assert data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_introspection_can_be_switched_off(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(introspection=False)
    async with run_app(settings) as app, Api.to_app(app) as api:
        body = await api.execute(INTROSPECTION)
        assert body.get("data") is None
        assert body["errors"]
        for error in body["errors"]:
            assert _code(error) == "VALIDATION_ERROR"
            assert "introspection has been disabled" in error["message"]
        # Ordinary queries still work.
        assert await api.data("{ __typename }") == {"__typename": "Query"}


# Internal failures are masked, with a request id that is also logged.


@pytest.fixture
def tidings_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The JSON logging ``tidings serve`` sets up, with the records also in ``caplog``."""
    loggers = [logging.getLogger(n) for n in ("tidings", "uvicorn", "uvicorn.error")]
    saved = [(lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    configure_logging()
    # Uncached, so reset_defaults() below leaves no configured logger behind in other tests.
    structlog.configure(cache_logger_on_first_use=False)
    yield caplog
    structlog.reset_defaults()
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


def _logged_errors(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The event dicts of the error records Tidings logged through structlog."""
    return [
        record.msg
        for record in caplog.records
        if record.name.startswith("tidings") and record.levelno >= logging.ERROR
        if isinstance(record.msg, dict)
    ]


def _drop_table(settings: Settings, table: str) -> None:
    database = make_url(settings.database_url).database
    assert database
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute(f"DROP TABLE {table}")
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_internal_failure_is_masked_with_a_logged_request_id(
    api: Api, settings: Settings, tidings_log: pytest.LogCaptureFixture
) -> None:
    token, _ = await _direct_conversation(api)
    # A database that lost a table the inbox needs: a real bug, not the client's fault.
    _drop_table(settings, "messages")

    body = await api.execute(INBOX, token=token)

    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = error["extensions"]["requestId"]
    assert request_id in error["message"]
    assert "messages" not in error["message"], "no database detail reaches the client"
    logged = _logged_errors(tidings_log)
    assert logged, "the failure must be logged"
    assert {record["request_id"] for record in logged} == {request_id}
    assert "no such table" in tidings_log.text
    # The failed operation gave its connection back: the next request is served.
    assert (await api.data("{ me { user { id } } }", token=token))["me"]["user"]["id"]


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_supplied_request_id_is_used(
    api: Api, settings: Settings, tidings_log: pytest.LogCaptureFixture
) -> None:
    token, _ = await _direct_conversation(api)
    _drop_table(settings, "messages")

    error = await api.error(INBOX, token=token, headers={"X-Request-ID": "req-1234.abc"})

    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-1234.abc"}
    assert "req-1234.abc" in error["message"]
    assert [record["request_id"] for record in _logged_errors(tidings_log)] == ["req-1234.abc"]

    # An id that could forge log lines is not trusted; the server makes its own.
    forged = 'x" "level": "info'
    error = await api.error(INBOX, token=token, headers={"X-Request-ID": forged})
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] not in {forged, "req-1234.abc"}
    assert error["extensions"]["requestId"] in error["message"]


# A dependency that is down: UNAVAILABLE, so the client retries.


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe is closed


@pytest.mark.parametrize("backend", ["production"], indirect=True)
async def test_unreachable_database_is_unavailable(make_settings: Callable[..., Settings]) -> None:
    closed = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/tidings"
    async with (
        run_app(make_settings(database_url=closed)) as app,
        Api.to_app(app) as api,
    ):
        response = await api.http.post("/graphql", json=_register_body("dave", 0))
        body = response.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "UNAVAILABLE"
        assert "retry" in error["message"]
