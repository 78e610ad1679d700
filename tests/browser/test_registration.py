"""Signing up on a server that is not open to everyone (``TIDINGS_REGISTRATION``): the form
asks for an invite code, or says sign-up is closed, before anyone types in vain."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from playwright.async_api import Page, expect

from tests.browser.site import Site, StartSite

pytestmark = pytest.mark.browser


async def _invite_code(site: Site) -> str:
    """A code made as an operator makes one: ``tidings admin invite`` beside the server."""
    made = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tidings", "admin", "invite"],
        env=site.instance.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return made.stdout.strip()


async def _sign_up_form(site: Site) -> Page:
    page = await (await site.context()).new_page()
    await page.goto("/")
    await page.get_by_role("button", name="Create an account").click()
    await expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    return page


async def test_an_invite_only_server_asks_for_the_code_and_refuses_a_wrong_one(
    start_site: StartSite,
) -> None:
    site = await start_site(registration="invite")
    code = await _invite_code(site)
    page = await _sign_up_form(site)

    await expect(page.get_by_role("status")).to_contain_text("invite-only")
    await page.get_by_label("Username").fill("alice")
    await page.get_by_label("Email").fill("alice@example.com")
    await page.get_by_label("Password", exact=True).fill("correct horse battery")
    await page.get_by_label("Invite code").fill("not-the-code")
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_text("That invite code is not valid")).to_be_visible()

    await page.get_by_label("Invite code").fill(code)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="alice", exact=True)).to_be_visible()


async def test_a_closed_server_says_so_instead_of_a_form(start_site: StartSite) -> None:
    site = await start_site(registration="closed")
    page = await _sign_up_form(site)

    await expect(page.get_by_role("status")).to_have_text(
        "Sign-up is closed on this server. Ask an administrator for an account."
    )
    await expect(page.get_by_role("button", name="Sign up")).to_be_hidden()
    await expect(page.get_by_label("Username")).to_be_hidden()
    # Signing in is still there for those with an account.
    await page.get_by_role("button", name="I have an account").click()
    await expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
