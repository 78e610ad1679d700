"""What a history page loads at once for all its messages.

As the inbox does (``InboxLoads``): a page of history resolves the same fields for up to 100
messages, and an async resolver costs graphql-core a coroutine and a task each. So the page
looks ahead at what its ``edges { node }`` asks for and loads each relation once for all its
messages; the message's fields then answer from ``HistoryLoads`` synchronously.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from tidings import models
from tidings.domain.receipts import MessageCounts, count_many
from tidings.graphql.context import Info
from tidings.graphql.lookahead import fields_of, node_fields
from tidings.graphql.types.receipts import MessageRead
from tidings.graphql.types.users import User

__all__ = ["HistoryLoads"]

# The fields answered from a message's counts.
_COUNTS = {"status", "deliveredCount", "readCount", "recipientCount"}


@dataclass(slots=True)
class HistoryLoads:
    """What a page loaded for all its messages, by message or user id. An absent key was not
    asked for: the field loads it itself, as it does for a message off any page."""

    users: dict[uuid.UUID, User] = field(default_factory=dict)
    reply_targets: dict[uuid.UUID, models.Message | None] = field(default_factory=dict)
    counts: dict[uuid.UUID, MessageCounts] = field(default_factory=dict)
    reads: dict[uuid.UUID, list[MessageRead]] = field(default_factory=dict)

    @classmethod
    async def load(cls, info: Info, messages: list[models.Message]) -> HistoryLoads:
        """One batched load per relation the selection of ``edges { node }`` follows."""
        loads = cls()
        if not messages:
            return loads
        loaders = await info.context.loaders()
        node = node_fields(info)
        asked = {selected.name for selected in node}
        below = {
            inner.name
            for selected in node
            if selected.name == "replyTo"
            for inner in fields_of(selected.selections)
        }
        sender_ids = _unique(m.sender_id for m in messages) if "sender" in asked else []
        target_ids = (
            _unique(m.reply_to_id for m in messages if m.reply_to_id is not None)
            if "replyTo" in asked
            else []
        )
        # One conversation per page; its recipients count the page and the replies' targets.
        conversation_ids = (
            _unique(m.conversation_id for m in messages) if (asked | below) & _COUNTS else []
        )
        read_keys = (
            [(m.conversation_id, m.seq, m.sender_id, m.created_at) for m in messages]
            if "readBy" in asked
            else []
        )
        senders, targets, recipients, reads = await asyncio.gather(
            loaders.users.load_many(sender_ids),
            loaders.messages.load_many(target_ids),
            loaders.recipients.load_many(conversation_ids),
            loaders.readers.load_many(read_keys),
        )
        loads.reply_targets = dict(zip(target_ids, targets, strict=True))
        found = [t for t in targets if t is not None]
        # Users of the targets' senders and of the readers, in one load with those not yet had.
        more_ids = _unique(
            [
                *(t.sender_id for t in found if "sender" in below),
                *(user_id for read in reads for user_id, _ in read),
            ]
        )
        users = dict(zip(sender_ids, senders, strict=True))
        users.update(zip(more_ids, await loaders.users.load_many(more_ids), strict=True))
        loads.users = {uid: User.of(user) for uid, user in users.items() if user is not None}

        counted = [*messages, *found] if below & _COUNTS else messages
        for conversation_id, participants in zip(conversation_ids, recipients, strict=True):
            group = [m for m in counted if m.conversation_id == conversation_id]
            keys = [(m.seq, m.sender_id, m.created_at) for m in group]
            counts = count_many(keys, participants)
            loads.counts.update((m.id, c) for m, c in zip(group, counts, strict=True))

        if read_keys:
            for message, read in zip(messages, reads, strict=True):
                loads.reads[message.id] = [
                    MessageRead(user=loads.users[user_id], read_at=read_at)
                    for user_id, read_at in read
                    if user_id in loads.users
                ]
        return loads


def _unique(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))
