"""GraphQL documents and small helpers for the conversation, message and history tests."""

from __future__ import annotations

from typing import Any

from tests.support.api import Account, Api

__all__ = [
    "ADD_PARTICIPANTS",
    "CONVERSATION",
    "CONVERSATIONS",
    "CONVERSATION_FIELDS",
    "CREATE_CONVERSATION",
    "DELETE_MESSAGE",
    "EDIT_MESSAGE",
    "LEAVE_CONVERSATION",
    "MARK_READ",
    "MESSAGE",
    "MESSAGES",
    "MESSAGE_FIELDS",
    "REMOVE_PARTICIPANT",
    "RENAME_CONVERSATION",
    "SEND_MESSAGE",
    "code_of",
    "conversation",
    "conversation_ids",
    "create",
    "history",
    "inbox",
    "mark_read",
    "roles",
    "send",
    "seqs",
    "unread_count",
]

MESSAGE_FIELDS = """
  id conversationId seq content contentType clientMessageId createdAt editedAt deletedAt
  sender { id }
  replyTo { id seq content }
"""

CONVERSATION_FIELDS = """
  id kind title displayTitle createdAt lastMessageAt participantCount unreadCount
  createdBy { id }
  participants { role joinedAt lastReadSeq user { id username displayName } }
  lastMessage { id seq content sender { id } }
"""

CREATE_CONVERSATION = f"""
mutation Create($input: CreateConversationInput!) {{
  createConversation(input: $input) {{ {CONVERSATION_FIELDS} }}
}}
"""

CONVERSATION = f"""
query Conversation($id: ID!) {{ conversation(id: $id) {{ {CONVERSATION_FIELDS} }} }}
"""

CONVERSATIONS = f"""
query Conversations($first: Int, $after: String) {{
  conversations(first: $first, after: $after) {{
    edges {{ cursor node {{ {CONVERSATION_FIELDS} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}
"""

ADD_PARTICIPANTS = f"""
mutation Add($conversationId: ID!, $userIds: [ID!]!) {{
  addParticipants(conversationId: $conversationId, userIds: $userIds) {{ {CONVERSATION_FIELDS} }}
}}
"""

REMOVE_PARTICIPANT = f"""
mutation Remove($conversationId: ID!, $userId: ID!) {{
  removeParticipant(conversationId: $conversationId, userId: $userId) {{ {CONVERSATION_FIELDS} }}
}}
"""

LEAVE_CONVERSATION = """
mutation Leave($conversationId: ID!) { leaveConversation(conversationId: $conversationId) }
"""

RENAME_CONVERSATION = f"""
mutation Rename($conversationId: ID!, $title: String) {{
  renameConversation(conversationId: $conversationId, title: $title) {{ {CONVERSATION_FIELDS} }}
}}
"""

SEND_MESSAGE = f"""
mutation Send($input: SendMessageInput!) {{ sendMessage(input: $input) {{ {MESSAGE_FIELDS} }} }}
"""

EDIT_MESSAGE = f"""
mutation Edit($messageId: ID!, $content: String!) {{
  editMessage(messageId: $messageId, content: $content) {{ {MESSAGE_FIELDS} }}
}}
"""

DELETE_MESSAGE = f"""
mutation Delete($messageId: ID!) {{ deleteMessage(messageId: $messageId) {{ {MESSAGE_FIELDS} }} }}
"""

MESSAGE = f"""
query Message($id: ID!) {{ message(id: $id) {{ {MESSAGE_FIELDS} }} }}
"""

MESSAGES = f"""
query Messages($conversationId: ID!, $first: Int, $after: String, $last: Int, $before: String) {{
  messages(
    conversationId: $conversationId, first: $first, after: $after, last: $last, before: $before
  ) {{
    edges {{ cursor node {{ {MESSAGE_FIELDS} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}
"""

MARK_READ = """
mutation MarkRead($conversationId: ID!, $messageId: ID!) {
  markRead(conversationId: $conversationId, messageId: $messageId) {
    role lastReadSeq lastReadAt user { id }
  }
}
"""


def code_of(error: dict[str, Any]) -> str:
    """The ``extensions.code`` of a GraphQL error."""
    code: str = error["extensions"]["code"]
    return code


async def create(
    api: Api,
    actor: Account,
    kind: str,
    *others: Account | str,
    title: str | None = None,
) -> dict[str, Any]:
    """Create a conversation of ``kind`` between ``actor`` and ``others`` (accounts or ids)."""
    ids = [other if isinstance(other, str) else other.id for other in others]
    variables: dict[str, Any] = {"input": {"kind": kind, "participantIds": ids}}
    if title is not None:
        variables["input"]["title"] = title
    data = await api.data(CREATE_CONVERSATION, variables, token=actor.access_token)
    created: dict[str, Any] = data["createConversation"]
    return created


async def conversation(api: Api, viewer: Account, conversation_id: str) -> dict[str, Any]:
    data = await api.data(CONVERSATION, {"id": conversation_id}, token=viewer.access_token)
    found: dict[str, Any] = data["conversation"]
    return found


async def unread_count(api: Api, viewer: Account, conversation_id: str) -> int:
    count: int = (await conversation(api, viewer, conversation_id))["unreadCount"]
    return count


def roles(conversation: dict[str, Any]) -> dict[str, str]:
    """Participant user id → role."""
    return {p["user"]["id"]: p["role"] for p in conversation["participants"]}


async def inbox(api: Api, viewer: Account, **arguments: Any) -> dict[str, Any]:
    """The viewer's ``conversations`` connection."""
    data = await api.data(CONVERSATIONS, arguments, token=viewer.access_token)
    connection: dict[str, Any] = data["conversations"]
    return connection


def conversation_ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


async def send(
    api: Api,
    sender: Account,
    conversation_id: str,
    content: str,
    *,
    client_message_id: str | None = None,
    reply_to_id: str | None = None,
) -> dict[str, Any]:
    """Send a message, failing the test on any error."""
    data = await api.data(
        SEND_MESSAGE,
        {
            "input": {
                "conversationId": conversation_id,
                "content": content,
                "clientMessageId": client_message_id,
                "replyToId": reply_to_id,
            }
        },
        token=sender.access_token,
    )
    message: dict[str, Any] = data["sendMessage"]
    return message


async def history(
    api: Api, viewer: Account, conversation_id: str, **arguments: Any
) -> dict[str, Any]:
    """A ``messages`` connection (``first``/``after``/``last``/``before`` as keywords)."""
    data = await api.data(
        MESSAGES, {"conversationId": conversation_id, **arguments}, token=viewer.access_token
    )
    connection: dict[str, Any] = data["messages"]
    return connection


def seqs(connection: dict[str, Any]) -> list[int]:
    return [edge["node"]["seq"] for edge in connection["edges"]]


async def mark_read(
    api: Api, reader: Account, conversation_id: str, message_id: str
) -> dict[str, Any]:
    data = await api.data(
        MARK_READ,
        {"conversationId": conversation_id, "messageId": message_id},
        token=reader.access_token,
    )
    participant: dict[str, Any] = data["markRead"]
    return participant
