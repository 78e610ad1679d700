"""``conversationUpdated``: the viewer joined, left, or a conversation of theirs changed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from tidings.broadcast import Reconnected
from tidings.event_types import ConversationChanged
from tidings.subscriptions.membership import Viewing

__all__ = ["conversation_feed"]


async def conversation_feed(viewing: Viewing) -> AsyncIterator[uuid.UUID]:
    """The id of each conversation that changed for the viewer, as it happens."""
    async with viewing.follow() as following:
        while True:
            event = await following.listener.next()
            if isinstance(event, Reconnected):
                joined, left = await following.resync()
                for conversation_id in [*joined, *left]:
                    yield conversation_id
                continue
            if isinstance(event.payload, ConversationChanged):
                conversation_id = event.payload.conversation_id
                followed = conversation_id in following.marks
                joined, _ = await following.on_change(event.payload)
                # A leaver hears the change twice (conversation and own channel): tell once.
                if followed or joined:
                    yield conversation_id
