"""Every error state of a send, as the user sees it (issue 12, item 7; the RFC's §4.3):
rate limited, too large, slow to confirm, session ended, access lost."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.network import Network
from tests.browser.screens import Shell
from tests.browser.sessions import stored_access_token
from tests.browser.site import Site, StartSite
from tests.support.chat import REMOVE_PARTICIPANT, create

pytestmark = pytest.mark.browser

STORED = re.compile(r"^(sent|delivered|read)$")
LOGOUT = "mutation { logout }"


async def test_a_rate_limited_send_waits_retry_after_then_goes_out(
    start_site: StartSite,
) -> None:
    site = await start_site(rate_limit_send_message="2/5 seconds")
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    page = await site.device(alice)
    chat = await Shell(page).open(direct["id"])

    # Four at once: the limit's sliding window weighs the window before, so a boundary
    # between the sends can let a third through, never a fourth.
    contents = ["one", "two", "three", "four"]
    for content in contents:
        await chat.send(content)
    notice = page.get_by_test_id("rate-limit-notice")
    await expect(notice).to_have_text(re.compile(r"^Sending too fast — retrying in \d+ s$"))
    await expect(chat.message("four")).to_have_attribute("data-status", "pending")
    # It goes out by itself once the window has passed, and the notice goes.
    await expect(chat.message("four")).to_have_attribute("data-status", STORED)
    await expect(notice).to_be_hidden()
    history = await site.history(alice, direct["id"])
    assert [m["content"] for m in history] == contents
    await expect(chat.messages.get_by_test_id("message-content")).to_have_text(contents)


async def test_a_too_long_message_is_refused_inline_and_its_text_kept(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    page = await site.device(alice)
    chat = await Shell(page).open(direct["id"])
    counter = page.get_by_test_id("char-counter")

    await chat.composer.fill("a" * 3_799)
    await expect(counter).to_be_hidden()
    await chat.composer.fill("a" * 3_850)
    await expect(counter).to_have_text("3,850 / 4,000")

    too_long = ("All the details of the trip, once more. " * 101)[:4_012]
    await chat.send(too_long)
    failed = chat.message(too_long)
    await expect(failed).to_have_attribute("data-status", "failed")
    await expect(chat.ticks(too_long)).to_have_attribute("aria-label", "Not sent")
    await expect(
        page.get_by_role("alert").filter(has_text=re.compile("too long", re.I))
    ).to_be_visible()
    await expect(chat.composer).to_have_value(too_long)
    assert await site.history(alice, direct["id"]) == []

    # The limit counts characters as the server does: 4,000 emoji are 4,000 characters.
    fits = "🙂" * 4_000
    await chat.send(fits)
    await expect(chat.message(fits)).to_have_attribute("data-status", STORED)
    assert [m["content"] for m in await site.history(alice, direct["id"])] == [fits]

    # A composer of only spaces sends nothing (the server would refuse it as empty).
    await chat.send("   ")
    await expect(chat.messages).to_have_count(2)
    assert len(await site.history(alice, direct["id"])) == 1


async def test_a_slow_send_offers_cancel_and_retry_after_three_seconds(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    context = await site.context()
    network = await Network.install(context)
    page = await site.sign_in(context, alice)
    chat = await Shell(page).open(direct["id"])
    bob_chat = await Shell(await site.device(bob)).open(direct["id"])
    slow = "Taking longer than usual"

    # Cancel: the send never reached the server and is gone, also after a reload.
    network.holding = True
    await chat.send("never mind")
    await expect(chat.message("never mind")).to_contain_text(slow)
    await chat.message("never mind").get_by_role("button", name="Cancel").click()
    await expect(chat.message("never mind")).to_have_count(0)
    await network.drop_held()
    await page.reload()
    await expect(chat.composer).to_be_visible()
    await chat.send("sync point")
    await expect(bob_chat.message("sync point")).to_be_visible()
    await expect(chat.message("never mind")).to_have_count(0)

    # Retry: the second attempt goes through; the first, arriving late, changes nothing.
    network.holding = True
    await chat.send("are you coming?")
    await expect(chat.message("are you coming?")).to_contain_text(slow)
    held = network.held
    assert held >= 1
    network.holding = False
    await chat.message("are you coming?").get_by_role("button", name="Retry").click()
    await expect(chat.message("are you coming?")).to_have_attribute("data-status", STORED)
    await expect(chat.message("are you coming?")).not_to_contain_text(slow)
    await network.release()
    await expect(bob_chat.message("are you coming?")).to_have_count(1)
    history = await site.history(alice, direct["id"])
    assert [m["content"] for m in history] == ["sync point", "are you coming?"]
    await expect(chat.messages.get_by_test_id("message-content")).to_have_text(
        ["sync point", "are you coming?"]
    )
    await expect(bob_chat.messages.get_by_test_id("message-content")).to_have_text(
        ["sync point", "are you coming?"]
    )


async def test_a_session_that_ends_returns_to_sign_in(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    page = await site.device(alice)
    await Shell(page).open(direct["id"])

    # The session is logged out elsewhere (e.g. "log out everywhere" on another device).
    token = await stored_access_token(page)
    assert (await site.api.data(LOGOUT, token=token))["logout"] is True

    await expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    await expect(page.get_by_role("alert")).to_have_text(
        "Your session ended. Please sign in again."
    )
    await expect(page.get_by_role("heading", name="Alice", exact=True)).to_be_hidden()


async def test_removed_from_a_group_the_conversation_goes(site: Site) -> None:
    alice, bob, carol = (
        await site.person("alice"),
        await site.person("bob"),
        await site.person("carol"),
    )
    group = await create(
        site.api, carol.account, "GROUP", alice.account, bob.account, title="Plans"
    )
    context = await site.context()
    network = await Network.install(context)
    page = await site.sign_in(context, alice)
    shell = Shell(page)
    chat = await shell.open(group["id"])
    await expect(chat.title).to_have_text("Plans")

    # Alice is offline when Carol removes her, and types a message meanwhile.
    await network.go_offline()
    await site.api.data(
        REMOVE_PARTICIPANT,
        {"conversationId": group["id"], "userId": alice.id},
        token=carol.token,
    )
    await chat.send("Count me in!")
    await network.go_online()

    await expect(page.get_by_test_id("chat-gone")).to_contain_text(
        "You are no longer in this conversation"
    )
    await expect(shell.row(group["id"])).to_have_count(0)
    assert [m["content"] for m in await site.history(carol, group["id"])] == []
