"""The GraphQL documents the load generator sends, as a chat client would."""

from __future__ import annotations

__all__ = [
    "CONVERSATION_UPDATED",
    "HISTORY",
    "INBOX",
    "MESSAGE_ADDED",
    "MESSAGE_UPDATED",
    "SEND_MESSAGE",
]

SEND_MESSAGE = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { id seq createdAt }
}
"""

MESSAGE_ADDED = """
subscription Added($conversationId: ID) {
  messageAdded(conversationId: $conversationId) {
    id conversationId seq content createdAt clientMessageId
    sender { id username displayName }
  }
}
"""

MESSAGE_UPDATED = """
subscription Updated {
  messageUpdated { id conversationId seq content editedAt deletedAt }
}
"""

CONVERSATION_UPDATED = """
subscription Conversations {
  conversationUpdated { id kind title lastMessageAt }
}
"""

# A history page as a client renders it: 50 messages with sender, the message replied to,
# and the delivery counts.
HISTORY = """
query History($conversationId: ID!, $last: Int) {
  messages(conversationId: $conversationId, last: $last) {
    edges { cursor node {
      id seq content createdAt editedAt deletedAt
      sender { id username displayName avatarUrl }
      replyTo { id seq content sender { id displayName } }
      status deliveredCount readCount recipientCount
    } }
    pageInfo { hasPreviousPage startCursor }
  }
}
"""

# The inbox: conversations with last message, participants and unread count.
INBOX = """
query Inbox($first: Int) {
  conversations(first: $first) {
    edges { cursor node {
      id kind title displayTitle lastMessageAt unreadCount participantCount
      lastMessage { id seq content createdAt sender { id displayName } }
      participants { role lastReadSeq user { id username displayName avatarUrl } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
