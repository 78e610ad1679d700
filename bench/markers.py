"""Message content that says which message it is, so whoever receives a message (the harness
or a client process of its own) can tell which send it answers."""

from __future__ import annotations

__all__ = ["marker", "read_marker"]

_PADDING = "lorem ipsum dolor sit amet, consectetur adipiscing elit"


def marker(tag: str, number: int) -> str:
    """Message content that says which message it is, padded to a chat-like length."""
    return f"{tag} {number} {_PADDING}"


def read_marker(content: str) -> tuple[str, int]:
    tag, number, _ = content.split(" ", 2)
    return tag, int(number)
