"""One person on two devices (two browser contexts): each follows what the other does
(issue 12, item 5: "the user's other devices follow")."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.screens import Shell, preview_of
from tests.browser.site import Site
from tests.support.chat import create, send

pytestmark = pytest.mark.browser


async def test_reading_on_one_device_clears_the_badge_on_the_other_live(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Did you see the news?")
    laptop, phone = Shell(await site.device(alice)), Shell(await site.device(alice))
    for shell in (laptop, phone):
        await expect(shell.row(direct["id"]).get_by_test_id("unread-badge")).to_have_text("1")
    # Right after the lists loaded, whether or not the live feed is listening yet: it resumes
    # after what the list holds, so the badge counts it on both devices.
    await send(site.api, bob.account, direct["id"], "Call me")
    for shell in (laptop, phone):
        await expect(shell.row(direct["id"]).get_by_test_id("unread-badge")).to_have_text("2")

    chat = await laptop.open(direct["id"])
    await expect(chat.message("Call me")).to_be_visible()
    for shell in (laptop, phone):
        await expect(shell.row(direct["id"]).get_by_test_id("unread-badge")).to_have_count(0)

    # A new message while the phone is on its list: unread there until read on the laptop.
    await send(site.api, bob.account, direct["id"], "Now?")
    await expect(chat.message("Now?")).to_be_visible()
    await expect(phone.row(direct["id"]).get_by_test_id("conversation-preview")).to_have_text(
        preview_of("Now?")
    )
    await expect(phone.row(direct["id"]).get_by_test_id("unread-badge")).to_have_count(0)


async def test_a_message_sent_on_one_device_shows_on_the_other_as_own(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Where are you?")
    laptop, phone = Shell(await site.device(alice)), Shell(await site.device(alice))
    laptop_chat = await laptop.open(direct["id"])
    phone_chat = await phone.open(direct["id"])

    await phone_chat.send("On the train")
    await expect(laptop_chat.message("On the train")).to_have_attribute("data-own", "true")
    await expect(laptop_chat.message("Where are you?")).to_have_attribute("data-own", "false")
    await expect(
        laptop_chat.message("On the train").get_by_test_id("message-ticks")
    ).to_be_visible()
    await expect(laptop.row(direct["id"]).get_by_test_id("conversation-preview")).to_have_text(
        "You: On the train"
    )
    await expect(laptop.row(direct["id"]).get_by_test_id("unread-badge")).to_have_count(0)
    # The right side: an own bubble sits further right than the other person's.
    own = await laptop_chat.message("On the train").locator(".bubble").bounding_box()
    other = await laptop_chat.message("Where are you?").locator(".bubble").bounding_box()
    assert own is not None
    assert other is not None
    assert own["x"] + own["width"] > other["x"] + other["width"]
    await expect(phone_chat.messages.get_by_test_id("message-content")).to_have_text(
        ["Where are you?", "On the train"]
    )
    await expect(laptop_chat.messages.get_by_test_id("message-content")).to_have_text(
        ["Where are you?", "On the train"]
    )
