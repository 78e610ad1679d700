"""Message search in the web client: the search box, results with their matches marked (as
text), and a result that opens its conversation scrolled to the message, older pages loaded
to reach it."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.screens import Chat, Shell
from tests.browser.site import Site
from tests.support.chat import create, send

pytestmark = pytest.mark.browser

EARLIER = 80
LATER = 300  # several pages back: the match is on a page of its own


async def test_a_search_result_opens_the_conversation_at_the_message_highlighted(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    group = await create(site.api, bob.account, "GROUP", alice.account, title="Zoo trip")
    for number in range(1, EARLIER + 1):  # seeded through the API: the UI is not under test
        await send(site.api, alice.account, direct["id"], f"before {number}")
    await send(site.api, alice.account, direct["id"], "the <b>zebra</b> escaped yesterday")
    for number in range(1, LATER + 1):
        await send(site.api, alice.account, direct["id"], f"filler {number}")
    await send(site.api, bob.account, group["id"], "no zebra at the zoo today")

    page = await site.device(bob)
    shell = Shell(page)
    await expect(shell.rows).to_have_count(2)
    await page.get_by_role("searchbox", name="Search messages").fill("zebra")

    results = page.get_by_test_id("search-result")
    await expect(results).to_have_count(2)
    await expect(shell.conversations).to_be_hidden()  # the results stand in for the list
    hit = results.filter(has=page.get_by_test_id("search-result-conversation").filter(
        has_text=re.compile(r"^\s*Alice\s*$")
    ))  # fmt: skip
    await expect(hit.get_by_test_id("search-result-sender")).to_have_text("Alice")
    snippet = hit.get_by_test_id("search-result-snippet")
    await expect(snippet).to_have_text("the <b>zebra</b> escaped yesterday")  # text, not HTML
    await expect(snippet.locator("mark")).to_have_text(["zebra"])
    await expect(snippet.locator("b")).to_have_count(0)

    await hit.get_by_role("button").click()

    await expect(page).to_have_url(re.compile(rf"/c/{re.escape(direct['id'])}$"))
    chat = Chat(page)
    target = chat.message("the <b>zebra</b> escaped yesterday")
    await expect(target).to_be_in_viewport()
    await expect(target).to_have_attribute("data-jumped", "true")
    await expect(chat.message(f"filler {LATER}")).not_to_be_in_viewport()
    # The messages between it and the newest fill in below it, with no gap, and it stays put.
    for number in range(1, LATER + 1):  # filled in page by page, in the background
        await expect(chat.message(f"filler {number}")).to_have_count(1)
    seqs = [message["seq"] for message in await chat.shown()]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert seqs[0] <= EARLIER + 1 - 40  # the messages before it are there too
    assert seqs[-1] == EARLIER + 1 + LATER
    await expect(target).to_be_in_viewport()

    # Clearing the search brings the list back.
    await page.get_by_role("searchbox", name="Search messages").fill("")
    await expect(shell.conversations).to_be_visible()
    await expect(results).to_have_count(0)
