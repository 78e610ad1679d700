"""Messages, their delivery state, and pages of history.

On a history page, what the fields need was loaded for the whole page (``HistoryLoads``), and
the fields below are synchronous: each returns the loaded value when there is one, and
otherwise an awaitable (one message, a mutation's or a subscription's), which graphql-core
awaits as it would an async resolver's result.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from operator import attrgetter
from typing import TypeVar

import strawberry
from strawberry import Private

from tidings import models
from tidings.domain.messages import HistoryPage, history_page
from tidings.domain.receipts import DeliveryStatus, MessageCounts, Recipient, count
from tidings.errors import ValidationFailed
from tidings.graphql.context import Info
from tidings.graphql.cursors import decode_message_cursor, encode_message_cursor
from tidings.graphql.types.history import HistoryLoads
from tidings.graphql.types.receipts import MessageRead
from tidings.graphql.types.users import User, load_user
from tidings.realtime.events import PublicUser
from tidings.realtime.fanout import SAME_FOR_EVERY_VIEWER, SharedResults

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

_T = TypeVar("_T")


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
    # What a history page loaded for all its messages, when this message is on one.
    loads: Private[HistoryLoads | None] = None

    @classmethod
    def of(
        cls,
        message: models.Message,
        sender: PublicUser | None = None,
        *,
        shared: bool = False,
        loads: HistoryLoads | None = None,
    ) -> Message:
        return cls(
            model=message,
            known_sender=User.of(sender) if sender is not None else None,
            loads=loads,
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

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="This message's cursor, for messages(after:/before:).",
    )
    def cursor(self) -> str:
        return encode_message_cursor(self.seq)

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type=User)
    def sender(self, info: Info) -> User | Awaitable[User]:
        if self.known_sender is not None:
            return self.known_sender
        loaded = self.loads.users.get(self.model.sender_id) if self.loads else None
        if loaded is not None:
            return loaded
        return load_user(info, self.model.sender_id)

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type="Message | None")
    def reply_to(self, info: Info) -> Message | Awaitable[Message | None] | None:
        target_id = self.model.reply_to_id
        if target_id is None:
            return None
        if self.loads is None or target_id not in self.loads.reply_targets:
            return self._load_reply_to(info, target_id)
        target = self.loads.reply_targets[target_id]
        return Message.of(target, loads=self.loads) if target is not None else None

    async def _load_reply_to(self, info: Info, target_id: uuid.UUID) -> Message | None:
        loaders = await info.context.loaders()
        target = await loaders.messages.load(target_id)
        return Message.of(target) if target is not None else None

    def _counts(self, info: Info, part: Callable[[MessageCounts], _T]) -> _T | Awaitable[_T]:
        """One part of the counts, from the page's loads or else counted here."""
        counts = self.loads.counts.get(self.model.id) if self.loads else None
        if counts is not None:
            return part(counts)
        return self._load_counts(info, part)

    async def _load_counts(self, info: Info, part: Callable[[MessageCounts], _T]) -> _T:
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
        return part(self.counted[1])

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="For the sender: SENT, DELIVERED to every recipient, READ by every recipient.",
        graphql_type=DeliveryStatus,
    )
    def status(self, info: Info) -> DeliveryStatus | Awaitable[DeliveryStatus]:
        return self._counts(info, attrgetter("status"))

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type=int)
    def delivered_count(self, info: Info) -> int | Awaitable[int]:
        return self._counts(info, attrgetter("delivered"))

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="Recipients who read it and share read receipts.",
        graphql_type=int,
    )
    def read_count(self, info: Info) -> int | Awaitable[int]:
        return self._counts(info, attrgetter("read"))

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="Participants other than the sender who had joined when it was sent.",
        graphql_type=int,
    )
    def recipient_count(self, info: Info) -> int | Awaitable[int]:
        return self._counts(info, attrgetter("recipients"))

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="Who read it and when (only users who share read receipts).",
        graphql_type=list[MessageRead],
    )
    def read_by(self, info: Info) -> list[MessageRead] | Awaitable[list[MessageRead]]:
        reads = self.loads.reads.get(self.model.id) if self.loads else None
        if reads is not None:
            return reads
        return self._load_read_by(info)

    async def _load_read_by(self, info: Info) -> list[MessageRead]:
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


async def _loaded_edges(root: MessageConnection, info: Info) -> list[MessageEdge]:
    loads = await HistoryLoads.load(info, root.messages)
    return [
        MessageEdge(cursor=encode_message_cursor(m.seq), node=Message.of(m, loads=loads))
        for m in root.messages
    ]


@strawberry.type
class MessageConnection:
    messages: Private[list[models.Message]]
    edges: list[MessageEdge] = strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER, resolver=_loaded_edges
    )
    page_info: PageInfo

    @classmethod
    def of(cls, page: HistoryPage) -> MessageConnection:
        messages = page.messages
        return cls(
            messages=messages,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=encode_message_cursor(messages[0].seq) if messages else None,
                end_cursor=encode_message_cursor(messages[-1].seq) if messages else None,
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
    info.context.services.receipts.shown(viewer.user_id, *page.messages)
    return MessageConnection.of(page)
