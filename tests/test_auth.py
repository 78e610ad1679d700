"""Register, log in, rate limits, refresh-token rotation, logout, access tokens (SPEC §2, §3)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from tests.conftest import TEST_SECRET
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.server import run_app
from tidings.settings import Settings

MakeSettings = Callable[..., Settings]

REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) {
    accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt
    user { id username displayName avatarUrl createdAt }
  }
}
"""
LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt
    user { id username }
  }
}
"""
REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(refreshToken: $token) {
    accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt
    user { id username }
  }
}
"""
LOGOUT = "mutation { logout }"
ME = "{ me { email user { id username displayName } } }"
SEARCH = "query Search($q: String!) { searchUsers(query: $q) { username } }"
PASSWORD = "correct horse battery"


def _register_vars(
    username: str,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    display_name: str | None = None,
) -> dict[str, Any]:
    return {
        "input": {
            "username": username,
            "email": email if email is not None else f"{username.lower()}@example.com",
            "password": password,
            "displayName": display_name,
        }
    }


def _login_vars(who: str, password: str = PASSWORD) -> dict[str, Any]:
    return {"input": {"usernameOrEmail": who, "password": password}}


def _ip(address: str) -> dict[str, str]:
    """Act as the client at ``address``: uvicorn trusts X-Forwarded-For from 127.0.0.1."""
    return {"X-Forwarded-For": address}


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value} has no time zone"
    return moment


async def _login(api: Api, who: str, password: str = PASSWORD, ip: str = "10.0.0.1") -> Any:
    return await api.execute(LOGIN, _login_vars(who, password), headers=_ip(ip))


async def _me_error_code(api: Api, token: str) -> str:
    error = await api.error(ME, token=token)
    code: str = error["extensions"]["code"]
    return code


async def _usernames_found(api: Api, token: str, query: str) -> list[str]:
    data = await api.data(SEARCH, {"q": query}, token=token)
    return [user["username"] for user in data["searchUsers"]]


@asynccontextmanager
async def _serving(settings: Settings, clock: FakeClock | None = None) -> AsyncIterator[Api]:
    async with run_app(settings, clock=clock) as app, Api.to_app(app) as client:
        yield client


# --- register -------------------------------------------------------------------------------


async def test_register_returns_tokens_that_work_and_the_new_user(api: Api) -> None:
    before = datetime.now(UTC)
    data = await api.data(REGISTER, _register_vars("alice", display_name="Alice Liddell"))
    payload = data["register"]
    user = payload["user"]
    assert user["username"] == "alice"
    assert user["displayName"] == "Alice Liddell"
    assert user["avatarUrl"] is None
    assert before - timedelta(seconds=5) <= _when(user["createdAt"]) <= datetime.now(UTC)

    # Access token: 15 minutes (SPEC §3); refresh token: 7 days.
    access_expires = _when(payload["accessTokenExpiresAt"])
    refresh_expires = _when(payload["refreshTokenExpiresAt"])
    assert (
        before + timedelta(minutes=14)
        < access_expires
        <= datetime.now(UTC) + timedelta(minutes=15, seconds=1)
    )
    assert (
        before + timedelta(days=6, hours=23)
        < refresh_expires
        <= datetime.now(UTC) + timedelta(days=7, seconds=1)
    )

    # The JWT names the user and agrees with the advertised expiry.
    claims = jwt.decode(payload["accessToken"], options={"verify_signature": False})
    assert claims["sub"] == user["id"]
    assert claims["sid"]
    assert abs(claims["exp"] - access_expires.timestamp()) < 1
    assert payload["refreshToken"] != payload["accessToken"]

    me = await api.data(ME, token=payload["accessToken"])
    assert me["me"] == {
        "email": "alice@example.com",
        "user": {"id": user["id"], "username": "alice", "displayName": "Alice Liddell"},
    }
    refreshed = await api.data(REFRESH, {"token": payload["refreshToken"]})
    assert refreshed["refreshToken"]["user"]["id"] == user["id"]


async def test_display_name_defaults_to_username(api: Api) -> None:
    data = await api.data(REGISTER, _register_vars("bob.smith"))
    assert data["register"]["user"]["displayName"] == "bob.smith"


async def test_display_name_is_trimmed_and_blank_is_rejected(api: Api) -> None:
    data = await api.data(REGISTER, _register_vars("carol", display_name="  Carol C  "))
    assert data["register"]["user"]["displayName"] == "Carol C"

    error = await api.error(REGISTER, _register_vars("dave", display_name="   "))
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "displayName"}
    assert (await _login(api, "dave"))["errors"][0]["extensions"]["code"] == ("INVALID_CREDENTIALS")


@pytest.mark.parametrize(
    "username",
    ["abc", "a" * 30, "user_name", "user.name", "u53r", "___", "Mixed.Case_9"],
)
async def test_valid_usernames_are_accepted_and_stored_lower_case(api: Api, username: str) -> None:
    data = await api.data(REGISTER, _register_vars(username))
    assert data["register"]["user"]["username"] == username.lower()


@pytest.mark.parametrize(
    "username",
    [
        "ab",
        "a" * 31,
        "",
        "has space",
        "dash-name",
        "at@sign",
        "émile",
        "名前です",
        "semi;colon",
        "percent%",
    ],
)
async def test_invalid_usernames_are_rejected_and_create_no_user(api: Api, username: str) -> None:
    error = await api.error(REGISTER, _register_vars(username, email="someone@example.com"))
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "username"}

    # Nothing was created: the email is still free and nobody can log in with it.
    login = await _login(api, "someone@example.com")
    assert login["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"
    other = await api.register("observer", email="someone@example.com")
    assert other.username == "observer"


async def test_username_is_unique_ignoring_case(api: Api) -> None:
    first = await api.register("Alice", password="first password")
    assert first.username == "alice"

    error = await api.error(REGISTER, _register_vars("alice", email="other@example.com"))
    assert error["extensions"] == {"code": "CONFLICT", "field": "username"}
    error = await api.error(REGISTER, _register_vars("ALICE", email="third@example.com"))
    assert error["extensions"] == {"code": "CONFLICT", "field": "username"}

    # The original account is untouched and no second one exists.
    assert (await _login(api, "alice", "first password")).get("errors") is None
    assert (await _login(api, "other@example.com"))["errors"][0]["extensions"]["code"] == (
        "INVALID_CREDENTIALS"
    )
    assert await _usernames_found(api, first.access_token, "ali") == ["alice"]


async def test_email_is_validated(api: Api) -> None:
    for email in ["not-an-email", "two@@example.com", "@example.com", "alice@", "", "a b@x.io"]:
        error = await api.error(REGISTER, _register_vars("alice", email=email))
        assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "email"}, email
    # None of the attempts took the username.
    assert (await api.register("alice")).username == "alice"


async def test_email_is_unique_ignoring_case(api: Api) -> None:
    first = await api.register("alice", email="Alice@Example.com", password="first password")
    me = await api.data(ME, token=first.access_token)
    assert me["me"]["email"] == "alice@example.com"

    for email in ["alice@example.com", "ALICE@EXAMPLE.COM", "  alice@example.com  "]:
        error = await api.error(REGISTER, _register_vars("alice2", email=email))
        assert error["extensions"] == {"code": "CONFLICT", "field": "email"}, email

    assert await _usernames_found(api, first.access_token, "alice") == ["alice"]
    assert (await _login(api, "alice2"))["errors"][0]["extensions"]["code"] == (
        "INVALID_CREDENTIALS"
    )


async def test_concurrent_registrations_of_one_name_yield_one_account(api: Api) -> None:
    attempts = [_register_vars("alice", email=f"alice{n}@example.com") for n in range(5)]
    bodies = await asyncio.gather(*(api.execute(REGISTER, v) for v in attempts))
    winners = [body for body in bodies if not body.get("errors")]
    losers = [body["errors"][0]["extensions"] for body in bodies if body.get("errors")]
    assert len(winners) == 1, bodies
    assert losers == [{"code": "CONFLICT", "field": "username"}] * 4
    token = winners[0]["data"]["register"]["accessToken"]
    assert await _usernames_found(api, token, "alice") == ["alice"]


async def test_concurrent_registrations_of_one_email_yield_one_account(api: Api) -> None:
    attempts = [_register_vars(f"user{n}", email="shared@example.com") for n in range(5)]
    bodies = await asyncio.gather(*(api.execute(REGISTER, v) for v in attempts))
    winners = [body for body in bodies if not body.get("errors")]
    losers = [body["errors"][0]["extensions"] for body in bodies if body.get("errors")]
    assert len(winners) == 1, bodies
    assert losers == [{"code": "CONFLICT", "field": "email"}] * 4
    token = winners[0]["data"]["register"]["accessToken"]
    assert len(await _usernames_found(api, token, "user")) == 1


async def test_password_length_boundaries(api: Api) -> None:
    for password in ["1234567", "x" * 129, ""]:
        error = await api.error(REGISTER, _register_vars("alice", password=password))
        assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "password"}

    # The refused attempts created nothing, so "alice" is still free.
    shortest = await api.register("alice", password="12345678")
    longest = await api.register("bob", password="y" * 128)
    assert (await _login(api, "alice", "12345678")).get("errors") is None
    assert (await _login(api, "bob", "y" * 128)).get("errors") is None
    # The long password is compared whole, not truncated.
    assert (await _login(api, "bob", "y" * 127))["errors"][0]["extensions"]["code"] == (
        "INVALID_CREDENTIALS"
    )
    assert {shortest.username, longest.username} == {"alice", "bob"}


async def test_password_is_never_echoed(api: Api) -> None:
    body = await api.execute(REGISTER, _register_vars("alice", password="s3cret-passphrase"))
    assert "s3cret-passphrase" not in str(body)


# --- login ----------------------------------------------------------------------------------


async def test_login_by_username_or_email_in_any_case(api: Api) -> None:
    alice = await api.register("alice", email="alice@example.com")
    for who in ["alice", "ALICE", "  Alice  ", "alice@example.com", "Alice@EXAMPLE.com"]:
        body = await _login(api, who)
        assert body.get("errors") is None, (who, body)
        payload = body["data"]["login"]
        assert payload["user"] == {"id": alice.id, "username": "alice"}
        assert _when(payload["accessTokenExpiresAt"]) > datetime.now(UTC)
        me = await api.data(ME, token=payload["accessToken"])
        assert me["me"]["user"]["id"] == alice.id


async def test_each_login_is_a_new_session_with_new_tokens(api: Api) -> None:
    alice = await api.register("alice")
    first = (await _login(api, "alice"))["data"]["login"]
    second = (await _login(api, "alice"))["data"]["login"]
    tokens = {alice.refresh_token, first["refreshToken"], second["refreshToken"]}
    assert len(tokens) == 3
    sessions = {
        jwt.decode(token, options={"verify_signature": False})["sid"]
        for token in [alice.access_token, first["accessToken"], second["accessToken"]]
    }
    assert len(sessions) == 3


async def test_wrong_password_and_unknown_user_fail_identically(api: Api) -> None:
    await api.register("alice")
    wrong_password = await api.error(LOGIN, _login_vars("alice", "wrong password"))
    unknown_user = await api.error(LOGIN, _login_vars("nobody", PASSWORD))
    unknown_email = await api.error(LOGIN, _login_vars("nobody@example.com", PASSWORD))
    assert wrong_password["extensions"] == {"code": "INVALID_CREDENTIALS"}
    assert unknown_user == {**wrong_password, "path": unknown_user["path"]}
    assert unknown_email == {**wrong_password, "path": unknown_email["path"]}
    assert wrong_password["message"] == unknown_user["message"] == unknown_email["message"]
    assert "alice" not in wrong_password["message"]


async def test_password_is_compared_exactly(api: Api) -> None:
    await api.register("alice", password="  Secret Words  ")
    for attempt in ["  secret words  ", "Secret Words", "  Secret Words "]:
        error = await api.error(LOGIN, _login_vars("alice", attempt))
        assert error["extensions"]["code"] == "INVALID_CREDENTIALS", attempt
    assert (await _login(api, "alice", "  Secret Words  ")).get("errors") is None


async def test_login_with_blank_identifier_is_a_validation_error(api: Api) -> None:
    error = await api.error(LOGIN, _login_vars("   "))
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "usernameOrEmail"}


# --- rate limits ----------------------------------------------------------------------------


def _assert_rate_limited(body: dict[str, Any]) -> int:
    assert body.get("data") is None, body
    errors = body["errors"]
    assert len(errors) == 1, body
    extensions = errors[0]["extensions"]
    assert extensions["code"] == "RATE_LIMITED", body
    retry_after = extensions["retryAfter"]
    assert isinstance(retry_after, int), body
    assert retry_after > 0
    return retry_after


async def test_forwarded_for_header_sets_the_client_ip(make_settings: MakeSettings) -> None:
    """The other rate-limit tests rely on X-Forwarded-For; prove it is what counts."""
    async with _serving(make_settings(rate_limit_register="1/hour")) as api:
        await api.register("alice", headers=_ip("10.1.1.1"))
        # Same socket, same real peer (127.0.0.1), new forwarded address: allowed.
        await api.register("bob", headers=_ip("10.1.1.2"))
        body = await api.execute(REGISTER, _register_vars("carol"), headers=_ip("10.1.1.1"))
        _assert_rate_limited(body)


async def test_login_failures_lock_out_the_ip(make_settings: MakeSettings) -> None:
    async with _serving(make_settings(rate_limit_login_failures="3/15 minutes")) as api:
        await api.register("alice", headers=_ip("10.0.0.50"))
        await api.register("bob", headers=_ip("10.0.0.50"))
        attacker = "10.6.6.6"
        # Three failures against three different names, all from one address.
        for who in ["alice", "bob", "nobody"]:
            body = await _login(api, who, "wrong password", ip=attacker)
            assert body["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"

        # Now that address is refused, even with the right password...
        retry_after = _assert_rate_limited(await _login(api, "carol", "x" * 8, ip=attacker))
        assert retry_after <= 15 * 60
        _assert_rate_limited(await _login(api, "alice", ip=attacker))
        # ...while others log in to the same accounts as usual.
        assert (await _login(api, "alice", ip="10.0.0.7")).get("errors") is None
        assert (await _login(api, "bob", ip="10.0.0.8")).get("errors") is None


async def test_login_failures_from_many_ips_lock_the_account(make_settings: MakeSettings) -> None:
    async with _serving(make_settings(rate_limit_login_failures="3/15 minutes")) as api:
        await api.register("alice", headers=_ip("10.0.0.50"))
        await api.register("bob", headers=_ip("10.0.0.50"))
        for n, who in enumerate(["alice", "ALICE", " alice "]):
            body = await _login(api, who, "wrong password", ip=f"10.9.0.{n + 1}")
            assert body["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"

        # A fresh address cannot log in to alice, not even with her password...
        _assert_rate_limited(await _login(api, "alice", ip="10.9.0.99"))
        # ...but that address is not itself blocked, and other accounts are unaffected.
        assert (await _login(api, "bob", ip="10.9.0.99")).get("errors") is None
        assert (await _login(api, "bob", ip="10.9.0.1")).get("errors") is None


async def test_successful_logins_do_not_count_toward_the_limit(
    make_settings: MakeSettings,
) -> None:
    async with _serving(make_settings(rate_limit_login_failures="3/15 minutes")) as api:
        await api.register("alice", headers=_ip("10.0.0.50"))
        for _ in range(5):
            assert (await _login(api, "alice", ip="10.2.0.1")).get("errors") is None
        # All three allowed failures are still available.
        for _ in range(3):
            body = await _login(api, "alice", "wrong password", ip="10.2.0.1")
            assert body["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"
        _assert_rate_limited(await _login(api, "alice", "wrong password", ip="10.2.0.1"))


async def test_register_is_limited_per_ip(make_settings: MakeSettings) -> None:
    async with _serving(make_settings(rate_limit_register="2/hour")) as api:
        await api.register("alice", headers=_ip("10.3.0.1"))
        await api.register("bob", headers=_ip("10.3.0.1"))
        body = await api.execute(REGISTER, _register_vars("carol"), headers=_ip("10.3.0.1"))
        retry_after = _assert_rate_limited(body)
        assert retry_after <= 3600

        # The refused registration created nothing; another address may register.
        assert (await _login(api, "carol", ip="10.3.0.2"))["errors"][0]["extensions"][
            "code"
        ] == "INVALID_CREDENTIALS"
        carol = await api.register("carol", headers=_ip("10.3.0.2"))
        assert carol.username == "carol"


# --- refresh tokens -------------------------------------------------------------------------


async def test_refresh_returns_a_new_working_pair(api: Api) -> None:
    alice = await api.register("alice")
    payload = (await api.data(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    assert payload["user"] == {"id": alice.id, "username": "alice"}
    assert payload["refreshToken"] != alice.refresh_token
    assert _when(payload["accessTokenExpiresAt"]) > datetime.now(UTC)
    assert _when(payload["refreshTokenExpiresAt"]) > datetime.now(UTC) + timedelta(days=6)
    # Same login session, so the same sid.
    old_claims = jwt.decode(alice.access_token, options={"verify_signature": False})
    new_claims = jwt.decode(payload["accessToken"], options={"verify_signature": False})
    assert new_claims["sid"] == old_claims["sid"]

    # The old access token stays valid until it expires; the new one works too.
    for token in [alice.access_token, payload["accessToken"]]:
        me = await api.data(ME, token=token)
        assert me["me"]["user"]["id"] == alice.id

    # And the new refresh token can itself be rotated.
    again = (await api.data(REFRESH, {"token": payload["refreshToken"]}))["refreshToken"]
    assert again["refreshToken"] not in {payload["refreshToken"], alice.refresh_token}
    assert (await api.data(ME, token=again["accessToken"]))["me"]["user"]["id"] == alice.id


async def test_reusing_a_rotated_refresh_token_revokes_the_session(api: Api) -> None:
    alice = await api.register("alice")
    other_device = (await _login(api, "alice"))["data"]["login"]
    first = (await api.data(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    second = (await api.data(REFRESH, {"token": first["refreshToken"]}))["refreshToken"]

    # A thief replays the rotated token.
    error = await api.error(REFRESH, {"token": alice.refresh_token})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}

    # The whole session is gone: the newest refresh token and every access token of it.
    error = await api.error(REFRESH, {"token": second["refreshToken"]})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    for token in [alice.access_token, first["accessToken"], second["accessToken"]]:
        assert await _me_error_code(api, token) == "UNAUTHENTICATED"

    # The user's other session is unaffected.
    me = await api.data(ME, token=other_device["accessToken"])
    assert me["me"]["user"]["id"] == alice.id
    assert (await api.data(REFRESH, {"token": other_device["refreshToken"]}))["refreshToken"]


async def test_concurrent_refreshes_of_one_token_never_fork_the_session(api: Api) -> None:
    alice = await api.register("alice")
    bodies = await asyncio.gather(
        *(api.execute(REFRESH, {"token": alice.refresh_token}) for _ in range(4))
    )
    winners = [body["data"]["refreshToken"] for body in bodies if not body.get("errors")]
    losers = [body["errors"][0]["extensions"] for body in bodies if body.get("errors")]
    # One token is rotated once; the others count as reuse and end the session.
    assert len(winners) == 1, bodies
    assert losers == [{"code": "UNAUTHENTICATED"}] * 3
    error = await api.error(REFRESH, {"token": winners[0]["refreshToken"]})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_replaying_the_same_rotated_token_twice_stays_refused(api: Api) -> None:
    alice = await api.register("alice")
    await api.data(REFRESH, {"token": alice.refresh_token})
    for _ in range(2):
        error = await api.error(REFRESH, {"token": alice.refresh_token})
        assert error["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("token", ["garbage", "", " ", "a" * 43, "x" * 5000])
async def test_unknown_refresh_token_is_unauthenticated(api: Api, token: str) -> None:
    alice = await api.register("alice")
    error = await api.error(REFRESH, {"token": token})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    # A failed guess does not harm the real session.
    assert (await api.data(REFRESH, {"token": alice.refresh_token}))["refreshToken"]


async def test_an_access_token_is_not_a_refresh_token(api: Api) -> None:
    alice = await api.register("alice")
    error = await api.error(REFRESH, {"token": alice.access_token})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert await _me_error_code(api, alice.refresh_token) == "UNAUTHENTICATED"


async def test_an_access_token_expires_when_its_lifetime_is_over(
    make_settings: MakeSettings, clock: FakeClock
) -> None:
    settings = make_settings(access_token_ttl_seconds=60)
    async with _serving(settings, clock) as api:
        alice = await api.register("alice")
        # JWT "exp" has whole-second precision: two seconds short of it, valid for certain.
        clock.advance(58)
        assert (await api.data(ME, token=alice.access_token))["me"]["user"]["id"] == alice.id
        clock.advance(2)
        assert await _me_error_code(api, alice.access_token) == "TOKEN_EXPIRED"
        # The refresh token (a lifetime of days) is the way back, with a fresh access token.
        fresh = (await api.data(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
        assert fresh["user"]["id"] == alice.id
        me = await api.data(ME, token=fresh["accessToken"])
        assert me["me"]["user"]["id"] == alice.id


async def test_a_refresh_token_expires_when_its_lifetime_is_over(
    make_settings: MakeSettings, clock: FakeClock
) -> None:
    settings = make_settings(refresh_token_ttl_seconds=60)
    async with _serving(settings, clock) as api:
        alice = await api.register("alice")
        bob = await api.register("bob")
        clock.advance(59)
        # Within its lifetime it rotates; past it, it is refused.
        assert (await api.data(REFRESH, {"token": bob.refresh_token}))["refreshToken"]
        clock.advance(1)
        error = await api.error(REFRESH, {"token": alice.refresh_token})
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}
        assert "expired" in error["message"]
        # Logging in again is the way back.
        assert (await _login(api, "alice")).get("errors") is None


# --- logout ---------------------------------------------------------------------------------


async def test_logout_ends_only_this_session(api: Api) -> None:
    alice = await api.register("alice")
    phone = (await _login(api, "alice"))["data"]["login"]

    assert await api.data(LOGOUT, token=alice.access_token) == {"logout": True}

    assert await _me_error_code(api, alice.access_token) == "UNAUTHENTICATED"
    error = await api.error(REFRESH, {"token": alice.refresh_token})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    error = await api.error(LOGOUT, token=alice.access_token)
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}

    # The phone's session keeps working, including its refresh token.
    assert (await api.data(ME, token=phone["accessToken"]))["me"]["user"]["id"] == alice.id
    rotated = (await api.data(REFRESH, {"token": phone["refreshToken"]}))["refreshToken"]
    assert (await api.data(ME, token=rotated["accessToken"]))["me"]["user"]["id"] == alice.id


async def test_logout_also_ends_tokens_obtained_by_refresh(api: Api) -> None:
    alice = await api.register("alice")
    rotated = (await api.data(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    assert await api.data(LOGOUT, token=alice.access_token) == {"logout": True}
    assert await _me_error_code(api, rotated["accessToken"]) == "UNAUTHENTICATED"
    error = await api.error(REFRESH, {"token": rotated["refreshToken"]})
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_logout_needs_a_session(api: Api) -> None:
    error = await api.error(LOGOUT)
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


# --- access tokens --------------------------------------------------------------------------


def _forge(real_token: str, *, secret: str = TEST_SECRET, **changes: Any) -> str:
    """A token with the claims of ``real_token`` plus ``changes``, signed with ``secret``."""
    claims = jwt.decode(real_token, options={"verify_signature": False})
    claims.update(changes)
    return jwt.encode(claims, secret, algorithm="HS256")


def _epoch(delta: timedelta) -> int:
    return int((datetime.now(UTC) + delta).timestamp())


async def test_forged_token_with_the_right_secret_is_accepted(api: Api) -> None:
    """Guards the tests below: the forging itself produces a token the server accepts."""
    alice = await api.register("alice")
    token = _forge(alice.access_token, exp=_epoch(timedelta(minutes=5)))
    assert (await api.data(ME, token=token))["me"]["user"]["id"] == alice.id


async def test_expired_access_token_is_token_expired(api: Api) -> None:
    alice = await api.register("alice")
    expired = _forge(
        alice.access_token,
        iat=_epoch(-timedelta(minutes=20)),
        exp=_epoch(-timedelta(minutes=5)),
    )
    error = await api.error(ME, token=expired)
    assert error["extensions"] == {"code": "TOKEN_EXPIRED"}
    # The client's way out: the refresh token still works.
    refreshed = (await api.data(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    assert (await api.data(ME, token=refreshed["accessToken"]))["me"]["user"]["id"] == alice.id


async def test_token_signed_with_another_secret_is_unauthenticated(api: Api) -> None:
    alice = await api.register("alice")
    other_secret = "another-secret-" + "y" * 40
    for exp in [timedelta(minutes=5), -timedelta(minutes=5)]:
        token = _forge(alice.access_token, secret=other_secret, exp=_epoch(exp))
        assert await _me_error_code(api, token) == "UNAUTHENTICATED"


async def test_unsigned_token_is_unauthenticated(api: Api) -> None:
    alice = await api.register("alice")
    claims = jwt.decode(alice.access_token, options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert await _me_error_code(api, unsigned) == "UNAUTHENTICATED"


async def test_token_for_another_users_session_is_unauthenticated(api: Api) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    # A correctly signed token naming Bob but Alice's session: the pair does not exist.
    mixed = _forge(alice.access_token, sub=bob.id)
    assert await _me_error_code(api, mixed) == "UNAUTHENTICATED"
    unknown_session = _forge(alice.access_token, sid="01890a5d-ac96-774b-bcce-b302099a8057")
    assert await _me_error_code(api, unknown_session) == "UNAUTHENTICATED"
    not_a_uuid = _forge(alice.access_token, sub="alice")
    assert await _me_error_code(api, not_a_uuid) == "UNAUTHENTICATED"
    not_an_access_token = _forge(alice.access_token, typ="refresh")
    assert await _me_error_code(api, not_an_access_token) == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic xyz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Token abc.def.ghi"},
    ],
)
async def test_missing_or_malformed_authorization_is_unauthenticated(
    api: Api, headers: dict[str, str]
) -> None:
    await api.register("alice")
    error = await api.error(ME, headers=headers)
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert error["path"] == ["me"]


async def test_a_valid_token_under_another_scheme_is_unauthenticated(api: Api) -> None:
    alice = await api.register("alice")
    for scheme in ["Basic", "Token", "JWT"]:
        headers = {"Authorization": f"{scheme} {alice.access_token}"}
        error = await api.error(ME, headers=headers)
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}, scheme


async def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    alice = await api.register("alice")
    body = await api.execute(ME, headers={"Authorization": f"bearer {alice.access_token}"})
    assert body.get("errors") is None, body
    assert body["data"]["me"]["user"]["id"] == alice.id
