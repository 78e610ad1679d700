"""The ``messageUpdated`` an edit, a deletion or a reaction publishes once it has committed:
the message with its reactions and mentions as they now are, so no subscriber reads them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tidings import queries
from tidings.actions.actor import Actor
from tidings.domain.reactions import SHOWN_REACTORS
from tidings.models import Message, User
from tidings.realtime.events import PublicUser, ReactionData

__all__ = ["mentions_for_event", "publish_update", "reactions_for_event"]


async def reactions_for_event(
    session: AsyncSession, message_id: uuid.UUID
) -> tuple[list[ReactionData], list[PublicUser]]:
    """A message's reactions as ``messageUpdated`` carries them, with the reactors shown."""
    groups = (await queries.reactions_of(session, message_ids=[message_id]))[message_id]
    shown = {uid for group in groups for uid in group.user_ids[:SHOWN_REACTORS]}
    users = await queries.users_by_id(session, ids=shown)
    return (
        [ReactionData(emoji=g.emoji, user_ids=list(g.user_ids)) for g in groups],
        [PublicUser.of(user) for user in users.values()],
    )


async def publish_update(
    actor: Actor,
    session: AsyncSession,
    message: Message,
    *,
    reactions: tuple[list[ReactionData], list[PublicUser]] | None = None,
    mentions: list[PublicUser] | None = None,
) -> None:
    """Publish ``messageUpdated`` for a committed change, with the message's reactions and
    mentions (read now unless given), so no subscriber needs the database to show them."""
    if reactions is None:
        reactions = await reactions_for_event(session, message.id)
    if mentions is None:
        mentions = await mentions_for_event(session, message.id)
    sender = await session.get(User, message.sender_id)
    assert sender is not None
    await actor.services.events.message(
        message, PublicUser.of(sender), added=False, reactions=reactions, mentions=mentions
    )


async def mentions_for_event(session: AsyncSession, message_id: uuid.UUID) -> list[PublicUser]:
    """Who a message mentions, as its events carry them."""
    found = (await queries.mentioned_in(session, message_ids=[message_id]))[message_id]
    users = await queries.users_by_id(session, ids=found)
    return sorted(
        (PublicUser.of(users[uid]) for uid in found if uid in users), key=lambda u: u.username
    )
