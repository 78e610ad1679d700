"""Deleting an account: everything personal goes, the conversation history of others stays.

What others see afterwards (docs/accounts.md): the user's messages become tombstones sent by
"Deleted user"; they have left every group (as by ``leaveConversation``, so the last admin
hands the role on); a direct conversation stays, with "Deleted user" as the other person.
The users row stays, anonymised, because messages name it as their sender; its username is
replaced by one nobody can register (``deleted-…`` has a character usernames may not have),
and the old one can be registered again only after the quarantine
(``TIDINGS_DELETED_USERNAME_QUARANTINE_DAYS``), remembered as its hash, not in clear.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.actions.accounts import session_ended, username_hash
from tidings.actions.actor import Actor
from tidings.actions.conversations import leave_conversation
from tidings.actions.sessions import check_password
from tidings.actions.updates import publish_update
from tidings.errors import NotInConversation
from tidings.models import (
    AuthSession,
    Conversation,
    ConversationKind,
    Mention,
    Message,
    Participant,
    Reaction,
    ReadReceipt,
    RefreshToken,
    User,
    UserBlock,
    UsernameQuarantine,
)
from tidings.realtime.events import PublicUser

__all__ = ["DELETED_DISPLAY_NAME", "delete_account"]

DELETED_DISPLAY_NAME = "Deleted user"
# Never verifies: not an Argon2 hash at all.
_NO_PASSWORD = "!"


async def delete_account(actor: Actor, *, password: str) -> None:
    """Delete the actor's account after checking their password; every session ends and
    every socket of theirs closes."""
    async with actor.db() as session:
        await check_password(actor, session, password)
        groups = list(
            await session.scalars(
                sa.select(col(Participant.conversation_id))
                .join(Conversation, col(Conversation.id) == col(Participant.conversation_id))
                .where(
                    col(Participant.user_id) == actor.user_id,
                    col(Conversation.kind) == ConversationKind.GROUP.value,
                )
            )
        )
    for conversation_id in groups:
        with contextlib.suppress(NotInConversation):  # removed by an admin meanwhile
            await leave_conversation(actor, conversation_id=conversation_id)
    async with actor.db() as session:
        user = await session.get(User, actor.user_id)
        assert user is not None, "authenticated a moment ago"
        session_ids = await _erase(actor, session, user)
        tombstones = list(
            await session.scalars(
                sa.update(Message)
                .where(col(Message.sender_id) == user.id, col(Message.deleted_at).is_(None))
                .values(content="", client_message_id=None, deleted_at=actor.services.clock.now())
                .returning(Message)
            )
        )
        # Already deleted ones may still carry a client id.
        await session.execute(
            sa.update(Message)
            .where(col(Message.sender_id) == user.id)
            .values(content="", client_message_id=None)
        )
        # As for any deleted message, its reactions and mentions go with its content.
        theirs = sa.select(col(Message.id)).where(col(Message.sender_id) == user.id)
        await session.execute(sa.delete(Reaction).where(col(Reaction.message_id).in_(theirs)))
        await session.execute(sa.delete(Mention).where(col(Mention.message_id).in_(theirs)))
        reacted = await _forget_reactions(actor, session, user)
        await session.commit()
        await _forget_search_text(actor, session)
    for session_id in session_ids:
        await session_ended(actor.services, session_id)
    sender = PublicUser.of(user)
    for message in tombstones:
        await actor.services.events.message(
            message, sender, added=False, reactions=([], []), mentions=[]
        )
    async with actor.db() as session:
        for message in reacted:  # others' messages: their reactions without the user's
            await publish_update(actor, session, message)


async def _erase(actor: Actor, session: AsyncSession, user: User) -> list[uuid.UUID]:
    """Anonymise the user row and delete what only concerns them; return their sessions."""
    now = actor.services.clock.now()
    days = actor.services.settings.deleted_username_quarantine_days
    quarantined = username_hash(user.username)
    await session.execute(
        sa.delete(UsernameQuarantine).where(col(UsernameQuarantine.username_hash) == quarantined)
    )
    session.add(UsernameQuarantine(username_hash=quarantined, free_at=now + timedelta(days=days)))
    user.username = f"deleted-{user.id.hex[-21:]}"
    user.email = f"{user.id.hex}@deleted.invalid"
    user.display_name = DELETED_DISPLAY_NAME
    user.avatar_url = None
    user.password_hash = _NO_PASSWORD
    user.share_presence = False
    user.share_read_receipts = False
    user.last_seen_at = None
    user.deleted_at = user.updated_at = now
    session_ids = list(
        await session.scalars(
            sa.select(col(AuthSession.id)).where(col(AuthSession.user_id) == user.id)
        )
    )
    if session_ids:
        await session.execute(
            sa.delete(RefreshToken).where(col(RefreshToken.session_id).in_(session_ids))
        )
        await session.execute(sa.delete(AuthSession).where(col(AuthSession.user_id) == user.id))
    await session.execute(sa.delete(ReadReceipt).where(col(ReadReceipt.user_id) == user.id))
    await session.execute(
        sa.delete(UserBlock).where(
            sa.or_(col(UserBlock.blocker_id) == user.id, col(UserBlock.blocked_id) == user.id)
        )
    )
    # Mentions of them in others' messages (the text stays: it is the sender's), and their
    # own mute, archive and pin of the direct conversations they stay in.
    await session.execute(sa.delete(Mention).where(col(Mention.user_id) == user.id))
    await session.execute(
        sa.update(Participant)
        .where(col(Participant.user_id) == user.id)
        .values(
            muted_at=None, muted_until=None, archived_at=None, archived_seq=None, pinned_at=None
        )
    )
    # With the blocks gone, so is what they closed (a block's time is about the user too).
    mine = sa.select(col(Participant.conversation_id)).where(col(Participant.user_id) == user.id)
    await session.execute(
        sa.update(Conversation)
        .where(col(Conversation.id).in_(mine), col(Conversation.blocked_at).is_not(None))
        .values(blocked_at=None)
    )
    return session_ids


async def _forget_reactions(actor: Actor, session: AsyncSession, user: User) -> list[Message]:
    """Delete the user's reactions to others' messages; return those messages, marked as
    changed (``reactions_changed_at``) so a subscriber that misses the update re-reads them."""
    message_ids = list(
        await session.scalars(
            sa.select(col(Reaction.message_id)).distinct().where(col(Reaction.user_id) == user.id)
        )
    )
    if not message_ids:
        return []
    await session.execute(sa.delete(Reaction).where(col(Reaction.user_id) == user.id))
    return list(
        await session.scalars(
            sa.update(Message)
            .where(col(Message.id).in_(message_ids))
            .values(reactions_changed_at=actor.services.clock.now())
            .returning(Message)
        )
    )


async def _forget_search_text(actor: Actor, session: AsyncSession) -> None:
    """SQLite's FTS5 drops erased words from its index only as it merges segments: merge now,
    so the deleted user's words are gone from the file too (docs/search.md). PostgreSQL's
    generated column changed with the content."""
    if actor.services.settings.is_sqlite:
        await session.execute(
            sa.text("INSERT INTO message_search(message_search) VALUES ('optimize')")
        )
        await session.commit()
