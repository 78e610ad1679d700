"""Mute, archive and pin: the documents and helpers their tests share."""

from __future__ import annotations

from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import create

__all__ = [
    "ARCHIVED",
    "LIST",
    "MUTATIONS",
    "OFF",
    "STATE",
    "change",
    "groups",
    "listed",
    "mutation",
]

STATE = "viewerState { muted mutedUntil archived pinned pinnedAt }"

LIST = f"""
query List($first: Int, $after: String, $filter: ConversationFilter) {{
  conversations(first: $first, after: $after, filter: $filter) {{
    edges {{ cursor node {{ id title {STATE} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


def mutation(name: str, *, until: bool = False) -> str:
    if until:
        return f"""mutation M($conversationId: ID!, $until: DateTime) {{
          {name}(conversationId: $conversationId, until: $until) {{ id {STATE} }} }}"""
    return f"""mutation M($conversationId: ID!) {{
      {name}(conversationId: $conversationId) {{ id {STATE} }} }}"""


MUTATIONS = [
    "muteConversation",
    "unmuteConversation",
    "archiveConversation",
    "unarchiveConversation",
    "pinConversation",
    "unpinConversation",
]


async def change(
    api: Api, account: Account, name: str, conversation_id: str, **variables: Any
) -> dict[str, Any]:
    """Run one of the state mutations; the conversation's viewerState after it."""
    query = mutation(name, until="until" in variables)
    data = await api.data(
        query, {"conversationId": conversation_id, **variables}, token=account.access_token
    )
    state: dict[str, Any] = data[name]["viewerState"]
    return state


async def listed(api: Api, account: Account, **arguments: Any) -> list[str]:
    """The titles of the account's list (or its archived view with ``filter``)."""
    data = await api.data(LIST, {"first": 100, **arguments}, token=account.access_token)
    return [edge["node"]["title"] for edge in data["conversations"]["edges"]]


ARCHIVED = {"filter": {"archived": True}}


async def groups(api: Api, *titles: str) -> tuple[Account, Account, dict[str, str]]:
    """Alice and Bob, and a group of theirs per title, created in this order (so the last is
    the most recently active)."""
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    ids = {}
    for title in titles:
        ids[title] = (await create(api, alice, "GROUP", bob, title=title))["id"]
    return alice, bob, ids


OFF = {"muted": False, "mutedUntil": None, "archived": False, "pinned": False, "pinnedAt": None}
