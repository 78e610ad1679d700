"""Pin, mute and archive from a conversation's ⋯ menu, and the user's other device following
live (issue 16, item 4)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.screens import Shell
from tests.browser.site import Site
from tests.support.chat import RENAME_CONVERSATION, create, send

pytestmark = pytest.mark.browser


async def choose(shell: Shell, title: str, action: str) -> None:
    """Open the ⋯ menu of the row titled ``title`` and pick ``action``, as a user does."""
    row = shell.row_titled(title)
    await row.hover()
    await row.get_by_role("button", name=f"Actions for {title}").click()
    await shell.page.get_by_role("menuitem", name=action, exact=True).click()


async def test_pin_mute_and_archive_on_one_device_show_on_the_other_live(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    groups = {}
    for title in ("Plans", "Lunch", "Trip"):
        groups[title] = await create(site.api, alice.account, "GROUP", bob.account, title=title)
    laptop, phone = Shell(await site.device(alice)), Shell(await site.device(alice))
    titles = phone.rows.get_by_test_id("conversation-title")
    await expect(titles).to_have_text(["Trip", "Lunch", "Plans"])
    # The phone's live feed is listening once it shows a rename made after it loaded.
    account = await site.account(alice)
    variables = {"conversationId": groups["Plans"]["id"], "title": "Plans!"}
    await site.api.data(RENAME_CONVERSATION, variables, token=account.access_token)
    await expect(titles).to_have_text(["Trip", "Lunch", "Plans!"])

    # Pinned: first on both, with a pin.
    await choose(laptop, "Plans!", "Pin")
    for shell in (laptop, phone):
        await expect(shell.rows.get_by_test_id("conversation-title")).to_have_text(
            ["Plans!", "Trip", "Lunch"]
        )
        await expect(shell.row_titled("Plans!").get_by_test_id("pinned-icon")).to_be_visible()

    # Muted: a muted icon on both.
    await choose(laptop, "Lunch", "Mute")
    await expect(phone.row_titled("Lunch").get_by_test_id("muted-icon")).to_be_visible()
    await expect(phone.row_titled("Trip").get_by_test_id("muted-icon")).to_have_count(0)

    # Archived: gone from both lists, in the phone's Archived view, unarchived from there.
    await choose(laptop, "Trip", "Archive")
    for shell in (laptop, phone):
        await expect(shell.rows.get_by_test_id("conversation-title")).to_have_text(
            ["Plans!", "Lunch"]
        )
    await phone.page.get_by_role("button", name="Archived").click()
    archived = phone.page.get_by_role("list", name="Archived conversations")
    await expect(archived.get_by_test_id("conversation-title")).to_have_text(["Trip"])
    await choose(phone, "Trip", "Unarchive")
    await expect(archived.get_by_test_id("conversation-title")).to_have_count(0)
    await phone.page.get_by_role("button", name="← Chats").click()
    for shell in (laptop, phone):
        await expect(shell.rows.get_by_test_id("conversation-title")).to_have_text(
            ["Plans!", "Trip", "Lunch"]
        )

    # Archived again, then a message from Bob brings it back (it is not muted). The laptop
    # shows the archive at once (optimistic); the phone, once the server has it.
    await choose(laptop, "Trip", "Archive")
    for shell in (laptop, phone):
        await expect(shell.rows.get_by_test_id("conversation-title")).to_have_text(
            ["Plans!", "Lunch"]
        )
    await send(site.api, await site.account(bob), groups["Trip"]["id"], "Tickets booked")
    for shell in (laptop, phone):
        await expect(shell.rows.get_by_test_id("conversation-title")).to_have_text(
            ["Plans!", "Trip", "Lunch"]
        )
