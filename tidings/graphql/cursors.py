"""Opaque Relay cursors. Message cursors carry ``seq``; inbox cursors carry the sort key
(a pinned conversation's pin time, another's latest activity); search cursors carry a
position in the ranking."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

from tidings.errors import ValidationFailed
from tidings.queries import InboxPosition

__all__ = [
    "decode_inbox_cursor",
    "decode_mention_cursor",
    "decode_message_cursor",
    "decode_search_cursor",
    "encode_inbox_cursor",
    "encode_mention_cursor",
    "encode_message_cursor",
    "encode_search_cursor",
]


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, field: str, prefix: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(prefix):
        raise ValidationFailed(field, f"{field} is not a valid cursor")
    return text.removeprefix(prefix)


def encode_message_cursor(seq: int) -> str:
    return _encode(f"seq:{seq}")


def decode_message_cursor(cursor: str | None, field: str) -> int | None:
    if cursor is None:
        return None
    value = _decode(cursor, field, "seq:")
    # isascii too: str.isdigit() accepts digits such as "²" that int() refuses.
    if not (value.isascii() and value.isdigit()):
        raise ValidationFailed(field, f"{field} is not a valid cursor")
    return int(value)


def encode_inbox_cursor(position: InboxPosition) -> str:
    # A pinned conversation's cursor carries its pin time; the others' keep the format they
    # had before pins, so cursors a client held across the upgrade still work.
    prefix = "pin:" if position.pinned else "conv:"
    return _encode(f"{prefix}{position.at.isoformat()}|{position.conversation_id}")


def decode_inbox_cursor(cursor: str | None, field: str) -> InboxPosition | None:
    if cursor is None:
        return None
    try:
        value, pinned = _decode(cursor, field, "pin:"), True
    except ValidationFailed:
        value, pinned = _decode(cursor, field, "conv:"), False
    try:
        stamp, _, conversation_id = value.partition("|")
        return InboxPosition(pinned, datetime.fromisoformat(stamp), uuid.UUID(conversation_id))
    except ValueError:
        raise ValidationFailed(field, f"{field} is not a valid cursor") from None


def encode_search_cursor(position: int) -> str:
    return _encode(f"hit:{position}")


def decode_search_cursor(cursor: str | None, field: str) -> int | None:
    """The position (0 is the best hit) a search cursor stands for."""
    if cursor is None:
        return None
    value = _decode(cursor, field, "hit:")
    if not (value.isascii() and value.isdigit()):
        raise ValidationFailed(field, f"{field} is not a valid cursor")
    return int(value)


def encode_mention_cursor(message_id: uuid.UUID) -> str:
    return _encode(f"mention:{message_id}")


def decode_mention_cursor(cursor: str | None, field: str) -> uuid.UUID | None:
    if cursor is None:
        return None
    try:
        return uuid.UUID(_decode(cursor, field, "mention:"))
    except ValueError:
        raise ValidationFailed(field, f"{field} is not a valid cursor") from None
