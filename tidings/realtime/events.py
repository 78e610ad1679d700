"""Every event Tidings publishes, as a typed model: the one definition its producers and
consumers share, and its wire form (JSON, SPEC §5).

On the wire an event is its fields plus ``type``, ``v`` (its type's version) and ``ts`` (when
it was published, for the pub/sub lag metric). Versions are per type: a change that an older
reader cannot take (a field removed, renamed or retyped) bumps that type's ``version``; a new
field does not (readers ignore fields they do not know). During a rolling deploy an instance
may meet a version it cannot read (``Unreadable``): the hub tells the listeners of a durable
event's channel that events may have been missed, so message and membership feeds refill from
the database and lose nothing; an ephemeral event (typing, presence, receipts) is skipped and
counted. ``session_revoked`` must never change incompatibly: an instance that could not read
it would leave a logged-out session's sockets open.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from tidings import models
from tidings.domain.conversation_state import ViewerState

if TYPE_CHECKING:
    from tidings.queries import UserRow

__all__ = [
    "BlockChanged",
    "ConversationChanged",
    "ConversationData",
    "ConversationStateChanged",
    "Event",
    "MessageAdded",
    "MessageData",
    "MessageUpdated",
    "PresenceChanged",
    "PublicUser",
    "ReactionData",
    "ReceiptCount",
    "ReceiptMark",
    "Receipts",
    "SessionPresence",
    "SessionRevoked",
    "Typing",
    "Unreadable",
    "ViewerStateData",
    "decode",
    "encode",
]


class _Model(BaseModel):
    # from_attributes: a model's ``of`` reads the table object's attributes of the same names.
    model_config = ConfigDict(frozen=True, from_attributes=True)


class PublicUser(_Model):
    """The part of a user that any participant may see; what events carry about people."""

    id: uuid.UUID
    username: str
    display_name: str
    avatar_url: str | None
    created_at: datetime

    @classmethod
    def of(cls, user: models.User | UserRow) -> PublicUser:
        return cls.model_validate(user)


class MessageData(_Model):
    """A message as events carry it: its own shape, so a change to the table is not a change
    to the wire."""

    id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    sender_id: uuid.UUID
    content: str
    content_type: str
    client_message_id: str | None
    reply_to_id: uuid.UUID | None
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None

    @classmethod
    def of(cls, message: models.Message) -> MessageData:
        return cls.model_validate(message)

    def model(self) -> models.Message:
        """The message as the feeds and GraphQL types hold it (never added to a session)."""
        return models.Message.model_validate(self.model_dump())


class ReactionData(_Model):
    """One emoji's reactions to a message: every reactor's id, first to react first (the
    count, and whether a viewer reacted, need no database trip)."""

    emoji: str
    user_ids: list[uuid.UUID]


class ConversationData(_Model):
    """A conversation as events carry it (its own shape, like ``MessageData``)."""

    id: uuid.UUID
    kind: str
    title: str | None
    created_by_id: uuid.UUID
    created_at: datetime
    last_seq: int
    last_message_at: datetime | None
    activity_at: datetime

    @classmethod
    def of(cls, conversation: models.Conversation) -> ConversationData:
        return cls.model_validate(conversation)

    def model(self) -> models.Conversation:
        """The conversation as the GraphQL types hold it (never added to a session)."""
        return models.Conversation.model_validate(self.model_dump())


class _Event(_Model):
    version: ClassVar[int] = 1
    # Losing an ephemeral event costs a moment of staleness; a durable one must be repaired.
    ephemeral: ClassVar[bool] = False


class MessageAdded(_Event):
    type: Literal["message_added"] = "message_added"
    message: MessageData
    sender: PublicUser
    # Who it mentions (None from a release before mentions: the subscriber reads them).
    mentions: list[PublicUser] | None = None


class MessageUpdated(_Event):
    """An edit, a deletion (a tombstone) or a change of reactions. It carries the message's
    reactions as they now are, and the reactors they name (the first few of each emoji);
    None from a release before reactions: the subscriber reads them."""

    type: Literal["message_updated"] = "message_updated"
    message: MessageData
    sender: PublicUser
    reactions: list[ReactionData] | None = None
    reactors: list[PublicUser] = []
    mentions: list[PublicUser] | None = None


class ConversationChanged(_Event):
    """Members, title or roles changed; ``added`` and ``removed`` joined or left. It carries
    the conversation as it was then, so ``conversationUpdated`` needs no query per event
    (None from a release before it was added: the subscriber reads it)."""

    type: Literal["conversation_changed"] = "conversation_changed"
    conversation_id: uuid.UUID
    last_seq: int
    added: list[uuid.UUID] = []
    removed: list[uuid.UUID] = []
    conversation: ConversationData | None = None


class ViewerStateData(_Model):
    """A participant's own mute, archive and pin, as stored (``tidings.domain.conversation_state``
    says what they mean at a given time)."""

    muted_at: datetime | None
    muted_until: datetime | None
    archived_at: datetime | None
    pinned_at: datetime | None
    reopened: bool

    @classmethod
    def of(cls, state: ViewerState) -> ViewerStateData:
        return cls.model_validate(state)

    def state(self) -> ViewerState:
        return ViewerState(**self.model_dump())


class ConversationStateChanged(_Event):
    """A user muted, archived or pinned a conversation (or undid it): heard only on that
    user's own channel, by their other devices' ``conversationUpdated``."""

    # Nothing replays it: a lost one leaves a device stale until its next query of the list.
    ephemeral: ClassVar[bool] = True
    type: Literal["conversation_state"] = "conversation_state"
    user_id: uuid.UUID
    conversation: ConversationData
    state: ViewerStateData


class Typing(_Event):
    ephemeral: ClassVar[bool] = True
    type: Literal["typing"] = "typing"
    conversation_id: uuid.UUID
    user: PublicUser
    is_typing: bool


class ReceiptMark(_Model):
    """One participant's marks after they moved."""

    user: PublicUser
    last_delivered_seq: int
    last_read_seq: int
    read_at: datetime | None
    # Hides read receipts: seen only by their own devices.
    private: bool
    # Only the read mark moved (a private one of those is news to nobody else).
    read_only: bool


class ReceiptCount(_Model):
    message_id: uuid.UUID
    seq: int
    delivered: int
    read: int
    recipients: int


class Receipts(_Event):
    """Coalesced mark moves of one conversation, with the new counts of affected messages."""

    ephemeral: ClassVar[bool] = True  # a lost one is replaced by a snapshot (receipt_feed)
    type: Literal["receipts"] = "receipts"
    conversation_id: uuid.UUID
    receipts: list[ReceiptMark]
    counts: list[ReceiptCount]


class PresenceChanged(_Event):
    ephemeral: ClassVar[bool] = True
    type: Literal["presence"] = "presence"
    user: PublicUser
    status: str
    last_seen_at: datetime | None
    shares: bool


class SessionPresence(_Event):
    """A device set its presence over HTTP: its sockets, wherever they are, take it."""

    ephemeral: ClassVar[bool] = True
    type: Literal["session_presence"] = "session_presence"
    session_id: uuid.UUID
    status: str


class SessionRevoked(_Event):
    """A login session ended: every instance closes its sockets (4401). Never bump."""

    type: Literal["session_revoked"] = "session_revoked"
    session_id: uuid.UUID


class BlockChanged(_Event):
    """``blocker_id`` blocked (or unblocked) ``blocked_id``; told to both on their own
    channels, so their presence and typing feeds hide (or show) each other from now on."""

    ephemeral: ClassVar[bool] = True
    type: Literal["block_changed"] = "block_changed"
    blocker_id: uuid.UUID
    blocked_id: uuid.UUID
    blocked: bool


Event = Annotated[
    MessageAdded
    | MessageUpdated
    | ConversationChanged
    | ConversationStateChanged
    | Typing
    | Receipts
    | PresenceChanged
    | SessionPresence
    | SessionRevoked
    | BlockChanged,
    Field(discriminator="type"),
]

_TYPES: dict[str, type[_Event]] = {
    kind.model_fields["type"].default: kind
    for kind in (
        MessageAdded,
        MessageUpdated,
        ConversationChanged,
        ConversationStateChanged,
        Typing,
        Receipts,
        PresenceChanged,
        SessionPresence,
        SessionRevoked,
        BlockChanged,
    )
}
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


class Unreadable(_Model):
    """An event this instance cannot read: another version's, an unknown type, or garbled."""

    type: str | None
    version: object
    # Whether the listeners must be told that events may have been missed.
    durable: bool


def encode(event: Event) -> str:
    """The event's wire form: its fields, ``type``, its type's version and the time."""
    fields = event.model_dump(mode="json")
    # orjson, as for responses: every send and every change publishes one.
    return orjson.dumps({"v": event.version, "ts": time.time(), **fields}).decode()


def decode(data: str | bytes) -> tuple[Event | Unreadable, float | None]:
    """The event in ``data`` and when it was published (None if the sender did not say)."""
    try:
        raw = orjson.loads(data)
    except ValueError:  # orjson.JSONDecodeError is one; so is nesting past its limit
        raw = None
    if not isinstance(raw, dict):
        return Unreadable(type=None, version=None, durable=False), None
    published = raw.get("ts")
    published = float(published) if isinstance(published, int | float) else None
    name, version = raw.get("type"), raw.get("v")
    kind = _TYPES.get(name) if isinstance(name, str) else None
    if kind is None:
        # A type this release does not know is a feature it does not serve: nothing to repair.
        return Unreadable(type=_text(name), version=version, durable=False), published
    if version == kind.version:
        try:
            return _EVENT.validate_python(raw), published
        except ValidationError:
            pass
    return Unreadable(type=name, version=version, durable=not kind.ephemeral), published


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
