"""Scrolling back through a long conversation: older pages load with no gap or repeat, down
to the beginning (issue 12, item 7)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.screens import Shell
from tests.browser.site import Site
from tests.support.chat import create, send

pytestmark = pytest.mark.browser

MESSAGES = 300


async def test_scrolling_back_through_300_messages_has_no_gap_or_repeat(site: Site) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    for number in range(1, MESSAGES + 1):  # seeded through the API: the UI is not under test
        sender = alice if number % 3 else bob
        await send(site.api, sender.account, direct["id"], f"message {number}")
    history = await site.history(alice, direct["id"])
    content_of = {message["seq"]: message["content"] for message in history}
    assert len(content_of) == MESSAGES

    page = await site.device(alice)
    chat = await Shell(page).open(direct["id"])
    newest = chat.message(f"message {MESSAGES}")
    await expect(newest).to_be_in_viewport()
    history_start = page.get_by_test_id("history-start")

    seen: set[int] = set()
    for _ in range(MESSAGES // 10):  # bounded: a page of 10 or more each round
        shown = await chat.shown()
        seqs = [message["seq"] for message in shown]
        # Whatever part of the history is in the log, it is one unbroken run, in order,
        # each message with its own text.
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
        assert [message["content"] for message in shown] == [content_of[s] for s in seqs]
        seen.update(seqs)
        if seqs[0] == min(content_of):
            break
        await chat.scroll_to_top()
        await expect(chat.messages.first).not_to_have_attribute("data-seq", str(seqs[0]))
    assert seen == set(content_of)
    await expect(history_start).to_have_text("This is the beginning of the conversation")
    await expect(chat.message("message 1")).to_be_visible()

    jump = page.get_by_role("button", name="Jump to newest")
    await expect(jump).to_be_visible()
    await jump.click()
    await expect(newest).to_be_in_viewport()
    await expect(jump).to_be_hidden()
