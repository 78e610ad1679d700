"""How ``send_message`` numbers and stores a message, on each database.

PostgreSQL: one statement in autocommit (no BEGIN, no COMMIT), which also reads the sender's
public columns for the event. SQLite, which has no UPDATE in a WITH: a transaction of several
statements. Content that may mention someone (an ``@``) has its mentions stored in the same
transaction as the message (on PostgreSQL, the one statement then runs in a transaction with
the mentions' write): a message is never stored without its mentions. Both take the next
``seq`` by incrementing ``conversations.last_seq``, which takes the conversation's row lock:
concurrent senders queue, and whatever fails undoes its increment, so seq has no gap and no
duplicate.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import SQLModel

from tidings import queries
from tidings.actions.mentions import write_mentions
from tidings.db import autocommit
from tidings.errors import Forbidden, NotInConversation, ValidationFailed
from tidings.models import Conversation, Message, Participant, User
from tidings.queries import get_membership
from tidings.realtime.events import PublicUser

__all__ = ["Stored", "store_in_a_transaction", "store_in_one_statement"]


@dataclass(frozen=True, slots=True)
class Stored:
    """A message stored: its sender and whom it mentions, for the event."""

    sender: PublicUser
    mentions: list[PublicUser]


def _table(model: type[SQLModel]) -> sa.Table:
    table = model.__table__  # type: ignore[attr-defined]  # set by table=True, untyped
    assert isinstance(table, sa.Table)
    return table


# The statements of every send, built once, on the tables: the hot path skips the ORM.
_conversations, _participants = _table(Conversation), _table(Participant)
_messages, _users = _table(Message), _table(User)
_NEXT_SEQ = (
    sa.update(_conversations)
    .where(
        _conversations.c.id == sa.bindparam("conversation_id"),
        _conversations.c.blocked_at.is_(None),
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
_INSERT_MESSAGE = sa.insert(_messages)
# A message's columns, as _send's parameters name them: "id" and "created_at" would also be
# columns of conversations, which an UPDATE's extra parameters set.
_STORED = {name: name for name in ["conversation_id", "sender_id", "content", "content_type"]}
_STORED |= {"client_message_id": "client_message_id", "reply_to_id": "reply_to_id"}
_STORED |= {"id": "message_id", "created_at": "now"}


@functools.cache
def _send(*, dedup: bool, reply: bool) -> sa.Select[Any]:
    """PostgreSQL: the whole send in one statement, so in autocommit it needs no BEGIN or
    COMMIT. ``next_seq`` increments the conversation's ``last_seq`` if the sender is a member
    (and, given, the reply target is in the conversation and no message has the retry's
    ``client_message_id``), taking the row's lock; ``inserted`` stores the message with that
    number; the sender's public columns come back for the event. No row back: something
    failed a check. The statement is atomic: if the insert fails (a concurrent retry stored
    the ``client_message_id`` first) the increment is undone with it, so seq has no gap.
    """
    checks = []
    if dedup:
        checks.append(
            ~sa.select(_messages.c.id)
            .where(
                _messages.c.conversation_id == sa.bindparam("conversation_id"),
                _messages.c.sender_id == sa.bindparam("sender_id"),
                _messages.c.client_message_id == sa.bindparam("client_message_id"),
            )
            .exists()
        )
    if reply:
        checks.append(
            sa.select(_messages.c.id)
            .where(
                _messages.c.id == sa.bindparam("reply_to_id"),
                _messages.c.conversation_id == sa.bindparam("conversation_id"),
            )
            .exists()
        )
    next_seq = _NEXT_SEQ.where(*checks).cte("next_seq")
    values = [sa.bindparam(key, type_=_messages.c[name].type) for name, key in _STORED.items()]
    inserted = (
        sa.insert(_messages)
        .from_select([*_STORED, "seq"], sa.select(*values, next_seq.c.last_seq))
        .returning(_messages.c.seq, _messages.c.sender_id)
        .cte("inserted")
    )
    sender = [_users.c[name] for name in PublicUser.model_fields]
    return sa.select(inserted.c.seq, *sender).join_from(
        inserted, _users, _users.c.id == inserted.c.sender_id
    )


# (dedup, reply) -> the statement as the driver takes it, and its parameters in order with
# the values fixed in the statement (the 1 of ``last_seq + 1``).
_COMPILED: dict[tuple[bool, bool], tuple[str, tuple[str, ...], dict[str, Any]]] = {}


def _compiled(
    dialect: sa.Dialect, *, dedup: bool, reply: bool
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """``_send`` compiled once: SQLAlchemy would otherwise build its cache key, walking the
    whole statement, on every send (a tenth of what the database work cost)."""
    found = _COMPILED.get((dedup, reply))
    if found is None:
        compiled = _send(dedup=dedup, reply=reply).compile(dialect=dialect)
        assert compiled.positiontup is not None, "asyncpg's parameters are positional"
        found = (str(compiled), tuple(compiled.positiontup), dict(compiled.params))
        _COMPILED[(dedup, reply)] = found
    return found


async def store_in_one_statement(
    session: AsyncSession, message: Message, *, mentions: bool = False
) -> Stored | Message:
    """Number and store ``message`` with one autocommitted statement (PostgreSQL): its sender
    for the event, or, for a retry, the original. With ``mentions``, the statement and the
    mentions' write share a transaction instead."""
    if mentions:
        return await _store_with_mentions(session, message)
    # The reads of the rare paths below need no transaction either.
    async with autocommit(session) as connection:
        try:
            row = await _run_send(connection, message)
        except IntegrityError:
            # A concurrent retry holding the row lock stored the client_message_id: once it
            # committed, our UPDATE went on (READ COMMITTED re-checks only the row itself; the
            # NOT EXISTS was read before), and our INSERT hit the unique index. The statement
            # failed as a whole: nothing of ours is stored, the increment included.
            original = await _original(session, message)
            if original is None:
                raise
            return original
        if row is None:
            return await _why_not_sent(session, message)
    message.seq = row.seq
    return Stored(PublicUser.model_validate(row), [])


async def _store_with_mentions(session: AsyncSession, message: Message) -> Stored | Message:
    """The send's statement and the mentions' write in one transaction."""
    connection = await session.connection()
    try:
        row = await _run_send(connection, message)
    except IntegrityError:  # as in autocommit: a concurrent retry stored it first
        original = await _original_after_rollback(session, message)
        if original is None:
            raise
        return original
    if row is None:  # nothing written: the checks' reads may share the transaction
        return await _why_not_sent(session, message)
    message.seq = row.seq
    mentioned = await write_mentions(session, message)
    await session.commit()
    return Stored(PublicUser.model_validate(row), mentioned)


async def _run_send(connection: AsyncConnection, message: Message) -> Row[Any] | None:
    """The send's statement (``_send``, compiled once), run as driver SQL through SQLAlchemy's
    connection: its errors, and a lost connection invalidated."""
    values = {key: getattr(message, name) for name, key in _STORED.items()}
    sql, order, fixed = _compiled(
        connection.dialect,
        dedup=message.client_message_id is not None,
        reply=message.reply_to_id is not None,
    )
    parameters = tuple(values[key] if key in values else fixed[key] for key in order)
    result = await connection.exec_driver_sql(sql, parameters)
    return result.one_or_none()


async def _why_not_sent(session: AsyncSession, message: Message) -> Message:
    """Which check stopped the one statement (rare: a retry, an outsider, a bad reply
    target): the original of a retry, or the error a sender gets from the checks in turn."""
    original = await _original(session, message)
    if original is not None:
        return original
    await _check_open(session, message)
    if message.reply_to_id is not None:
        await _check_reply_target(session, message.conversation_id, message.reply_to_id)
    # The membership or the target changed since the statement ran: as it then stood.
    raise NotInConversation


async def _check_open(session: AsyncSession, message: Message) -> None:
    """``NOT_IN_CONVERSATION`` for an outsider, ``FORBIDDEN`` in a direct conversation
    closed by a block (tidings/actions/blocks.py)."""
    conversation, _ = await get_membership(
        session, conversation_id=message.conversation_id, user_id=message.sender_id
    )
    if conversation.blocked_at is not None:
        raise Forbidden("You cannot send here: one of you has blocked the other")


async def store_in_a_transaction(
    session: AsyncSession, message: Message, *, mentions: bool = False
) -> Stored | Message:
    """Number and store ``message`` in a transaction of several statements (SQLite: no UPDATE
    in a WITH), with its mentions if ``mentions``: its sender for the event, or, for a
    retry, the original."""
    original = await _original(session, message)
    if original is not None:
        return original
    seq = await session.scalar(
        _NEXT_SEQ,
        {
            "conversation_id": message.conversation_id,
            "sender_id": message.sender_id,
            "now": message.created_at,
        },
    )
    if seq is None:
        await session.rollback()
        await _check_open(session, message)
        raise NotInConversation
    if message.reply_to_id is not None:
        try:
            await _check_reply_target(session, message.conversation_id, message.reply_to_id)
        except ValidationFailed:
            await session.rollback()
            raise
    message.seq = seq
    try:
        await session.execute(_INSERT_MESSAGE, message.model_dump())
        mentioned = await write_mentions(session, message) if mentions else []
        await session.commit()
    except IntegrityError:
        # Another writer of the file (another process) stored the client_message_id since
        # our check.
        original = await _original_after_rollback(session, message)
        if original is None:
            raise
        return original
    # The request's session has the viewer already: no statement.
    sender = await session.get(User, message.sender_id)
    assert sender is not None
    return Stored(PublicUser.of(sender), mentioned)


async def _original_after_rollback(session: AsyncSession, message: Message) -> Message | None:
    """After an insert failed in a transaction: roll it back, and the original if a retry
    stored it first. The rollback expired every row the session holds, the request's viewer
    too, which the response's fields read without a statement of their own: read it back."""
    await session.rollback()
    original = await _original(session, message)
    if original is not None:
        await session.get(User, message.sender_id)
    return original


async def _original(session: AsyncSession, message: Message) -> Message | None:
    """The message a retry repeats, if it carries a ``client_message_id`` already stored."""
    if message.client_message_id is None:
        return None
    return await queries.message_by_client_id(
        session,
        conversation_id=message.conversation_id,
        sender_id=message.sender_id,
        client_message_id=message.client_message_id,
    )


async def _check_reply_target(
    session: AsyncSession, conversation_id: uuid.UUID, reply_to_id: uuid.UUID
) -> None:
    if await queries.conversation_of_message(session, message_id=reply_to_id) != conversation_id:
        raise ValidationFailed(
            "reply_to_id", "You can only reply to a message in this conversation"
        )
