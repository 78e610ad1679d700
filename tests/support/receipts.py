"""GraphQL documents and helpers for the read-receipt tests: ticks as the sender queries them,
and ``receiptUpdated`` frames as a subscriber receives them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import mark_read, send
from tests.support.ws import GraphQLSocket, Operation, until_live

__all__ = [
    "RECEIPT_UPDATED",
    "TICKS",
    "TICKS_PAGE",
    "UPDATE_SETTINGS",
    "Frame",
    "count_of",
    "delivered_up_to",
    "live_receipts",
    "read_by",
    "read_up_to",
    "receipt_of",
    "ticks",
    "ticks_page",
    "timestamp",
    "update_when",
    "updates_until",
    "users",
]

# A ``receiptUpdated`` result, as the subscriber receives it.
Frame = dict[str, Any]

TICK_FIELDS = """
  id seq status deliveredCount readCount recipientCount
  readBy { user { id username } readAt }
"""

TICKS = f"""
query Ticks($id: ID!) {{ message(id: $id) {{ {TICK_FIELDS} }} }}
"""

TICKS_PAGE = f"""
query TicksPage($conversationId: ID!, $last: Int) {{
  messages(conversationId: $conversationId, last: $last) {{
    edges {{ node {{ {TICK_FIELDS} }} }}
  }}
}}
"""

RECEIPT_UPDATED = """
subscription Receipts($conversationId: ID!) {
  receiptUpdated(conversationId: $conversationId) {
    conversationId
    receipts { user { id username } lastDeliveredSeq lastReadSeq readAt }
    counts { messageId seq deliveredCount readCount recipientCount }
  }
}
"""

UPDATE_SETTINGS = """
mutation Settings($input: UpdateSettingsInput!) {
  updateSettings(input: $input) { shareReadReceipts }
}
"""


async def users(api: Api, *names: str) -> list[Account]:
    return [await api.register(name, display_name=name.title()) for name in names]


def timestamp(stamp: str | None) -> datetime:
    """A DateTime the server returned (so two formats of one instant compare equal)."""
    assert stamp is not None
    return datetime.fromisoformat(stamp)


async def ticks(api: Api, viewer: Account, message_id: str) -> dict[str, Any]:
    """A message's status, counts and readers, as ``viewer`` sees them."""
    data = await api.data(TICKS, {"id": message_id}, token=viewer.access_token)
    message: dict[str, Any] = data["message"]
    return message


async def ticks_page(
    api: Api, viewer: Account, conversation_id: str, *, last: int = 50
) -> dict[str, dict[str, Any]]:
    """Message id → ticks, for the newest ``last`` messages (this delivers them to ``viewer``)."""
    data = await api.data(
        TICKS_PAGE, {"conversationId": conversation_id, "last": last}, token=viewer.access_token
    )
    return {edge["node"]["id"]: edge["node"] for edge in data["messages"]["edges"]}


def read_by(message: dict[str, Any]) -> list[str]:
    """The usernames in a message's ``readBy``, in the order given."""
    return [read["user"]["username"] for read in message["readBy"]]


def receipt_of(update: Frame, user: Account) -> dict[str, Any] | None:
    """``user``'s mark in a ``receiptUpdated`` frame, if it moved."""
    found = [r for r in update["receipts"] if r["user"]["id"] == user.id]
    assert len(found) <= 1, update
    return found[0] if found else None


def count_of(update: Frame, message_id: str) -> dict[str, Any] | None:
    """The counts of one message in a ``receiptUpdated`` frame, if listed."""
    found = [c for c in update["counts"] if c["messageId"] == message_id]
    assert len(found) <= 1, update
    return found[0] if found else None


def delivered_up_to(user: Account, seq: int) -> Callable[[Frame], bool]:
    """A frame predicate for ``updates_until``: ``user``'s delivered mark reached ``seq``."""

    def done(update: Frame) -> bool:
        receipt = receipt_of(update, user)
        return receipt is not None and receipt["lastDeliveredSeq"] >= seq

    return done


def read_up_to(user: Account, seq: int) -> Callable[[Frame], bool]:
    """A frame predicate for ``updates_until``: ``user``'s read mark reached ``seq``."""

    def done(update: Frame) -> bool:
        receipt = receipt_of(update, user)
        return receipt is not None and receipt["lastReadSeq"] >= seq

    return done


async def updates_until(feed: Operation, done: Callable[[Frame], bool]) -> list[Frame]:
    """``receiptUpdated`` frames as they arrive, up to and including the first that is
    ``done`` (a frame that never comes fails the test after ``tests.support.ws.WAIT``)."""
    received: list[Frame] = []
    while not received or not done(received[-1]):
        received.append((await feed.data())["receiptUpdated"])
    return received


async def update_when(feed: Operation, done: Callable[[Frame], bool]) -> Frame:
    """The first ``receiptUpdated`` frame that is ``done`` (earlier ones are skipped)."""
    return (await updates_until(feed, done))[-1]


async def live_receipts(
    api: Api,
    conversation_id: str,
    *sockets: GraphQLSocket,
    reader: Account,
    writer: Account,
    document: str = RECEIPT_UPDATED,
) -> list[Operation]:
    """Subscribe each socket to ``receiptUpdated`` (``document``) and wait until all listen.

    The probe is a message ``writer`` sends and ``reader`` marks read (so it leaves both a
    message and a read mark behind, before anything the test then does). Every subscriber
    hears it through the probe's counts; ``reader`` must share read receipts, since a private
    read sends nobody else anything.
    """
    feeds = [
        await socket.start(document, {"conversationId": conversation_id}) for socket in sockets
    ]
    probes: dict[str, str] = {}

    async def probe(mark: str) -> None:
        message = await send(api, writer, conversation_id, mark)
        probes[mark] = message["id"]
        await mark_read(api, reader, conversation_id, message["id"])

    def heard(data: dict[str, Any], mark: str) -> bool:
        return count_of(data["receiptUpdated"], probes[mark]) is not None

    await until_live(*feeds, probe=probe, heard=heard)
    return feeds
