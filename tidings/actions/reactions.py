"""Reacting to messages: adding and removing one emoji, and the message update they publish.

Both are idempotent (adding what is there, or removing what is not, changes and publishes
nothing) and both take the message's row lock first (the ``reactions_changed_at`` update), so
concurrent reactors queue: the 20-emoji cap holds, and each event carries the reactions as
they stood when its change committed.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from tidings import queries
from tidings.actions.actor import Actor
from tidings.actions.updates import publish_update, reactions_for_event
from tidings.domain.reactions import MAX_DISTINCT_EMOJI, clean_emoji
from tidings.errors import Conflict, Forbidden, NotFound, NotInConversation
from tidings.models import Message, Reaction, utcnow

__all__ = ["add_reaction", "remove_reaction"]


async def add_reaction(actor: Actor, *, message_id: uuid.UUID, emoji: str) -> Message:
    """React to a message in one of the actor's conversations with ``emoji``; publish
    ``messageUpdated`` with its reactions. A 21st distinct emoji is a ``CONFLICT``."""
    await actor.services.limits.hit("react", f"user:{actor.user_id}")
    emoji = clean_emoji(emoji)
    async with actor.db() as session:
        message = await _reactable(session, message_id, actor.user_id)
        key = (message_id, emoji, actor.user_id)
        if await session.get(Reaction, key) is not None:
            return await _unchanged(session, message)
        present = await queries.emoji_on_message(session, message_id=message_id)
        if emoji not in present and len(present) >= MAX_DISTINCT_EMOJI:
            await session.rollback()
            raise Conflict(
                f"A message carries at most {MAX_DISTINCT_EMOJI} different reactions",
                field="emoji",
            )
        session.add(Reaction(message_id=message_id, emoji=emoji, user_id=actor.user_id))
        await _commit_and_publish(actor, session, message)
    return message


async def remove_reaction(actor: Actor, *, message_id: uuid.UUID, emoji: str) -> Message:
    """Take back the actor's ``emoji`` reaction; publish ``messageUpdated`` if it was there."""
    await actor.services.limits.hit("react", f"user:{actor.user_id}")
    emoji = clean_emoji(emoji)
    async with actor.db() as session:
        message = await _reactable(session, message_id, actor.user_id, tombstone_ok=True)
        removed = await session.execute(
            sa.delete(Reaction).where(
                col(Reaction.message_id) == message_id,
                col(Reaction.emoji) == emoji,
                col(Reaction.user_id) == actor.user_id,
            )
        )
        if removed.rowcount == 0:  # type: ignore[attr-defined]  # a CursorResult's
            return await _unchanged(session, message)
        await _commit_and_publish(actor, session, message)
    return message


async def _reactable(
    session: AsyncSession, message_id: uuid.UUID, user_id: uuid.UUID, *, tombstone_ok: bool = False
) -> Message:
    """The message, its row locked for this transaction, if the user is in its conversation
    (``NOT_IN_CONVERSATION`` otherwise, also for a message that does not exist) and, unless
    ``tombstone_ok``, it is not deleted (``FORBIDDEN``)."""
    try:
        message, _ = await queries.get_visible_message(
            session, message_id=message_id, viewer_id=user_id
        )
    except NotFound:
        raise NotInConversation from None
    now = utcnow()
    locked = await session.scalar(
        sa.update(Message)
        .where(col(Message.id) == message_id)
        .values(reactions_changed_at=now)
        .returning(col(Message.deleted_at))
        .execution_options(synchronize_session=False)
    )
    set_committed_value(message, "reactions_changed_at", now)
    set_committed_value(message, "deleted_at", locked)
    if locked is not None and not tombstone_ok:
        await session.rollback()
        raise Forbidden("A deleted message cannot be reacted to")
    return message


async def _unchanged(session: AsyncSession, message: Message) -> Message:
    """Nothing to do: undo the lock's update; the rollback expired the message, read it back
    (the response reads it without a database trip)."""
    await session.rollback()
    await session.refresh(message)
    return message


async def _commit_and_publish(actor: Actor, session: AsyncSession, message: Message) -> None:
    # Read under the lock, before the commit: the reactions as this change left them.
    await session.flush()
    reactions, reactors = await reactions_for_event(session, message.id)
    await session.commit()
    await publish_update(actor, session, message, reactions=(reactions, reactors))
