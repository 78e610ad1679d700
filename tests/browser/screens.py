"""The web client's screens as WEB_CONTRACT.md names them (roles, labels, test ids), so the
tests read like what a user sees and does."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.browser.site import exactly

__all__ = ["Chat", "Shell", "preview_of"]


def preview_of(content: str) -> re.Pattern[str]:
    """A conversation row's preview of ``content``: the text, perhaps after who sent it
    ("You: ", "Bob: "), as chat apps show it."""
    return re.compile(rf"^\s*([^:]+: )?{re.escape(content)}\s*$")


class Shell:
    """The signed-in frame: sidebar, conversation list, connection bar."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.conversations = page.get_by_role("list", name="Conversations")
        self.rows = self.conversations.get_by_test_id("conversation-row")
        self.connection_bar = page.get_by_test_id("connection-bar")

    def row(self, conversation_id: str) -> Locator:
        return self.page.locator(
            f'[data-testid="conversation-row"][data-conversation-id="{conversation_id}"]'
        )

    def row_titled(self, title: str) -> Locator:
        return self.rows.filter(
            has=self.page.get_by_test_id("conversation-title").filter(has_text=exactly(title))
        )

    async def open(self, conversation_id: str) -> Chat:
        """Click the conversation in the list and wait for its chat."""
        await self.row(conversation_id).click()
        await expect(self.page).to_have_url(re.compile(rf"/c/{re.escape(conversation_id)}$"))
        chat = Chat(self.page)
        await expect(chat.root).to_be_visible()
        return chat

    async def expect_online(self, within_ms: float | None = None) -> None:
        """The connection bar says nothing: the socket is up."""
        await expect(self.connection_bar).to_have_attribute(
            "data-state", "online", timeout=within_ms
        )
        await expect(self.connection_bar).to_be_hidden()


class Chat:
    """One open conversation: header, message log, composer."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.get_by_test_id("chat")
        self.title = page.get_by_test_id("chat-title")
        self.status = page.get_by_test_id("chat-status")
        self.log = page.get_by_role("log", name="Messages")
        self.messages = self.log.get_by_test_id("message")
        self.composer = page.get_by_role("textbox", name="Message", exact=True)
        self.typing = page.get_by_test_id("typing-indicator")

    def message(self, content: str) -> Locator:
        """The message whose text is exactly ``content``."""
        return self.messages.filter(
            has=self.page.get_by_test_id("message-content").filter(has_text=exactly(content))
        )

    def ticks(self, content: str) -> Locator:
        return self.message(content).get_by_test_id("message-ticks")

    async def send(self, content: str) -> None:
        """Type ``content`` and press Enter, as a user does."""
        await self.composer.fill(content)
        await self.composer.press("Enter")

    async def expect_status(self, content: str, status: str, ticks: str) -> None:
        """An own message's data-status and its ticks' accessible label."""
        await expect(self.message(content)).to_have_attribute("data-status", status)
        await expect(self.ticks(content)).to_have_attribute("aria-label", ticks)

    async def shown(self) -> list[dict[str, Any]]:
        """Every message in the log, top to bottom: seq (None until stored), text, status."""
        shown: list[dict[str, Any]] = await self.messages.evaluate_all(
            """elements => elements.map(element => ({
                seq: element.dataset.seq ? Number(element.dataset.seq) : null,
                content: element.querySelector('[data-testid="message-content"]')
                    ?.textContent.trim() ?? null,
                status: element.dataset.status ?? null,
                own: element.dataset.own === "true",
            }))"""
        )
        return shown

    async def contents(self) -> list[str]:
        return [message["content"] for message in await self.shown()]

    async def scroll_to_top(self) -> None:
        """Scroll the log's scrolling box (the log or the nearest ancestor that scrolls) up."""
        await self.log.evaluate(
            """log => {
                let box = log;
                while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
                (box ?? document.scrollingElement).scrollTop = 0;
            }"""
        )


# Helpers added for the message-action, error-state and device tests.


async def act_on(chat: Chat, content: str, action: str) -> None:
    """Hover the message ``content`` and press one of its actions ("Reply", "Edit",
    "Delete"), as a user does with the mouse; Delete is confirmed with "Delete message"."""
    message = chat.message(content)
    await message.hover()
    await (
        message.get_by_role("toolbar", name="Message actions")
        .get_by_role("button", name=action, exact=True)
        .click()
    )
    if action == "Delete":
        await message.get_by_role("dialog").get_by_role("button", name="Delete message").click()


def tombstones(chat: Chat) -> Locator:
    """The deleted messages of the log."""
    return chat.messages.and_(chat.page.locator('[data-deleted="true"]'))
