"""The search document and helpers of the message search tests."""

from __future__ import annotations

from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import create

__all__ = ["SEARCH", "found", "search", "search_error", "trio"]

SEARCH = """
query Search($query: String!, $conversationId: ID, $senderId: ID, $since: DateTime,
             $until: DateTime, $first: Int, $after: String) {
  searchMessages(query: $query, conversationId: $conversationId, senderId: $senderId,
                 since: $since, until: $until, first: $first, after: $after) {
    edges {
      cursor
      node {
        rank snippet snippetParts { text highlighted }
        message { id conversationId seq content sender { id displayName } }
        conversation { id displayTitle }
      }
    }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def search(api: Api, viewer: Account, query: str, **arguments: Any) -> dict[str, Any]:
    data = await api.data(SEARCH, {"query": query, **arguments}, token=viewer.access_token)
    connection: dict[str, Any] = data["searchMessages"]
    return connection


async def found(api: Api, viewer: Account, query: str, **arguments: Any) -> list[str]:
    """The contents found, best first."""
    connection = await search(api, viewer, query, **arguments)
    return [edge["node"]["message"]["content"] for edge in connection["edges"]]


async def search_error(api: Api, viewer: Account, query: str, **arguments: Any) -> dict[str, Any]:
    return await api.error(SEARCH, {"query": query, **arguments}, token=viewer.access_token)


async def trio(api: Api) -> tuple[Account, Account, Account, str]:
    """Alice, Bob and Carol, and Alice and Bob's direct conversation."""
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    carol = await api.register("carol", display_name="Carol")
    direct = await create(api, alice, "DIRECT", bob)
    return alice, bob, carol, direct["id"]
