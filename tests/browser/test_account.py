"""Account settings in the browser: a password change signs the other devices out, a device
is signed out from the list, blocking from a direct conversation's header hides presence and
closes the conversation, unblocking from settings shows it again, deleting the account
(issue 16, item 5)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.screens import Shell
from tests.browser.site import Person, Site
from tests.support.chat import create

pytestmark = pytest.mark.browser

SESSION_ENDED = "Your session ended. Please sign in again."


async def open_account(page: Page) -> None:
    await page.get_by_role("button", name="Account", exact=True).click()
    await expect(page.get_by_role("dialog", name="Account")).to_be_visible()


async def expect_signed_out(page: Page, notice: str | None = SESSION_ENDED) -> None:
    await expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    if notice is not None:
        await expect(page.get_by_role("alert")).to_have_text(notice)


async def expect_signed_in(page: Page, person: Person) -> None:
    await expect(page.get_by_role("heading", name=person.name, exact=True)).to_be_visible()


async def test_changing_the_password_signs_the_other_device_out(site: Site) -> None:
    alice = await site.person("alice")
    laptop, phone = await site.device(alice), await site.device(alice)

    await open_account(laptop)
    await laptop.get_by_label("Current password").fill("wrong password")
    await laptop.get_by_label("New password").fill("a much better secret")
    await laptop.get_by_role("button", name="Change password").click()
    await expect(laptop.get_by_role("alert")).to_have_text("That password is not right.")
    await expect_signed_in(phone, alice)

    await laptop.get_by_label("Current password").fill(alice.account.password)
    await laptop.get_by_role("button", name="Change password").click()
    await expect(laptop.get_by_role("status").filter(has_text="Password changed")).to_be_visible()

    await expect_signed_out(phone)
    await laptop.get_by_role("button", name="Close").click()
    await expect_signed_in(laptop, alice)
    await Shell(laptop).expect_online()


async def test_a_device_signed_out_from_the_list_returns_to_sign_in(site: Site) -> None:
    alice = await site.person("alice")
    laptop, phone = await site.device(alice), await site.device(alice)

    await open_account(laptop)
    devices = laptop.get_by_role("list", name="Devices").get_by_test_id("device")
    # Registering (through the API, from Python) was a login too.
    await expect(devices).to_have_count(3)
    this = devices.filter(has_text="This device")
    await expect(this).to_have_attribute("data-current", "true")
    await expect(this).to_contain_text("Chrome on Linux")
    await expect(devices.filter(has_text="Python")).to_have_count(1)
    other = devices.filter(has_text="Chrome on Linux").filter(has_not_text="This device")
    await other.get_by_role("button", name="Sign out Chrome on Linux").click()

    await expect_signed_out(phone)
    await expect(devices).to_have_count(2)
    await expect_signed_in(laptop, alice)


async def test_blocking_from_the_header_hides_presence_and_unblocking_shows_it(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await site.device(alice)  # alice is online
    bob_page = await site.device(bob)
    chat = await Shell(bob_page).open(direct["id"])
    await expect(chat.status).to_have_text("online")

    await bob_page.get_by_role("button", name="Block", exact=True).click()
    await expect(bob_page.get_by_role("button", name="Unblock", exact=True)).to_be_visible()
    await expect(chat.status).to_have_text("")  # offline, with no last seen
    # The conversation is closed while blocked: a message is refused, not retried forever.
    await chat.send("still there?")
    await expect(chat.message("still there?")).to_have_attribute("data-status", "failed")
    await expect(
        bob_page.get_by_role("alert").filter(has_text="one of you has blocked the other")
    ).to_be_visible()

    await open_account(bob_page)
    blocked = bob_page.get_by_role("list", name="Blocked people").get_by_test_id("blocked-user")
    await expect(blocked).to_have_count(1)
    await expect(blocked).to_contain_text(alice.name)
    await blocked.get_by_role("button", name=f"Unblock {alice.name}").click()
    await expect(blocked).to_have_count(0)
    await bob_page.get_by_role("button", name="Close").click()

    await expect(chat.status).to_have_text("online")
    await expect(bob_page.get_by_role("button", name="Block", exact=True)).to_be_visible()


async def test_deleting_the_account_signs_out_and_the_other_side_sees_deleted_user(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    alice_page = await site.device(alice)
    bob_chat = await Shell(await site.device(bob)).open(direct["id"])
    await expect(bob_chat.title).to_have_text(alice.name)

    await open_account(alice_page)
    await alice_page.get_by_label("Password to confirm").fill("not it")
    await alice_page.get_by_role("button", name="Delete my account").click()
    await expect(alice_page.get_by_role("alert")).to_have_text("That password is not right.")
    await alice_page.get_by_label("Password to confirm").fill(alice.account.password)
    await alice_page.get_by_role("button", name="Delete my account").click()

    await expect_signed_out(alice_page, notice=None)
    await bob_chat.page.reload()
    await expect(bob_chat.title).to_have_text("Deleted user")
