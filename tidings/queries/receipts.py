"""Receipts and read marks: every participant's marks, who read what, unread counts, and
the delivered-marks write.

The counting itself is pure (``tidings.domain.receipts``); these are the statements it counts
from. Delivered marks are written here too, in batches by ``tidings.realtime.receipts`` (read
marks move with ``markRead``, a user's action).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.domain.receipts import Recipient
from tidings.models import Message, Participant, ReadReceipt, User
from tidings.queries.lists import array_of, on_postgresql, one_of

__all__ = ["readers", "recipients_of", "unread_counts", "write_delivered"]

# Bound parameters per statement stay well below SQLite's and PostgreSQL's limits.
_USERS_PER_STATEMENT = 500


async def recipients_of(
    session: AsyncSession, *, conversation_ids: Sequence[uuid.UUID]
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
        .where(one_of(session, col(Participant.conversation_id), conversation_ids))
    )
    grouped: dict[uuid.UUID, list[Recipient]] = defaultdict(list)
    for conversation_id, user_id, joined_at, delivered, read, read_at, shares in rows:
        grouped[conversation_id].append(
            Recipient(user_id, joined_at, delivered, read, read_at, shares)
        )
    return {cid: grouped[cid] for cid in conversation_ids}


async def readers(
    session: AsyncSession, *, messages: Sequence[tuple[uuid.UUID, int, uuid.UUID, datetime]]
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


async def unread_counts(
    session: AsyncSession, *, user_id: uuid.UUID, conversation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Per conversation: messages after the user's read mark, not theirs, not deleted."""
    rows = await session.execute(
        sa.select(col(Message.conversation_id), sa.func.count())
        .join(
            Participant,
            sa.and_(
                col(Participant.conversation_id) == col(Message.conversation_id),
                col(Participant.user_id) == user_id,
            ),
        )
        .where(
            one_of(session, col(Message.conversation_id), conversation_ids),
            col(Message.seq) > col(Participant.last_read_seq),
            col(Message.sender_id) != user_id,
            col(Message.deleted_at).is_(None),
        )
        .group_by(col(Message.conversation_id))
    )
    counts: dict[uuid.UUID, int] = dict.fromkeys(conversation_ids, 0)
    # Not dict(rows): a Result has .keys() (its column names), so dict() would index it.
    counts.update(dict(rows.all()))
    return counts


async def write_delivered(
    session: AsyncSession, *, marks: Mapping[tuple[uuid.UUID, uuid.UUID], int]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Raise delivered marks (never lower them); return who moved, per conversation.

    PostgreSQL: one statement for the whole batch, the marks joined in as arrays (an inbox
    read shows 100 conversations' last messages: 100 marks, most of them where they were).
    SQLite: one statement per conversation and seq (a message delivered to a thousand
    members of a group moves a thousand marks to the same seq).
    """
    moved: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    if on_postgresql(session) and marks:
        for conversation_id, user_id in (await session.execute(_marks_raised(marks))).all():
            moved[conversation_id].add(user_id)
    else:
        users_by_seq: dict[tuple[uuid.UUID, int], list[uuid.UUID]] = defaultdict(list)
        for (conversation_id, user_id), seq in marks.items():
            users_by_seq[conversation_id, seq].append(user_id)
        for (conversation_id, seq), user_ids in users_by_seq.items():
            for start in range(0, len(user_ids), _USERS_PER_STATEMENT):
                changed = await session.scalars(
                    sa.update(_PARTICIPANTS)
                    .where(
                        _PARTICIPANTS.c.conversation_id == conversation_id,
                        _PARTICIPANTS.c.user_id.in_(user_ids[start : start + _USERS_PER_STATEMENT]),
                        _PARTICIPANTS.c.last_delivered_seq < seq,
                    )
                    .values(last_delivered_seq=seq)
                    .returning(_PARTICIPANTS.c.user_id)
                )
                moved[conversation_id].update(changed)
    await session.commit()
    return {conversation_id: users for conversation_id, users in moved.items() if users}


# The table, not the model: these writes need none of the ORM's bookkeeping of loaded rows.
_PARTICIPANTS: sa.Table = Participant.__table__  # type: ignore[attr-defined]  # table=True


def _marks_raised(marks: Mapping[tuple[uuid.UUID, uuid.UUID], int]) -> sa.Update:
    """``UPDATE participants ... FROM unnest(conversations, users, seqs)``: every mark below
    its new seq raised, returning whose moved."""
    keys = list(marks)
    wanted = (
        sa.func.unnest(
            array_of([conversation_id for conversation_id, _ in keys], sa.Uuid()),
            array_of([user_id for _, user_id in keys], sa.Uuid()),
            array_of(list(marks.values()), sa.Integer()),
        )
        .table_valued("conversation_id", "user_id", "seq")
        .render_derived(name="wanted")
    )
    return (
        sa.update(_PARTICIPANTS)
        .where(
            _PARTICIPANTS.c.conversation_id == wanted.c.conversation_id,
            _PARTICIPANTS.c.user_id == wanted.c.user_id,
            _PARTICIPANTS.c.last_delivered_seq < wanted.c.seq,
        )
        .values(last_delivered_seq=wanted.c.seq)
        .returning(_PARTICIPANTS.c.conversation_id, _PARTICIPANTS.c.user_id)
    )
