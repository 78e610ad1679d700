"""Sessions that outlive their access tokens: a short-lived token is refreshed without the
user noticing, the live socket keeps working, and two tabs share one session through the
refresh (refresh tokens rotate on every use; reusing an old one ends the session)."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Chat, Shell
from tests.browser.sessions import stored_access_token, token_code
from tests.browser.site import Person, Site, StartSite
from tests.support.chat import create, send
from tests.support.cluster import eventually

pytestmark = pytest.mark.browser

TTL_SECONDS = 3
STORED = re.compile(r"^(sent|delivered|read)$")


async def expired(site: Site, token: str) -> None:
    """Wait until the server refuses ``token`` as expired."""

    async def refused() -> bool:
        return await token_code(site.api, token) == "TOKEN_EXPIRED"

    await eventually(refused, "the access token expired")


async def expect_signed_in(page: Page, person: Person) -> None:
    await expect(page.get_by_role("heading", name=person.name, exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_hidden()


async def test_an_expired_access_token_is_refreshed_and_the_socket_keeps_working(
    start_site: StartSite,
) -> None:
    site = await start_site(access_token_ttl_seconds=TTL_SECONDS)
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, await site.account(alice), "DIRECT", bob.account)
    page = await site.device(alice)
    shell = Shell(page)
    chat = await shell.open(direct["id"])
    first = await stored_access_token(page)
    await expired(site, first)

    # After the token the socket opened with has expired, live messages still arrive...
    await send(site.api, await site.account(bob), direct["id"], "Still there?")
    await expect(chat.message("Still there?")).to_be_visible()
    # ...and sending still works, with a refreshed token, without signing in again.
    await chat.send("Yes!")
    await expect(chat.message("Yes!")).to_have_attribute("data-status", STORED)
    await expect_signed_in(page, alice)
    await shell.expect_online()
    assert await stored_access_token(page) != first
    history = await site.history(bob, direct["id"])
    assert [m["content"] for m in history] == ["Still there?", "Yes!"]


async def test_two_tabs_share_a_session_through_a_refresh_without_being_logged_out(
    start_site: StartSite,
) -> None:
    site = await start_site(access_token_ttl_seconds=TTL_SECONDS)
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, await site.account(alice), "DIRECT", bob.account)
    context = await site.context()
    tabs = [await site.sign_in(context, alice), await context.new_page()]
    await tabs[1].goto("/")  # the second tab finds the session the first one signed in
    await expect_signed_in(tabs[1], alice)
    chats: list[Chat] = [await Shell(tab).open(direct["id"]) for tab in tabs]

    sent: list[str] = []
    for round_ in (1, 2):  # two expiries: both tabs must refresh, from one rotating token
        await expired(site, await stored_access_token(tabs[0]))
        contents = [f"tab {tab} round {round_}" for tab in (1, 2)]
        await asyncio.gather(*(chat.send(c) for chat, c in zip(chats, contents, strict=True)))
        sent += contents
        for chat in chats:
            for content in contents:
                await expect(chat.message(content)).to_have_attribute("data-own", "true")
        for chat, content in zip(chats, contents, strict=True):
            await expect(chat.message(content)).to_have_attribute("data-status", STORED)
    for tab in tabs:
        await expect_signed_in(tab, alice)

    await tabs[1].reload()
    await expect_signed_in(tabs[1], alice)
    history = await site.history(bob, direct["id"])
    assert sorted(m["content"] for m in history) == sorted(sent)
    contents = [m["content"] for m in history]
    for chat in chats:
        await expect(chat.messages.get_by_test_id("message-content")).to_have_text(contents)
