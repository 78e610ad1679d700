"""Time-ordered UUIDs (v7): unguessable, and they keep B-tree inserts local."""

from __future__ import annotations

import uuid

from uuid_utils.compat import uuid7

from tidings.errors import ValidationFailed

__all__ = ["new_id", "parse_id"]


def new_id() -> uuid.UUID:
    """Return a fresh UUIDv7."""
    return uuid7()


def parse_id(value: str, *, field: str) -> uuid.UUID:
    """Parse a client-supplied ID, or raise ``VALIDATION_ERROR`` naming ``field``."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise ValidationFailed(field, f"{field} is not a valid ID") from None
