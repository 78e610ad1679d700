"""Typed, versioned events (tidings/realtime/events.py): every event reads back as it was written,
and during a rolling deploy an instance that meets another release's version of an event loses
no message and skips what is ephemeral."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from tests.support.api import Account, Api
from tests.support.chat import create, send
from tests.support.cluster import scrape
from tests.support.receipts import users
from tests.support.server import RunningServer
from tests.support.ws import MESSAGE_ADDED, TYPING, graphql_socket, until_live
from tidings.models import Conversation, Message, utcnow
from tidings.realtime.events import (
    ConversationChanged,
    Event,
    MessageAdded,
    MessageData,
    PresenceChanged,
    PublicUser,
    ReceiptCount,
    ReceiptMark,
    Receipts,
    SessionPresence,
    SessionRevoked,
    Typing,
    Unreadable,
    decode,
    encode,
)
from tidings.realtime.publish import Channels
from tidings.settings import Settings

SET_TYPING = """
mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {
  setTyping(conversationId: $conversationId, isTyping: $isTyping)
}
"""
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
ALICE = PublicUser(
    id=uuid.uuid4(), username="alice", display_name="Alice", avatar_url=None, created_at=NOW
)
CONVERSATION = uuid.uuid4()
MESSAGE = MessageData(
    id=uuid.uuid4(),
    conversation_id=CONVERSATION,
    seq=7,
    sender_id=ALICE.id,
    content="hello",
    content_type="TEXT",
    client_message_id="c-1",
    reply_to_id=None,
    created_at=NOW,
    edited_at=None,
    deleted_at=None,
)
EVERY_EVENT: list[Event] = [
    MessageAdded(message=MESSAGE, sender=ALICE),
    ConversationChanged(conversation_id=CONVERSATION, last_seq=7, added=[ALICE.id]),
    Typing(conversation_id=CONVERSATION, user=ALICE, is_typing=True),
    Receipts(
        conversation_id=CONVERSATION,
        receipts=[
            ReceiptMark(
                user=ALICE,
                last_delivered_seq=7,
                last_read_seq=6,
                read_at=NOW,
                private=False,
                read_only=True,
            )
        ],
        counts=[ReceiptCount(message_id=MESSAGE.id, seq=7, delivered=1, read=0, recipients=1)],
    ),
    PresenceChanged(user=ALICE, status="OFFLINE", last_seen_at=NOW, shares=True),
    SessionPresence(session_id=uuid.uuid4(), status="BUSY"),
    SessionRevoked(session_id=uuid.uuid4()),
]


@pytest.mark.parametrize("event", EVERY_EVENT, ids=lambda event: event.type)
def test_every_event_reads_back_as_it_was_written(event: Event) -> None:
    before = time.time()
    decoded, published = decode(encode(event))
    assert decoded == event
    assert published is not None
    assert before <= published <= time.time()


def _as_another_release(event: Event, version: int) -> str:
    wire = json.loads(encode(event))
    return json.dumps({**wire, "v": version, "renamed_in_that_release": True})


def test_another_version_of_a_durable_event_asks_for_repair() -> None:
    """Message and membership events are repaired from the database when unreadable."""
    for event in (EVERY_EVENT[0], EVERY_EVENT[1], EVERY_EVENT[-1]):
        decoded, _ = decode(_as_another_release(event, version=2))
        assert decoded == Unreadable(type=event.type, version=2, durable=True)


def test_another_version_of_an_ephemeral_event_is_skipped() -> None:
    for event in EVERY_EVENT[2:-1]:
        decoded, _ = decode(_as_another_release(event, version=2))
        assert decoded == Unreadable(type=event.type, version=2, durable=False)


def test_an_unknown_type_or_garbage_is_unreadable_without_repair() -> None:
    assert decode('{"type": "reaction_added", "v": 1}')[0] == Unreadable(
        type="reaction_added", version=1, durable=False
    )
    for garbage in ("not json", "[1, 2]", '{"v": 1}'):
        decoded, _ = decode(garbage)
        assert isinstance(decoded, Unreadable)
        assert (decoded.type, decoded.durable) == (None, False)


def test_a_new_field_from_a_newer_release_does_not_make_an_event_unreadable() -> None:
    """Additive changes keep the version: readers ignore fields they do not know."""
    typing = EVERY_EVENT[2]
    wire = {**json.loads(encode(typing)), "device": "phone"}
    assert decode(json.dumps(wire))[0] == typing


@pytest.mark.parametrize("backend", ["production"], indirect=True)
async def test_during_a_rolling_deploy_no_message_is_lost_and_ephemeral_events_are_skipped(
    api: Api, server: RunningServer, settings: Settings
) -> None:
    """The test plays a newer release's instance beside the running one: it stores a message
    as any instance does and publishes its events in a version this release cannot read."""
    alice, bob = await users(api, "alice", "bob")
    direct = await create(api, alice, "DIRECT", bob)
    conversation = uuid.UUID(direct["id"])
    channels = Channels(settings.redis_namespace)
    assert settings.redis_url is not None
    newer = Redis.from_url(settings.redis_url)

    async def typing(account: Account, is_typing: bool) -> None:
        await api.data(
            SET_TYPING,
            {"conversationId": direct["id"], "isTyping": is_typing},
            token=account.access_token,
        )

    async def publish_as_newer(channel: str, wire: dict[str, Any]) -> None:
        await newer.publish(channel, json.dumps({**wire, "v": 2, "ts": time.time()}))

    try:
        async with graphql_socket(server.ws_url, bob.access_token) as socket:
            messages = await socket.start(MESSAGE_ADDED, {"conversationId": direct["id"]})
            typists = await socket.start(TYPING, {"conversationId": direct["id"]})
            [heard] = await until_live(
                messages, probe=lambda mark: send(api, alice, direct["id"], mark)
            )
            await until_live(
                typists,
                probe=lambda _: typing(alice, True),
                heard=lambda data, _: data["typing"]["isTyping"],
            )

            # The newer instance stores message 2 and tells of it in its own shape.
            seq = await store_silently(server, conversation, uuid.UUID(alice.id), "two")
            await publish_as_newer(
                channels.conversation(conversation),
                {"type": "message_added", "msg": {"seq": seq, "text": "two"}},
            )
            assert (await messages.data())["messageAdded"]["content"] == "two"

            # Its typing event is skipped; this release's next one is heard.
            await publish_as_newer(
                channels.typing(conversation),
                {"type": "typing", "conversation_id": str(conversation), "typist": bob.id},
            )
            await typing(alice, False)
            stopped = (await typists.data())["typing"]
            assert (stopped["user"]["username"], stopped["isTyping"]) == ("alice", False)

            third = await send(api, alice, direct["id"], "three")
            after = (await messages.data())["messageAdded"]
            assert (after["seq"], after["content"]) == (third["seq"], "three")
            assert third["seq"] == seq + 1 == heard["messageAdded"]["seq"] + 2
    finally:
        await newer.aclose()

    metrics = await scrape(server.http_url)
    for kind in ("message_added", "typing"):
        assert metrics.value("tidings_unreadable_events_total", type=kind, version="2") == 1


async def store_silently(
    server: RunningServer, conversation_id: uuid.UUID, sender_id: uuid.UUID, content: str
) -> int:
    """Store a message as another release would, publishing nothing of this release's."""
    async with server.services.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.last_seq += 1
        session.add(
            Message(
                conversation_id=conversation_id,
                seq=conversation.last_seq,
                sender_id=sender_id,
                content=content,
                created_at=utcnow(),
            )
        )
        await session.commit()
        return conversation.last_seq
