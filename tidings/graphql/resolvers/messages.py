"""Messages: history, one message, send, edit, delete, and read marks."""

from __future__ import annotations

from typing import Annotated

import strawberry

from tidings import queries
from tidings.actions import messages
from tidings.errors import ValidationFailed
from tidings.graphql.context import Info
from tidings.graphql.cursors import encode_message_cursor
from tidings.graphql.inputs import SendMessageInput
from tidings.graphql.types import Message, MessageConnection, Participant, load_message_page
from tidings.ids import parse_id

__all__ = ["MessageMutations", "MessageQueries"]


@strawberry.type
class MessageQueries:
    @strawberry.field(description="A page of history; by default the newest 50 messages.")
    async def messages(
        self,
        info: Info,
        conversation_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        after_seq: Annotated[
            int | None,
            strawberry.argument(
                description="Like after, by seq: what a client that got messages live knows."
            ),
        ] = None,
    ) -> MessageConnection:
        cid = parse_id(conversation_id, field="conversationId")
        if after_seq is not None:
            if after is not None or after_seq < 0:
                raise ValidationFailed("afterSeq", "afterSeq is a seq ≥ 0, instead of after")
            after = encode_message_cursor(after_seq)
        return await load_message_page(
            info, cid, first=first, after=after, last=last, before=before
        )

    @strawberry.field(description="NOT_FOUND unless it is in one of the viewer's conversations.")
    async def message(self, info: Info, id: strawberry.ID) -> Message | None:
        message_id = parse_id(id, field="id")
        viewer = await info.context.viewer()
        async with info.context.db() as session:
            message, _ = await queries.get_visible_message(
                session, message_id=message_id, viewer_id=viewer.user_id
            )
        info.context.services.receipts.shown(viewer.user_id, message)
        return Message.of(message)


@strawberry.type
class MessageMutations:
    @strawberry.mutation(
        description="Idempotent per clientMessageId: a retry returns the original."
    )
    async def send_message(self, info: Info, input: SendMessageInput) -> Message:
        cid = parse_id(input.conversation_id, field="conversationId")
        reply_to = parse_id(input.reply_to_id, field="replyToId") if input.reply_to_id else None
        message = await messages.send_message(
            await info.context.actor(),
            conversation_id=cid,
            content=input.content,
            client_message_id=input.client_message_id,
            reply_to_id=reply_to,
        )
        return Message.of(message)

    @strawberry.mutation(description="Your own messages only.")
    async def edit_message(self, info: Info, message_id: strawberry.ID, content: str) -> Message:
        mid = parse_id(message_id, field="messageId")
        message = await messages.edit_message(
            await info.context.actor(), message_id=mid, content=content
        )
        return Message.of(message)

    @strawberry.mutation(description="Leaves a tombstone; senders and group admins may delete.")
    async def delete_message(self, info: Info, message_id: strawberry.ID) -> Message:
        mid = parse_id(message_id, field="messageId")
        message = await messages.delete_message(await info.context.actor(), message_id=mid)
        return Message.of(message)

    @strawberry.mutation(description="Typing indicator; never stored, expires after 6 s.")
    async def set_typing(self, info: Info, conversation_id: strawberry.ID, is_typing: bool) -> bool:
        cid = parse_id(conversation_id, field="conversationId")
        await messages.set_typing(
            await info.context.actor(), conversation_id=cid, is_typing=is_typing
        )
        return True

    @strawberry.mutation(description="Moves the read mark up to this message; never back.")
    async def mark_read(
        self, info: Info, conversation_id: strawberry.ID, message_id: strawberry.ID
    ) -> Participant:
        cid = parse_id(conversation_id, field="conversationId")
        mid = parse_id(message_id, field="messageId")
        participant = await messages.mark_read(
            await info.context.actor(), conversation_id=cid, message_id=mid
        )
        return Participant.of(participant)
