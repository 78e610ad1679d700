"""Nothing a user types is lost: offline with a persisted outbox, and a server restart in the
middle of a conversation (issue 12, item 7; SPEC §7)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.network import Network
from tests.browser.screens import Chat, Shell
from tests.browser.site import Site
from tests.chat import create, send

pytestmark = pytest.mark.browser

STORED = re.compile(r"^(sent|delivered|read)$")
# Reconnecting backs off (graphql-ws: about 1, 2, 4 s plus jitter), so allow a few rounds.
RECONNECT = 30_000


async def expect_same_log(chat: Chat, history: list[dict[str, object]]) -> None:
    """The chat shows exactly the server's history: each message once, in seq order."""
    contents = [str(message["content"]) for message in history]
    await expect(chat.messages.get_by_test_id("message-content")).to_have_text(contents)
    shown = await chat.shown()
    assert [message["seq"] for message in shown] == [message["seq"] for message in history]


async def test_messages_typed_offline_are_pending_survive_a_reload_and_arrive_once_in_order(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Are you there?")
    context = await site.context()
    network = await Network.install(context)
    alice_page = await site.sign_in(context, alice)
    alice_shell = Shell(alice_page)
    alice_chat = await alice_shell.open(direct["id"])
    bob_chat = await Shell(await site.device(bob)).open(direct["id"])
    await expect(alice_chat.message("Are you there?")).to_be_visible()

    await network.go_offline()
    await expect(alice_shell.connection_bar).to_have_attribute("data-state", "offline")
    await expect(alice_shell.connection_bar).to_have_text(
        "Offline — messages will be sent when you are back online"
    )
    for content in ("one", "two", "three"):
        await alice_chat.send(content)
        await alice_chat.expect_status(content, "pending", "Sending")
    await bob_chat.send("still here")  # sent while Alice is away: she must catch up

    # Back on a network, but the server is not reachable yet: the page reloads, and what
    # she typed is still there, still pending, from the persisted outbox.
    await network.go_online(server_reachable=False)
    await alice_page.reload()
    for content in ("one", "two", "three"):
        await alice_chat.expect_status(content, "pending", "Sending")
    await alice_chat.send("four")
    await alice_chat.expect_status("four", "pending", "Sending")

    network.restore()
    await alice_shell.expect_online(within_ms=RECONNECT)
    for content in ("one", "two", "three", "four"):
        await expect(alice_chat.message(content)).to_have_attribute("data-status", STORED)
    history = await site.history(alice, direct["id"])
    assert [m["content"] for m in history] == [
        "Are you there?",
        "still here",
        "one",
        "two",
        "three",
        "four",
    ]
    await expect_same_log(alice_chat, history)
    await expect_same_log(bob_chat, history)


async def test_a_server_restart_mid_conversation_shows_reconnecting_and_loses_nothing(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    alice_shell = Shell(await site.device(alice))
    alice_chat = await alice_shell.open(direct["id"])
    bob_shell = Shell(await site.device(bob))
    bob_chat = await bob_shell.open(direct["id"])
    await alice_chat.send("Deploying now?")
    await expect(bob_chat.message("Deploying now?")).to_be_visible()

    await site.instance.stop()  # SIGTERM: sockets close with 1012, the process exits
    for shell in (alice_shell, bob_shell):
        await expect(shell.connection_bar).to_have_attribute("data-state", "reconnecting")
        await expect(shell.connection_bar).to_have_text("Reconnecting…")
    await alice_chat.send("Is it back?")
    await alice_chat.expect_status("Is it back?", "pending", "Sending")

    await site.instance.start_again()  # the same port, database and settings
    # Sent through the API before the browsers are back: they must fetch it on resume.
    await send(site.api, bob.account, direct["id"], "Not yet, wait")
    for shell in (alice_shell, bob_shell):
        await shell.expect_online(within_ms=RECONNECT)
    await expect(alice_chat.message("Is it back?")).to_have_attribute("data-status", STORED)
    await bob_chat.send("Back now")
    await expect(alice_chat.message("Back now")).to_be_visible()

    history = await site.history(alice, direct["id"])
    assert sorted(m["content"] for m in history) == sorted(
        ["Deploying now?", "Is it back?", "Not yet, wait", "Back now"]
    )
    await expect_same_log(alice_chat, history)
    await expect_same_log(bob_chat, history)
