"""The mobile layout: under 720 px only the list or the chat shows, with Back between them
(issue 12, item 7; WEB_CONTRACT "Responsive")."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.screens import Chat, Shell, preview_of
from tests.browser.site import Site
from tests.support.chat import create, send

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
STORED = re.compile(r"^(sent|delivered|read)$")


async def test_the_mobile_layout_shows_the_list_or_the_chat_with_back(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Call me when you land")
    page = await site.device(alice, **PHONE)
    shell, chat = Shell(page), Chat(page)
    back = page.get_by_role("button", name="Back")

    await expect(shell.conversations).to_be_visible()
    await expect(chat.root).to_be_hidden()

    await shell.row(direct["id"]).tap()
    await expect(page).to_have_url(re.compile(rf"/c/{direct['id']}$"))
    await expect(chat.root).to_be_visible()
    await expect(shell.conversations).to_be_hidden()
    await expect(back).to_be_visible()
    await expect(chat.message("Call me when you land")).to_be_in_viewport()
    await chat.send("Landed!")
    await expect(chat.message("Landed!")).to_have_attribute("data-status", STORED)
    await expect(chat.message("Landed!")).to_be_in_viewport()
    assert await chat.composer.evaluate("element => element.getBoundingClientRect().right") <= 390

    await back.tap()
    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(shell.conversations).to_be_visible()
    await expect(chat.root).to_be_hidden()
    await expect(shell.row(direct["id"]).get_by_test_id("conversation-preview")).to_have_text(
        preview_of("Landed!")
    )

    # A link straight to the chat opens the chat alone, with Back.
    await page.goto(f"/c/{direct['id']}")
    await expect(chat.root).to_be_visible()
    await expect(shell.conversations).to_be_hidden()
    await expect(back).to_be_visible()

    # Widened to a desktop window, the list and the chat show side by side.
    await page.set_viewport_size({"width": 1280, "height": 800})
    await expect(shell.conversations).to_be_visible()
    await expect(chat.root).to_be_visible()
