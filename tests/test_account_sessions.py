"""A user's control of their login sessions: change the password (which signs out every other
device), list the signed-in devices, end one of them (issue 16, account management)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import code_of
from tests.support.clock import FakeClock
from tests.support.server import RunningServer
from tests.support.ws import graphql_socket
from tidings.settings import Settings

CHANGE_PASSWORD = """
mutation ChangePassword($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new)
}
"""
SESSIONS = "{ me { sessions { id device userAgent createdAt lastUsedAt current } } }"
END_SESSION = "mutation EndSession($id: ID!) { endSession(id: $id) }"
LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }
"""
REFRESH = "mutation Refresh($t: String!) { refreshToken(refreshToken: $t) { accessToken } }"
ME = "{ me { user { id } } }"
FIREFOX_ON_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0"
CHROME_ON_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(rate_limit_login_failures="3/15 minutes")


async def _log_in(
    api: Api, account: Account, *, password: str | None = None, agent: str | None = None
) -> dict[str, Any]:
    """Another device of ``account``: its access and refresh tokens."""
    variables = {
        "input": {"usernameOrEmail": account.username, "password": password or account.password}
    }
    body = await api.execute(LOGIN, variables, headers={"User-Agent": agent} if agent else None)
    assert not body.get("errors"), body
    tokens: dict[str, Any] = body["data"]["login"]
    return tokens


async def _sessions(api: Api, token: str) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = (await api.data(SESSIONS, token=token))["me"]["sessions"]
    return sessions


async def _change(api: Api, token: str, current: str, new: str) -> dict[str, Any]:
    return await api.execute(CHANGE_PASSWORD, {"current": current, "new": new}, token=token)


# --- changePassword -------------------------------------------------------------------------


async def test_changing_the_password_signs_out_every_other_device(
    api: Api, server: RunningServer
) -> None:
    alice = await api.register("alice")
    phone = await _log_in(api, alice)
    async with (
        graphql_socket(server.ws_url, phone["accessToken"]) as phone_socket,
        graphql_socket(server.ws_url, alice.access_token) as this_socket,
    ):
        body = await _change(api, alice.access_token, alice.password, "a brand new secret")
        assert body == {"data": {"changePassword": True}}
        assert await phone_socket.closed() == 4401
        # The device that changed it stays signed in, socket and all.
        assert (await this_socket.data(ME))["me"]["user"]["id"] == alice.id

    refused = await api.error(ME, token=phone["accessToken"])
    assert code_of(refused) == "UNAUTHENTICATED"
    refused = await api.error(REFRESH, {"t": phone["refreshToken"]})
    assert code_of(refused) == "UNAUTHENTICATED"
    assert (await api.data(ME, token=alice.access_token))["me"]["user"]["id"] == alice.id
    # Only the new password logs in now.
    await _log_in(api, alice, password="a brand new secret")
    old = await api.error(
        LOGIN, {"input": {"usernameOrEmail": "alice", "password": alice.password}}
    )
    assert code_of(old) == "INVALID_CREDENTIALS"


async def test_a_wrong_current_password_changes_nothing(api: Api) -> None:
    alice = await api.register("alice")
    phone = await _log_in(api, alice)
    error = (await _change(api, alice.access_token, "not my password", "new password!"))["errors"][
        0
    ]
    assert code_of(error) == "INVALID_CREDENTIALS"
    assert (await api.data(ME, token=phone["accessToken"]))["me"]["user"]["id"] == alice.id
    await _log_in(api, alice)  # the old password still works


async def test_a_new_password_is_checked_like_at_registration(api: Api) -> None:
    alice = await api.register("alice")
    for bad in ["short", "x" * 129]:
        error = (await _change(api, alice.access_token, alice.password, bad))["errors"][0]
        assert code_of(error) == "VALIDATION_ERROR"
        assert error["extensions"]["field"] == "newPassword"
    await _log_in(api, alice)


async def test_guessing_the_current_password_is_rate_limited_like_login(api: Api) -> None:
    alice = await api.register("alice")
    for _ in range(3):
        error = (await _change(api, alice.access_token, "guess", "new password!"))["errors"][0]
        assert code_of(error) == "INVALID_CREDENTIALS"
    error = (await _change(api, alice.access_token, alice.password, "new password!"))["errors"][0]
    assert code_of(error) == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] > 0


async def test_changing_the_password_needs_a_sign_in(api: Api) -> None:
    body = await api.execute(CHANGE_PASSWORD, {"current": "whatever1", "new": "whatever2"})
    assert code_of(body["errors"][0]) == "UNAUTHENTICATED"


# --- sessions -------------------------------------------------------------------------------


async def test_sessions_name_each_device_and_mark_this_one(api: Api) -> None:
    alice = await api.register("alice", headers={"User-Agent": CHROME_ON_LINUX})
    phone = await _log_in(api, alice, agent=FIREFOX_ON_ANDROID)
    bob = await api.register("bob")

    sessions = await _sessions(api, alice.access_token)
    assert [(s["device"], s["current"]) for s in sessions] == [
        ("Firefox on Android", False),
        ("Chrome on Linux", True),
    ]
    assert sessions[0]["userAgent"] == FIREFOX_ON_ANDROID
    from_phone = await _sessions(api, phone["accessToken"])
    assert [s["current"] for s in from_phone] == [True, False]
    # Nobody sees anyone else's devices.
    assert [s["current"] for s in await _sessions(api, bob.access_token)] == [True]


async def test_a_refresh_moves_last_used_and_takes_the_new_user_agent(
    api: Api, clock: FakeClock
) -> None:
    alice = await api.register("alice", headers={"User-Agent": CHROME_ON_LINUX})
    [before] = await _sessions(api, alice.access_token)
    clock.advance(3600)
    body = await api.execute(
        REFRESH, {"t": alice.refresh_token}, headers={"User-Agent": FIREFOX_ON_ANDROID}
    )
    token = body["data"]["refreshToken"]["accessToken"]
    [after] = await _sessions(api, token)
    assert after["id"] == before["id"]
    assert after["createdAt"] == before["createdAt"]
    assert after["lastUsedAt"] > before["lastUsedAt"]
    assert after["device"] == "Firefox on Android"


async def test_ended_sessions_are_not_listed(api: Api) -> None:
    alice = await api.register("alice")
    phone = await _log_in(api, alice)
    await api.data("mutation { logout }", token=phone["accessToken"])
    assert [s["current"] for s in await _sessions(api, alice.access_token)] == [True]


# --- endSession -----------------------------------------------------------------------------


async def test_ending_a_session_signs_that_device_out(api: Api, server: RunningServer) -> None:
    alice = await api.register("alice")
    phone = await _log_in(api, alice, agent=FIREFOX_ON_ANDROID)
    [phone_session] = [s for s in await _sessions(api, alice.access_token) if not s["current"]]
    async with graphql_socket(server.ws_url, phone["accessToken"]) as phone_socket:
        ended = await api.data(END_SESSION, {"id": phone_session["id"]}, token=alice.access_token)
        assert ended == {"endSession": True}
        assert await phone_socket.closed() == 4401

    assert code_of(await api.error(ME, token=phone["accessToken"])) == "UNAUTHENTICATED"
    assert code_of(await api.error(REFRESH, {"t": phone["refreshToken"]})) == "UNAUTHENTICATED"
    assert [s["current"] for s in await _sessions(api, alice.access_token)] == [True]
    # Ending it again: it is gone.
    again = await api.error(END_SESSION, {"id": phone_session["id"]}, token=alice.access_token)
    assert code_of(again) == "NOT_FOUND"


async def test_nobody_ends_someone_elses_session(api: Api) -> None:
    alice = await api.register("alice")
    mallory = await api.register("mallory")
    [alices] = await _sessions(api, alice.access_token)
    error = await api.error(END_SESSION, {"id": alices["id"]}, token=mallory.access_token)
    assert code_of(error) == "NOT_FOUND"
    unknown = "0190a8c4-7b5e-7d3a-9f00-000000000000"
    error = await api.error(END_SESSION, {"id": unknown}, token=mallory.access_token)
    assert code_of(error) == "NOT_FOUND"
    error = await api.error(END_SESSION, {"id": "not-an-id"}, token=mallory.access_token)
    assert code_of(error) == "VALIDATION_ERROR"
    assert (await api.data(ME, token=alice.access_token))["me"]["user"]["id"] == alice.id


async def test_ending_the_current_session_is_logging_out(api: Api) -> None:
    alice = await api.register("alice")
    [this] = await _sessions(api, alice.access_token)
    await api.data(END_SESSION, {"id": this["id"]}, token=alice.access_token)
    assert code_of(await api.error(ME, token=alice.access_token)) == "UNAUTHENTICATED"
