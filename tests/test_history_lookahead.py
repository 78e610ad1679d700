"""A history page loads what its selection asks for once for all its messages; every message
on it must read exactly as it does alone (``message(id)``), fragments and directives included,
replies to messages off the page, late joiners and read-receipt privacy included."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Account, Api
from tests.support.chat import ADD_PARTICIPANTS, create, history, mark_read, send
from tests.support.receipts import UPDATE_SETTINGS, read_by, users
from tests.support.server import LocalApp

FIELDS = """
fragment Ticks on Message {
  deliveredCount
  readCount
  recipientCount
}

fragment Shown on Message {
  id
  seq
  content
  sender { username displayName }
  status
  ...Ticks @include(if: $withCounts)
  readBy @skip(if: $withoutReaders) { user { username } readAt }
  replyTo @include(if: $withReply) {
    id
    seq
    sender { username }
    ... on Message { status readCount recipientCount }
    readBy { user { username } }
  }
}
"""

PAGE = (
    """
query Page($conversationId: ID!, $withCounts: Boolean!, $withoutReaders: Boolean!,
           $withReply: Boolean!) {
  messages(conversationId: $conversationId, last: 6) { edges { node { ...Shown } } }
}
"""
    + FIELDS
)

ONE = (
    """
query One($id: ID!, $withCounts: Boolean!, $withoutReaders: Boolean!, $withReply: Boolean!) {
  message(id: $id) { ...Shown }
}
"""
    + FIELDS
)


async def _chat(api: Api, app: LocalApp) -> tuple[Account, str, list[dict[str, Any]]]:
    """A group where bob hides read receipts, erin joins late, and replies reach back past
    the newest six messages; some are read, some only delivered."""
    alice, bob, carol, dave, erin = await users(api, "alice", "bob", "carol", "dave", "erin")
    await api.data(UPDATE_SETTINGS, {"input": {"shareReadReceipts": False}}, token=bob.access_token)
    cid = (await create(api, alice, "GROUP", bob, carol, dave, title="Plans"))["id"]
    sent = [await send(api, who, cid, f"early {n}") for n, who in enumerate([alice, bob, carol])]
    await mark_read(api, carol, cid, sent[1]["id"])
    await api.data(
        ADD_PARTICIPANTS, {"conversationId": cid, "userIds": [erin.id]}, token=alice.access_token
    )
    for n, (who, target) in enumerate([(bob, 0), (alice, 1), (carol, 3), (dave, None), (alice, 4)]):
        reply_to = sent[target]["id"] if target is not None else None
        sent.append(await send(api, who, cid, f"later {n}", reply_to_id=reply_to))
    await history(api, bob, cid)  # shown everything, then reads it in private
    await mark_read(api, bob, cid, sent[6]["id"])
    await mark_read(api, erin, cid, sent[5]["id"])
    await mark_read(api, carol, cid, sent[4]["id"])
    await history(api, dave, cid)  # shown everything, read nothing
    await history(api, alice, cid)  # so that alice's own page moves no mark from here on
    await app.services.receipts.flush()
    return alice, cid, sent


@pytest.mark.parametrize(
    "flags",
    [
        {"withCounts": True, "withoutReaders": False, "withReply": True},
        {"withCounts": False, "withoutReaders": True, "withReply": True},
        {"withCounts": True, "withoutReaders": True, "withReply": False},
        {"withCounts": False, "withoutReaders": False, "withReply": False},
    ],
)
async def test_each_history_message_reads_as_the_message_alone(
    api: Api, app: LocalApp, flags: dict[str, bool]
) -> None:
    alice, cid, sent = await _chat(api, app)

    page = await api.data(PAGE, {"conversationId": cid, **flags}, token=alice.access_token)
    alone: dict[str, Any] = {}
    for message in sent[-6:]:
        data = await api.data(ONE, {"id": message["id"], **flags}, token=alice.access_token)
        alone[message["id"]] = data["message"]

    entries = {edge["node"]["id"]: edge["node"] for edge in page["messages"]["edges"]}
    assert list(entries) == [message["id"] for message in sent[-6:]]
    assert entries == alone
    # What the page had to get right: late joiners, hidden reads, replies off the page.
    early, later = alone[sent[2]["id"]], alone[sent[3]["id"]]
    assert ("deliveredCount" in later) is flags["withCounts"]
    assert ("readBy" in later) is not flags["withoutReaders"]
    assert ("replyTo" in later) is flags["withReply"]
    if flags["withCounts"]:
        assert (early["recipientCount"], later["recipientCount"]) == (3, 4)
        assert (early["deliveredCount"], early["readCount"]) == (3, 0)
        # bob read it but hides it, carol and erin share; dave was shown it.
        assert (later["deliveredCount"], later["readCount"]) == (4, 2)
    if not flags["withoutReaders"]:
        assert read_by(later) == ["erin", "carol"]
        # bob read past it but hides it; erin read past it but joined after it was sent.
        assert read_by(early) == []
    if flags["withReply"]:
        assert later["replyTo"]["seq"] == 1  # off the page
        assert later["replyTo"]["sender"]["username"] == "alice"
        assert read_by(later["replyTo"]) == ["carol"]
        assert alone[sent[6]["id"]]["replyTo"] is None
