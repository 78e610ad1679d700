"""Mentioning someone in the web client: typing "@" suggests the conversation's people, the
mention is highlighted in the message (as text), and the mentioned person's list shows an "@"
badge until they read it."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.screens import Chat, Shell
from tests.browser.site import Site
from tests.support.chat import create

pytestmark = pytest.mark.browser


async def test_a_mention_is_suggested_highlighted_and_badged_for_the_mentioned(
    site: Site,
) -> None:
    alice = await site.person("alice", "Alice")
    bob = await site.person("bob", "Bob")
    carol = await site.person("carol", "Carol")
    group = await create(site.api, alice.account, "GROUP", bob.account, carol.account, title="Team")
    alice_chat = await Shell(await site.device(alice)).open(group["id"])
    bob_shell = Shell(await site.device(bob))
    bob_row = bob_shell.row(group["id"])
    await expect(bob_row).to_be_visible()

    # Alice types "@b": Bob is suggested (Carol is not); Enter completes, it does not send.
    await alice_chat.composer.press_sequentially("Lunch, @b")
    suggestions = alice_chat.page.get_by_role("listbox", name="Mention someone")
    await expect(suggestions.get_by_role("option")).to_have_count(1)
    await expect(suggestions.get_by_role("option")).to_contain_text("Bob")
    await alice_chat.composer.press("Enter")
    await expect(suggestions).to_be_hidden()
    await expect(alice_chat.composer).to_have_value("Lunch, @bob ")
    await alice_chat.composer.press_sequentially("<b>now</b>?")
    await alice_chat.composer.press("Enter")

    text = "Lunch, @bob <b>now</b>?"
    mention = alice_chat.message(text).get_by_test_id("mention")
    await expect(mention).to_have_text("@bob")
    await expect(alice_chat.message(text).locator("b")).to_have_count(0)  # text, never HTML

    # Bob, on his list, sees the "@" badge beside the unread count.
    await expect(bob_row.get_by_test_id("mention-badge")).to_have_text("@")
    await expect(bob_row.get_by_test_id("unread-badge")).to_have_text("1")

    # He opens the chat: his mention stands out, and reading it clears the badge.
    bob_chat: Chat = await bob_shell.open(group["id"])
    mine = bob_chat.message(text).get_by_test_id("mention")
    await expect(mine).to_have_text("@bob")
    await expect(mine).to_have_class("mention mention-me")
    await expect(bob_row.get_by_test_id("mention-badge")).to_have_count(0)
