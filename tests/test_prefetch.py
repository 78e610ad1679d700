"""A field off a page (one conversation, one message) loads what it and its selection below
need the way a page does: each relation in one batch, whatever the number of members or
readers (``tests/test_inbox_lookahead.py`` and ``test_history_lookahead.py`` check that it
reads as it does on a page)."""

from __future__ import annotations

from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import ADD_PARTICIPANTS, create, mark_read, send
from tests.support.server import LocalApp
from tests.test_statements import _counted

ONE_CONVERSATION = """
query One($id: ID!) {
  conversation(id: $id) {
    displayTitle participantCount
    participants { role lastReadSeq lastReadAt user { id username } }
    lastMessage { seq sender { username } status readBy { user { username } } }
  }
}
"""

ONE_MESSAGE = """
query One($id: ID!) {
  message(id: $id) {
    seq sender { username } status readCount recipientCount
    readBy { user { username } readAt }
    replyTo { seq sender { username } readBy { user { username } } }
  }
}
"""


async def _group(api: Api, name: str, size: int) -> tuple[Account, str, str]:
    """An untitled group of ``name`` and ``size`` others, who all read ``name``'s reply to the
    first of them; returns the owner, the conversation and the reply."""
    owner = await api.register(name, display_name=name.title())
    others = [
        await api.register(f"{name}{n}", display_name=f"{name.title()} {n}") for n in range(size)
    ]
    cid = (await create(api, owner, "GROUP", others[0]))["id"]
    await api.data(
        ADD_PARTICIPANTS,
        {"conversationId": cid, "userIds": [other.id for other in others[1:]]},
        token=owner.access_token,
    )
    first = await send(api, others[0], cid, "first")
    reply = await send(api, owner, cid, "reply", reply_to_id=first["id"])
    for other in others:
        await mark_read(api, other, cid, reply["id"])
    return owner, cid, reply["id"]


async def _read(
    app: LocalApp, api: Api, name: str, size: int
) -> tuple[dict[str, Any], dict[str, Any], int]:
    """The conversation and its reply read alone, and the statements both took."""
    owner, cid, reply = await _group(api, name, size)
    conversation, one = await _counted(app, api, ONE_CONVERSATION, {"id": cid}, owner)
    message, other = await _counted(app, api, ONE_MESSAGE, {"id": reply}, owner)
    return conversation["conversation"], message["message"], len(one) + len(other)


async def test_one_conversation_and_one_message_load_each_relation_once(
    app: LocalApp, api: Api
) -> None:
    small, small_reply, small_statements = await _read(app, api, "alice", 2)
    large, large_reply, large_statements = await _read(app, api, "bob", 8)

    assert (small["participantCount"], large["participantCount"]) == (3, 9)
    assert small["displayTitle"] == "Alice 0, Alice 1"
    assert {p["user"]["username"] for p in large["participants"]} == {
        "bob",
        *(f"bob{n}" for n in range(8)),
    }
    assert len(large["lastMessage"]["readBy"]) == 8
    assert large["lastMessage"]["status"] == "READ"
    assert (large_reply["readCount"], large_reply["recipientCount"]) == (8, 8)
    assert large_reply["replyTo"]["sender"]["username"] == "bob0"
    # Its sender is no reader of it; the owner never marked it read.
    assert small_reply["replyTo"]["readBy"] == [{"user": {"username": "alice1"}}]
    assert large_statements == small_statements
