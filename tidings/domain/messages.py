"""Messages: send (gap-free seq, idempotent retries), edit, delete (tombstone)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from tidings.domain import rules
from tidings.errors import Forbidden, NotInConversation, ValidationFailed
from tidings.models import Conversation, Message, Participant, ParticipantRole, utcnow
from tidings.queries.messages import get_visible_message

__all__ = [
    "Sent",
    "delete_message",
    "edit_message",
    "send_message",
]


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


@dataclass(frozen=True, slots=True)
class Sent:
    """The stored message, and whether this call created it (False for a deduplicated retry)."""

    message: Message
    created: bool


async def send_message(
    *,
    session: AsyncSession,
    sender_id: uuid.UUID,
    conversation_id: uuid.UUID,
    content: str,
    client_message_id: str | None,
    reply_to_id: uuid.UUID | None,
) -> Sent:
    """Store a message with the conversation's next ``seq``.

    The increment of ``conversations.last_seq`` takes the conversation's row lock, so
    concurrent senders queue and every committed message gets the next number: no gap (a
    failed transaction rolls its increment back) and no duplicate. Under the same lock a retry
    with a known ``client_message_id`` finds the original and stores nothing.
    """
    text = rules.clean_content(content)
    client_message_id = rules.clean_client_message_id(client_message_id)
    if client_message_id is not None:
        original = await _by_client_id(session, conversation_id, sender_id, client_message_id)
        if original is not None:
            return Sent(original, created=False)

    now = utcnow()
    seq = await session.scalar(
        _NEXT_SEQ, {"conversation_id": conversation_id, "sender_id": sender_id, "now": now}
    )
    if seq is None:
        await session.rollback()
        raise NotInConversation

    if client_message_id is not None:
        # A concurrent retry may have committed while we waited for the lock.
        original = await _by_client_id(session, conversation_id, sender_id, client_message_id)
        if original is not None:
            await session.rollback()
            # The rollback expired every loaded row, the original too: read it back.
            await session.refresh(original)
            return Sent(original, created=False)
    if reply_to_id is not None:
        await _require_reply_target(session, conversation_id, reply_to_id)

    message = Message(
        conversation_id=conversation_id,
        seq=seq,
        sender_id=sender_id,
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
        original = await _by_client_id(session, conversation_id, sender_id, client_message_id)
        if original is None:
            raise
        return Sent(original, created=False)
    return Sent(message, created=True)


async def _by_client_id(
    session: AsyncSession, conversation_id: uuid.UUID, sender_id: uuid.UUID, client_id: str
) -> Message | None:
    return await session.scalar(
        sa.select(Message).where(
            col(Message.conversation_id) == conversation_id,
            col(Message.sender_id) == sender_id,
            col(Message.client_message_id) == client_id,
        )
    )


async def _require_reply_target(
    session: AsyncSession, conversation_id: uuid.UUID, reply_to_id: uuid.UUID
) -> None:
    target = await session.scalar(
        sa.select(col(Message.conversation_id)).where(col(Message.id) == reply_to_id)
    )
    if target != conversation_id:
        await session.rollback()
        raise ValidationFailed("replyToId", "You can only reply to a message in this conversation")


async def edit_message(
    *, session: AsyncSession, editor_id: uuid.UUID, message_id: uuid.UUID, content: str
) -> Message:
    """Replace the content of the editor's own message; ``editedAt`` records when."""
    text = rules.clean_content(content)
    message, _ = await get_visible_message(session, message_id=message_id, viewer_id=editor_id)
    if message.sender_id != editor_id:
        raise Forbidden("You can only edit your own messages")
    if message.deleted_at is not None:
        raise Forbidden("A deleted message cannot be edited")
    if message.content != text:
        message.content = text
        message.edited_at = utcnow()
        await session.commit()
    return message


async def delete_message(
    *, session: AsyncSession, actor_id: uuid.UUID, message_id: uuid.UUID
) -> Message:
    """Erase a message's content, leaving a tombstone. Senders and group admins may delete."""
    message, membership = await get_visible_message(
        session, message_id=message_id, viewer_id=actor_id
    )
    if message.sender_id != actor_id and membership.role != ParticipantRole.ADMIN.value:
        raise Forbidden("You can only delete your own messages")
    if message.deleted_at is None:
        message.content = ""
        message.deleted_at = utcnow()
        await session.commit()
    return message
