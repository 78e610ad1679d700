"""Reactions: add and remove one emoji on a message."""

from __future__ import annotations

import strawberry

from tidings.actions import reactions
from tidings.graphql.context import Info
from tidings.graphql.types import Message
from tidings.ids import parse_id

__all__ = ["ReactionMutations"]


@strawberry.type
class ReactionMutations:
    @strawberry.mutation(
        description="React with one emoji; adding it again changes nothing. At most 20 "
        "different emoji per message (CONFLICT beyond); not on a deleted message (FORBIDDEN)."
    )
    async def add_reaction(self, info: Info, message_id: strawberry.ID, emoji: str) -> Message:
        mid = parse_id(message_id, field="messageId")
        message = await reactions.add_reaction(
            await info.context.actor(), message_id=mid, emoji=emoji
        )
        return Message.of(message)

    @strawberry.mutation(
        description="Take back your reaction with this emoji; nothing to take back is fine."
    )
    async def remove_reaction(self, info: Info, message_id: strawberry.ID, emoji: str) -> Message:
        mid = parse_id(message_id, field="messageId")
        message = await reactions.remove_reaction(
            await info.context.actor(), message_id=mid, emoji=emoji
        )
        return Message.of(message)
