"""The schema clients generate code from: the committed SDL is current, and SPEC §4 holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    is_non_null_type,
)
from graphql import build_schema as build_sdl

from tidings.graphql.schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"

# SPEC §4 without the Subscription type. Names here are a promise to clients: a rename or a
# changed type fails the contract tests below.
CONTRACT = """
scalar DateTime
enum ConversationKind { DIRECT GROUP }
enum ParticipantRole { ADMIN MEMBER }
enum ContentType { TEXT }
enum DeliveryStatus { SENT DELIVERED READ }
enum PresenceStatus { ONLINE AWAY BUSY OFFLINE }

type User { id: ID! username: String! displayName: String! avatarUrl: String
            presence: Presence! createdAt: DateTime! }
type Presence { status: PresenceStatus! lastSeenAt: DateTime }
type Viewer { user: User! email: String! settings: Settings! }
type Settings { shareReadReceipts: Boolean! sharePresence: Boolean! }
type AuthPayload { accessToken: String! refreshToken: String! accessTokenExpiresAt: DateTime!
                   refreshTokenExpiresAt: DateTime! user: User! }

type Conversation {
  id: ID! kind: ConversationKind! title: String displayTitle: String!
  createdBy: User! createdAt: DateTime! lastMessage: Message lastMessageAt: DateTime
  participants: [Participant!]! participantCount: Int!
  unreadCount: Int!
  messages(first: Int, after: String, last: Int, before: String): MessageConnection!
}
type Participant { user: User! role: ParticipantRole! joinedAt: DateTime!
                   lastReadSeq: Int lastReadAt: DateTime }

type Message {
  id: ID! conversationId: ID! seq: Int! sender: User!
  content: String! contentType: ContentType! clientMessageId: String replyTo: Message
  createdAt: DateTime! editedAt: DateTime deletedAt: DateTime
  status: DeliveryStatus!
  deliveredCount: Int! readCount: Int! recipientCount: Int!
  readBy: [MessageRead!]!
}
type MessageRead { user: User! readAt: DateTime! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String
                endCursor: String }
type MessageEdge { cursor: String! node: Message! }
type MessageConnection { edges: [MessageEdge!]! pageInfo: PageInfo! }
type ConversationEdge { cursor: String! node: Conversation! }
type ConversationConnection { edges: [ConversationEdge!]! pageInfo: PageInfo! }

type ReceiptUpdate { conversationId: ID! receipts: [ParticipantReceipt!]!
                     counts: [MessageReceiptCount!]! }
type ParticipantReceipt { user: User! lastDeliveredSeq: Int! lastReadSeq: Int! readAt: DateTime }
type MessageReceiptCount { messageId: ID! seq: Int! deliveredCount: Int! readCount: Int!
                           recipientCount: Int! }
type TypingEvent { conversationId: ID! user: User! isTyping: Boolean! }
type PresenceEvent { user: User! status: PresenceStatus! lastSeenAt: DateTime }

input RegisterInput { username: String! email: String! password: String! displayName: String }
input LoginInput { usernameOrEmail: String! password: String! }
input UpdateProfileInput { displayName: String avatarUrl: String }
input UpdateSettingsInput { shareReadReceipts: Boolean sharePresence: Boolean }
input CreateConversationInput { kind: ConversationKind! participantIds: [ID!]! title: String }
input SendMessageInput { conversationId: ID! content: String! clientMessageId: String replyToId: ID
                         contentType: ContentType = TEXT }

type Query {
  me: Viewer!
  user(id: ID!): User
  searchUsers(query: String!, first: Int = 20): [User!]!
  conversations(first: Int, after: String): ConversationConnection!
  conversation(id: ID!): Conversation
  messages(conversationId: ID!, first: Int, after: String, last: Int, before: String):
    MessageConnection!
  message(id: ID!): Message
}
type Mutation {
  register(input: RegisterInput!): AuthPayload!
  login(input: LoginInput!): AuthPayload!
  refreshToken(refreshToken: String!): AuthPayload!
  logout: Boolean!
  updateProfile(input: UpdateProfileInput!): User!
  updateSettings(input: UpdateSettingsInput!): Settings!
  createConversation(input: CreateConversationInput!): Conversation!
  addParticipants(conversationId: ID!, userIds: [ID!]!): Conversation!
  removeParticipant(conversationId: ID!, userId: ID!): Conversation!
  leaveConversation(conversationId: ID!): Boolean!
  sendMessage(input: SendMessageInput!): Message!
  editMessage(messageId: ID!, content: String!): Message!
  deleteMessage(messageId: ID!): Message!
  markRead(conversationId: ID!, messageId: ID!): Participant!
  setTyping(conversationId: ID!, isTyping: Boolean!): Boolean!
  setPresence(status: PresenceStatus!): Presence!
}
"""

# Names of CONTRACT that the code does not have yet, because the feature is still being built
# ("Type" or "Type.field"). Empty now: MVP 1–3 are all in. Add here only while building.
PENDING: frozenset[str] = frozenset()

contract = build_sdl(CONTRACT)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    """The served schema, rebuilt from its SDL so it compares like for like with the contract."""
    return build_sdl(build_schema().as_str())


def _contract_types() -> list[GraphQLNamedType]:
    return [
        named
        for name, named in contract.type_map.items()
        if not name.startswith("__") and name not in PENDING
    ]


def test_committed_schema_is_current() -> None:
    current = build_schema().as_str() + "\n"
    committed = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
    assert committed == current, (
        "schema.graphql is out of date with the code; "
        "run `tidings export-schema -o schema.graphql` and commit the result"
    )


@pytest.mark.parametrize("named", _contract_types(), ids=lambda named: named.name)
def test_contract_type_exists(schema: GraphQLSchema, named: GraphQLNamedType) -> None:
    actual = schema.get_type(named.name)
    assert actual is not None, f"SPEC §4 type {named.name} is missing"
    assert type(actual) is type(named), f"{named.name} is a {type(actual).__name__}"
    if isinstance(named, GraphQLEnumType):
        assert isinstance(actual, GraphQLEnumType)
        assert set(named.values) <= set(actual.values)


def _contract_fields() -> list[Any]:
    return [
        pytest.param(named.name, field, id=f"{named.name}.{field}")
        for named in _contract_types()
        if isinstance(named, (GraphQLObjectType, GraphQLInputObjectType))
        for field in named.fields
        if f"{named.name}.{field}" not in PENDING
    ]


@pytest.mark.parametrize(("type_name", "field_name"), _contract_fields())
def test_contract_field_exists(schema: GraphQLSchema, type_name: str, field_name: str) -> None:
    """Each field of SPEC §4 exists with the same type, and the same arguments and types."""
    expected_type = contract.get_type(type_name)
    actual_type = schema.get_type(type_name)
    assert isinstance(expected_type, (GraphQLObjectType, GraphQLInputObjectType))
    assert isinstance(actual_type, type(expected_type)), f"{type_name} is missing"
    expected = expected_type.fields[field_name]
    actual = actual_type.fields.get(field_name)
    assert actual is not None, f"SPEC §4 field {type_name}.{field_name} is missing"
    assert str(actual.type) == str(expected.type), f"{type_name}.{field_name}"
    if isinstance(expected, GraphQLField) and isinstance(actual, GraphQLField):
        # Optional arguments may be added; the contract's must stay as they are.
        for name, argument in expected.args.items():
            assert name in actual.args, f"argument {name} of {type_name}.{field_name} is missing"
            assert str(actual.args[name].type) == str(argument.type), (
                f"argument {name} of {type_name}.{field_name}"
            )
        for name in actual.args.keys() - expected.args.keys():
            assert not is_non_null_type(actual.args[name].type) or (
                actual.args[name].default_value is not Undefined
            ), f"new argument {name} of {type_name}.{field_name} must be optional"
