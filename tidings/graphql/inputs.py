"""GraphQL input types (SPEC §4)."""

from __future__ import annotations

import strawberry

from tidings.graphql.types import ContentType, ConversationKind

__all__ = [
    "ConversationSeqInput",
    "CreateConversationInput",
    "LoginInput",
    "RegisterInput",
    "SendMessageInput",
    "UpdateProfileInput",
    "UpdateSettingsInput",
]


@strawberry.input
class RegisterInput:
    username: str
    email: str
    password: str
    display_name: str | None = None
    invite_code: str | None = strawberry.field(
        default=None,
        description="Needed when registrationMode is INVITE: a code from a server admin.",
    )


@strawberry.input
class LoginInput:
    username_or_email: str
    password: str


@strawberry.input
class UpdateProfileInput:
    display_name: str | None = None
    avatar_url: str | None = strawberry.field(
        default=None, description="An http(s) URL; the empty string removes the avatar."
    )


@strawberry.input
class UpdateSettingsInput:
    share_read_receipts: bool | None = None
    share_presence: bool | None = None


@strawberry.input
class CreateConversationInput:
    kind: ConversationKind
    participant_ids: list[strawberry.ID]
    title: str | None = None


@strawberry.input
class SendMessageInput:
    conversation_id: strawberry.ID
    content: str
    client_message_id: str | None = None
    reply_to_id: strawberry.ID | None = None
    content_type: ContentType | None = ContentType.TEXT


@strawberry.input(description="Where a client stands in one conversation: the highest seq it has.")
class ConversationSeqInput:
    conversation_id: strawberry.ID
    seq: int
