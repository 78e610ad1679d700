"""Nothing a user types is lost: offline with a persisted outbox, and a server restart in the
middle of a conversation (issue 12, item 7; SPEC §7)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from playwright.async_api import WebSocket, expect

from tests.browser.network import Network
from tests.browser.screens import Chat, Shell
from tests.browser.site import Person, Site
from tests.support.chat import create, send

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


@dataclass
class OfflineScene:
    """Alice (her device's network under the test's control) and Bob, in a direct chat."""

    alice: Person
    network: Network
    alice_shell: Shell
    alice_chat: Chat
    bob_chat: Chat
    conversation_id: str


async def _alice_offline_typing(site: Site) -> OfflineScene:
    """Alice loses her network and types "one", "two", "three" (pending), while Bob, still
    online, answers "still here"."""
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    await send(site.api, bob.account, direct["id"], "Are you there?")
    context = await site.context()
    network = await Network.install(context)
    alice_shell = Shell(await site.sign_in(context, alice))
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
    # Stored before Alice is back, so the order the test expects is the order of events.
    await expect(bob_chat.message("still here")).to_have_attribute("data-status", STORED)
    return OfflineScene(alice, network, alice_shell, alice_chat, bob_chat, direct["id"])


async def _all_arrived_once_in_order(site: Site, scene: OfflineScene, typed: list[str]) -> None:
    for content in typed:
        await expect(scene.alice_chat.message(content)).to_have_attribute("data-status", STORED)
    history = await site.history(scene.alice, scene.conversation_id)
    assert [m["content"] for m in history] == ["Are you there?", "still here", *typed]
    await expect_same_log(scene.alice_chat, history)
    await expect_same_log(scene.bob_chat, history)


async def test_messages_typed_offline_are_pending_and_arrive_once_in_order_when_back(
    site: Site,
) -> None:
    scene = await _alice_offline_typing(site)
    await scene.network.go_online()
    await scene.alice_shell.expect_online(within_ms=RECONNECT)
    await _all_arrived_once_in_order(site, scene, ["one", "two", "three"])


async def test_messages_typed_offline_survive_a_reload_and_then_arrive_once_in_order(
    site: Site,
) -> None:
    scene = await _alice_offline_typing(site)
    chat = scene.alice_chat
    # Back on a network, but the server is not reachable yet (a page cannot even load while
    # fully offline): she reloads, and what she typed is still there, pending, from the
    # persisted outbox; she types one more.
    await scene.network.go_online(server_reachable=False)
    await chat.page.reload()
    for content in ("one", "two", "three"):
        await chat.expect_status(content, "pending", "Sending")
    await chat.send("four")
    await chat.expect_status("four", "pending", "Sending")

    scene.network.restore()
    await scene.alice_shell.expect_online(within_ms=RECONNECT)
    await _all_arrived_once_in_order(site, scene, ["one", "two", "three", "four"])


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


def _resume_marks(frame: str | bytes) -> list[dict[str, object]] | None:
    """The afterSeqs of a graphql-ws subscribe frame for messageAdded (None for any other)."""
    try:
        message = json.loads(frame)
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("type") != "subscribe":
        return None
    payload = message.get("payload") or {}
    if not re.search(r"\bmessageAdded\b", str(payload.get("query", ""))):
        return None
    marks = (payload.get("variables") or {}).get("afterSeqs")
    return marks if isinstance(marks, list) else None


async def test_after_a_restart_the_feed_resumes_after_the_seq_held_and_shows_missed_once(
    site: Site,
) -> None:
    alice, bob = await site.person("alice"), await site.person("bob")
    direct = await create(site.api, alice.account, "DIRECT", bob.account)
    context = await site.context()
    # Alice's device stays cut off from the server after the restart until Bob has written.
    network = await Network.install(context)
    alice_shell = Shell(await site.sign_in(context, alice))
    alice_chat = await alice_shell.open(direct["id"])
    await send(site.api, bob.account, direct["id"], "Deploying now")
    await expect(alice_chat.message("Deploying now")).to_be_visible()
    held = (await alice_chat.shown())[-1]["seq"]

    resumed: list[list[dict[str, object]]] = []

    def watch(socket: WebSocket) -> None:
        def sent(frame: str | bytes) -> None:
            marks = _resume_marks(frame)
            if marks is not None:
                resumed.append(marks)

        socket.on("framesent", sent)

    alice_shell.page.on("websocket", watch)
    await site.instance.stop()
    await expect(alice_shell.connection_bar).to_have_attribute("data-state", "reconnecting")
    await network.cut()
    await site.instance.start_again()
    missed = ["Back up", "Did you see the release notes?", "Ping me when you are here"]
    for content in missed:  # while Alice's socket is down
        await send(site.api, bob.account, direct["id"], content)

    network.restore()
    await alice_shell.expect_online(within_ms=RECONNECT)
    history = await site.history(alice, direct["id"])
    assert [m["content"] for m in history] == ["Deploying now", *missed]
    await expect_same_log(alice_chat, history)
    assert resumed, "no messageAdded subscribe frame with afterSeqs after the reconnect"
    assert {"conversationId": direct["id"], "seq": held} in resumed[-1]
