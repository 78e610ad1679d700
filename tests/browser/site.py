"""A running Tidings site as the browser tests see it: the server process, an API client for
seeding, and browser contexts signed in as people (one context = one device).

People are registered through the real API; signing in goes through the web client's own
form, as a user would.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.support.api import Account, Api
from tests.support.chat import MESSAGES
from tests.support.cluster import Instance
from tests.support.presence import log_in

__all__ = ["Person", "Site", "StartSite", "exactly", "sign_in"]


@dataclass(frozen=True)
class Person:
    """A registered user, and the name the app shows for them."""

    account: Account
    name: str

    @property
    def id(self) -> str:
        return self.account.id

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def token(self) -> str:
        return self.account.access_token


async def sign_in(page: Page, person: Person) -> None:
    """Sign in through the app's form and wait for the signed-in shell."""
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    await page.get_by_label("Username or email").fill(person.username)
    await page.get_by_label("Password", exact=True).fill(person.account.password)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_role("heading", name=person.name, exact=True)).to_be_visible()


DESKTOP = {"width": 1280, "height": 800}


@dataclass
class Site:
    instance: Instance
    api: Api
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)

    @classmethod
    @asynccontextmanager
    async def open(cls, instance: Instance, browser: Browser) -> AsyncIterator[Site]:
        async with Api.connect(instance.http_url) as api:
            site = cls(instance, api, browser)
            try:
                yield site
            finally:
                for context in site.contexts:
                    await context.close()

    @property
    def url(self) -> str:
        return self.instance.http_url

    async def person(self, username: str, display_name: str | None = None) -> Person:
        name = display_name or username.capitalize()
        account = await self.api.register(username, display_name=name)
        return Person(account, name)

    async def context(self, **options: Any) -> BrowserContext:
        """A fresh browser profile (its own storage: another device) facing the site."""
        options.setdefault("viewport", DESKTOP)
        context = await self.browser.new_context(base_url=self.url, **options)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        return context

    async def device(self, person: Person, **options: Any) -> Page:
        """A new device (browser context) with ``person`` signed in."""
        return await self.sign_in(await self.context(**options), person)

    async def sign_in(self, context: BrowserContext, person: Person) -> Page:
        """A new tab in ``context`` with ``person`` signed in."""
        page = await context.new_page()
        await sign_in(page, person)
        return page

    async def token(self, person: Person) -> str:
        """A fresh access token of ``person`` (a login of its own), for seeding and checking
        through the API when tokens are short-lived."""
        return await log_in(self.api, person.account)

    async def account(self, person: Person) -> Account:
        """``person``'s account with a fresh access token (see ``token``)."""
        return replace(person.account, access_token=await self.token(person))

    async def history(self, viewer: Person, conversation_id: str) -> list[dict[str, Any]]:
        """The whole history the server holds, oldest first, paged back with ``before``."""
        token = await self.token(viewer)
        nodes: list[dict[str, Any]] = []
        before: str | None = None
        while True:
            data = await self.api.data(
                MESSAGES,
                {"conversationId": conversation_id, "last": 100, "before": before},
                token=token,
            )
            page = data["messages"]
            nodes[:0] = [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasPreviousPage"]:
                return nodes
            before = page["pageInfo"]["startCursor"]

    async def keep_evidence(self, directory: Path) -> None:
        """After a failure: a screenshot of each open page, for the person reading the run."""
        for number, context in enumerate(self.contexts):
            for tab, page in enumerate(context.pages):
                path = directory / f"{self.instance.name}-context{number}-tab{tab}.png"
                try:
                    await page.screenshot(path=path, full_page=True)
                except Exception as error:  # a closed page has nothing to show
                    print(f"no screenshot {path.name}: {error}")
                else:
                    print(f"screenshot: {path}")
        tail = "\n".join(self.instance.output().splitlines()[-40:])
        print(f"----- {self.instance.name} log tail -----\n{tail}")


def exactly(text: str) -> re.Pattern[str]:
    """A pattern matching the whole (trimmed) text and nothing longer."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


# The ``start_site`` fixture: ``await start_site(**setting_overrides)`` → a running Site.
StartSite = Callable[..., Awaitable[Site]]


# Helpers added for the error-state and loading tests.


@asynccontextmanager
async def server_hung(site: Site) -> AsyncIterator[None]:
    """The site's server stops answering without closing anything (SIGSTOP: a hung process,
    its sockets still open), and carries on where it was when the block ends (SIGCONT).
    Requests made meanwhile wait, as behind a stalled server."""
    import os
    import signal

    pid = site.instance.process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


async def evict_offline_cache(page: Page, person: Person) -> None:
    """Drop the app's offline cache of ``person`` from the page's browser profile, as a browser
    clearing site data under storage pressure (or the cache's 7 days running out) would; the
    session stays. The page is left on a same-origin page that does not run the app."""
    await page.goto("/healthz")
    deleted = await page.evaluate(
        """name => new Promise(resolve => {
            const request = indexedDB.deleteDatabase(name);
            request.onsuccess = () => resolve(true);
            request.onerror = () => resolve(false);
            request.onblocked = () => resolve(false);
        })""",
        f"tidings-cache:{person.id}",
    )
    assert deleted, "the offline cache could not be deleted (still open somewhere?)"
