"""Messages, their delivery state, and pages of history.

Each relation field declares what it needs (``tidings.graphql.prefetch``) and answers from
what was loaded: for a whole history page at once, or for one message by itself (a mutation's,
a live event's).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry
from strawberry import Private

from tidings import models, queries
from tidings.domain.receipts import DeliveryStatus
from tidings.errors import ValidationFailed
from tidings.graphql.context import Info
from tidings.graphql.cursors import decode_message_cursor, encode_message_cursor
from tidings.graphql.loaded import (
    COUNTS,
    MENTIONS,
    MESSAGE,
    REACTIONS,
    READERS,
    USER,
    Loaded,
)
from tidings.graphql.lookahead import node_fields
from tidings.graphql.prefetch import needs, prefetch
from tidings.graphql.types.reactions import Reaction, reactions_of
from tidings.graphql.types.receipts import MessageRead
from tidings.graphql.types.users import User, shown_user
from tidings.realtime.events import PublicUser
from tidings.realtime.fanout import SAME_FOR_EVERY_VIEWER, SharedResults
from tidings.realtime.feeds.messages import MessageReactions

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


def _sender(message: models.Message) -> uuid.UUID:
    return message.sender_id


def _reply_target(message: models.Message) -> uuid.UUID | None:
    return message.reply_to_id


def _itself(message: models.Message) -> models.Message:
    return message


def _read_key(message: models.Message) -> tuple[uuid.UUID, int, uuid.UUID, datetime]:
    return (message.conversation_id, message.seq, message.sender_id, message.created_at)


def _known_sender(message: Message) -> User | None:
    return message.known_sender


def _message_id(message: models.Message) -> uuid.UUID:
    return message.id


def _known_mentions(message: Message) -> list[User] | None:
    known = message.known_mentions
    return None if known is None else [User.of(user) for user in known]


def _known_reactions(message: Message) -> list[Reaction] | None:
    known = message.known_reactions
    if known is None:
        return None
    reactors = known.reactors

    def user(user_id: uuid.UUID) -> User | None:
        found = reactors.get(user_id)
        return User.of(found) if found is not None else None

    return reactions_of(known.groups, user)


@strawberry.type
class Message:
    model: Private[models.Message]
    # Set when the sender came with the event that carried this message (no database trip).
    known_sender: Private[User | None]
    # Likewise its reactions (a live event's, a feed's read of many messages at once).
    known_reactions: Private[MessageReactions | None]
    # And who it mentions.
    known_mentions: Private[list[PublicUser] | None]
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
    # What was loaded for its fields: for the whole history page, when it is on one.
    loaded: Private[Loaded | None] = None

    @classmethod
    def of(
        cls,
        message: models.Message,
        sender: PublicUser | None = None,
        *,
        shared: bool = False,
        loaded: Loaded | None = None,
        reactions: MessageReactions | None = None,
        mentions: list[PublicUser] | None = None,
    ) -> Message:
        return cls(
            model=message,
            known_sender=User.of(sender) if sender is not None else None,
            known_reactions=reactions,
            known_mentions=mentions,
            loaded=loaded,
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
    @needs(USER(_sender), known=_known_sender)
    def sender(self, info: Info, loaded: Loaded) -> User:
        return shown_user(loaded, self.model.sender_id)

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type="Message | None")
    @needs(MESSAGE(_reply_target))
    def reply_to(self, info: Info, loaded: Loaded) -> Message | None:
        target_id = self.model.reply_to_id
        target = loaded.message(target_id) if target_id is not None else None
        return Message.of(target, loaded=loaded) if target is not None else None

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="For the sender: SENT, DELIVERED to every recipient, READ by every recipient.",
        graphql_type=DeliveryStatus,
    )
    @needs(COUNTS(_itself))
    def status(self, info: Info, loaded: Loaded) -> DeliveryStatus:
        return loaded.counts(self.model).status

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type=int)
    @needs(COUNTS(_itself))
    def delivered_count(self, info: Info, loaded: Loaded) -> int:
        return loaded.counts(self.model).delivered

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="Recipients who read it and share read receipts.",
        graphql_type=int,
    )
    @needs(COUNTS(_itself))
    def read_count(self, info: Info, loaded: Loaded) -> int:
        return loaded.counts(self.model).read

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="Participants other than the sender who had joined when it was sent.",
        graphql_type=int,
    )
    @needs(COUNTS(_itself))
    def recipient_count(self, info: Info, loaded: Loaded) -> int:
        return loaded.counts(self.model).recipients

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="Who read it and when (only users who share read receipts).",
        graphql_type=list[MessageRead],
    )
    @needs(READERS(_read_key, with_users=True))
    def read_by(self, info: Info, loaded: Loaded) -> list[MessageRead]:
        return [
            MessageRead(user=shown_user(loaded, user_id), read_at=read_at)
            for user_id, read_at in loaded.readers(_read_key(self.model))
            if loaded.users.get(user_id) is not None
        ]

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="Reactions, one per emoji, in the order each emoji was first used. A "
        "deleted message has none.",
        graphql_type=list[Reaction],
    )
    @needs(REACTIONS(_message_id, with_users=True), known=_known_reactions)
    def reactions(self, info: Info, loaded: Loaded) -> list[Reaction]:
        return reactions_of(
            loaded.reactions(self.model.id),
            lambda uid: shown_user(loaded, uid) if loaded.users.get(uid) else None,
        )

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description="Participants its content names as @username, resolved when it was sent "
        "or last edited; by username.",
        graphql_type=list[User],
    )
    @needs(MENTIONS(_message_id, with_users=True), known=_known_mentions)
    def mentions(self, info: Info, loaded: Loaded) -> list[User]:
        found = [uid for uid in loaded.mentions(self.model.id) if loaded.users.get(uid)]
        # By username, as the events that carry them list them.
        return sorted((shown_user(loaded, uid) for uid in found), key=lambda u: u.username)


@strawberry.type
class MessageEdge:
    cursor: str
    node: Message


async def _loaded_edges(root: MessageConnection, info: Info) -> list[MessageEdge]:
    """The page's messages, with what their selection needs loaded for all at once."""
    viewer = await info.context.viewer()
    loaded = Loaded(viewer.user_id)
    if root.messages:
        await prefetch(info, loaded, Message, root.messages, node_fields(info))
    return [
        MessageEdge(cursor=encode_message_cursor(m.seq), node=Message.of(m, loaded=loaded))
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
    def of(cls, page: queries.HistoryPage) -> MessageConnection:
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
        page = await queries.history_page(
            session,
            viewer_id=viewer.user_id,
            conversation_id=conversation_id,
            first=first,
            after=after_seq,
            last=last,
            before=before_seq,
        )
    info.context.services.receipts.shown(viewer.user_id, *page.messages)
    return MessageConnection.of(page)
