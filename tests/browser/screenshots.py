"""The README's screenshots of the web client, taken from a seeded conversation:

    .venv/bin/python -m tests.browser.screenshots [DIRECTORY]   # default docs/screenshots

It serves a fresh embedded Tidings (a temporary SQLite file) with ``tidings serve``, seeds a
group and two direct chats through the API (reactions, a mention, a pinned group and a
muted chat among them), and has Debian's Chromium photograph the sign-in
screen and the chat, light and dark, desktop and mobile. test_screenshots.py runs the same
code into a temporary directory, so it stays working.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import Page, async_playwright, expect

from tests.browser.chromium import launch
from tests.browser.screens import Shell
from tests.browser.site import Person, Site
from tests.conftest import TEST_SECRET, TEST_SETTINGS
from tests.support.chat import create, mark_read, send
from tests.support.cluster import PROJECT_ROOT, run_instance
from tidings.migrate import upgrade
from tidings.settings import Settings

__all__ = ["DEFAULT_DIRECTORY", "LAYOUTS", "THEMES", "take_screenshots"]

THEMES = ("light", "dark")
LAYOUTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "mobile": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
DEFAULT_DIRECTORY = PROJECT_ROOT / "docs" / "screenshots"

_TRIP = [
    ("bob", "Cabin is booked for Friday to Sunday!"),
    ("carol", "Amazing! Who's driving?"),
    ("alice", "I can take four people and the bikes"),
    ("dan", "@alice count me in. I'll bring the board games"),
    ("carol", "Should we leave at 5 to skip the traffic?"),
    ("alice", "5 works for me"),
    ("bob", "Same. I'll sort out groceries on Thursday"),
    ("alice", "Perfect, see you all Friday!"),
]


async def _seed(site: Site) -> tuple[Person, str]:
    """Alice's inbox: the trip group (her view), and two direct chats."""
    alice = await site.person("alice", "Alice Martin")
    bob = await site.person("bob", "Bob Chen")
    carol = await site.person("carol", "Carol Diaz")
    dan = await site.person("dan", "Dan Okafor")
    people = {"alice": alice, "bob": bob, "carol": carol, "dan": dan}
    direct_dan = await create(site.api, alice.account, "DIRECT", dan.account)
    await send(site.api, dan.account, direct_dan["id"], "Did you get the tickets?")
    direct_carol = await create(site.api, alice.account, "DIRECT", carol.account)
    await send(site.api, alice.account, direct_carol["id"], "Thanks for yesterday!")
    await send(site.api, carol.account, direct_carol["id"], "Anytime 😊")
    trip = await create(
        site.api, alice.account, "GROUP", bob.account, carol.account, dan.account,
        title="Weekend trip",
    )  # fmt: skip
    last: dict[str, Any] = {}
    for username, content in _TRIP:
        last = await send(site.api, people[username].account, trip["id"], content)
    for reader in (bob, carol):
        await mark_read(site.api, reader.account, trip["id"], last["id"])
    await send(site.api, bob.account, trip["id"], "Bringing snacks too")
    for who, emoji in ((bob, "🎉"), (carol, "🎉"), (dan, "❤️")):
        await site.api.data(
            _REACT, {"id": last["id"], "emoji": emoji}, token=who.account.access_token
        )
    for change, conversation in ((_PIN, trip["id"]), (_MUTE, direct_dan["id"])):
        await site.api.data(change, {"id": conversation}, token=alice.account.access_token)
    return alice, trip["id"]


_REACT = """
mutation React($id: ID!, $emoji: String!) { addReaction(messageId: $id, emoji: $emoji) { id } }
"""
_PIN = "mutation Pin($id: ID!) { pinConversation(conversationId: $id) { id } }"
_MUTE = "mutation Mute($id: ID!) { muteConversation(conversationId: $id) { id } }"


async def _set_theme(page: Page, theme: str) -> None:
    html = page.locator("html")
    if await html.get_attribute("data-theme") != theme:
        await page.get_by_role("button", name="Toggle theme").click()
    await expect(html).to_have_attribute("data-theme", theme)


async def _shoot(page: Page, path: Path) -> Path:
    await page.mouse.move(0, 0)  # no hover actions showing on whatever the pointer was over
    await page.screenshot(path=path, animations="disabled", caret="hide")
    return path


async def take_screenshots(site: Site, directory: Path) -> list[Path]:
    """Seed ``site`` and write the screenshots into (existing) ``directory``; return their
    paths."""
    alice, trip = await _seed(site)
    shots: list[Path] = []
    for theme in THEMES:
        for layout, options in LAYOUTS.items():
            context = await site.context(color_scheme=theme, **options)
            page = await context.new_page()
            await page.goto("/")
            await expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
            if layout == "desktop":
                shots.append(await _shoot(page, directory / f"sign-in-{theme}.png"))
            await page.close()
            page = await site.sign_in(context, alice)
            await _set_theme(page, theme)
            shell = Shell(page)
            await shell.expect_online()
            if layout == "mobile":
                await expect(shell.rows).to_have_count(3)
                shots.append(await _shoot(page, directory / f"{layout}-{theme}-list.png"))
            chat = await shell.open(trip)
            await expect(chat.message("Bringing snacks too")).to_be_in_viewport()
            shots.append(await _shoot(page, directory / f"{layout}-{theme}-chat.png"))
            await context.close()
            site.contexts.remove(context)
    return shots


async def _main(directory: Path) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        database = f"sqlite+aiosqlite:///{Path(temporary) / 'screenshots.db'}"
        await asyncio.to_thread(upgrade, database)
        bundle = os.environ.get("TIDINGS_TEST_WEB_DIST")  # as in the tests: a bundle elsewhere
        where: dict[str, Any] = {"web_dist_dir": bundle} if bundle else {}
        settings = Settings(database_url=database, jwt_secret=TEST_SECRET, **TEST_SETTINGS, **where)
        async with (
            run_instance(settings, log_dir=Path(temporary)) as instance,
            async_playwright() as playwright,
        ):
            browser = await launch(playwright)
            try:
                async with Site.open(instance, browser) as site:
                    for path in await take_screenshots(site, directory):
                        print(path)
            finally:
                await browser.close()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIRECTORY
    target.mkdir(parents=True, exist_ok=True)
    asyncio.run(_main(target))
