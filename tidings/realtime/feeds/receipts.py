"""``receiptUpdated``: coalesced mark moves of one conversation, private reads filtered."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

from tidings.realtime.events import ConversationChanged, Receipts
from tidings.realtime.feeds.membership import Viewing
from tidings.realtime.hub import Reconnected
from tidings.realtime.receipts import receipt_updates

__all__ = ["receipt_feed"]


async def receipt_feed(
    viewing: Viewing, conversation_id: uuid.UUID
) -> AsyncGenerator[Receipts, None]:
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
                    update = _visible(snapshot[conversation_id], viewing.viewer_id)
                    if update is not None:
                        yield update
                continue
            payload = event.payload
            if isinstance(payload, ConversationChanged):
                await following.on_change(payload)
            elif isinstance(payload, Receipts):
                update = _visible(payload, viewing.viewer_id)
                if update is not None:
                    yield update


def _visible(update: Receipts, viewer_id: uuid.UUID) -> Receipts | None:
    """The update as ``viewer_id`` may see it, or None when nothing in it is theirs to see.

    A user who hides read receipts is seen only by themselves (their other devices). An
    update caused only by such a user's read says nothing to anyone else, not even by
    arriving: others get it only if some other move (a delivery, a shared read) caused it.
    """
    receipts = [r for r in update.receipts if not r.private or r.user.id == viewer_id]
    caused = receipts or any(not r.read_only for r in update.receipts)
    if not caused or not (receipts or update.counts):
        return None
    return update.model_copy(update={"receipts": receipts})
