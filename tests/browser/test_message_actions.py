"""What a user does to messages and how the log draws them (issue 12, item 3): reply with a
quote, edit, delete (tombstone), grouping by sender and day separators, and a direct message
started from the New conversation dialog."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.screens import Chat, Shell, act_on, tombstones
from tests.browser.site import Site
from tests.support.chat import create, send

pytestmark = pytest.mark.browser

DELETED = "This message was deleted"


async def test_a_reply_shows_the_quoted_message_and_its_sender_to_both_live(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Shall we meet at the station?")
    await send(site.api, bob.account, direct["id"], "Or at the café?")
    alice_chat = await Shell(await site.device(alice)).open(direct["id"])
    bob_chat = await Shell(await site.device(bob)).open(direct["id"])

    await act_on(alice_chat, "Shall we meet at the station?", "Reply")
    preview = alice_chat.page.get_by_test_id("reply-preview")
    await expect(preview).to_contain_text("Bob")
    await expect(preview).to_contain_text("Shall we meet at the station?")
    await alice_chat.send("The station, 9:00")
    await expect(preview).to_be_hidden()

    for chat in (alice_chat, bob_chat):
        quote = chat.message("The station, 9:00").get_by_test_id("message-quote")
        await expect(quote).to_contain_text("Bob")
        await expect(quote).to_contain_text("Shall we meet at the station?")
        await expect(quote).not_to_contain_text("café")
    history = await site.history(bob, direct["id"])
    assert history[-1]["content"] == "The station, 9:00"

    # Cancel reply: the next message quotes nothing.
    await act_on(alice_chat, "Or at the café?", "Reply")
    await alice_chat.page.get_by_role("button", name="Cancel reply").click()
    await expect(preview).to_be_hidden()
    await alice_chat.send("See you")
    await expect(bob_chat.message("See you")).to_be_visible()
    await expect(bob_chat.message("See you").get_by_test_id("message-quote")).to_have_count(0)


async def test_an_edit_shows_live_with_an_edited_mark_and_is_offered_only_for_own_messages(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Dinner at 8?")
    alice_chat = await Shell(await site.device(alice)).open(direct["id"])
    bob_chat = await Shell(await site.device(bob)).open(direct["id"])
    await alice_chat.send("See you at 7")
    await expect(bob_chat.message("See you at 7")).to_be_visible()

    # Bob's message offers Reply but no Edit to Alice.
    bobs = alice_chat.message("Dinner at 8?")
    await bobs.hover()
    await expect(bobs.get_by_role("button", name="Reply")).to_be_visible()
    await expect(bobs.get_by_role("button", name="Edit")).to_have_count(0)
    await expect(bobs.get_by_role("button", name="Delete")).to_have_count(0)

    await act_on(alice_chat, "See you at 7", "Edit")
    await expect(alice_chat.page.get_by_test_id("edit-banner")).to_contain_text("Editing")
    await expect(alice_chat.composer).to_have_value("See you at 7")
    await alice_chat.composer.fill("See you at 8")
    await alice_chat.composer.press("Enter")
    await expect(alice_chat.page.get_by_test_id("edit-banner")).to_be_hidden()
    await expect(alice_chat.composer).to_have_value("")

    for chat in (alice_chat, bob_chat):
        await expect(chat.message("See you at 8").get_by_test_id("message-edited")).to_have_text(
            "edited"
        )
        await expect(chat.message("See you at 7")).to_have_count(0)
        await expect(chat.messages).to_have_count(2)  # edited in place, not a new message
    await expect(bob_chat.message("Dinner at 8?").get_by_test_id("message-edited")).to_have_count(0)
    history = await site.history(alice, direct["id"])
    assert [m["content"] for m in history] == ["Dinner at 8?", "See you at 8"]


async def test_a_deleted_message_becomes_a_tombstone_in_place_and_quotes_of_it_say_deleted(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Morning!")
    alice_chat = await Shell(await site.device(alice)).open(direct["id"])
    bob_chat = await Shell(await site.device(bob)).open(direct["id"])
    await alice_chat.send("My PIN is 1234")
    await act_on(bob_chat, "My PIN is 1234", "Reply")
    await bob_chat.send("You should not post that")
    await expect(alice_chat.message("You should not post that")).to_be_visible()
    before = [m["seq"] for m in await alice_chat.shown()]
    assert len(before) == 3

    await act_on(alice_chat, "My PIN is 1234", "Delete")

    for chat in (alice_chat, bob_chat):
        await expect(tombstones(chat)).to_have_count(1)
        await expect(tombstones(chat).get_by_test_id("message-content")).to_have_text(DELETED)
        await expect(chat.log).not_to_contain_text("1234")
        await expect(chat.messages.get_by_test_id("message-content")).to_have_text(
            ["Morning!", DELETED, "You should not post that"]
        )
        assert [m["seq"] for m in await chat.shown()] == before
        quote = chat.message("You should not post that").get_by_test_id("message-quote")
        await expect(quote).to_contain_text("Alice")
        await expect(quote).to_contain_text(DELETED)
    # A tombstone offers nothing more to do.
    await tombstones(alice_chat).hover()
    await expect(tombstones(alice_chat).get_by_role("button")).to_have_count(0)
    history = await site.history(bob, direct["id"])
    assert history[1]["deletedAt"] is not None
    assert history[1]["content"] == ""


async def test_a_run_of_one_senders_messages_shows_one_name_and_avatar_under_today(
    site: Site,
) -> None:
    alice = await site.person("alice")
    bob, carol = await site.person("bob"), await site.person("carol")
    group = await create(
        site.api, alice.account, "GROUP", bob.account, carol.account, title="Hikers"
    )
    for sender, content in [
        (bob, "Saturday?"),
        (bob, "Weather looks good"),
        (bob, "Start 8:00"),
        (carol, "I'm in"),
        (bob, "Great"),
    ]:
        await send(site.api, sender.account, group["id"], content)
    chat = await Shell(await site.device(alice)).open(group["id"])
    await chat.send("Me too")

    await expect(chat.messages).to_have_count(6)
    separators = chat.log.get_by_test_id("day-separator")
    await expect(separators).to_have_text(["Today"])
    senders = chat.messages.get_by_test_id("message-sender")
    await expect(senders).to_have_text(["Bob", "Carol", "Bob"])  # first of each run only
    await expect(chat.message("Saturday?").get_by_test_id("message-sender")).to_have_count(1)
    await expect(chat.message("Start 8:00").get_by_test_id("message-sender")).to_have_count(0)
    await expect(chat.message("Saturday?").get_by_test_id("avatar")).to_have_count(1)
    await expect(chat.message("Weather looks good").get_by_test_id("avatar")).to_have_count(0)
    await expect(chat.message("Start 8:00").get_by_test_id("avatar")).to_have_count(0)
    await expect(chat.message("I'm in").get_by_test_id("avatar")).to_have_count(1)
    # Own messages: on the right, no name.
    await expect(chat.message("Me too")).to_have_attribute("data-own", "true")
    await expect(chat.message("Me too").get_by_test_id("message-sender")).to_have_count(0)
    # The separator comes before the first message.
    first = chat.log.locator('[data-testid="day-separator"], [data-testid="message"]').first
    await expect(first).to_have_attribute("data-testid", "day-separator")


async def test_a_direct_message_started_from_search_opens_the_same_conversation_again(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    await site.person("bobby", "Bobby Tables")
    page = await site.device(alice)
    shell = Shell(page)
    await expect(page.get_by_test_id("conversations-empty")).to_be_visible()

    async def message_bob() -> str:
        await page.get_by_role("button", name="New conversation").click()
        dialog = page.get_by_role("dialog", name="New conversation")
        await expect(dialog.get_by_role("radio", name="Direct message")).to_be_checked()
        await dialog.get_by_label("Search people").fill("bob")
        await expect(dialog.get_by_role("option")).to_have_count(2)  # bob and bobby
        await dialog.get_by_role("option", name="Bob @bob", exact=True).click()
        await dialog.get_by_role("button", name="Create").click()
        await expect(dialog).to_be_hidden()
        await expect(Chat(page).title).to_have_text("Bob")
        await expect(page).to_have_url(re.compile(r"/c/[^/]+$"))
        return page.url.rsplit("/", 1)[1]

    direct_id = await message_bob()
    chat = Chat(page)
    await chat.send("Hi Bob, it's Alice")
    await expect(chat.message("Hi Bob, it's Alice")).to_have_attribute(
        "data-status", re.compile("^(sent|delivered|read)$")
    )
    bob_shell = Shell(await site.device(bob))
    await expect(bob_shell.rows).to_have_count(1)
    await expect(bob_shell.row(direct_id).get_by_test_id("conversation-title")).to_have_text(
        "Alice"
    )

    await page.goto("/")
    assert await message_bob() == direct_id
    await expect(chat.message("Hi Bob, it's Alice")).to_be_visible()
    await expect(shell.rows).to_have_count(1)
    assert [m["content"] for m in await site.history(alice, direct_id)] == ["Hi Bob, it's Alice"]
