"""SQLModel tables: the durable state. Alembic migrations are the only way they are created.

GraphQL types live in ``tidings.graphql.types``; conversion happens there, in one place.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tidings.ids import new_id

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Conversation",
    "ConversationKind",
    "Invite",
    "Mention",
    "Message",
    "Participant",
    "ParticipantRole",
    "Reaction",
    "ReadReceipt",
    "RefreshToken",
    "UTCDateTime",
    "User",
    "UserBlock",
    "UsernameQuarantine",
    "kept_by_database",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ConversationKind(StrEnum):
    DIRECT = "DIRECT"
    GROUP = "GROUP"


class ParticipantRole(StrEnum):
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"


# A registered person. username and email are stored lower-cased, so unique means
# unique case-insensitively.
class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(max_length=30, unique=True)
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=100)
    avatar_url: str | None = Field(default=None, max_length=2048)
    password_hash: str = Field(max_length=255)
    share_read_receipts: bool = Field(default=True)
    share_presence: bool = Field(default=True)
    # When the user last went offline (their last socket closed).
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A server administrator (not a group's ADMIN): makes invites, deletes any message.
    is_admin: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # Set by ``tidings admin deactivate``: no login, no session, until reactivated.
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the account was deleted: the row stays, anonymised, as its messages' sender.
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# One login on one device; access tokens name it, logout revokes it.
class AuthSession(SQLModel, table=True):
    __tablename__ = "sessions"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The User-Agent of the login (then of the latest refresh): the device list's label.
    user_agent: str | None = Field(default=None, max_length=512)
    # Moved on login and on every refresh, never per request (the hot path writes nothing).
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# blocker_id blocked blocked_id: no new direct conversation between them, and neither sees
# the other's presence or typing.
class UserBlock(SQLModel, table=True):
    __tablename__ = "user_blocks"

    blocker_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    blocked_id: uuid.UUID = Field(
        foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A deleted account's username, as its SHA-256, not registrable again before free_at.
class UsernameQuarantine(SQLModel, table=True):
    __tablename__ = "username_quarantine"

    username_hash: str = Field(primary_key=True, max_length=64)
    free_at: datetime = Field(sa_type=UTCDateTime)


# A refresh token, stored as its SHA-256. A rotated one presented again revokes its session.
class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    session_id: uuid.UUID = Field(foreign_key="sessions.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    rotated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# A DIRECT or GROUP conversation. last_seq is the seq of its newest message: sending
# increments it under the row lock, which is what makes seq gap-free.
class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=10)
    title: str | None = Field(default=None, max_length=100)
    # "<smaller user id>:<larger user id>" for DIRECT, so the same pair can't get two.
    direct_key: str | None = Field(default=None, max_length=73, unique=True)
    created_by_id: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seq: int = Field(default=0)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # last_message_at, or created_at before the first message: the inbox sort key.
    activity_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # DIRECT only: set while either person blocks the other, and then nobody sends in it.
    # On the row every send updates anyway, so the check costs the send nothing.
    blocked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# Membership, with the participant's read and delivered marks (highest seq).
class Participant(SQLModel, table=True):
    __tablename__ = "participants"

    conversation_id: uuid.UUID = Field(
        foreign_key="conversations.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, index=True)
    role: str = Field(default=ParticipantRole.MEMBER.value, max_length=10)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_read_seq: int = Field(default=0)
    last_read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Highest seq pushed to one of the user's subscriptions or returned to them; a shared
    # read moves it too (read implies delivered), a private one does not. Written in batches.
    last_delivered_seq: int = Field(default=0)
    # The participant's own view of the conversation (mute, archive, pin), seen by nobody
    # else; docs/conversation-state.md says how each behaves.
    # Muted since muted_at (None: not muted), until muted_until (None: until unmuted).
    muted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    muted_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Archived at archived_at, when the conversation's last seq was archived_seq: a later
    # message from someone else brings it back unless the conversation is muted.
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_seq: int | None = Field(default=None)
    pinned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# A message. Deleting erases content and sets deleted_at; the row stays so seq has no gap.
class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        sa.UniqueConstraint(
            "conversation_id",
            "sender_id",
            "client_message_id",
            name="uq_messages_client_message_id",
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    conversation_id: uuid.UUID = Field(foreign_key="conversations.id", ondelete="CASCADE")
    seq: int
    sender_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    content: str = Field(sa_type=sa.Text)
    content_type: str = Field(default="TEXT", max_length=10)
    client_message_id: str | None = Field(default=None, max_length=64)
    reply_to_id: uuid.UUID | None = Field(default=None, foreign_key="messages.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When a reaction was last added or removed: what a live feed that lost events re-sends.
    reactions_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# One user's reaction with one emoji to one message. Personal data: it goes with the user.
class Reaction(SQLModel, table=True):
    __tablename__ = "reactions"

    message_id: uuid.UUID = Field(foreign_key="messages.id", primary_key=True, ondelete="CASCADE")
    emoji: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(
        foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A user named as @username in a message of a conversation they are in, resolved when the
# message is sent or edited (never re-parsed on read). seq is the message's, so an unread
# mention is one after the user's read mark. Personal data: it goes with the user.
class Mention(SQLModel, table=True):
    __tablename__ = "mentions"
    __table_args__ = (
        sa.Index("ix_mentions_user_conversation_seq", "user_id", "conversation_id", "seq"),
    )

    message_id: uuid.UUID = Field(foreign_key="messages.id", primary_key=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    conversation_id: uuid.UUID = Field(foreign_key="conversations.id", ondelete="CASCADE")
    seq: int


# Message search (migration 0005) is kept by the database, outside these models: on PostgreSQL
# a generated tsvector column of messages and its GIN index, on SQLite an FTS5 table (and its
# shadow tables) kept in step by triggers. tidings.queries.search reads them.
_SEARCH_INDEX = frozenset({"search_vector", "ix_messages_search_vector", "message_search"})


def kept_by_database(name: str | None) -> bool:
    """Whether a table, column or index found in the database is the search index's, which
    comparisons of the database against these models leave out."""
    return name is not None and (name in _SEARCH_INDEX or name.startswith("message_search_"))


# A log of read-mark moves: a reader's readAt for message seq s is the read_at of their first
# move to a seq >= s.
class ReadReceipt(SQLModel, table=True):
    __tablename__ = "read_receipts"

    conversation_id: uuid.UUID = Field(
        foreign_key="conversations.id", primary_key=True, ondelete="CASCADE"
    )
    seq: int = Field(primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True)
    read_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A single-use sign-up code for invite-only registration, stored as its SHA-256 like refresh
# tokens. used_at is set by the registration that claims it, in that registration's transaction.
class Invite(SQLModel, table=True):
    __tablename__ = "invites"

    code_hash: str = Field(primary_key=True, max_length=64)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


# What a server administrator did, kept for accountability. actor_id is None for the operator
# at the command line; the ids it names are plain columns, so an entry outlives what it names.
class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: uuid.UUID | None = Field(default=None)
    action: str = Field(max_length=40)
    target_user_id: uuid.UUID | None = Field(default=None)
    conversation_id: uuid.UUID | None = Field(default=None)
    message_id: uuid.UUID | None = Field(default=None)
