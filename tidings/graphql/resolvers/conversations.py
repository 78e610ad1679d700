"""Conversations: the inbox, one conversation, and membership changes."""

from __future__ import annotations

import strawberry

from tidings import queries
from tidings.actions import conversations as actions
from tidings.graphql.context import Info
from tidings.graphql.cursors import decode_inbox_cursor
from tidings.graphql.inputs import CreateConversationInput
from tidings.graphql.types import Conversation, ConversationConnection, page_size
from tidings.graphql.types.conversation_state import ConversationFilter
from tidings.ids import parse_id

__all__ = ["ConversationMutations", "ConversationQueries"]

DEFAULT_INBOX_PAGE = 20


@strawberry.type
class ConversationQueries:
    @strawberry.field(
        description="The viewer's conversations: pinned ones first (latest pin first), then "
        "latest activity first. Archived ones are left out unless the filter asks for them."
    )
    async def conversations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ConversationFilter | None = None,
    ) -> ConversationConnection:
        size = page_size(first, "first")
        cursor = decode_inbox_cursor(after, "after")
        viewer = await info.context.viewer()
        async with info.context.db() as session:
            page = await queries.inbox_page(
                session,
                user_id=viewer.user_id,
                first=DEFAULT_INBOX_PAGE if size is None else size,
                after=cursor,
                now=info.context.services.clock.now(),
                archived=filter is not None and filter.archived,
            )
        return ConversationConnection.of(
            page.conversations,
            has_next=page.has_next_page,
            has_previous=cursor is not None,
            states=page.states,
        )

    @strawberry.field(description="NOT_IN_CONVERSATION unless the viewer is a participant.")
    async def conversation(self, info: Info, id: strawberry.ID) -> Conversation | None:
        conversation_id = parse_id(id, field="id")
        viewer = await info.context.viewer()
        async with info.context.db() as session:
            conversation, _ = await queries.get_membership(
                session, conversation_id=conversation_id, user_id=viewer.user_id
            )
        return Conversation.of(conversation)


@strawberry.type
class ConversationMutations:
    @strawberry.mutation(description="A DIRECT conversation that already exists is returned.")
    async def create_conversation(self, info: Info, input: CreateConversationInput) -> Conversation:
        participant_ids = [parse_id(pid, field="participantIds") for pid in input.participant_ids]
        conversation = await actions.create_conversation(
            await info.context.actor(),
            kind=input.kind,
            participant_ids=participant_ids,
            title=input.title,
        )
        return Conversation.of(conversation)

    @strawberry.mutation(description="Group admins only.")
    async def add_participants(
        self, info: Info, conversation_id: strawberry.ID, user_ids: list[strawberry.ID]
    ) -> Conversation:
        cid = parse_id(conversation_id, field="conversationId")
        uids = [parse_id(uid, field="userIds") for uid in user_ids]
        conversation = await actions.add_participants(
            await info.context.actor(), conversation_id=cid, user_ids=uids
        )
        return Conversation.of(conversation)

    @strawberry.mutation(description="Group admins only; removing yourself leaves the group.")
    async def remove_participant(
        self, info: Info, conversation_id: strawberry.ID, user_id: strawberry.ID
    ) -> Conversation:
        cid = parse_id(conversation_id, field="conversationId")
        uid = parse_id(user_id, field="userId")
        conversation = await actions.remove_participant(
            await info.context.actor(), conversation_id=cid, user_id=uid
        )
        return Conversation.of(conversation)

    @strawberry.mutation(description="Leave a group; direct conversations cannot be left.")
    async def leave_conversation(self, info: Info, conversation_id: strawberry.ID) -> bool:
        cid = parse_id(conversation_id, field="conversationId")
        await actions.leave_conversation(await info.context.actor(), conversation_id=cid)
        return True

    @strawberry.mutation(description="Set a group's title, or clear it with null (admins only).")
    async def rename_conversation(
        self, info: Info, conversation_id: strawberry.ID, title: str | None
    ) -> Conversation:
        cid = parse_id(conversation_id, field="conversationId")
        conversation = await actions.rename_conversation(
            await info.context.actor(), conversation_id=cid, title=title
        )
        return Conversation.of(conversation)
