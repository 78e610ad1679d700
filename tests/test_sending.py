"""sendMessage's checks, on both databases: what a rejected send leaves (nothing, no hole in
seq), rejected and retried sends racing good ones, and the request's session after a send
(PostgreSQL stores a message with one autocommitted statement)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import (
    LEAVE_CONVERSATION,
    SEND_MESSAGE,
    code_of,
    conversation,
    create,
    history,
    send,
    seqs,
)


def _input(conversation_id: str, content: str, **extra: Any) -> dict[str, Any]:
    return {"input": {"conversationId": conversation_id, "content": content, **extra}}


async def _group(api: Api) -> tuple[Account, Account, Account, str]:
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    carol = await api.register("carol", display_name="Carol")
    group = await create(api, alice, "GROUP", bob, carol)
    return alice, bob, carol, group["id"]


async def test_a_send_by_an_outsider_changes_nothing(api: Api) -> None:
    alice, bob, carol, gid = await _group(api)
    await send(api, alice, gid, "one")
    await send(api, bob, gid, "two")
    await api.data(LEAVE_CONVERSATION, {"conversationId": gid}, token=carol.access_token)
    before = await conversation(api, alice, gid)
    dave = await api.register("dave")

    for outsider, reply_to_id in ((carol, None), (dave, None), (dave, str(uuid.uuid4()))):
        error = await api.error(
            SEND_MESSAGE,
            _input(gid, "let me in", replyToId=reply_to_id, clientMessageId="in"),
            token=outsider.access_token,
        )
        # Membership is checked first: an outsider learns nothing about the reply target.
        assert code_of(error) == "NOT_IN_CONVERSATION", (outsider.username, reply_to_id)

    after = await conversation(api, alice, gid)
    assert after["lastMessage"]["seq"] == before["lastMessage"]["seq"] == 2
    assert after["lastMessageAt"] == before["lastMessageAt"]
    assert seqs(await history(api, alice, gid)) == [1, 2]
    assert (await send(api, alice, gid, "three"))["seq"] == 3


async def test_a_bad_reply_target_stores_nothing(api: Api) -> None:
    alice, bob, _, gid = await _group(api)
    first = await send(api, alice, gid, "one")
    elsewhere = await create(api, bob, "DIRECT", alice)
    foreign = await send(api, bob, elsewhere["id"], "private")

    for reply_to_id in (foreign["id"], str(uuid.uuid4())):
        error = await api.error(
            SEND_MESSAGE,
            _input(gid, "re", replyToId=reply_to_id, clientMessageId=f"re-{reply_to_id}"),
            token=bob.access_token,
        )
        assert code_of(error) == "VALIDATION_ERROR"
        assert error["extensions"]["field"] == "replyToId"

    assert seqs(await history(api, alice, gid)) == [1]
    # The rejected clientMessageId was not kept: sent again, right, it stores the message.
    fixed = await send(
        api, bob, gid, "re", client_message_id=f"re-{foreign['id']}", reply_to_id=first["id"]
    )
    assert (fixed["seq"], fixed["replyTo"]["id"]) == (2, first["id"])


async def test_a_retry_returns_its_original_even_with_a_bad_reply_target(api: Api) -> None:
    """As before: a retry is recognised first, whatever else it carries now."""
    alice, _, _, gid = await _group(api)
    original = await send(api, alice, gid, "hello", client_message_id="k")

    retry = await send(
        api, alice, gid, "hello", client_message_id="k", reply_to_id=str(uuid.uuid4())
    )

    assert retry == original
    assert seqs(await history(api, alice, gid)) == [1]


async def test_rejected_and_retried_sends_racing_good_ones_leave_no_gap(api: Api) -> None:
    alice, bob, carol, gid = await _group(api)
    dave = await api.register("dave")
    good = [
        api.execute(SEND_MESSAGE, _input(gid, f"{who.username} {n}"), token=who.access_token)
        for n in range(6)
        for who in (alice, bob, carol)
    ]
    retried = [
        api.execute(SEND_MESSAGE, _input(gid, "once", clientMessageId="r"), token=bob.access_token)
        for _ in range(4)
    ]
    rejected = [
        api.execute(SEND_MESSAGE, _input(gid, "no"), token=dave.access_token),
        api.execute(
            SEND_MESSAGE, _input(gid, "no", replyToId=str(uuid.uuid4())), token=carol.access_token
        ),
    ] * 3

    results = await asyncio.gather(*good, *retried, *rejected)

    sent = [body["data"]["sendMessage"] for body in results[: len(good) + len(retried)]]
    assert all(body.get("errors") for body in results[len(good) + len(retried) :])
    assert len({m["id"] for m in sent[len(good) :]}) == 1  # the retries: one message
    page = await history(api, alice, gid, first=100)
    assert seqs(page) == list(range(1, len(good) + 2))
    assert {e["node"]["id"] for e in page["edges"]} == {m["id"] for m in sent}
    assert (await conversation(api, alice, gid))["lastMessage"]["seq"] == len(good) + 1


async def test_the_response_and_later_mutations_read_after_a_send(api: Api) -> None:
    """After the send, the request's session still answers the response's fields and serves
    the next mutation of the same document."""
    alice, _, _, gid = await _group(api)
    question = await send(api, alice, gid, "lunch?")
    document = """
    mutation Two($first: SendMessageInput!, $second: SendMessageInput!) {
      first: sendMessage(input: $first) {
        seq sender { id username displayName } replyTo { id content sender { displayName } }
      }
      second: sendMessage(input: $second) { seq content sender { displayName } }
    }
    """
    variables = {
        "first": {"conversationId": gid, "content": "yes", "replyToId": question["id"]},
        "second": {"conversationId": gid, "content": "at noon", "clientMessageId": "noon"},
    }

    data = await api.data(document, variables, token=alice.access_token)

    assert data["first"] == {
        "seq": 2,
        "sender": {"id": alice.id, "username": "alice", "displayName": "Alice"},
        "replyTo": {"id": question["id"], "content": "lunch?", "sender": {"displayName": "Alice"}},
    }
    assert data["second"] == {"seq": 3, "content": "at noon", "sender": {"displayName": "Alice"}}
    again = await api.data(
        document, variables | {"first": variables["second"]}, token=alice.access_token
    )
    assert again["first"]["seq"] == again["second"]["seq"] == 3
    assert seqs(await history(api, alice, gid)) == [1, 2, 3]
