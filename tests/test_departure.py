"""Someone removed from a group sees nothing of what comes after, however late they read.

A subscriber whose socket lags behind still has the removal and everything after it waiting
in the server when they read again: what they are shown is decided then, by their membership
then, not by what the conversation had become while they were not reading.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.api import Api
from tests.support.chat import REMOVE_PARTICIPANT, RENAME_CONVERSATION, create, send
from tests.support.ws import MESSAGE_ADDED, StallingSocket, bearer
from tests.test_websocket import BIG, STALLED_SENDS, _server_with_small_send_buffers
from tidings.settings import Settings

CONVERSATION_UPDATED = """
subscription { conversationUpdated { id title lastMessage { content } } }
"""


async def _frames_until(
    stalled: StallingSocket, done: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """The ``next`` payloads received, up to and including the first that is ``done``."""
    frames: list[dict[str, Any]] = []
    while not frames or not done(frames[-1]):
        message = await stalled.receive()
        assert message is not None, f"the server closed the socket after {frames[-3:]}"
        if message["type"] == "next":
            frames.append(message["payload"]["data"])
    return frames


async def _until_heard(
    stalled: StallingSocket, probe: Callable[[int], Awaitable[object]], field: str
) -> None:
    """Repeat ``probe`` until a ``field`` frame arrives: the subscription is listening."""
    for attempt in range(10):
        await probe(attempt)
        try:
            while True:
                message = await stalled.receive(within=2)
                assert message is not None, "the server closed the socket"
                if message["type"] == "next" and field in message["payload"]["data"]:
                    return
        except TimeoutError:
            continue
    raise AssertionError(f"{field} never heard a probe")


def _updated(title: str) -> Callable[[dict[str, Any]], bool]:
    def done(data: dict[str, Any]) -> bool:
        return (data.get("conversationUpdated") or {}).get("title") == title

    return done


async def test_a_removed_member_whose_socket_lags_reads_nothing_of_what_came_after(
    make_settings: Callable[..., Settings],
) -> None:
    async with (
        _server_with_small_send_buffers(make_settings()) as server,
        Api.connect(server.http_url) as api,
    ):
        alice, fay = await api.register("alice"), await api.register("fay")
        group = (await create(api, alice, "GROUP", fay, title="Plans"))["id"]
        chatty = (await create(api, alice, "DIRECT", fay))["id"]

        async def rename(title: str) -> None:
            variables = {"conversationId": group, "title": title}
            await api.data(RENAME_CONVERSATION, variables, token=alice.access_token)

        async with StallingSocket.connect(server.ws_url) as stalled:
            await stalled.send({"type": "connection_init", "payload": bearer(fay.access_token)})
            assert (await stalled.receive() or {}).get("type") == "connection_ack"
            for operation_id, query, variables in [
                ("1", CONVERSATION_UPDATED, {}),
                ("2", MESSAGE_ADDED, {"conversationId": chatty}),
            ]:
                payload = {"query": query, "variables": variables}
                await stalled.send({"type": "subscribe", "id": operation_id, "payload": payload})
            await _until_heard(stalled, lambda mark: rename(f"live {mark}"), "conversationUpdated")
            await _until_heard(
                stalled, lambda mark: send(api, alice, chatty, f"live {mark}"), "messageAdded"
            )

            # fay stops reading while far more arrives than the buffers hold...
            for start in range(0, STALLED_SENDS, 10):
                await asyncio.gather(
                    *(send(api, alice, chatty, f"{n} {BIG}") for n in range(start, start + 10))
                )
            # A change she may still see: its frame waits behind those, and her feed with it.
            await rename("Plans, still")
            # Meanwhile she is removed, and the group moves on without her.
            variables = {"conversationId": group, "userId": fay.id}
            await api.data(REMOVE_PARTICIPANT, variables, token=alice.access_token)
            await send(api, alice, group, "now that fay is gone")
            await rename("Surprise party for fay")
            marker = await create(api, alice, "GROUP", fay, title="Marker")

            frames = await _frames_until(stalled, _updated("Marker"))

    told = [
        data["conversationUpdated"]
        for data in frames
        if "conversationUpdated" in data
        and not (data["conversationUpdated"]["title"] or "").startswith("live ")  # late probes
    ]
    assert told[-1]["id"] == marker["id"]
    assert told[:-1] == [
        {"id": group, "title": "Plans, still", "lastMessage": None},
        {"id": group, "title": None, "lastMessage": None},  # told she left, nothing more
    ], told


async def test_last_message_is_checked_against_membership_like_messages(api: Api) -> None:
    """Removing yourself answers with the conversation: by then not yours to read."""
    alice, fay = await api.register("alice"), await api.register("fay")
    group = (await create(api, alice, "GROUP", fay, title="Plans"))["id"]
    await send(api, alice, group, "see you at eight")
    variables = {"conversationId": group, "userId": fay.id}
    document = """
    mutation Remove($conversationId: ID!, $userId: ID!) {
      removeParticipant(conversationId: $conversationId, userId: $userId) {
        id lastMessage { content }
      }
    }
    """

    left = await api.data(document, variables, token=fay.access_token)

    assert left["removeParticipant"] == {"id": group, "lastMessage": None}
