"""Input rules from SPEC §2. Each returns the cleaned value or raises naming the field, as
Python names it (``display_name``): the GraphQL layer renames it to the argument."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from tidings.errors import MessageTooLarge, ValidationFailed

__all__ = [
    "MAX_CONTENT_CHARS",
    "clean_avatar_url",
    "clean_client_message_id",
    "clean_content",
    "clean_display_name",
    "clean_email",
    "clean_password",
    "clean_title",
    "clean_username",
]

MAX_CONTENT_CHARS = 4000
_USERNAME = re.compile(r"[a-z0-9_.]{3,30}")


def clean_username(value: str, field: str = "username") -> str:
    """3–30 of ``a-z 0-9 _ .``; stored lower-cased, so uniqueness ignores case."""
    username = value.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise ValidationFailed(field, "Username must be 3–30 characters of a-z, 0-9, _ and .")
    return username


def clean_email(value: str, field: str = "email") -> str:
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationFailed(field, f"Email is not valid: {error}") from None
    return result.normalized.lower()


def clean_password(value: str, field: str = "password") -> str:
    if not 8 <= len(value) <= 128:
        raise ValidationFailed(field, "Password must be 8–128 characters")
    return value


def clean_display_name(value: str, field: str = "display_name") -> str:
    name = value.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed(field, "Display name must be 1–100 characters")
    return name


def clean_avatar_url(value: str, field: str = "avatar_url") -> str | None:
    """An http(s) URL up to 2048 characters; the empty string clears the avatar."""
    url = value.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if len(url) > 2048 or parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationFailed(
            field, "Avatar URL must be an http(s) URL of at most 2048 characters"
        )
    return url


def clean_title(value: str, field: str = "title") -> str:
    title = value.strip()
    if not 1 <= len(title) <= 100:
        raise ValidationFailed(field, "Title must be 1–100 characters")
    return title


def clean_content(value: str, field: str = "content") -> str:
    """Plain text, 1–4000 code points after trimming surrounding whitespace."""
    content = value.strip()
    if not content:
        raise ValidationFailed(field, "Message content must not be empty")
    if len(content) > MAX_CONTENT_CHARS:
        raise MessageTooLarge(
            f"Message content is {len(content)} characters; the limit is {MAX_CONTENT_CHARS}",
            field=field,
            limit=MAX_CONTENT_CHARS,
        )
    return content


def clean_client_message_id(value: str | None, field: str = "client_message_id") -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= 64:
        raise ValidationFailed(field, "clientMessageId must be 1–64 characters")
    return value
