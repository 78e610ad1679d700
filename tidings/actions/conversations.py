"""Creating conversations and changing who is in them and what they are called."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings import queries
from tidings.actions.actor import Actor
from tidings.domain import rules
from tidings.errors import Forbidden, ValidationFailed
from tidings.models import Conversation, ConversationKind, Participant, ParticipantRole
from tidings.queries import get_membership

__all__ = [
    "add_participants",
    "create_conversation",
    "leave_conversation",
    "remove_participant",
    "rename_conversation",
]


async def create_conversation(
    actor: Actor,
    *,
    kind: ConversationKind,
    participant_ids: Sequence[uuid.UUID],
    title: str | None,
) -> Conversation:
    """Create a conversation and tell its members.

    A DIRECT conversation that already exists, or that the other person opens at the same
    moment, is returned as it is and nothing is published: its members heard of it when it
    was made.
    """
    services = actor.services
    creator_id = actor.user_id
    await services.limits.hit("createConversation", f"user:{creator_id}")
    others = list(dict.fromkeys(pid for pid in participant_ids if pid != creator_id))
    async with actor.db() as session:
        await _require_users_exist(session, others, argument="participant_ids")
        if kind is ConversationKind.DIRECT:
            if title is not None:
                raise ValidationFailed("title", "Direct conversations have no title")
            if len(others) != 1:
                raise ValidationFailed(
                    "participant_ids",
                    "A direct conversation is between you and exactly one other user",
                )
            if await queries.blocks_between(session, one=creator_id, other=others[0]):
                raise Forbidden("One of you has blocked the other")
            low, high = sorted((creator_id, others[0]))
            direct_key = f"{low}:{high}"
            existing = await queries.direct_conversation(session, direct_key=direct_key)
            if existing is not None:
                return existing
            conversation = Conversation(
                kind=ConversationKind.DIRECT.value, direct_key=direct_key, created_by_id=creator_id
            )
            try:
                # A savepoint, so losing the race below undoes only these rows: a full rollback
                # would expire everything the request has loaded (its viewer too).
                async with session.begin_nested():
                    session.add(conversation)
                    session.add_all(
                        Participant(conversation_id=conversation.id, user_id=uid)
                        for uid in (creator_id, others[0])
                    )
            except IntegrityError:
                # The other person opened the same conversation at the same moment: theirs.
                winner = await queries.direct_conversation(session, direct_key=direct_key)
                assert winner is not None
                return winner
        else:
            max_participants = services.settings.group_max_participants
            clean_title = rules.clean_title(title) if title is not None else None
            if not 2 <= len(others) + 1 <= max_participants:
                raise ValidationFailed(
                    "participant_ids",
                    f"A group has 2–{max_participants} participants, you included",
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
            session.add_all(
                Participant(conversation_id=conversation.id, user_id=uid) for uid in others
            )
        await session.commit()
    await services.events.conversation_changed(conversation, added=[creator_id, *others])
    return conversation


async def _require_users_exist(
    session: AsyncSession, user_ids: Sequence[uuid.UUID], *, argument: str
) -> None:
    if not user_ids:
        return
    found = await queries.existing_user_ids(session, ids=user_ids)
    missing = [str(uid) for uid in user_ids if uid not in found]
    if missing:
        raise ValidationFailed(argument, f"No such user: {', '.join(missing)}")


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
    actor: Actor, *, conversation_id: uuid.UUID, user_ids: Sequence[uuid.UUID]
) -> Conversation:
    """Add users to a group (admins only) and tell the group and the newcomers. Newcomers see
    the history but start with nothing unread; adding a member again changes nothing."""
    max_participants = actor.services.settings.group_max_participants
    async with actor.db() as session:
        conversation = await _require_group_admin(
            session, conversation_id=conversation_id, actor_id=actor.user_id
        )
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            raise ValidationFailed("user_ids", "Name at least one user to add")
        await _require_users_exist(session, wanted, argument="user_ids")
        members = set(await queries.member_ids(session, conversation.id))
        new = [uid for uid in wanted if uid not in members]
        if len(members) + len(new) > max_participants:
            raise ValidationFailed(
                "user_ids", f"A group has at most {max_participants} participants"
            )
        session.add_all(
            Participant(
                conversation_id=conversation.id, user_id=uid, last_read_seq=conversation.last_seq
            )
            for uid in new
        )
        await session.commit()
    if new:
        await actor.services.events.conversation_changed(conversation, added=new)
    return conversation


async def remove_participant(
    actor: Actor, *, conversation_id: uuid.UUID, user_id: uuid.UUID
) -> Conversation:
    """Remove a member from a group (admins only; removing yourself is leaving) and tell the
    group and the one removed."""
    if user_id == actor.user_id:
        return await leave_conversation(actor, conversation_id=conversation_id)
    async with actor.db() as session:
        conversation = await _require_group_admin(
            session, conversation_id=conversation_id, actor_id=actor.user_id
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
            raise ValidationFailed("user_id", "That user is not a participant")
        await session.commit()
    await actor.services.events.conversation_changed(conversation, removed=[user_id])
    return conversation


async def leave_conversation(actor: Actor, *, conversation_id: uuid.UUID) -> Conversation:
    """Leave a group and tell it. The last admin to leave hands the role to the
    longest-standing member."""
    async with actor.db() as session:
        conversation, membership = await get_membership(
            session, conversation_id=conversation_id, user_id=actor.user_id
        )
        if conversation.kind != ConversationKind.GROUP.value:
            raise Forbidden("You cannot leave a direct conversation")
        await session.delete(membership)
        await session.flush()
        if membership.role == ParticipantRole.ADMIN.value:
            await _hand_on_admin(session, conversation.id)
        await session.commit()
    await actor.services.events.conversation_changed(conversation, removed=[actor.user_id])
    return conversation


async def _hand_on_admin(session: AsyncSession, conversation_id: uuid.UUID) -> None:
    if await queries.admin_count(session, conversation_id=conversation_id):
        return
    successor = await queries.longest_standing_member(session, conversation_id=conversation_id)
    if successor is not None:
        successor.role = ParticipantRole.ADMIN.value


async def rename_conversation(
    actor: Actor, *, conversation_id: uuid.UUID, title: str | None
) -> Conversation:
    """Set or clear (``None``) a group's title (admins only) and tell the group."""
    async with actor.db() as session:
        conversation = await _require_group_admin(
            session, conversation_id=conversation_id, actor_id=actor.user_id
        )
        conversation.title = rules.clean_title(title) if title is not None else None
        await session.commit()
    await actor.services.events.conversation_changed(conversation)
    return conversation
