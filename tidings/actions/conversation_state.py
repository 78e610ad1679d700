"""A participant's own view of a conversation: mute, archive, pin, and undoing each.

Each is idempotent: asking for the state a conversation is already in changes nothing and
publishes nothing. A change is heard only by the actor's own devices (``conversationUpdated``).
The rules, and why, are in docs/conversation-state.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from tidings import queries
from tidings.actions.actor import Actor
from tidings.domain.conversation_state import MAX_PINNED, ViewerState
from tidings.errors import Conflict, ValidationFailed
from tidings.models import Conversation, Participant
from tidings.queries import get_membership

__all__ = [
    "archive_conversation",
    "mute_conversation",
    "pin_conversation",
    "unarchive_conversation",
    "unmute_conversation",
    "unpin_conversation",
]

# Changes a membership in place for the state asked for (the state before, and now).
Change = Callable[[Participant, Conversation, ViewerState, datetime], None]
# Checks, in the change's transaction, what the membership alone cannot tell.
Check = Callable[[AsyncSession, Participant], Awaitable[None]]


async def _state(session: AsyncSession, participant: Participant) -> ViewerState:
    states = await queries.viewer_states(
        session, user_id=participant.user_id, conversation_ids=[participant.conversation_id]
    )
    return states[participant.conversation_id]


async def _apply(
    actor: Actor, conversation_id: uuid.UUID, change: Change, check: Check | None = None
) -> Conversation:
    """Apply ``change`` to the actor's membership; commit and tell their devices if it
    changed what they would see (nothing, for a repeat)."""
    await actor.services.limits.hit("conversationState", f"user:{actor.user_id}")
    now = actor.services.clock.now()
    async with actor.db() as session:
        conversation, participant = await get_membership(
            session, conversation_id=conversation_id, user_id=actor.user_id
        )
        if check is not None:
            await check(session, participant)
        before = await _state(session, participant)
        change(participant, conversation, before, now)
        if not session.is_modified(participant):
            return conversation
        await session.flush()
        after = await _state(session, participant)
        await session.commit()
    await actor.services.events.conversation_state(actor.user_id, conversation, after)
    return conversation


async def mute_conversation(
    actor: Actor, *, conversation_id: uuid.UUID, until: datetime | None
) -> Conversation:
    """Mute until ``until`` (a future time), or until unmuted with ``None``."""
    now = actor.services.clock.now()
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)  # DateTime is UTC (SPEC §4)
    if until is not None and until <= now:
        raise ValidationFailed("until", "until must be in the future")

    def mute(participant: Participant, _: Conversation, before: ViewerState, at: datetime) -> None:
        if before.muted(at) and participant.muted_until == until:
            return
        if not before.muted(at):
            participant.muted_at = at
            # A message that came unmuted already brought it back from the archive: muting
            # now must not send it back there.
            if participant.archived_at is not None and before.reopened:
                participant.archived_at = participant.archived_seq = None
        participant.muted_until = until

    return await _apply(actor, conversation_id, mute)


async def unmute_conversation(actor: Actor, *, conversation_id: uuid.UUID) -> Conversation:
    """Unmute. An archived conversation that got messages while muted comes back to the list."""

    def unmute(participant: Participant, *_: object) -> None:
        if participant.muted_at is not None:
            participant.muted_at = participant.muted_until = None

    return await _apply(actor, conversation_id, unmute)


async def archive_conversation(actor: Actor, *, conversation_id: uuid.UUID) -> Conversation:
    """Move out of the default list (and unpin, as WhatsApp does)."""

    def archive(
        participant: Participant, conversation: Conversation, before: ViewerState, at: datetime
    ) -> None:
        if before.archived(at):
            return
        participant.archived_at = at
        participant.archived_seq = conversation.last_seq
        participant.pinned_at = None

    return await _apply(actor, conversation_id, archive)


async def unarchive_conversation(actor: Actor, *, conversation_id: uuid.UUID) -> Conversation:
    """Back into the default list."""

    def unarchive(participant: Participant, *_: object) -> None:
        if participant.archived_at is not None:
            participant.archived_at = participant.archived_seq = None

    return await _apply(actor, conversation_id, unarchive)


async def pin_conversation(actor: Actor, *, conversation_id: uuid.UUID) -> Conversation:
    """Pin to the top of the list (unarchiving it); ``CONFLICT`` beyond ``MAX_PINNED``."""

    async def room_for_one_more(session: AsyncSession, participant: Participant) -> None:
        if participant.pinned_at is not None:
            return
        # Counted under a lock on the user (PostgreSQL; SQLite has one writer anyway), so two
        # pins at once cannot both take the last place.
        if await queries.pinned_count(session, user_id=actor.user_id, lock=True) >= MAX_PINNED:
            raise Conflict(
                f"At most {MAX_PINNED} conversations can be pinned; unpin one first",
                field="conversation_id",
            )

    def pin(participant: Participant, _: Conversation, __: ViewerState, at: datetime) -> None:
        if participant.pinned_at is None:
            participant.pinned_at = at
            participant.archived_at = participant.archived_seq = None

    return await _apply(actor, conversation_id, pin, room_for_one_more)


async def unpin_conversation(actor: Actor, *, conversation_id: uuid.UUID) -> Conversation:
    def unpin(participant: Participant, *_: object) -> None:
        if participant.pinned_at is not None:
            participant.pinned_at = None

    return await _apply(actor, conversation_id, unpin)
