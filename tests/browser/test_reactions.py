"""Reacting to a message in the web client: the picker, the counts under the message, the
viewer's own reaction pressed, a click taking it back, and the other person seeing it live."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.screens import Shell, act_on
from tests.browser.site import Site
from tests.support.chat import create, send

pytestmark = pytest.mark.browser


async def test_a_reaction_is_seen_live_by_the_other_person_and_can_be_taken_back(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    message = await send(site.api, bob.account, direct["id"], "Pizza tonight?")
    alice_chat = await Shell(await site.device(alice)).open(direct["id"])
    bob_chat = await Shell(await site.device(bob)).open(direct["id"])

    await act_on(alice_chat, "Pizza tonight?", "React")
    picker = alice_chat.page.get_by_role("menu", name="Pick a reaction")
    await picker.get_by_role("menuitem", name="React with 👍").click()
    await expect(picker).to_be_hidden()

    alices = alice_chat.message("Pizza tonight?").get_by_test_id("reaction")
    bobs = bob_chat.message("Pizza tonight?").get_by_test_id("reaction")
    await expect(alices).to_have_count(1)
    await expect(alices).to_have_attribute("aria-pressed", "true")
    await expect(alices.get_by_test_id("reaction-count")).to_have_text("1")
    # Bob sees it without reloading, not pressed: it is Alice's.
    await expect(bobs).to_have_count(1)
    await expect(bobs).to_have_attribute("data-emoji", "👍")
    await expect(bobs).to_have_attribute("aria-pressed", "false")
    await expect(bobs).to_have_attribute("title", "Alice")

    # Bob joins by clicking the chip; both see two.
    await bobs.click()
    for chip in (alices, bobs):
        await expect(chip.get_by_test_id("reaction-count")).to_have_text("2")
    await expect(bobs).to_have_attribute("aria-pressed", "true")

    # Alice takes hers back: one left, Bob's.
    await alices.click()
    for chip in (alices, bobs):
        await expect(chip.get_by_test_id("reaction-count")).to_have_text("1")
    await expect(alices).to_have_attribute("aria-pressed", "false")
    stored = await site.api.data(
        "query($id: ID!) { message(id: $id) { reactions { emoji count users { username } } } }",
        {"id": message["id"]},
        token=await site.token(alice),
    )
    assert stored["message"]["reactions"] == [
        {"emoji": "👍", "count": 1, "users": [{"username": "bob"}]}
    ]
