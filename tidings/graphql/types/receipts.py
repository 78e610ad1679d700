"""Receipts: delivery status, who read what, and the coalesced ``receiptUpdated`` events."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tidings.domain.receipts import DeliveryStatus
from tidings.graphql.types.users import User

__all__ = [
    "DeliveryStatus",
    "MessageRead",
    "MessageReceiptCount",
    "ParticipantReceipt",
    "ReceiptUpdate",
]

strawberry.enum(DeliveryStatus)


@strawberry.type
class MessageRead:
    user: User
    read_at: datetime


@strawberry.type
class ParticipantReceipt:
    user: User
    last_delivered_seq: int
    last_read_seq: int
    read_at: datetime | None


@strawberry.type
class MessageReceiptCount:
    message_id: strawberry.ID
    seq: int
    delivered_count: int
    read_count: int
    recipient_count: int


@strawberry.type
class ReceiptUpdate:
    conversation_id: strawberry.ID
    receipts: list[ParticipantReceipt]
    counts: list[MessageReceiptCount]
