"""Registration modes (``TIDINGS_REGISTRATION``) and invite codes, on both configurations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from tests.support.api import Account, Api
from tests.support.chat import code_of
from tests.support.clock import FakeClock
from tests.support.server import LocalApp, run_app
from tests.test_admin import audit_log, console_of
from tidings.actions import admin
from tidings.models import User
from tidings.settings import Settings

MODE = "query { registrationMode }"
CREATE_INVITE = """
mutation CreateInvite($expiresAt: DateTime) { createInvite(expiresAt: $expiresAt) {
  code createdAt expiresAt } }
"""
REGISTER = """
mutation Register($input: RegisterInput!) { register(input: $input) { user { username } } }
"""


@asynccontextmanager
async def _serving(
    make_settings: Callable[..., Settings], mode: str, clock: FakeClock | None = None
) -> AsyncIterator[tuple[LocalApp, Api]]:
    settings = make_settings(registration=mode)
    async with run_app(settings, clock=clock) as app, Api.to_app(app) as api:
        yield app, api


def _signup(username: str, invite_code: str | None = None) -> dict[str, Any]:
    return {
        "input": {
            "username": username,
            "email": f"{username}@example.com",
            "password": "correct horse battery",
            "inviteCode": invite_code,
        }
    }


async def _admin(app: LocalApp, api: Api) -> Account:
    """A server admin, made as an operator would: ``tidings admin create-user --admin``."""
    await admin.create_user(
        console_of(app.services),
        username="root",
        email="root@example.com",
        password="correct horse battery",
        is_admin=True,
    )
    login = await api.data(
        """mutation { login(input: {usernameOrEmail: "root",
             password: "correct horse battery"}) { accessToken refreshToken user { id } } }"""
    )
    payload = login["login"]
    return Account(
        payload["user"]["id"], "root", payload["accessToken"], payload["refreshToken"], ""
    )


async def _invite(api: Api, by: Account, **variables: Any) -> dict[str, Any]:
    invite: dict[str, Any] = (await api.data(CREATE_INVITE, variables, token=by.access_token))[
        "createInvite"
    ]
    return invite


async def _usernames(app: LocalApp) -> list[str]:
    async with app.services.sessions() as session:
        return sorted(await session.scalars(sa.select(col(User.username))))


# --- open, the default -----------------------------------------------------------------------


async def test_open_registration_needs_no_code_and_says_so(api: Api) -> None:
    mode = (await api.data(MODE))["registrationMode"]
    registered = await api.data(REGISTER, _signup("alice", invite_code="ignored"))

    assert mode == "OPEN"
    assert registered["register"]["user"]["username"] == "alice"


# --- closed ----------------------------------------------------------------------------------


async def test_closed_registration_refuses_everyone(
    make_settings: Callable[..., Settings],
) -> None:
    async with _serving(make_settings, "closed") as (app, api):
        mode = (await api.data(MODE))["registrationMode"]
        refused = await api.error(REGISTER, _signup("alice"))
        usernames = await _usernames(app)

    assert mode == "CLOSED"
    assert code_of(refused) == "FORBIDDEN"
    assert "closed" in refused["message"]
    assert usernames == []


# --- invite-only -----------------------------------------------------------------------------


async def test_only_server_admins_create_invites(make_settings: Callable[..., Settings]) -> None:
    async with _serving(make_settings, "open") as (app, api):
        root = await _admin(app, api)
        alice = await api.register("alice")

        refused = await api.error(CREATE_INVITE, token=alice.access_token)
        anonymous = await api.error(CREATE_INVITE)
        invite = await _invite(api, root)
        audit = await audit_log(app.services)

    assert code_of(refused) == "FORBIDDEN"
    assert code_of(anonymous) == "UNAUTHENTICATED"
    assert len(invite["code"]) >= 16
    assert invite["expiresAt"] is None
    assert [entry["action"] for entry in audit] == ["create_user", "promote", "create_invite"]


async def test_an_invite_signs_up_one_person_once(make_settings: Callable[..., Settings]) -> None:
    async with _serving(make_settings, "invite") as (app, api):
        root = await _admin(app, api)
        code = (await _invite(api, root))["code"]

        mode = (await api.data(MODE))["registrationMode"]
        without = await api.error(REGISTER, _signup("alice"))
        unknown = await api.error(REGISTER, _signup("alice", invite_code="not-a-real-code"))
        joined = await api.data(REGISTER, _signup("alice", invite_code=f" {code} "))
        reused = await api.error(REGISTER, _signup("bob", invite_code=code))
        usernames = await _usernames(app)

    assert mode == "INVITE"
    for refused in (without, unknown, reused):
        assert code_of(refused) == "VALIDATION_ERROR"
        assert refused["extensions"]["field"] == "inviteCode"
    assert joined["register"]["user"]["username"] == "alice"
    assert usernames == ["alice", "root"]


async def test_an_expired_invite_is_refused(
    make_settings: Callable[..., Settings], clock: FakeClock
) -> None:
    async with _serving(make_settings, "invite", clock) as (app, api):
        root = await _admin(app, api)
        in_the_past = await api.error(
            CREATE_INVITE,
            {"expiresAt": (clock.now() - timedelta(minutes=1)).isoformat()},
            token=root.access_token,
        )
        expires = clock.now() + timedelta(hours=1)
        invite = await _invite(api, root, expiresAt=expires.isoformat())
        clock.advance(3601)
        expired = await api.error(REGISTER, _signup("alice", invite_code=invite["code"]))
        usernames = await _usernames(app)

    assert code_of(in_the_past) == "VALIDATION_ERROR"
    assert in_the_past["extensions"]["field"] == "expiresAt"
    assert invite["expiresAt"] is not None
    assert code_of(expired) == "VALIDATION_ERROR"
    assert expired["extensions"]["field"] == "inviteCode"
    assert usernames == ["root"]


async def test_of_registrations_racing_for_one_invite_exactly_one_wins(
    make_settings: Callable[..., Settings],
) -> None:
    async with _serving(make_settings, "invite") as (app, api):
        root = await _admin(app, api)
        code = (await _invite(api, root))["code"]

        answers = await asyncio.gather(
            *(api.execute(REGISTER, _signup(f"racer{n}", invite_code=code)) for n in range(6))
        )
        usernames = await _usernames(app)

    won = [answer for answer in answers if not answer.get("errors")]
    lost = [answer["errors"][0] for answer in answers if answer.get("errors")]
    assert len(won) == 1
    assert [(code_of(error), error["extensions"]["field"]) for error in lost] == [
        ("VALIDATION_ERROR", "inviteCode")
    ] * 5
    assert usernames == sorted(["root", won[0]["data"]["register"]["user"]["username"]])
