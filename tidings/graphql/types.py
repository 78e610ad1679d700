"""GraphQL object types and the one place that converts tables into them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry
from strawberry import Private

from tidings import models
from tidings.domain.messages import HistoryPage, history_page
from tidings.errors import ValidationFailed
from tidings.events import PublicUser
from tidings.graphql.context import Info
from tidings.graphql.cursors import (
    decode_message_cursor,
    encode_inbox_cursor,
    encode_message_cursor,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "AuthPayload",
    "Conversation",
    "ConversationConnection",
    "Message",
    "MessageConnection",
    "Participant",
    "Settings",
    "TypingEvent",
    "User",
    "Viewer",
    "load_message_page",
    "page_size",
]

MAX_PAGE_SIZE = 100

# The tables' enums, registered as GraphQL enums under the same names.
ConversationKind = models.ConversationKind
ParticipantRole = models.ParticipantRole
strawberry.enum(ConversationKind)
strawberry.enum(ParticipantRole)


@strawberry.enum
class ContentType(Enum):
    TEXT = "TEXT"


@strawberry.type
class User:
    id: strawberry.ID
    username: str
    display_name: str
    avatar_url: str | None
    created_at: datetime

    @classmethod
    def of(cls, user: models.User | PublicUser) -> User:
        created_at = user.created_at
        return cls(
            id=strawberry.ID(str(user.id)),
            username=user.username,
            display_name=user.display_name,
            avatar_url=user.avatar_url,
            created_at=datetime.fromisoformat(created_at)
            if isinstance(created_at, str)
            else created_at,
        )


async def _user(info: Info, user_id: uuid.UUID) -> User:
    loaders = await info.context.loaders()
    user = await loaders.users.load(user_id)
    assert user is not None, "foreign keys keep every referenced user"
    return User.of(user)


@strawberry.type
class TypingEvent:
    conversation_id: strawberry.ID
    user: User
    is_typing: bool


@strawberry.type
class Settings:
    share_read_receipts: bool
    share_presence: bool


@strawberry.type
class Viewer:
    user: User
    email: str
    settings: Settings

    @classmethod
    def of(cls, user: models.User) -> Viewer:
        return cls(
            user=User.of(user),
            email=user.email,
            settings=Settings(
                share_read_receipts=user.share_read_receipts, share_presence=user.share_presence
            ),
        )


@strawberry.type
class AuthPayload:
    access_token: str
    refresh_token: str
    access_token_expires_at: datetime
    refresh_token_expires_at: datetime
    user: User


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Participant:
    model: Private[models.Participant]
    role: ParticipantRole
    joined_at: datetime
    last_read_seq: int | None
    last_read_at: datetime | None

    @classmethod
    def of(cls, participant: models.Participant) -> Participant:
        return cls(
            model=participant,
            role=ParticipantRole(participant.role),
            joined_at=participant.joined_at,
            last_read_seq=participant.last_read_seq,
            last_read_at=participant.last_read_at,
        )

    @strawberry.field
    async def user(self, info: Info) -> User:
        return await _user(info, self.model.user_id)


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

    @classmethod
    def of(cls, message: models.Message, sender: PublicUser | None = None) -> Message:
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
        )

    @strawberry.field
    async def sender(self, info: Info) -> User:
        if self.known_sender is not None:
            return self.known_sender
        return await _user(info, self.model.sender_id)

    @strawberry.field
    async def reply_to(self, info: Info) -> Message | None:
        if self.model.reply_to_id is None:
            return None
        loaders = await info.context.loaders()
        target = await loaders.messages.load(self.model.reply_to_id)
        return Message.of(target) if target is not None else None


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
    """A Relay page of a conversation's history (the newest 50 unless told otherwise)."""
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
    return MessageConnection.of(page)


@strawberry.type
class Conversation:
    model: Private[models.Conversation]
    id: strawberry.ID
    kind: ConversationKind
    title: str | None
    created_at: datetime
    last_message_at: datetime | None

    @classmethod
    def of(cls, conversation: models.Conversation) -> Conversation:
        return cls(
            model=conversation,
            id=strawberry.ID(str(conversation.id)),
            kind=ConversationKind(conversation.kind),
            title=conversation.title,
            created_at=conversation.created_at,
            last_message_at=conversation.last_message_at,
        )

    @strawberry.field
    async def created_by(self, info: Info) -> User:
        return await _user(info, self.model.created_by_id)

    @strawberry.field(description="The title, or else the other participants' display names.")
    async def display_title(self, info: Info) -> str:
        if self.model.title:
            return self.model.title
        loaders = await info.context.loaders()
        viewer = await info.context.viewer()
        participants = await loaders.participants.load(self.model.id)
        users = await loaders.users.load_many(p.user_id for p in participants)
        others = sorted(u.display_name for u in users if u is not None and u.id != viewer.user_id)
        if others:
            return ", ".join(others)
        me = await loaders.users.load(viewer.user_id)
        return me.display_name if me is not None else ""

    @strawberry.field
    async def last_message(self, info: Info) -> Message | None:
        if self.model.last_seq == 0:
            return None
        loaders = await info.context.loaders()
        message = await loaders.last_messages.load(self.model.id)
        return Message.of(message) if message is not None else None

    @strawberry.field
    async def participants(self, info: Info) -> list[Participant]:
        loaders = await info.context.loaders()
        return [Participant.of(p) for p in await loaders.participants.load(self.model.id)]

    @strawberry.field
    async def participant_count(self, info: Info) -> int:
        loaders = await info.context.loaders()
        return len(await loaders.participants.load(self.model.id))

    @strawberry.field(
        description="Messages after the viewer's read mark, not the viewer's own, not deleted."
    )
    async def unread_count(self, info: Info) -> int:
        loaders = await info.context.loaders()
        return await loaders.unread_counts.load(self.model.id)

    @strawberry.field(description="History, oldest first; by default the newest 50.")
    async def messages(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> MessageConnection:
        return await load_message_page(
            info, self.model.id, first=first, after=after, last=last, before=before
        )


@strawberry.type
class ConversationEdge:
    cursor: str
    node: Conversation


@strawberry.type
class ConversationConnection:
    edges: list[ConversationEdge]
    page_info: PageInfo

    @classmethod
    def of(
        cls, conversations: list[models.Conversation], *, has_next: bool, has_previous: bool
    ) -> ConversationConnection:
        edges = [
            ConversationEdge(
                cursor=encode_inbox_cursor(c.activity_at, c.id), node=Conversation.of(c)
            )
            for c in conversations
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
