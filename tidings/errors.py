"""The error codes clients act on (SPEC §5) and one exception class per code.

Domain code raises these; the GraphQL layer copies ``code`` and ``extensions`` into the
response's ``extensions``. Anything else is masked as ``INTERNAL_SERVER_ERROR``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = [
    "Conflict",
    "ErrorCode",
    "Forbidden",
    "InvalidCredentials",
    "MessageTooLarge",
    "NotFound",
    "NotInConversation",
    "RateLimited",
    "TidingsError",
    "TokenExpired",
    "Unauthenticated",
    "Unavailable",
    "ValidationFailed",
]


class ErrorCode(StrEnum):
    """Values of ``extensions.code``."""

    UNAUTHENTICATED = "UNAUTHENTICATED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    FORBIDDEN = "FORBIDDEN"
    NOT_IN_CONVERSATION = "NOT_IN_CONVERSATION"
    NOT_FOUND = "NOT_FOUND"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    CONFLICT = "CONFLICT"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class TidingsError(Exception):
    """Base class: a failure the client can act on."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions: dict[str, Any] = {"code": self.code.value, **extensions}


class Unauthenticated(TidingsError):
    """Raise when a request needs a viewer and has no valid credentials."""

    code = ErrorCode.UNAUTHENTICATED


class TokenExpired(TidingsError):
    """Raise when an access token was valid but has expired: the client should refresh."""

    code = ErrorCode.TOKEN_EXPIRED


class Forbidden(TidingsError):
    """Raise when the viewer may see a thing but not do this to it (edit another's message)."""

    code = ErrorCode.FORBIDDEN


class NotInConversation(TidingsError):
    """Raise when the viewer is not a participant, or the conversation does not exist."""

    code = ErrorCode.NOT_IN_CONVERSATION

    def __init__(self, message: str = "You are not a participant of this conversation") -> None:
        super().__init__(message)


class NotFound(TidingsError):
    """Raise when a thing the viewer asked for does not exist or is not visible to them."""

    code = ErrorCode.NOT_FOUND


class ValidationFailed(TidingsError):
    """Raise when an input value breaks a rule; ``field`` names the input field."""

    code = ErrorCode.VALIDATION_ERROR

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
        self.field = field


class MessageTooLarge(TidingsError):
    """Raise when message content or a request body is over its size limit."""

    code = ErrorCode.MESSAGE_TOO_LARGE

    def __init__(self, message: str, *, field: str, limit: int) -> None:
        super().__init__(message, field=field, limit=limit)


class Conflict(TidingsError):
    """Raise when a unique thing already exists (a username, an email)."""

    code = ErrorCode.CONFLICT

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, field=field)


class InvalidCredentials(TidingsError):
    """Raise on a failed login; the message never says whether the user exists."""

    code = ErrorCode.INVALID_CREDENTIALS

    def __init__(self) -> None:
        super().__init__("Invalid username, email or password")


class RateLimited(TidingsError):
    """Raise when a rate limit is exhausted; ``retryAfter`` is in whole seconds."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, action: str, retry_after: int) -> None:
        super().__init__(
            f"Too many {action} requests; retry in {retry_after} s",
            retryAfter=retry_after,
        )
        self.retry_after = retry_after


class Unavailable(TidingsError):
    """Raise when a dependency (database, Redis) cannot be reached: the client should retry."""

    code = ErrorCode.UNAVAILABLE

    def __init__(self, message: str = "A backing service is unavailable; retry shortly") -> None:
        super().__init__(message)
