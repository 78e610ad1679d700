"""Mentioning someone in the web client: typing "@" suggests the conversation's people, the
mention is highlighted in the message (as text), and the mentioned person's list shows an "@"
badge until they read it, following edits and deletions of what they have not read."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.screens import Chat, Shell
from tests.browser.site import Site
from tests.support.chat import DELETE_MESSAGE, EDIT_MESSAGE, create, send

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


async def test_an_edit_that_mentions_someone_badges_their_list_and_a_deletion_clears_it(
    site: Site,
) -> None:
    """Bob has only his list open. Alice's unread message gains a mention of him by an edit:
    the "@" badge comes; she deletes it: both badges go, as a fresh load would show."""
    alice = await site.person("alice", "Alice")
    bob = await site.person("bob", "Bob")
    group = await create(site.api, alice.account, "GROUP", bob.account, title="Team")
    bob_row = Shell(await site.device(bob)).row(group["id"])
    await expect(bob_row).to_be_visible()

    sent = await send(site.api, alice.account, group["id"], "Lunch?")
    await expect(bob_row.get_by_test_id("unread-badge")).to_have_text("1")
    await expect(bob_row.get_by_test_id("mention-badge")).to_have_count(0)

    edit = {"messageId": sent["id"], "content": "Lunch, @bob?"}
    await site.api.data(EDIT_MESSAGE, edit, token=alice.token)
    await expect(bob_row.get_by_test_id("mention-badge")).to_have_text("@")
    await expect(bob_row.get_by_test_id("unread-badge")).to_have_text("1")

    await site.api.data(DELETE_MESSAGE, {"messageId": sent["id"]}, token=alice.token)
    await expect(bob_row.get_by_test_id("mention-badge")).to_have_count(0)
    await expect(bob_row.get_by_test_id("unread-badge")).to_have_count(0)
