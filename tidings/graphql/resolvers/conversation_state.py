"""Mute, archive and pin: the viewer's own view of a conversation (one mutation each, so a
client's buttons map to them one to one and each answers with the conversation)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tidings.actions import conversation_state as actions
from tidings.graphql.context import Info
from tidings.graphql.types import Conversation
from tidings.ids import parse_id

__all__ = ["ConversationStateMutations"]


@strawberry.type
class ConversationStateMutations:
    @strawberry.mutation(
        description="Mute until a future time, or with no until until unmuted. Muting again "
        "changes the end."
    )
    async def mute_conversation(
        self, info: Info, conversation_id: strawberry.ID, until: datetime | None = None
    ) -> Conversation:
        cid = parse_id(conversation_id, field="conversationId")
        conversation = await actions.mute_conversation(
            await info.context.actor(), conversation_id=cid, until=until
        )
        return Conversation.of(conversation)

    @strawberry.mutation
    async def unmute_conversation(self, info: Info, conversation_id: strawberry.ID) -> Conversation:
        cid = parse_id(conversation_id, field="conversationId")
        conversation = await actions.unmute_conversation(
            await info.context.actor(), conversation_id=cid
        )
        return Conversation.of(conversation)

    @strawberry.mutation(
        description="Leave out of the default conversation list (and unpin). A message from "
        "someone else brings it back, unless it is muted."
    )
    async def archive_conversation(
        self, info: Info, conversation_id: strawberry.ID
    ) -> Conversation:
        cid = parse_id(conversation_id, field="conversationId")
        conversation = await actions.archive_conversation(
            await info.context.actor(), conversation_id=cid
        )
        return Conversation.of(conversation)

    @strawberry.mutation
    async def unarchive_conversation(
        self, info: Info, conversation_id: strawberry.ID
    ) -> Conversation:
        cid = parse_id(conversation_id, field="conversationId")
        conversation = await actions.unarchive_conversation(
            await info.context.actor(), conversation_id=cid
        )
        return Conversation.of(conversation)

    @strawberry.mutation(
        description="List first (and unarchive). At most 5 pinned: a sixth is CONFLICT."
    )
    async def pin_conversation(self, info: Info, conversation_id: strawberry.ID) -> Conversation:
        cid = parse_id(conversation_id, field="conversationId")
        conversation = await actions.pin_conversation(
            await info.context.actor(), conversation_id=cid
        )
        return Conversation.of(conversation)

    @strawberry.mutation
    async def unpin_conversation(self, info: Info, conversation_id: strawberry.ID) -> Conversation:
        cid = parse_id(conversation_id, field="conversationId")
        conversation = await actions.unpin_conversation(
            await info.context.actor(), conversation_id=cid
        )
        return Conversation.of(conversation)
