"""The keyboard alone: the conversation list moves with the arrow keys, Enter opens a chat,
Enter sends and Shift+Enter breaks the line (WEB_CONTRACT "Keyboard")."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.screens import Chat, Shell
from tests.browser.site import Site
from tests.support.chat import create, send

pytestmark = pytest.mark.browser


async def test_the_list_moves_with_arrow_keys_and_enter_opens_and_sends(site: Site) -> None:
    alice, bob, carol = (
        await site.person("alice"),
        await site.person("bob"),
        await site.person("carol"),
    )
    older = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, older["id"], "Older news")
    newer = await create(site.api, alice.account, "DIRECT", carol.account)
    await send(site.api, carol.account, newer["id"], "Newer news")
    page = await site.device(alice)
    shell = Shell(page)
    await expect(shell.rows).to_have_count(2)
    await expect(shell.rows.first).to_have_attribute("data-conversation-id", newer["id"])

    # Focus the first conversation, step down to the second with the arrow key, open it.
    await (
        shell.rows.first.get_by_role("button")
        .or_(shell.rows.first.get_by_role("link"))
        .first.focus()
    )
    await page.keyboard.press("ArrowDown")
    focused_row = await page.evaluate(
        """() => document.activeElement
            ?.closest('[data-testid="conversation-row"]')?.dataset.conversationId ?? null"""
    )
    assert focused_row == older["id"]
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(rf"/c/{older['id']}$"))
    chat = Chat(page)
    await expect(chat.title).to_have_text("Bob")

    await chat.composer.focus()
    await page.keyboard.type("first line")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("second line")
    await expect(chat.composer).to_have_value("first line\nsecond line")
    await page.keyboard.press("Enter")
    await expect(chat.messages).to_have_count(2)
    await expect(chat.messages.last.get_by_test_id("message-content")).to_have_text(
        "first line\nsecond line"
    )
    await expect(chat.composer).to_have_value("")
    history = await site.history(alice, older["id"])
    assert [m["content"] for m in history] == ["Older news", "first line\nsecond line"]
