"""Sending, editing and deleting messages, typing, and moving the read mark."""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from sqlmodel import col

from tidings import queries
from tidings.actions.actor import Actor
from tidings.actions.admin import moderated_message, record
from tidings.actions.mentions import forget_mentions, write_mentions
from tidings.actions.numbering import store_in_a_transaction, store_in_one_statement
from tidings.actions.updates import publish_update
from tidings.domain import rules
from tidings.errors import Forbidden, NotFound
from tidings.models import (
    Message,
    Participant,
    ParticipantRole,
    Reaction,
    ReadReceipt,
    User,
    utcnow,
)
from tidings.queries import get_membership, get_visible_message

__all__ = ["delete_message", "edit_message", "mark_read", "send_message", "set_typing"]


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
    failed transaction rolls its increment back) and no duplicate. A retry with a known
    ``client_message_id`` returns the original, stores nothing and publishes nothing: the
    original was published when it was sent.
    """
    started = time.perf_counter()
    services = actor.services
    await services.limits.hit("sendMessage", f"user:{actor.user_id}")
    text = rules.clean_content(content)
    client_message_id = rules.clean_client_message_id(client_message_id)
    message = Message(
        conversation_id=conversation_id,
        seq=0,  # numbered as it is stored
        sender_id=actor.user_id,
        content=text,
        client_message_id=client_message_id,
        reply_to_id=reply_to_id,
        created_at=utcnow(),
    )
    # Only content with an '@' can mention anyone: a plain send stays one statement.
    mentions = "@" in text
    async with actor.db() as session:
        if services.engine.dialect.name == "postgresql":
            sent = await store_in_one_statement(session, message, mentions=mentions)
        else:
            sent = await store_in_a_transaction(session, message, mentions=mentions)
    if isinstance(sent, Message):
        return sent  # a retry's original
    services.metrics.send_latency.observe(time.perf_counter() - started)
    await services.events.message(message, sent.sender, added=True, mentions=sent.mentions)
    return message


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
        mentioned = None
        if message.content != text:
            message.content = text
            message.edited_at = utcnow()
            mentioned = await write_mentions(session, message, replace=True)
            await session.commit()
        await publish_update(actor, session, message, mentions=mentioned)
    return message


async def delete_message(actor: Actor, *, message_id: uuid.UUID) -> Message:
    """Erase a message's content, leaving a tombstone, and publish ``messageUpdated``.
    Senders and group admins may delete; so may server admins, anywhere, leaving an audit
    entry (``tidings.actions.admin``). Deleting a tombstone again changes nothing."""
    async with actor.db() as session:
        message = await moderated_message(actor, session, message_id=message_id)
        if message is None:  # not a server admin: the conversation's rules
            message, membership = await get_visible_message(
                session, message_id=message_id, viewer_id=actor.user_id
            )
            if (
                message.sender_id != actor.user_id
                and membership.role != ParticipantRole.ADMIN.value
            ):
                raise Forbidden("You can only delete your own messages")
        elif message.sender_id != actor.user_id and message.deleted_at is None:
            record(
                session,
                actor_id=actor.user_id,
                action="delete_message",
                target_user_id=message.sender_id,
                conversation_id=message.conversation_id,
                message_id=message.id,
            )
        if message.deleted_at is None:
            message.content = ""
            message.deleted_at = utcnow()
            # A tombstone shows no reactions or mentions (as in WhatsApp): they go with the
            # content.
            await session.execute(sa.delete(Reaction).where(col(Reaction.message_id) == message.id))
            await forget_mentions(session, message)
            await session.commit()
        await publish_update(actor, session, message, reactions=([], []), mentions=[])
    return message


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
