"""Sending, editing and deleting messages, typing, and moving the read mark."""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from tidings import queries
from tidings.actions.actor import Actor
from tidings.domain import rules
from tidings.errors import Forbidden, NotFound, NotInConversation, ValidationFailed
from tidings.models import (
    Conversation,
    Message,
    Participant,
    ParticipantRole,
    ReadReceipt,
    User,
    utcnow,
)
from tidings.queries import get_membership, get_visible_message

__all__ = ["delete_message", "edit_message", "mark_read", "send_message", "set_typing"]


def _table(model: type[SQLModel]) -> sa.Table:
    table = model.__table__  # type: ignore[attr-defined]  # set by table=True, untyped
    assert isinstance(table, sa.Table)
    return table


# The statements of every send, built once, on the tables: the hot path skips the ORM.
_conversations, _participants = _table(Conversation), _table(Participant)
_NEXT_SEQ = (
    sa.update(_conversations)
    .where(
        _conversations.c.id == sa.bindparam("conversation_id"),
        sa.select(_participants.c.user_id)
        .where(
            _participants.c.conversation_id == sa.bindparam("conversation_id"),
            _participants.c.user_id == sa.bindparam("sender_id"),
        )
        .exists(),
    )
    .values(
        last_seq=_conversations.c.last_seq + 1,
        last_message_at=sa.bindparam("now"),
        activity_at=sa.bindparam("now"),
    )
    .returning(_conversations.c.last_seq)
)
_INSERT_MESSAGE = sa.insert(_table(Message))


async def send_message(
    actor: Actor,
    *,
    conversation_id: uuid.UUID,
    content: str,
    client_message_id: str | None,
    reply_to_id: uuid.UUID | None,
) -> Message:
    """Store a message with the conversation's next ``seq`` and publish ``messageAdded``.

    The increment of ``conversations.last_seq`` takes the conversation's row lock, so
    concurrent senders queue and every committed message gets the next number: no gap (a
    failed transaction rolls its increment back) and no duplicate. Under the same lock a retry
    with a known ``client_message_id`` finds the original, stores nothing and publishes
    nothing: the original was published when it was sent.
    """
    started = time.perf_counter()
    services = actor.services
    await services.limits.hit("sendMessage", f"user:{actor.user_id}")
    text = rules.clean_content(content)
    client_message_id = rules.clean_client_message_id(client_message_id)
    async with actor.db() as session:
        if client_message_id is not None:
            original = await queries.message_by_client_id(
                session,
                conversation_id=conversation_id,
                sender_id=actor.user_id,
                client_message_id=client_message_id,
            )
            if original is not None:
                return original

        now = utcnow()
        seq = await session.scalar(
            _NEXT_SEQ,
            {"conversation_id": conversation_id, "sender_id": actor.user_id, "now": now},
        )
        if seq is None:
            await session.rollback()
            raise NotInConversation

        if client_message_id is not None:
            # A concurrent retry may have committed while we waited for the lock.
            original = await queries.message_by_client_id(
                session,
                conversation_id=conversation_id,
                sender_id=actor.user_id,
                client_message_id=client_message_id,
            )
            if original is not None:
                await session.rollback()
                await session.refresh(original)
                await _reload_after_rollback(session, actor)
                return original
        if reply_to_id is not None:
            await _require_reply_target(session, conversation_id, reply_to_id)

        message = Message(
            conversation_id=conversation_id,
            seq=seq,
            sender_id=actor.user_id,
            content=text,
            client_message_id=client_message_id,
            reply_to_id=reply_to_id,
            created_at=now,
        )
        try:
            await session.execute(_INSERT_MESSAGE, message.model_dump())
            await session.commit()
        except IntegrityError:
            await session.rollback()
            if client_message_id is None:
                raise
            original = await queries.message_by_client_id(
                session,
                conversation_id=conversation_id,
                sender_id=actor.user_id,
                client_message_id=client_message_id,
            )
            if original is None:
                raise
            await _reload_after_rollback(session, actor)
            return original
        # The request's session has the viewer already: no statement.
        sender = await session.get(User, actor.user_id)
    assert sender is not None
    services.metrics.send_latency.observe(time.perf_counter() - started)
    await services.events.message(message, sender, added=True)
    return message


async def _reload_after_rollback(session: AsyncSession, actor: Actor) -> None:
    """A rollback expires every row the session holds, the request's viewer too, which the
    response's fields (the message's sender) read without a statement of their own and cannot
    lazily load: read the viewer back while the action may still await."""
    await session.get(User, actor.user_id)


async def _require_reply_target(
    session: AsyncSession, conversation_id: uuid.UUID, reply_to_id: uuid.UUID
) -> None:
    if await queries.conversation_of_message(session, message_id=reply_to_id) != conversation_id:
        await session.rollback()
        raise ValidationFailed(
            "reply_to_id", "You can only reply to a message in this conversation"
        )


async def edit_message(actor: Actor, *, message_id: uuid.UUID, content: str) -> Message:
    """Replace the content of the actor's own message (``editedAt`` says when) and publish
    ``messageUpdated``."""
    text = rules.clean_content(content)
    async with actor.db() as session:
        message, _ = await get_visible_message(
            session, message_id=message_id, viewer_id=actor.user_id
        )
        if message.sender_id != actor.user_id:
            raise Forbidden("You can only edit your own messages")
        if message.deleted_at is not None:
            raise Forbidden("A deleted message cannot be edited")
        if message.content != text:
            message.content = text
            message.edited_at = utcnow()
            await session.commit()
        await _publish_update(actor, session, message)
    return message


async def delete_message(actor: Actor, *, message_id: uuid.UUID) -> Message:
    """Erase a message's content, leaving a tombstone, and publish ``messageUpdated``.
    Senders and group admins may delete; deleting a tombstone again changes nothing."""
    async with actor.db() as session:
        message, membership = await get_visible_message(
            session, message_id=message_id, viewer_id=actor.user_id
        )
        if message.sender_id != actor.user_id and membership.role != ParticipantRole.ADMIN.value:
            raise Forbidden("You can only delete your own messages")
        if message.deleted_at is None:
            message.content = ""
            message.deleted_at = utcnow()
            await session.commit()
        await _publish_update(actor, session, message)
    return message


async def _publish_update(actor: Actor, session: AsyncSession, message: Message) -> None:
    sender = await session.get(User, message.sender_id)
    assert sender is not None
    await actor.services.events.message(message, sender, added=False)


async def set_typing(actor: Actor, *, conversation_id: uuid.UUID, is_typing: bool) -> None:
    """Tell the conversation the actor is (or stopped) typing. Nothing is stored; watchers
    drop an indicator that is not renewed within 6 s."""
    await actor.services.limits.hit("setTyping", f"user:{actor.user_id}")
    async with actor.db() as session:
        await get_membership(session, conversation_id=conversation_id, user_id=actor.user_id)
        user = await session.get(User, actor.user_id)
    assert user is not None
    await actor.services.events.typing(conversation_id, user, is_typing=is_typing)


async def mark_read(
    actor: Actor, *, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> Participant:
    """Move the actor's read mark up to ``message_id``'s seq; it never moves back.

    Reading implies delivery, so the delivered mark follows, unless the reader hides read
    receipts: then it moves only with real deliveries, and others' counts never change because
    of a private read. Each move is logged (each message's ``readAt`` comes from it), and the
    receipt desk announces it. Returns the actor's membership as it now is.
    """
    reader_id = actor.user_id
    await actor.services.limits.hit("markRead", f"user:{reader_id}")
    async with actor.db() as session:
        _, membership = await get_membership(
            session, conversation_id=conversation_id, user_id=reader_id
        )
        seq = await queries.seq_in_conversation(
            session, message_id=message_id, conversation_id=conversation_id
        )
        if seq is None:
            raise NotFound("No such message in this conversation")
        if seq <= membership.last_read_seq:
            return membership
        now = utcnow()
        delivered = col(Participant.last_delivered_seq)
        # Read as part of the update, not a round trip of its own.
        shares_reads = (
            sa.select(col(User.share_read_receipts))
            .where(col(User.id) == reader_id)
            .scalar_subquery()
        )
        # Conditional, so a slower concurrent markRead for an older message cannot win.
        moved = await session.scalar(
            sa.update(Participant)
            .where(
                col(Participant.conversation_id) == conversation_id,
                col(Participant.user_id) == reader_id,
                col(Participant.last_read_seq) < seq,
            )
            .values(
                last_read_seq=seq,
                last_read_at=now,
                last_delivered_seq=sa.case(
                    (sa.and_(shares_reads, delivered < seq), seq), else_=delivered
                ),
            )
            .returning(col(Participant.user_id))
        )
        if moved is not None:
            session.add(
                ReadReceipt(
                    conversation_id=conversation_id, user_id=reader_id, seq=seq, read_at=now
                )
            )
        await session.commit()
        await session.refresh(membership)
    if moved is not None:
        actor.services.receipts.read_moved(conversation_id, reader_id)
    return membership
