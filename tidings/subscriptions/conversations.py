"""``conversationUpdated``: the viewer joined, left, or a conversation of theirs changed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tidings.broadcast import Hub, Reconnected
from tidings.events import Channels
from tidings.subscriptions.membership import Following

__all__ = ["conversation_feed"]


async def conversation_feed(
    *,
    sessions: async_sessionmaker[AsyncSession],
    hub: Hub,
    channels: Channels,
    viewer_id: uuid.UUID,
) -> AsyncIterator[uuid.UUID]:
    """The id of each conversation that changed for the viewer, as it happens."""
    async with hub.listen() as listener:
        following = Following(
            sessions=sessions,
            listener=listener,
            channels=channels,
            viewer_id=viewer_id,
            conversation_id=None,
        )
        await following.start()
        while True:
            event = await listener.next()
            if isinstance(event, Reconnected):
                joined, left = await following.resync()
                for conversation_id in [*joined, *left]:
                    yield conversation_id
                continue
            if event.payload["type"] == "conversation_changed":
                conversation_id = uuid.UUID(event.payload["conversation_id"])
                followed = conversation_id in following.marks
                joined, _ = await following.on_change(event.payload)
                # A leaver hears the change twice (conversation and own channel): tell once.
                if followed or joined:
                    yield conversation_id
