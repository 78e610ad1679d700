"""``receiptUpdated``: coalesced mark moves of one conversation, private reads filtered."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from tidings.broadcast import Reconnected
from tidings.receipts import receipt_updates
from tidings.subscriptions.membership import Viewing

__all__ = ["receipt_feed"]


async def receipt_feed(
    viewing: Viewing, conversation_id: uuid.UUID
) -> AsyncIterator[dict[str, Any]]:
    """Receipt updates as published, minus others' private reads. After lost events, one
    update with everyone's current marks replaces what was missed."""
    receipts = viewing.channels.receipts(conversation_id)
    async with viewing.follow(conversation_id, extra_channel=receipts) as following:
        while True:
            event = await following.listener.next()
            if isinstance(event, Reconnected):
                await following.resync()
                async with viewing.sessions() as session:
                    snapshot = await receipt_updates(session, {conversation_id: None})
                if conversation_id in snapshot:
                    yield _visible(snapshot[conversation_id], viewing.viewer_id)
                continue
            payload = event.payload
            if payload["type"] == "conversation_changed":
                await following.on_change(payload)
            elif payload["type"] == "receipts":
                update = _visible(payload, viewing.viewer_id)
                if update["receipts"] or update["counts"]:
                    yield update


def _visible(update: dict[str, Any], viewer_id: uuid.UUID) -> dict[str, Any]:
    """A user who hides read receipts is seen only by themselves (their other devices)."""
    me = str(viewer_id)
    receipts = [r for r in update["receipts"] if not r["private"] or r["user"]["id"] == me]
    return {**update, "receipts": receipts}
