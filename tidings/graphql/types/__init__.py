"""GraphQL object types, and the one place that converts tables into them."""

from __future__ import annotations

from tidings.graphql.types.conversations import (
    Conversation,
    ConversationConnection,
    ConversationKind,
    Participant,
    ParticipantRole,
)
from tidings.graphql.types.messages import (
    MAX_PAGE_SIZE,
    ContentType,
    Message,
    MessageConnection,
    PageInfo,
    load_message_page,
    page_size,
)
from tidings.graphql.types.receipts import (
    DeliveryStatus,
    MessageRead,
    MessageReceiptCount,
    ParticipantReceipt,
    ReceiptUpdate,
)
from tidings.graphql.types.users import (
    AuthPayload,
    Presence,
    PresenceEvent,
    PresenceStatus,
    Settings,
    TypingEvent,
    User,
    Viewer,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "AuthPayload",
    "ContentType",
    "Conversation",
    "ConversationConnection",
    "ConversationKind",
    "DeliveryStatus",
    "Message",
    "MessageConnection",
    "MessageRead",
    "MessageReceiptCount",
    "PageInfo",
    "Participant",
    "ParticipantReceipt",
    "ParticipantRole",
    "Presence",
    "PresenceEvent",
    "PresenceStatus",
    "ReceiptUpdate",
    "Settings",
    "TypingEvent",
    "User",
    "Viewer",
    "load_message_page",
    "page_size",
]
