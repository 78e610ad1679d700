"""The inbox loads what its selection asks for once for the whole page; every conversation
on it must read exactly as it does alone (``conversation(id)``), fragments and directives
included, read-receipt privacy included."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import create, mark_read, send
from tests.support.receipts import UPDATE_SETTINGS

FIELDS = """
fragment Member on Participant {
  role
  lastReadSeq
  lastReadAt
  user { username }
}

fragment Summary on Conversation {
  id
  kind
  title
  displayTitle
  participantCount
  createdBy { username }
  unreadCount @include(if: $withUnread)
  lastMessage @skip(if: $withoutLast) { seq content sender { username } }
  participants { ...Member }
}
"""

INBOX = (
    """
query Inbox($withUnread: Boolean!, $withoutLast: Boolean!) {
  conversations(first: 100) { edges { node { ...Summary } } }
}
"""
    + FIELDS
)

ONE = (
    """
query One($id: ID!, $withUnread: Boolean!, $withoutLast: Boolean!) {
  conversation(id: $id) { ...Summary }
}
"""
    + FIELDS
)


async def _chat(api: Api) -> tuple[Account, list[str]]:
    """bob hides read receipts; three conversations with messages and reads."""
    alice, bob, carol = [
        await api.register(name, display_name=name.title()) for name in ("alice", "bob", "carol")
    ]
    await api.data(UPDATE_SETTINGS, {"input": {"shareReadReceipts": False}}, token=bob.access_token)
    direct = (await create(api, alice, "DIRECT", bob))["id"]
    titled = (await create(api, bob, "GROUP", alice, carol, title="Plans"))["id"]
    untitled = (await create(api, carol, "GROUP", alice, bob))["id"]
    empty = (await create(api, carol, "DIRECT", alice))["id"]
    for conversation, sender, reader in [
        (direct, alice, bob),
        (titled, carol, bob),
        (titled, bob, alice),
        (untitled, bob, carol),
    ]:
        message = await send(api, sender, conversation, f"from {sender.username}")
        await mark_read(api, reader, conversation, message["id"])
    await send(api, bob, untitled, "unread by alice")
    return alice, [direct, titled, untitled, empty]


@pytest.mark.parametrize("with_unread", [True, False])
@pytest.mark.parametrize("without_last", [True, False])
async def test_each_inbox_entry_reads_as_the_conversation_alone(
    api: Api, with_unread: bool, without_last: bool
) -> None:
    alice, conversations = await _chat(api)
    flags = {"withUnread": with_unread, "withoutLast": without_last}

    inbox = await api.data(INBOX, flags, token=alice.access_token)
    alone: dict[str, Any] = {}
    for cid in conversations:
        data = await api.data(ONE, {"id": cid, **flags}, token=alice.access_token)
        alone[cid] = data["conversation"]

    entries = {edge["node"]["id"]: edge["node"] for edge in inbox["conversations"]["edges"]}
    assert entries == alone
    direct, titled, untitled, _ = (alone[cid] for cid in conversations)
    # What the page had to get right: hidden reads, titles, unread counts, skipped fields.
    bob_in_direct = [p for p in direct["participants"] if p["user"]["username"] == "bob"]
    assert bob_in_direct[0]["lastReadSeq"] is None
    assert titled["displayTitle"] == "Plans"
    assert untitled["displayTitle"] == "Bob, Carol"
    assert ("unreadCount" in untitled) is with_unread
    assert ("lastMessage" in untitled) is not without_last
    if with_unread:
        assert untitled["unreadCount"] == 2
