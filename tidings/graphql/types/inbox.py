"""What the inbox loads at once for a whole page of conversations.

The inbox resolves the same fields for up to 100 conversations, and an async resolver costs
graphql-core a coroutine and a task each. So the page looks ahead at what its selection of
``edges { node }`` asks for and loads each relation once for all its conversations; the
conversation's fields then answer from ``InboxLoads`` synchronously.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from tidings import models
from tidings.graphql.context import Info
from tidings.graphql.lookahead import fields_of, node_fields

__all__ = ["InboxLoads", "title_of"]

# A participant's user, lastReadSeq and lastReadAt all need its user row.
_NEED_USER = ("user", "lastReadSeq", "lastReadAt")


@dataclass(slots=True)
class InboxLoads:
    """What the inbox loaded for all its conversations at once; absent keys were not asked for."""

    viewer_id: uuid.UUID
    participants: dict[uuid.UUID, list[models.Participant]] = field(default_factory=dict)
    # Users of the participants loaded with their users, of creators, of last messages' senders.
    users: dict[uuid.UUID, models.User | None] = field(default_factory=dict)
    unread_counts: dict[uuid.UUID, int] = field(default_factory=dict)
    last_messages: dict[uuid.UUID, models.Message | None] = field(default_factory=dict)
    # Conversations whose participants came with their users.
    with_users: set[uuid.UUID] = field(default_factory=set)

    @classmethod
    async def load(cls, info: Info, conversations: list[models.Conversation]) -> InboxLoads:
        """One batched load per relation the selection of ``edges { node }`` follows."""
        viewer = await info.context.viewer()
        loaders = await info.context.loaders()
        node = node_fields(info)
        asked = {selected.name for selected in node}
        nested = {
            (selected.name, inner.name)
            for selected in node
            for inner in fields_of(selected.selections)
        }
        loads = cls(viewer.user_id)
        # Untitled conversations are titled after their members.
        named = {c.id for c in conversations if "displayTitle" in asked and not c.title}
        counted = bool(asked & {"participants", "participantCount"})
        members = [c.id for c in conversations if counted or c.id in named]
        users_of_all = any(("participants", name) in nested for name in _NEED_USER)
        loads.with_users = {c.id for c in conversations if users_of_all or c.id in named}
        with_messages = [c.id for c in conversations if "lastMessage" in asked and c.last_seq]
        unread = [c.id for c in conversations] if "unreadCount" in asked else []
        participants, last_messages, unread_counts = await asyncio.gather(
            loaders.participants.load_many(members),
            loaders.last_messages.load_many(with_messages),
            loaders.unread_counts.load_many(unread),
        )
        loads.participants = dict(zip(members, participants, strict=True))
        loads.last_messages = dict(zip(with_messages, last_messages, strict=True))
        loads.unread_counts = dict(zip(unread, unread_counts, strict=True))
        user_ids = {viewer.user_id}
        for cid in loads.with_users:
            user_ids.update(p.user_id for p in loads.participants[cid])
        if "createdBy" in asked:
            user_ids.update(c.created_by_id for c in conversations)
        if ("lastMessage", "sender") in nested:
            user_ids.update(m.sender_id for m in loads.last_messages.values() if m is not None)
        ids = list(user_ids)
        loads.users = dict(zip(ids, await loaders.users.load_many(ids), strict=True))
        return loads


def title_of(
    participants: list[models.Participant],
    users: Mapping[uuid.UUID, models.User | None],
    viewer_id: uuid.UUID,
) -> str:
    """The other participants' display names, or else the viewer's own."""
    others = sorted(
        user.display_name
        for user in (users.get(p.user_id) for p in participants)
        if user is not None and user.id != viewer_id
    )
    if others:
        return ", ".join(others)
    me = users.get(viewer_id)
    return me.display_name if me is not None else ""
