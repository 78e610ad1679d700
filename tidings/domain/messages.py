"""Messages: send (gap-free seq, idempotent retries), edit, delete (tombstone), history pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from tidings.domain import rules
from tidings.domain.conversations import get_membership
from tidings.errors import Forbidden, NotFound, NotInConversation, ValidationFailed
from tidings.models import Conversation, Message, Participant, ParticipantRole, utcnow

__all__ = [
    "HistoryPage",
    "Sent",
    "delete_message",
    "edit_message",
    "get_visible_message",
    "history_page",
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


async def get_visible_message(
    session: AsyncSession, *, message_id: uuid.UUID, viewer_id: uuid.UUID
) -> tuple[Message, Participant]:
    """The message and the viewer's membership of its conversation, or ``NOT_FOUND``."""
    row = (
        await session.execute(
            sa.select(Message, Participant)
            .join(Participant, col(Participant.conversation_id) == col(Message.conversation_id))
            .where(col(Message.id) == message_id, col(Participant.user_id) == viewer_id)
        )
    ).first()
    if row is None:
        raise NotFound("No such message")
    return row[0], row[1]


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


@dataclass(frozen=True, slots=True)
class HistoryPage:
    messages: list[Message]
    has_previous_page: bool
    has_next_page: bool


async def history_page(
    *,
    session: AsyncSession,
    viewer_id: uuid.UUID,
    conversation_id: uuid.UUID,
    first: int | None,
    after: int | None,
    last: int | None,
    before: int | None,
) -> HistoryPage:
    """A page of messages by ``seq`` (tombstones included), oldest first.

    Without ``first`` the page is the newest ``last`` (default 50) before ``before``. One
    indexed query reads the page, checks membership and learns ``last_seq``; because ``seq``
    runs 1..last_seq without gaps, ``hasPreviousPage``/``hasNextPage`` are exact. Only an
    empty page needs a second query, to tell "nothing there" from "not a participant".
    """
    size = first if first is not None else (last if last is not None else 50)
    is_member = (
        sa.select(col(Participant.user_id))
        .where(
            col(Participant.conversation_id) == conversation_id,
            col(Participant.user_id) == viewer_id,
        )
        .exists()
    )
    query = (
        sa.select(Message, col(Conversation.last_seq))
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(col(Message.conversation_id) == conversation_id, is_member)
        .limit(size)
    )
    if after is not None:
        query = query.where(col(Message.seq) > after)
    if before is not None:
        query = query.where(col(Message.seq) < before)
    seq = col(Message.seq)
    rows = (await session.execute(query.order_by(seq if first is not None else seq.desc()))).all()
    if not rows:
        conversation, _ = await get_membership(
            session, conversation_id=conversation_id, user_id=viewer_id
        )
        low = (after or 0) + 1
        high = min(
            before - 1 if before is not None else conversation.last_seq, conversation.last_seq
        )
        return HistoryPage(
            [], has_previous_page=low > 1, has_next_page=high < conversation.last_seq
        )
    messages = sorted((row[0] for row in rows), key=lambda message: message.seq)
    last_seq = rows[0][1]
    return HistoryPage(
        messages,
        has_previous_page=messages[0].seq > 1,
        has_next_page=messages[-1].seq < last_seq,
    )
