"""The server, not the client's clock, says when an access token has expired (issue 12 §4:
"refreshed ... on TOKEN_EXPIRED"). The device here runs two minutes behind, so the app's own
early refresh is a long way off while the server's short-lived tokens have long expired: every
request and socket meets the real ``TOKEN_EXPIRED`` (or a refusal) and must refresh and go on,
or, when the refresh itself fails, return to Sign in."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, Response, WebSocket, expect

from tests.browser.network import Network
from tests.browser.screens import Shell
from tests.browser.sessions import stored_access_token, token_code
from tests.browser.site import Person, Site, StartSite, sign_in
from tests.support.chat import create, send
from tests.support.cluster import eventually

pytestmark = pytest.mark.browser

TTL_SECONDS = 4
BEHIND = timedelta(minutes=2)
STORED = re.compile(r"^(sent|delivered|read)$")
RECONNECT = 30_000
LOGOUT = "mutation { logout }"


async def expired(site: Site, token: str) -> None:
    """Wait until the server refuses ``token`` as expired."""

    async def refused() -> bool:
        return await token_code(site.api, token) == "TOKEN_EXPIRED"

    await eventually(refused, "the access token expired")


@dataclass
class Wire:
    """What the page said to the server and heard back: each GraphQL HTTP answer as
    (operation, error code or None), and the token of each socket's connection_init."""

    answers: list[tuple[str, str | None]] = field(default_factory=list)
    socket_tokens: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("response", self._answered)
        page.on("websocket", self._socket)

    async def _answered(self, response: Response) -> None:
        request = response.request
        if request.method != "POST" or not request.url.endswith("/graphql"):
            return
        operation = str((request.post_data_json or {}).get("operationName"))
        try:
            body: dict[str, Any] = await response.json()
        except Exception:  # the page went away meanwhile
            return
        errors = body.get("errors") or [{}]
        self.answers.append((operation, errors[0].get("extensions", {}).get("code")))

    def _socket(self, socket: WebSocket) -> None:
        def sent(frame: str | bytes) -> None:
            message = json.loads(frame)
            if message.get("type") == "connection_init":
                token = str(message.get("payload", {}).get("authorization", ""))
                self.socket_tokens.append(token.removeprefix("Bearer "))

        socket.on("framesent", sent)


async def device_running_behind(site: Site, person: Person) -> Page:
    """A new device whose clock is two minutes behind the server's (it runs, just late),
    with ``person`` signed in."""
    context = await site.context()
    page = await context.new_page()
    await page.clock.install(time=datetime.now(UTC) - BEHIND)
    await sign_in(page, person)
    return page


async def expect_signed_in(page: Page, person: Person) -> None:
    await expect(page.get_by_role("heading", name=person.name, exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_hidden()


async def test_a_send_that_meets_token_expired_is_refreshed_retried_and_stored(
    start_site: StartSite,
) -> None:
    site = await start_site(access_token_ttl_seconds=TTL_SECONDS)
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, await site.account(alice), "DIRECT", bob.account)
    page = await device_running_behind(site, alice)
    wire = Wire()
    wire.watch(page)
    shell = Shell(page)
    chat = await shell.open(direct["id"])
    first = await stored_access_token(page)
    await expired(site, first)  # on the server; the app believes it has two minutes left

    await chat.send("Sent after my token expired")
    await expect(chat.message("Sent after my token expired")).to_have_attribute(
        "data-status", STORED
    )
    await expect_signed_in(page, alice)
    # The server said so first (typing or the send itself), then the app refreshed.
    codes = [code for _, code in wire.answers]
    operations = [operation for operation, _ in wire.answers]
    assert "TOKEN_EXPIRED" in codes
    assert ("Refresh", None) in wire.answers
    assert codes.index("TOKEN_EXPIRED") < operations.index("Refresh")
    assert await stored_access_token(page) != first
    history = await site.history(bob, direct["id"])
    assert [m["content"] for m in history] == ["Sent after my token expired"]


async def test_a_socket_reconnecting_with_an_expired_token_uses_the_refreshed_one(
    start_site: StartSite,
) -> None:
    site = await start_site(access_token_ttl_seconds=TTL_SECONDS)
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, await site.account(alice), "DIRECT", bob.account)
    page = await device_running_behind(site, alice)
    wire = Wire()
    wire.watch(page)
    shell = Shell(page)
    chat = await shell.open(direct["id"])
    held = await stored_access_token(page)
    await expired(site, held)  # the open socket goes on; the app does not know yet

    await site.instance.stop()  # a redeploy: the socket must come back, with a token that works
    await expect(shell.connection_bar).to_have_attribute("data-state", "reconnecting")
    await site.instance.start_again()
    await shell.expect_online(within_ms=RECONNECT)
    await expect_signed_in(page, alice)
    await send(site.api, await site.account(bob), direct["id"], "Welcome back")
    await expect(chat.message("Welcome back")).to_be_visible()

    fresh = await stored_access_token(page)
    assert fresh != held
    assert wire.socket_tokens[0] == held  # refused (4403), then refreshed
    assert wire.socket_tokens[-1] == fresh


async def test_a_refresh_that_fails_returns_to_sign_in(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    context = await site.context()
    network = await Network.install(context)
    page = await site.sign_in(context, alice)
    wire = Wire()
    wire.watch(page)
    shell = Shell(page)
    await shell.open(direct["id"])

    # While this device is offline, its session is logged out from another one: the access
    # token it holds is refused from now on and its refresh token is revoked.
    await network.go_offline()
    await expect(shell.connection_bar).to_have_attribute("data-state", "offline")
    token = await stored_access_token(page)
    assert (await site.api.data(LOGOUT, token=token))["logout"] is True

    await network.go_online()  # the socket is refused (4403); the refresh that follows fails
    await expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    await expect(page.get_by_role("alert")).to_have_text(
        "Your session ended. Please sign in again."
    )
    await expect(page.get_by_role("heading", name=alice.name, exact=True)).to_be_hidden()
    refreshes = [code for operation, code in wire.answers if operation == "Refresh"]
    assert refreshes, "the app never tried to refresh"
    assert None not in refreshes
