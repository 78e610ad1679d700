"""Messages, their delivery state, and pages of history."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry
from strawberry import Private

from tidings import models
from tidings.domain.messages import HistoryPage, history_page
from tidings.domain.receipts import DeliveryStatus, MessageCounts, Recipient, count
from tidings.errors import ValidationFailed
from tidings.events import PublicUser
from tidings.graphql.context import Info
from tidings.graphql.cursors import decode_message_cursor, encode_message_cursor
from tidings.graphql.fanout import SharedResults
from tidings.graphql.types.receipts import MessageRead
from tidings.graphql.types.users import User, load_user

__all__ = [
    "MAX_PAGE_SIZE",
    "ContentType",
    "Message",
    "MessageConnection",
    "PageInfo",
    "load_message_page",
    "page_size",
]

MAX_PAGE_SIZE = 100


@strawberry.enum
class ContentType(Enum):
    TEXT = "TEXT"


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Message:
    model: Private[models.Message]
    # Set when the sender came with the event that carried this message (no database trip).
    known_sender: Private[User | None]
    id: strawberry.ID
    conversation_id: strawberry.ID
    seq: int
    content: str
    content_type: ContentType
    client_message_id: str | None
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    # Set on a live event's message, whose execution its local subscribers share.
    shared_results: Private[SharedResults | None] = None
    # The counts, with the participants they were counted from (four fields ask for them).
    counted: Private[tuple[list[Recipient], MessageCounts] | None] = None

    @classmethod
    def of(
        cls, message: models.Message, sender: PublicUser | None = None, *, shared: bool = False
    ) -> Message:
        return cls(
            model=message,
            known_sender=User.of(sender) if sender is not None else None,
            id=strawberry.ID(str(message.id)),
            conversation_id=strawberry.ID(str(message.conversation_id)),
            seq=message.seq,
            content=message.content,
            content_type=ContentType(message.content_type),
            client_message_id=message.client_message_id,
            created_at=message.created_at,
            edited_at=message.edited_at,
            deleted_at=message.deleted_at,
            shared_results=SharedResults() if shared else None,
        )

    @strawberry.field(description="This message's cursor, for messages(after:/before:).")
    def cursor(self) -> str:
        return encode_message_cursor(self.seq)

    @strawberry.field
    async def sender(self, info: Info) -> User:
        if self.known_sender is not None:
            return self.known_sender
        return await load_user(info, self.model.sender_id)

    @strawberry.field
    async def reply_to(self, info: Info) -> Message | None:
        if self.model.reply_to_id is None:
            return None
        loaders = await info.context.loaders()
        target = await loaders.messages.load(self.model.reply_to_id)
        return Message.of(target) if target is not None else None

    async def _counts(self, info: Info) -> MessageCounts:
        loaders = await info.context.loaders()
        participants = await loaders.recipients.load(self.model.conversation_id)
        if self.counted is None or self.counted[0] is not participants:
            counts = count(
                seq=self.model.seq,
                sender_id=self.model.sender_id,
                sent_at=self.model.created_at,
                participants=participants,
            )
            self.counted = (participants, counts)
        return self.counted[1]

    @strawberry.field(
        description="For the sender: SENT, DELIVERED to every recipient, READ by every recipient."
    )
    async def status(self, info: Info) -> DeliveryStatus:
        return (await self._counts(info)).status

    @strawberry.field
    async def delivered_count(self, info: Info) -> int:
        return (await self._counts(info)).delivered

    @strawberry.field(description="Recipients who read it and share read receipts.")
    async def read_count(self, info: Info) -> int:
        return (await self._counts(info)).read

    @strawberry.field(
        description="Participants other than the sender who had joined when it was sent."
    )
    async def recipient_count(self, info: Info) -> int:
        return (await self._counts(info)).recipients

    @strawberry.field(description="Who read it and when (only users who share read receipts).")
    async def read_by(self, info: Info) -> list[MessageRead]:
        loaders = await info.context.loaders()
        reads = await loaders.readers.load(
            (
                self.model.conversation_id,
                self.model.seq,
                self.model.sender_id,
                self.model.created_at,
            )
        )
        users = await loaders.users.load_many([user_id for user_id, _ in reads])
        return [
            MessageRead(user=User.of(user), read_at=read_at)
            for user, (_, read_at) in zip(users, reads, strict=True)
            if user is not None
        ]


@strawberry.type
class MessageEdge:
    cursor: str
    node: Message


@strawberry.type
class MessageConnection:
    edges: list[MessageEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: HistoryPage) -> MessageConnection:
        edges = [
            MessageEdge(cursor=encode_message_cursor(m.seq), node=Message.of(m))
            for m in page.messages
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


def page_size(value: int | None, field: str) -> int | None:
    """Check a ``first``/``last`` argument: 0–100, or absent."""
    if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
        raise ValidationFailed(field, f"{field} must be between 0 and {MAX_PAGE_SIZE}")
    return value


async def load_message_page(
    info: Info,
    conversation_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> MessageConnection:
    """A Relay page of a conversation's history (the newest 50 unless told otherwise).

    Showing a page delivers its messages to the viewer (the delivered mark moves).
    """
    if first is not None and last is not None:
        raise ValidationFailed("last", "Pass first or last, not both")
    first, last = page_size(first, "first"), page_size(last, "last")
    after_seq = decode_message_cursor(after, "after")
    before_seq = decode_message_cursor(before, "before")
    viewer = await info.context.viewer()
    async with info.context.db() as session:
        page = await history_page(
            session=session,
            viewer_id=viewer.user_id,
            conversation_id=conversation_id,
            first=first,
            after=after_seq,
            last=last,
            before=before_seq,
        )
    if page.messages:
        info.context.services.receipts.delivered(
            conversation_id, viewer.user_id, page.messages[-1].seq
        )
    return MessageConnection.of(page)
