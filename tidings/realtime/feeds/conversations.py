"""``conversationUpdated``: the viewer joined, left, or a conversation of theirs changed (for
everyone, or for the viewer alone: their own mute, archive or pin, from another device)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from tidings.realtime.events import (
    ConversationChanged,
    ConversationData,
    ConversationStateChanged,
    ViewerStateData,
)
from tidings.realtime.feeds.membership import Viewing
from tidings.realtime.hub import Reconnected

__all__ = ["ConversationUpdate", "conversation_feed"]


@dataclass(frozen=True, slots=True)
class ConversationUpdate:
    """A conversation that changed for the viewer, and whether they are in it now."""

    conversation_id: uuid.UUID
    # As the event carried it; None after lost events (or from an older release): read it.
    conversation: ConversationData | None
    member: bool
    # The viewer's own state, when that is what changed (else their fields read it).
    state: ViewerStateData | None = None


async def conversation_feed(viewing: Viewing) -> AsyncGenerator[ConversationUpdate, None]:
    """Each conversation that changed for the viewer, as it happens. Membership is the feed's
    own, kept in event order: a socket that reads late hears of its removal, and nothing of
    what came after it."""
    async with viewing.follow() as following:
        while True:
            event = await following.listener.next()
            if isinstance(event, Reconnected):
                joined, left = await following.resync()
                for conversation_id in [*joined, *left]:
                    yield ConversationUpdate(
                        conversation_id, None, conversation_id in following.marks
                    )
                continue
            payload = event.payload
            if isinstance(payload, ConversationStateChanged):
                # On the viewer's own channel: theirs, and only while they are in it.
                conversation_id = payload.conversation.id
                if conversation_id in following.marks:
                    yield ConversationUpdate(
                        conversation_id, payload.conversation, True, payload.state
                    )
                continue
            if isinstance(event.payload, ConversationChanged):
                conversation_id = event.payload.conversation_id
                followed = conversation_id in following.marks
                joined, _ = await following.on_change(event.payload)
                # A leaver hears the change twice (conversation and own channel): tell once.
                if followed or joined:
                    yield ConversationUpdate(
                        conversation_id,
                        event.payload.conversation,
                        conversation_id in following.marks,
                    )
