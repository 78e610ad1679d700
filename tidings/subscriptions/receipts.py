"""``receiptUpdated``: coalesced mark moves of one conversation, private reads filtered."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tidings.broadcast import Hub, Reconnected
from tidings.events import Channels
from tidings.receipts import receipt_updates
from tidings.subscriptions.membership import Following

__all__ = ["receipt_feed"]


async def receipt_feed(
    *,
    sessions: async_sessionmaker[AsyncSession],
    hub: Hub,
    channels: Channels,
    viewer_id: uuid.UUID,
    conversation_id: uuid.UUID,
) -> AsyncIterator[dict[str, Any]]:
    """Receipt updates as published, minus others' private reads. After lost events, one
    update with everyone's current marks replaces what was missed."""
    async with hub.listen() as listener:
        following = Following(
            sessions=sessions,
            listener=listener,
            channels=channels,
            viewer_id=viewer_id,
            conversation_id=conversation_id,
            extra_channel=channels.receipts(conversation_id),
        )
        await following.start()
        while True:
            event = await listener.next()
            if isinstance(event, Reconnected):
                await following.resync()
                async with sessions() as session:
                    snapshot = await receipt_updates(session, {conversation_id: None})
                if conversation_id in snapshot:
                    yield _visible(snapshot[conversation_id], viewer_id)
                continue
            payload = event.payload
            if payload["type"] == "conversation_changed":
                await following.on_change(payload)
            elif payload["type"] == "receipts":
                update = _visible(payload, viewer_id)
                if update["receipts"] or update["counts"]:
                    yield update


def _visible(update: dict[str, Any], viewer_id: uuid.UUID) -> dict[str, Any]:
    """A user who hides read receipts is seen only by themselves (their other devices)."""
    me = str(viewer_id)
    receipts = [r for r in update["receipts"] if not r["private"] or r["user"]["id"] == me]
    return {**update, "receipts": receipts}
