"""Receipts: delivered marks, per-message counts and status, who read what and when.

A recipient of a message is a current participant other than its sender who had joined by
the time it was sent. A user who does not share read receipts still has their reads clear
their own unread counts, but they are not counted in ``readCount`` nor listed in ``readBy``,
and do not count as deliveries: a private read changes nothing anyone else can see.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.models import Message, Participant, ReadReceipt, User

__all__ = [
    "DeliveryStatus",
    "MessageCounts",
    "Recipient",
    "count",
    "count_many",
    "newest_messages",
    "readers",
    "recipients_of",
    "write_delivered",
]


# Bound parameters per statement stay well below SQLite's and PostgreSQL's limits.
_USERS_PER_STATEMENT = 500


class DeliveryStatus(StrEnum):
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"


@dataclass(frozen=True, slots=True)
class Recipient:
    """A participant's marks, with whether they share read receipts."""

    user_id: uuid.UUID
    joined_at: datetime
    last_delivered_seq: int
    last_read_seq: int
    last_read_at: datetime | None
    shares_reads: bool

    @property
    def delivered_seq(self) -> int:
        """How far they have been delivered. A shared read implies delivery; a private one
        counts for nothing anyone else can see (``markRead`` leaves their delivered mark)."""
        if self.shares_reads:
            return max(self.last_delivered_seq, self.last_read_seq)
        return self.last_delivered_seq


@dataclass(frozen=True, slots=True)
class MessageCounts:
    delivered: int
    read: int
    recipients: int

    @property
    def status(self) -> DeliveryStatus:
        """WhatsApp's ticks: DELIVERED / READ once every recipient is."""
        if self.recipients and self.read == self.recipients:
            return DeliveryStatus.READ
        if self.recipients and self.delivered == self.recipients:
            return DeliveryStatus.DELIVERED
        return DeliveryStatus.SENT


def count_many(
    messages: Sequence[tuple[int, uuid.UUID, datetime]], participants: Sequence[Recipient]
) -> list[MessageCounts]:
    """``count`` for each (seq, sender, sent_at) of ``messages``, in their order: the same
    answers in O((messages + participants) log participants) rather than their product."""
    if not messages:
        return []
    oldest = min(sent_at for _, _, sent_at in messages)
    # Who had joined before every one of these messages: counted by bisecting their marks.
    early = [p for p in participants if p.joined_at <= oldest]
    late = [p for p in participants if p.joined_at > oldest]
    delivered_marks = sorted(p.delivered_seq for p in early)
    read_marks = sorted(p.last_read_seq for p in early if p.shares_reads)
    early_by_id = {p.user_id: p for p in early}
    counts = []
    for seq, sender_id, sent_at in messages:
        delivered = len(delivered_marks) - bisect_left(delivered_marks, seq)
        read = len(read_marks) - bisect_left(read_marks, seq)
        recipients = len(early)
        sender = early_by_id.get(sender_id)
        if sender is not None:  # the sender is no recipient of their own message
            recipients -= 1
            delivered -= sender.delivered_seq >= seq
            read -= sender.shares_reads and sender.last_read_seq >= seq
        extra = count(seq=seq, sender_id=sender_id, sent_at=sent_at, participants=late)
        counts.append(
            MessageCounts(
                delivered + extra.delivered, read + extra.read, recipients + extra.recipients
            )
        )
    return counts


def count(
    *, seq: int, sender_id: uuid.UUID, sent_at: datetime, participants: Iterable[Recipient]
) -> MessageCounts:
    delivered = read = recipients = 0
    for p in participants:
        if p.user_id == sender_id or p.joined_at > sent_at:
            continue
        recipients += 1
        delivered += p.delivered_seq >= seq
        read += p.shares_reads and p.last_read_seq >= seq
    return MessageCounts(delivered, read, recipients)


async def recipients_of(
    session: AsyncSession, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Recipient]]:
    """Every participant's marks, per conversation (one query)."""
    rows = await session.execute(
        sa.select(
            col(Participant.conversation_id),
            col(Participant.user_id),
            col(Participant.joined_at),
            col(Participant.last_delivered_seq),
            col(Participant.last_read_seq),
            col(Participant.last_read_at),
            col(User.share_read_receipts),
        )
        .join(User, col(User.id) == col(Participant.user_id))
        .where(col(Participant.conversation_id).in_(conversation_ids))
    )
    grouped: dict[uuid.UUID, list[Recipient]] = defaultdict(list)
    for conversation_id, user_id, joined_at, delivered, read, read_at, shares in rows:
        grouped[conversation_id].append(
            Recipient(user_id, joined_at, delivered, read, read_at, shares)
        )
    return {cid: grouped[cid] for cid in conversation_ids}


async def readers(
    session: AsyncSession, messages: Sequence[tuple[uuid.UUID, int, uuid.UUID, datetime]]
) -> dict[tuple[uuid.UUID, int], list[tuple[uuid.UUID, datetime]]]:
    """For (conversation, seq, sender, sent_at): who read each message and when.

    Only its recipients (as in ``count``) who share read receipts. A reader's ``readAt`` is
    the time of their first read-mark move to that seq or beyond.
    """
    lowest: dict[uuid.UUID, int] = {}
    for conversation_id, seq, _, _ in messages:
        lowest[conversation_id] = min(seq, lowest.get(conversation_id, seq))
    if not lowest:
        return {}
    rows = await session.execute(
        sa.select(
            col(ReadReceipt.conversation_id),
            col(ReadReceipt.user_id),
            col(ReadReceipt.seq),
            col(ReadReceipt.read_at),
            col(Participant.joined_at),
        )
        .join(User, col(User.id) == col(ReadReceipt.user_id))
        .join(
            Participant,
            sa.and_(
                col(Participant.conversation_id) == col(ReadReceipt.conversation_id),
                col(Participant.user_id) == col(ReadReceipt.user_id),
            ),
        )
        .where(
            col(User.share_read_receipts),
            sa.or_(
                *(
                    sa.and_(col(ReadReceipt.conversation_id) == cid, col(ReadReceipt.seq) >= low)
                    for cid, low in lowest.items()
                )
            ),
        )
        .order_by(col(ReadReceipt.seq))
    )
    moves: dict[uuid.UUID, list[tuple[uuid.UUID, int, datetime, datetime]]] = defaultdict(list)
    for conversation_id, user_id, seq, read_at, joined_at in rows:
        moves[conversation_id].append((user_id, seq, read_at, joined_at))
    result: dict[tuple[uuid.UUID, int], list[tuple[uuid.UUID, datetime]]] = {}
    for conversation_id, seq, sender_id, sent_at in messages:
        first: dict[uuid.UUID, datetime] = {}
        for user_id, moved_to, read_at, joined_at in moves[conversation_id]:  # ascending seq
            # A later joiner's first move reads past messages they were never sent.
            if joined_at > sent_at or user_id == sender_id or user_id in first:
                continue
            if moved_to >= seq:
                first[user_id] = read_at
        result[(conversation_id, seq)] = sorted(first.items(), key=lambda item: item[1])
    return result


async def write_delivered(
    session: AsyncSession, marks: Mapping[tuple[uuid.UUID, uuid.UUID], int]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Raise delivered marks (never lower them); return who moved, per conversation.

    One statement per conversation and seq: a message delivered to a thousand members of a
    group moves a thousand marks to the same seq.
    """
    users_by_seq: dict[tuple[uuid.UUID, int], list[uuid.UUID]] = defaultdict(list)
    for (conversation_id, user_id), seq in marks.items():
        users_by_seq[conversation_id, seq].append(user_id)
    moved: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for (conversation_id, seq), user_ids in users_by_seq.items():
        for start in range(0, len(user_ids), _USERS_PER_STATEMENT):
            changed = await session.scalars(
                sa.update(Participant)
                .where(
                    col(Participant.conversation_id) == conversation_id,
                    col(Participant.user_id).in_(user_ids[start : start + _USERS_PER_STATEMENT]),
                    col(Participant.last_delivered_seq) < seq,
                )
                .values(last_delivered_seq=seq)
                .returning(col(Participant.user_id))
            )
            moved[conversation_id].update(changed)
    await session.commit()
    return {conversation_id: users for conversation_id, users in moved.items() if users}


async def newest_messages(
    session: AsyncSession, conversation_id: uuid.UUID, *, up_to: int, limit: int = 100
) -> list[tuple[uuid.UUID, int, uuid.UUID, datetime]]:
    """(id, seq, sender, created_at) of the newest ``limit`` messages up to seq ``up_to``."""
    rows = await session.execute(
        sa.select(
            col(Message.id), col(Message.seq), col(Message.sender_id), col(Message.created_at)
        )
        .where(col(Message.conversation_id) == conversation_id, col(Message.seq) <= up_to)
        .order_by(col(Message.seq).desc())
        .limit(limit)
    )
    return [(message_id, seq, sender, at) for message_id, seq, sender, at in rows]
