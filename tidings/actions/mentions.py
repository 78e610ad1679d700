"""Resolving a message's ``@username`` mentions to participants and storing them.

Called by sending (only for content with an ``@``: the one-statement send stays one statement
otherwise) and by editing (which replaces them); deleting removes them with the content.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings import queries
from tidings.domain.mentions import mentioned_usernames
from tidings.models import Mention, Message
from tidings.realtime.events import PublicUser

__all__ = ["forget_mentions", "write_mentions"]


async def write_mentions(
    session: AsyncSession, message: Message, *, replace: bool = False
) -> list[PublicUser]:
    """Store who ``message`` mentions (in the session's transaction: the caller commits) and
    return them for the event. ``replace``: an edit, whose earlier mentions go first."""
    if replace:
        await forget_mentions(session, message)
    names = mentioned_usernames(message.content)
    if not names:
        return []
    users = await queries.mentionable_users(
        session, conversation_id=message.conversation_id, usernames=names
    )
    session.add_all(
        Mention(
            message_id=message.id,
            user_id=user.id,
            conversation_id=message.conversation_id,
            seq=message.seq,
        )
        for user in users
    )
    return [PublicUser.of(user) for user in users]


async def forget_mentions(session: AsyncSession, message: Message) -> None:
    await session.execute(sa.delete(Mention).where(col(Mention.message_id) == message.id))
