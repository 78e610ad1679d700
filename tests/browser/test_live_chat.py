"""Live chat in the browser: two people chatting with ticks, a group's read counts and who
read, typing and presence (issue 12, item 7)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.screens import Chat, Shell, preview_of
from tests.browser.site import Site
from tests.support.chat import create, send

pytestmark = pytest.mark.browser


async def test_two_people_chat_live_and_ticks_go_sent_delivered_read(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    alice_chat = await Shell(await site.device(alice)).open(direct["id"])
    await expect(alice_chat.title).to_have_text("Bob")

    # Bob has no device open: stored, not delivered.
    await alice_chat.send("Hi Bob!")
    await alice_chat.expect_status("Hi Bob!", "sent", "Sent")

    bob_shell = Shell(await site.device(bob))
    bob_row = bob_shell.row(direct["id"])
    await expect(bob_row.get_by_test_id("conversation-preview")).to_have_text(preview_of("Hi Bob!"))
    await expect(bob_row.get_by_test_id("unread-badge")).to_have_text("1")

    # Bob is on his list, not in the chat: pushed to him live, so delivered, unread.
    await alice_chat.send("Lunch?")
    await expect(bob_row.get_by_test_id("conversation-preview")).to_have_text(preview_of("Lunch?"))
    await expect(bob_row.get_by_test_id("unread-badge")).to_have_text("2")
    await alice_chat.expect_status("Lunch?", "delivered", "Delivered")

    # Bob opens the chat: he reads both, Alice sees it, his badge goes.
    bob_chat = await bob_shell.open(direct["id"])
    await expect(bob_chat.messages.get_by_test_id("message-content")).to_have_text(
        ["Hi Bob!", "Lunch?"]
    )
    await expect(bob_chat.message("Lunch?")).to_have_attribute("data-own", "false")
    await alice_chat.expect_status("Hi Bob!", "read", "Read")
    await alice_chat.expect_status("Lunch?", "read", "Read")
    await expect(bob_row.get_by_test_id("unread-badge")).to_have_count(0)

    # He answers; Alice has the chat open, so it arrives live and is read at once.
    await bob_chat.send("Sure, 12:30?")
    await expect(alice_chat.message("Sure, 12:30?")).to_have_attribute("data-own", "false")
    await bob_chat.expect_status("Sure, 12:30?", "read", "Read")
    history = await site.history(alice, direct["id"])
    assert [m["content"] for m in history] == ["Hi Bob!", "Lunch?", "Sure, 12:30?"]
    shown = await alice_chat.shown()
    assert [m["seq"] for m in shown] == [m["seq"] for m in history]


async def test_group_of_three_shows_read_counts_and_who_read(site: Site) -> None:
    alice = await site.person("alice")
    bob, carol = await site.person("bob"), await site.person("carol")
    alice_page = await site.device(alice)

    # Alice makes the group herself, through the New conversation dialog.
    await alice_page.get_by_role("button", name="New conversation").click()
    dialog = alice_page.get_by_role("dialog", name="New conversation")
    await dialog.get_by_role("radio", name="Group").check()
    for person in (bob, carol):
        await dialog.get_by_label("Search people").fill(person.username)
        await dialog.get_by_role("option", name=re.compile(person.name)).click()
    await dialog.get_by_label("Group name").fill("Lunch club")
    await dialog.get_by_role("button", name="Create").click()
    alice_chat = Chat(alice_page)
    await expect(alice_chat.title).to_have_text("Lunch club")
    await expect(alice_page).to_have_url(re.compile(r"/c/[^/]+$"))
    group_id = alice_page.url.rsplit("/", 1)[1]

    bob_shell, carol_shell = Shell(await site.device(bob)), Shell(await site.device(carol))
    await expect(alice_chat.status).to_have_text("3 members, 2 online")
    alice_row = Shell(alice_page).row(group_id)
    await expect(alice_row.get_by_test_id("online-count")).to_have_text("2 online")

    await alice_chat.send("Pizza at noon?")
    for shell in (bob_shell, carol_shell):  # their lists show it live: it reached them
        preview = shell.row(group_id).get_by_test_id("conversation-preview")
        await expect(preview).to_have_text(preview_of("Pizza at noon?"))
    await alice_chat.expect_status("Pizza at noon?", "delivered", "Delivered")
    who_read = alice_page.get_by_role("dialog", name="Read by")
    await alice_chat.ticks("Pizza at noon?").click()
    await expect(who_read).to_contain_text("Nobody yet")
    await alice_page.keyboard.press("Escape")
    await expect(who_read).to_be_hidden()

    bob_chat = await bob_shell.open(group_id)
    sender = bob_chat.message("Pizza at noon?").get_by_test_id("message-sender")
    await expect(sender).to_have_text("Alice")
    await expect(alice_chat.ticks("Pizza at noon?")).to_contain_text("1")
    await expect(alice_chat.message("Pizza at noon?")).to_have_attribute("data-status", "delivered")
    await alice_chat.ticks("Pizza at noon?").click()
    await expect(who_read).to_contain_text("Bob")
    await expect(who_read).not_to_contain_text("Carol")
    await expect(who_read).not_to_contain_text("Nobody yet")
    await alice_page.keyboard.press("Escape")

    await carol_shell.open(group_id)
    await alice_chat.expect_status("Pizza at noon?", "read", "Read")
    await expect(alice_chat.ticks("Pizza at noon?")).to_contain_text("2")
    await alice_chat.ticks("Pizza at noon?").click()
    await expect(who_read).to_contain_text("Bob")
    await expect(who_read).to_contain_text("Carol")


async def test_typing_shows_live_and_a_closed_device_goes_offline_with_last_seen(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Around?")
    alice_shell = Shell(await site.device(alice))
    alice_chat = await alice_shell.open(direct["id"])
    alice_row = alice_shell.row(direct["id"])
    bob_page = await site.device(bob)
    bob_chat = await Shell(bob_page).open(direct["id"])

    await expect(alice_chat.status).to_have_text("online")
    await expect(alice_row.get_by_test_id("presence-dot")).to_have_attribute(
        "data-status", "online"
    )

    await bob_chat.composer.press_sequentially("Yes, just")
    await expect(alice_chat.typing).to_have_text("Bob is typing…")
    await expect(alice_row.get_by_test_id("conversation-preview")).to_have_text("typing…")
    await bob_chat.composer.press_sequentially(" a second")
    await bob_chat.composer.press("Enter")
    await expect(alice_chat.message("Yes, just a second")).to_be_visible()
    await expect(alice_chat.typing).to_be_hidden()
    await expect(alice_row.get_by_test_id("conversation-preview")).to_have_text(
        preview_of("Yes, just a second")
    )

    # Typing that stops without a send fades by itself.
    await bob_chat.composer.press_sequentially("hmm")
    await expect(alice_chat.typing).to_have_text("Bob is typing…")
    await expect(alice_chat.typing).to_be_hidden()

    # Bob closes his only device: offline after the grace period, with a last-seen text.
    await bob_page.context.close()
    await expect(alice_chat.status).to_have_text(re.compile(r"^last seen "))
    await expect(alice_row.get_by_test_id("presence-dot")).to_have_attribute(
        "data-status", "offline"
    )
