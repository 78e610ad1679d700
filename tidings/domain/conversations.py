"""Conversations and membership: create, add, remove, leave, rename."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.domain import rules
from tidings.errors import Forbidden, ValidationFailed
from tidings.models import (
    Conversation,
    ConversationKind,
    Participant,
    ParticipantRole,
    User,
)
from tidings.queries.conversations import get_membership, member_ids

# get_membership and member_ids: re-exported, as the mutation resolvers read them from here.
__all__ = [
    "add_participants",
    "create_conversation",
    "get_membership",
    "leave_conversation",
    "member_ids",
    "remove_participant",
    "rename_conversation",
]


async def create_conversation(
    *,
    session: AsyncSession,
    creator_id: uuid.UUID,
    kind: ConversationKind,
    participant_ids: Sequence[uuid.UUID],
    title: str | None,
    max_participants: int,
) -> tuple[Conversation, bool]:
    """Create a conversation; a DIRECT one that already exists is returned as it is.

    Returns the conversation and whether this call created it.
    """
    others = list(dict.fromkeys(pid for pid in participant_ids if pid != creator_id))
    await _require_users_exist(session, others, field="participantIds")
    if kind is ConversationKind.DIRECT:
        if title is not None:
            raise ValidationFailed("title", "Direct conversations have no title")
        if len(others) != 1:
            raise ValidationFailed(
                "participantIds", "A direct conversation is between you and exactly one other user"
            )
        return await _open_direct(session=session, creator_id=creator_id, other_id=others[0])

    clean_title = rules.clean_title(title) if title is not None else None
    if not 2 <= len(others) + 1 <= max_participants:
        raise ValidationFailed(
            "participantIds", f"A group has 2–{max_participants} participants, you included"
        )
    conversation = Conversation(
        kind=ConversationKind.GROUP.value, title=clean_title, created_by_id=creator_id
    )
    session.add(conversation)
    session.add(
        Participant(
            conversation_id=conversation.id,
            user_id=creator_id,
            role=ParticipantRole.ADMIN.value,
        )
    )
    session.add_all(Participant(conversation_id=conversation.id, user_id=uid) for uid in others)
    await session.commit()
    return conversation, True


async def _open_direct(
    *, session: AsyncSession, creator_id: uuid.UUID, other_id: uuid.UUID
) -> tuple[Conversation, bool]:
    low, high = sorted((creator_id, other_id))
    direct_key = f"{low}:{high}"
    existing = await session.scalar(
        sa.select(Conversation).where(col(Conversation.direct_key) == direct_key)
    )
    if existing is not None:
        return existing, False
    conversation = Conversation(
        kind=ConversationKind.DIRECT.value, direct_key=direct_key, created_by_id=creator_id
    )
    try:
        # A savepoint, so losing the race below undoes only these rows: a full rollback would
        # expire everything the request has loaded (its viewer too), breaking the response.
        async with session.begin_nested():
            session.add(conversation)
            session.add_all(
                Participant(conversation_id=conversation.id, user_id=uid)
                for uid in (creator_id, other_id)
            )
    except IntegrityError:
        # The other person opened the same conversation at the same moment: use theirs.
        winner = await session.scalar(
            sa.select(Conversation).where(col(Conversation.direct_key) == direct_key)
        )
        assert winner is not None
        return winner, False
    await session.commit()
    return conversation, True


async def _require_users_exist(
    session: AsyncSession, user_ids: Sequence[uuid.UUID], *, field: str
) -> None:
    if not user_ids:
        return
    found = set(await session.scalars(sa.select(col(User.id)).where(col(User.id).in_(user_ids))))
    missing = [str(uid) for uid in user_ids if uid not in found]
    if missing:
        raise ValidationFailed(field, f"No such user: {', '.join(missing)}")


async def _require_group_admin(
    session: AsyncSession, *, conversation_id: uuid.UUID, actor_id: uuid.UUID
) -> Conversation:
    conversation, membership = await get_membership(
        session, conversation_id=conversation_id, user_id=actor_id
    )
    if conversation.kind != ConversationKind.GROUP.value:
        raise Forbidden("Members of a direct conversation cannot be changed")
    if membership.role != ParticipantRole.ADMIN.value:
        raise Forbidden("Only a group admin can do that")
    return conversation


async def add_participants(
    *,
    session: AsyncSession,
    actor_id: uuid.UUID,
    conversation_id: uuid.UUID,
    user_ids: Sequence[uuid.UUID],
    max_participants: int,
) -> tuple[Conversation, list[uuid.UUID]]:
    """Add users to a group (admins only). Returns the conversation and who was new."""
    conversation = await _require_group_admin(
        session, conversation_id=conversation_id, actor_id=actor_id
    )
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        raise ValidationFailed("userIds", "Name at least one user to add")
    await _require_users_exist(session, wanted, field="userIds")
    members = set(
        await session.scalars(
            sa.select(col(Participant.user_id)).where(
                col(Participant.conversation_id) == conversation.id
            )
        )
    )
    new = [uid for uid in wanted if uid not in members]
    if len(members) + len(new) > max_participants:
        raise ValidationFailed("userIds", f"A group has at most {max_participants} participants")
    # Newcomers see the history but start with nothing unread.
    session.add_all(
        Participant(
            conversation_id=conversation.id, user_id=uid, last_read_seq=conversation.last_seq
        )
        for uid in new
    )
    await session.commit()
    return conversation, new


async def remove_participant(
    *, session: AsyncSession, actor_id: uuid.UUID, conversation_id: uuid.UUID, user_id: uuid.UUID
) -> Conversation:
    """Remove a member from a group (admins only; removing yourself is leaving)."""
    if user_id == actor_id:
        return await leave_conversation(
            session=session, user_id=actor_id, conversation_id=conversation_id
        )
    conversation = await _require_group_admin(
        session, conversation_id=conversation_id, actor_id=actor_id
    )
    removed = await session.scalar(
        sa.delete(Participant)
        .where(
            col(Participant.conversation_id) == conversation.id,
            col(Participant.user_id) == user_id,
        )
        .returning(col(Participant.user_id))
    )
    if removed is None:
        raise ValidationFailed("userId", "That user is not a participant")
    await session.commit()
    return conversation


async def leave_conversation(
    *, session: AsyncSession, user_id: uuid.UUID, conversation_id: uuid.UUID
) -> Conversation:
    """Leave a group. The last admin to leave hands the role to the longest-standing member."""
    conversation, membership = await get_membership(
        session, conversation_id=conversation_id, user_id=user_id
    )
    if conversation.kind != ConversationKind.GROUP.value:
        raise Forbidden("You cannot leave a direct conversation")
    await session.delete(membership)
    await session.flush()
    if membership.role == ParticipantRole.ADMIN.value:
        admins = await session.scalar(
            sa.select(sa.func.count())
            .select_from(Participant)
            .where(
                col(Participant.conversation_id) == conversation.id,
                col(Participant.role) == ParticipantRole.ADMIN.value,
            )
        )
        if not admins:
            successor = await session.scalar(
                sa.select(Participant)
                .where(col(Participant.conversation_id) == conversation.id)
                .order_by(col(Participant.joined_at), col(Participant.user_id))
                .limit(1)
            )
            if successor is not None:
                successor.role = ParticipantRole.ADMIN.value
    await session.commit()
    return conversation


async def rename_conversation(
    *, session: AsyncSession, actor_id: uuid.UUID, conversation_id: uuid.UUID, title: str | None
) -> Conversation:
    """Set or clear (``None``) a group's title (admins only)."""
    conversation = await _require_group_admin(
        session, conversation_id=conversation_id, actor_id=actor_id
    )
    conversation.title = rules.clean_title(title) if title is not None else None
    await session.commit()
    return conversation
