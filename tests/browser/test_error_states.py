"""The list and the chat when the server cannot answer (issue 12, items 3 and 4): errors with
a Retry that works once it is back, skeletons while answers are held (a hung server, stopped
with SIGSTOP, not a mocked response), the empty state, and edits and deletions that fail
without losing anything."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.network import Network
from tests.browser.screens import Chat, Shell, act_on, tombstones
from tests.browser.site import Site, evict_offline_cache, server_hung
from tests.support.chat import create, send

pytestmark = pytest.mark.browser


async def test_a_new_user_sees_the_empty_conversation_list(site: Site) -> None:
    alice = await site.person("alice")
    page = await site.device(alice)
    empty = page.get_by_test_id("conversations-empty")
    await expect(empty).to_contain_text("No conversations yet")
    await expect(page.get_by_test_id("skeleton")).to_have_count(0)
    await expect(page.get_by_role("alert")).to_have_count(0)


async def test_a_list_that_cannot_load_shows_an_error_and_retry_loads_it_once_the_server_answers(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Hello from Bob")
    context = await site.context()
    network = await Network.install(context)
    page = await site.sign_in(context, alice)
    shell = Shell(page)
    await expect(shell.row(direct["id"])).to_be_visible()

    # The device has nothing cached, and the server cannot be reached when the app opens.
    await evict_offline_cache(page, alice)
    await network.cut()
    await page.goto("/")
    alert = page.get_by_role("alert").filter(has_text="Couldn't load your conversations")
    await expect(alert).to_be_visible()
    await expect(page.get_by_test_id("conversations-empty")).to_have_count(0)

    # Reachable again but slow to answer: Retry asks again and shows skeletons meanwhile.
    async with server_hung(site):
        network.restore()
        await alert.get_by_role("button", name="Retry").click()
        await expect(page.get_by_test_id("skeleton").first).to_be_visible()
        await expect(alert).to_be_hidden()
    await expect(shell.row(direct["id"])).to_be_visible()
    await expect(page.get_by_test_id("skeleton")).to_have_count(0)
    await expect(shell.row(direct["id"]).get_by_test_id("conversation-preview")).to_contain_text(
        "Hello from Bob"
    )


async def test_a_chat_whose_history_cannot_load_shows_an_error_and_retry_loads_it(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Are you free tonight?")
    context = await site.context()
    network = await Network.install(context)
    page = await site.sign_in(context, alice)
    shell = Shell(page)
    await expect(shell.row(direct["id"])).to_be_visible()

    await network.cut()
    chat = await shell.open(direct["id"])  # never opened here: its history is not cached
    alert = chat.root.get_by_role("alert").filter(has_text="Couldn't load messages")
    await expect(alert).to_be_visible()
    await expect(chat.root.get_by_test_id("skeleton")).to_have_count(0)

    async with server_hung(site):
        network.restore()
        await alert.get_by_role("button", name="Retry").click()
        await expect(alert).to_be_hidden()
    await expect(chat.message("Are you free tonight?")).to_be_visible()
    await expect(chat.root.get_by_role("alert")).to_have_count(0)


async def test_skeletons_show_while_a_chat_history_is_held_back(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Loaded at last")
    page = await site.device(alice)
    shell = Shell(page)
    await expect(shell.row(direct["id"])).to_be_visible()

    async with server_hung(site):
        await shell.row(direct["id"]).click()
        chat = Chat(page)
        await expect(chat.root.get_by_test_id("skeleton").first).to_be_visible()
        await expect(chat.messages).to_have_count(0)
    await expect(chat.message("Loaded at last")).to_be_visible()
    await expect(chat.root.get_by_test_id("skeleton")).to_have_count(0)


async def test_an_edit_that_fails_shows_an_error_and_keeps_the_text_to_save_again(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    alice_chat = await Shell(await site.device(alice)).open(direct["id"])
    bob_chat = await Shell(await site.device(bob)).open(direct["id"])
    await alice_chat.send("Meet at 6")
    await expect(bob_chat.message("Meet at 6")).to_be_visible()

    await site.instance.stop()
    await act_on(alice_chat, "Meet at 6", "Edit")
    await alice_chat.composer.fill("Meet at 7")
    await alice_chat.composer.press("Enter")
    await expect(alice_chat.page.get_by_role("alert")).to_contain_text("Couldn't save the edit")
    await expect(alice_chat.composer).to_have_value("Meet at 7")
    await expect(alice_chat.page.get_by_test_id("edit-banner")).to_be_visible()
    await expect(alice_chat.message("Meet at 6")).to_be_visible()  # not shown as saved

    await site.instance.start_again()
    await alice_chat.composer.press("Enter")
    await expect(alice_chat.message("Meet at 7")).to_be_visible()
    await expect(alice_chat.page.get_by_role("alert")).to_have_count(0)
    await expect(bob_chat.message("Meet at 7").get_by_test_id("message-edited")).to_be_visible()
    assert [m["content"] for m in await site.history(bob, direct["id"])] == ["Meet at 7"]


async def test_a_delete_that_fails_shows_an_error_and_keeps_the_message(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    alice_chat = await Shell(await site.device(alice)).open(direct["id"])
    bob_chat = await Shell(await site.device(bob)).open(direct["id"])
    await alice_chat.send("Oops, wrong chat")
    await expect(bob_chat.message("Oops, wrong chat")).to_be_visible()

    await site.instance.stop()
    await act_on(alice_chat, "Oops, wrong chat", "Delete")
    await expect(alice_chat.page.get_by_role("alert")).to_contain_text("Couldn't delete")
    await expect(alice_chat.message("Oops, wrong chat")).to_be_visible()
    await expect(tombstones(alice_chat)).to_have_count(0)

    await site.instance.start_again()
    await act_on(alice_chat, "Oops, wrong chat", "Delete")
    for chat in (alice_chat, bob_chat):
        await expect(tombstones(chat)).to_have_count(1)
        await expect(chat.message("Oops, wrong chat")).to_have_count(0)
    await expect(alice_chat.page.get_by_role("alert")).to_have_count(0)
    history = await site.history(bob, direct["id"])
    assert history[0]["deletedAt"] is not None
