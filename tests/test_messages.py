"""Messages: sending (trim, limits, dedup, seq), replies, edits, deletions, read marks."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlmodel import col

from tests.support.api import Account, Api
from tests.support.chat import (
    DELETE_MESSAGE,
    EDIT_MESSAGE,
    MARK_READ,
    MESSAGE,
    SEND_MESSAGE,
    code_of,
    conversation,
    create,
    history,
    mark_read,
    send,
    seqs,
    unread_count,
)
from tests.support.ws import WAIT
from tidings.models import Conversation, Message, utcnow
from tidings.settings import Settings


async def _pair(api: Api) -> tuple[Account, Account, str]:
    """Alice and Bob, and their direct conversation."""
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    direct = await create(api, alice, "DIRECT", bob)
    return alice, bob, direct["id"]


def _send_input(conversation_id: str, content: str, **extra: Any) -> dict[str, Any]:
    return {"input": {"conversationId": conversation_id, "content": content, **extra}}


async def _contents(api: Api, viewer: Account, conversation_id: str) -> list[str]:
    page = await history(api, viewer, conversation_id, first=100)
    return [edge["node"]["content"] for edge in page["edges"]]


# --- sending ---------------------------------------------------------------------------------


async def test_sent_message_is_trimmed_and_seen_by_both(api: Api) -> None:
    alice, bob, cid = await _pair(api)

    sent = await send(api, alice, cid, "  \n hello Bob \t ")

    assert sent["content"] == "hello Bob"
    assert sent["seq"] == 1
    assert sent["conversationId"] == cid
    assert sent["contentType"] == "TEXT"
    assert sent["sender"] == {"id": alice.id}
    assert sent["clientMessageId"] is None
    assert sent["replyTo"] is None
    assert sent["editedAt"] is None
    assert sent["deletedAt"] is None
    fetched = await api.data(MESSAGE, {"id": sent["id"]}, token=bob.access_token)
    assert fetched["message"] == sent
    assert (await history(api, bob, cid))["edges"][0]["node"] == sent


async def test_html_is_stored_and_returned_verbatim(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    markup = "<b>bold</b> &amp; <script>alert('x')</script> <img src=x onerror=y> \"q\" &"

    sent = await send(api, alice, cid, markup)

    assert sent["content"] == markup
    assert await _contents(api, bob, cid) == [markup]


@pytest.mark.parametrize("content", ["", " ", "\n\t  \r\n"])
async def test_empty_content_is_rejected(api: Api, content: str) -> None:
    alice, bob, cid = await _pair(api)

    error = await api.error(SEND_MESSAGE, _send_input(cid, content), token=alice.access_token)

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "content"
    assert await _contents(api, bob, cid) == []
    assert (await conversation(api, bob, cid))["lastMessage"] is None


async def test_content_limit_counts_code_points_not_bytes(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    # Each emoji is one code point but four UTF-8 bytes (and two UTF-16 units).
    at_limit = "😀" * 4000

    sent = await send(api, alice, cid, at_limit)
    padded = await send(api, alice, cid, "  " + "a" * 4000 + "\n")
    error = await api.error(
        SEND_MESSAGE, _send_input(cid, at_limit + "😀"), token=alice.access_token
    )

    assert sent["content"] == at_limit
    assert padded["content"] == "a" * 4000
    assert code_of(error) == "MESSAGE_TOO_LARGE"
    assert error["extensions"]["field"] == "content"
    assert seqs(await history(api, bob, cid)) == [1, 2]
    assert (await send(api, bob, cid, "wow"))["seq"] == 3


async def test_outsiders_cannot_send(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    carol = await api.register("carol")

    for conversation_id in (cid, str(uuid.uuid4())):
        error = await api.error(
            SEND_MESSAGE, _send_input(conversation_id, "let me in"), token=carol.access_token
        )
        assert code_of(error) == "NOT_IN_CONVERSATION"
    malformed = await api.error(
        SEND_MESSAGE, _send_input("not-an-id", "hi"), token=alice.access_token
    )
    assert code_of(malformed) == "VALIDATION_ERROR"
    assert malformed["extensions"]["field"] == "conversationId"

    assert await _contents(api, bob, cid) == []
    assert (await send(api, alice, cid, "first"))["seq"] == 1


async def test_sending_needs_a_signed_in_user(api: Api) -> None:
    _, bob, cid = await _pair(api)

    error = await api.error(SEND_MESSAGE, _send_input(cid, "anonymous"))

    assert code_of(error) == "UNAUTHENTICATED"
    assert await _contents(api, bob, cid) == []


# --- clientMessageId -----------------------------------------------------------------------


async def test_retry_with_client_message_id_returns_the_original(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    carol = await api.register("carol")
    group = await create(api, alice, "GROUP", bob, carol)

    original = await send(api, alice, cid, "hello", client_message_id="tmp-1")
    retry = await send(api, alice, cid, "hello again?", client_message_id="tmp-1")
    # The key is per (conversation, sender): others, and other conversations, are separate.
    bobs = await send(api, bob, cid, "hi", client_message_id="tmp-1")
    elsewhere = await send(api, alice, group["id"], "hello all", client_message_id="tmp-1")

    assert original["clientMessageId"] == "tmp-1"
    assert retry == original
    assert bobs["id"] != original["id"]
    assert bobs["seq"] == 2
    assert elsewhere["seq"] == 1
    assert await _contents(api, bob, cid) == ["hello", "hi"]
    assert (await send(api, alice, cid, "next"))["seq"] == 3


# A mention takes the send's other path: its mentions are stored in the message's transaction.
@pytest.mark.parametrize("content", ["only once", "@bob only once"])
async def test_concurrent_retries_store_one_message(api: Api, content: str) -> None:
    alice, bob, cid = await _pair(api)

    results = await asyncio.gather(
        *(
            api.execute(
                SEND_MESSAGE,
                _send_input(cid, content, clientMessageId="retry-me"),
                token=alice.access_token,
            )
            for _ in range(10)
        )
    )

    assert [body.get("errors") for body in results] == [None] * 10
    messages = [body["data"]["sendMessage"] for body in results]
    assert {(m["id"], m["seq"]) for m in messages} == {(messages[0]["id"], 1)}
    assert all(m["sender"] == {"id": alice.id} for m in messages)
    assert await _contents(api, bob, cid) == [content]
    assert await unread_count(api, bob, cid) == 1
    mentions = await api.data(MENTIONS_OF_BOB, token=bob.access_token)
    expected = [messages[0]["id"]] if "@" in content else []
    assert [edge["node"]["id"] for edge in mentions["mentions"]["edges"]] == expected
    assert (await send(api, bob, cid, "got it"))["seq"] == 2


MENTIONS_OF_BOB = "{ mentions(first: 20) { edges { node { id } } } }"


@pytest.mark.parametrize("backend", ["production"])  # row locks to queue behind
@pytest.mark.parametrize("content", ["once", "@bob once"])
async def test_a_retry_that_queued_behind_its_original_returns_it_whole(
    api: Api, settings: Settings, content: str
) -> None:
    """The retry takes the conversation's lock only after the original committed, finds it,
    and undoes its own increment: the answer is the original, its sender and all."""
    alice, bob, cid = await _pair(api)
    conversation_id, sender_id = uuid.UUID(cid), uuid.UUID(alice.id)
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.connect() as original:
            # The original, in flight: it holds the conversation's row lock.
            seq = await original.scalar(
                sa.update(Conversation)
                .where(col(Conversation.id) == conversation_id)
                .values(last_seq=col(Conversation.last_seq) + 1)
                .returning(col(Conversation.last_seq))
            )
            retry = asyncio.create_task(
                api.execute(
                    SEND_MESSAGE,
                    _send_input(cid, content, clientMessageId="queued"),
                    token=alice.access_token,
                )
            )
            await _until_waiting_for_a_lock(original)
            await original.execute(
                sa.insert(Message).values(
                    id=uuid.uuid4(),
                    conversation_id=conversation_id,
                    seq=seq,
                    sender_id=sender_id,
                    content=content,
                    content_type="TEXT",
                    client_message_id="queued",
                    created_at=utcnow(),
                )
            )
            await original.commit()
            body = await retry
    finally:
        await engine.dispose()

    assert body.get("errors") is None, body["errors"]
    sent = body["data"]["sendMessage"]
    assert (sent["seq"], sent["content"], sent["sender"]) == (1, content, {"id": alice.id})
    assert await _contents(api, bob, cid) == [content]
    assert (await send(api, bob, cid, "no gap"))["seq"] == 2


async def _until_waiting_for_a_lock(connection: AsyncConnection) -> None:
    """Until another session of this database waits for a lock (the retry, for the row)."""
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(int(WAIT / 0.01)):
        if await connection.scalar(waiting):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the retry never queued for the conversation's lock")


@pytest.mark.parametrize("client_message_id", ["", "x" * 65])
async def test_client_message_id_is_1_to_64_characters(api: Api, client_message_id: str) -> None:
    alice, bob, cid = await _pair(api)

    error = await api.error(
        SEND_MESSAGE,
        _send_input(cid, "hi", clientMessageId=client_message_id),
        token=alice.access_token,
    )
    longest = await send(api, alice, cid, "ok", client_message_id="y" * 64)

    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "clientMessageId"
    assert longest["clientMessageId"] == "y" * 64
    assert longest["seq"] == 1
    assert await _contents(api, bob, cid) == ["ok"]


# --- seq ------------------------------------------------------------------------------------


async def test_concurrent_senders_get_gap_free_seqs(api: Api) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    carol = await api.register("carol")
    group = await create(api, alice, "GROUP", bob, carol)
    senders = (alice, bob, carol)

    sent = await asyncio.gather(
        *(
            send(api, sender, group["id"], f"{sender.username} {n}")
            for n in range(15)
            for sender in senders
        )
    )

    assert sorted(m["seq"] for m in sent) == list(range(1, 46))
    page = await history(api, alice, group["id"], first=100)
    assert seqs(page) == list(range(1, 46))
    assert {e["node"]["id"] for e in page["edges"]} == {m["id"] for m in sent}
    for sender in senders:
        mine = [e["node"] for e in page["edges"] if e["node"]["sender"]["id"] == sender.id]
        assert len(mine) == 15
    latest = await conversation(api, carol, group["id"])
    assert latest["lastMessage"]["seq"] == 45
    assert latest["unreadCount"] == 30


# --- replies --------------------------------------------------------------------------------


async def test_reply_to_a_message_in_the_same_conversation(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    question = await send(api, alice, cid, "lunch?")

    answer = await send(api, bob, cid, "yes!", reply_to_id=question["id"])

    assert answer["replyTo"] == {"id": question["id"], "seq": 1, "content": "lunch?"}
    fetched = await api.data(MESSAGE, {"id": answer["id"]}, token=alice.access_token)
    assert fetched["message"]["replyTo"]["id"] == question["id"]


async def test_reply_to_elsewhere_is_rejected(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    carol = await api.register("carol")
    other = await create(api, alice, "DIRECT", carol)
    foreign = await send(api, carol, other["id"], "private")
    await send(api, alice, cid, "one")

    for reply_to_id in (foreign["id"], str(uuid.uuid4()), "nonsense"):
        error = await api.error(
            SEND_MESSAGE,
            _send_input(cid, "two", replyToId=reply_to_id),
            token=alice.access_token,
        )
        assert code_of(error) == "VALIDATION_ERROR", reply_to_id
        assert error["extensions"]["field"] == "replyToId"

    assert await _contents(api, bob, cid) == ["one"]
    # The rejected sends left no hole in seq.
    assert (await send(api, alice, cid, "two"))["seq"] == 2


# --- editing --------------------------------------------------------------------------------


async def test_sender_edits_own_message(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    sent = await send(api, alice, cid, "helo")

    edited = await api.data(
        EDIT_MESSAGE, {"messageId": sent["id"], "content": "  hello  "}, token=alice.access_token
    )

    message = edited["editMessage"]
    assert message["content"] == "hello"
    assert message["editedAt"] is not None
    assert message["editedAt"] >= sent["createdAt"]
    assert (message["id"], message["seq"], message["createdAt"]) == (
        sent["id"],
        1,
        sent["createdAt"],
    )
    assert await _contents(api, bob, cid) == ["hello"]


async def test_edits_are_checked(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    carol = await api.register("carol")
    sent = await send(api, alice, cid, "original")

    cases = [
        (bob, sent["id"], "bob was here", "FORBIDDEN", None),
        (carol, sent["id"], "carol was here", "NOT_FOUND", None),
        (alice, str(uuid.uuid4()), "nothing", "NOT_FOUND", None),
        (alice, "nonsense", "nothing", "VALIDATION_ERROR", "messageId"),
        (alice, sent["id"], "   ", "VALIDATION_ERROR", "content"),
        (alice, sent["id"], "😀" * 4001, "MESSAGE_TOO_LARGE", "content"),
    ]
    for actor, message_id, content, code, field in cases:
        error = await api.error(
            EDIT_MESSAGE, {"messageId": message_id, "content": content}, token=actor.access_token
        )
        assert code_of(error) == code, (actor.username, content[:10])
        if field is not None:
            assert error["extensions"]["field"] == field

    unchanged = await api.data(MESSAGE, {"id": sent["id"]}, token=bob.access_token)
    assert unchanged["message"] == sent


async def test_deleted_message_cannot_be_edited(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    sent = await send(api, alice, cid, "oops")
    await api.data(DELETE_MESSAGE, {"messageId": sent["id"]}, token=alice.access_token)

    error = await api.error(
        EDIT_MESSAGE, {"messageId": sent["id"], "content": "back"}, token=alice.access_token
    )

    assert code_of(error) == "FORBIDDEN"
    after = (await api.data(MESSAGE, {"id": sent["id"]}, token=bob.access_token))["message"]
    assert after["content"] == ""
    assert after["deletedAt"] is not None
    assert after["editedAt"] is None


# --- deleting -------------------------------------------------------------------------------


async def test_delete_leaves_a_tombstone(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    first = await send(api, alice, cid, "one")
    doomed = await send(api, alice, cid, "two")
    reply = await send(api, bob, cid, "re: two", reply_to_id=doomed["id"])
    last = await send(api, alice, cid, "three")

    deleted = (
        await api.data(DELETE_MESSAGE, {"messageId": doomed["id"]}, token=alice.access_token)
    )["deleteMessage"]

    assert deleted["id"] == doomed["id"]
    assert deleted["seq"] == 2
    assert deleted["content"] == ""
    assert deleted["deletedAt"] is not None
    page = await history(api, bob, cid)
    assert seqs(page) == [1, 2, 3, 4]
    assert [e["node"]["content"] for e in page["edges"]] == ["one", "", "re: two", "three"]
    assert page["edges"][2]["node"]["replyTo"] == {"id": doomed["id"], "seq": 2, "content": ""}
    fetched = (await api.data(MESSAGE, {"id": doomed["id"]}, token=bob.access_token))["message"]
    assert fetched == deleted
    # Deleting again changes nothing; the others are untouched.
    again = await api.data(DELETE_MESSAGE, {"messageId": doomed["id"]}, token=alice.access_token)
    assert again["deleteMessage"] == deleted
    assert {first["id"], reply["id"], last["id"]} == {
        e["node"]["id"] for e in page["edges"] if e["node"]["deletedAt"] is None
    }
    # New messages continue the sequence.
    assert (await send(api, bob, cid, "four"))["seq"] == 5


async def test_deleting_the_last_message_shows_its_tombstone(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    await send(api, alice, cid, "keep")
    last = await send(api, alice, cid, "regret")

    await api.data(DELETE_MESSAGE, {"messageId": last["id"]}, token=alice.access_token)

    seen = await conversation(api, bob, cid)
    assert seen["lastMessage"] == {
        "id": last["id"],
        "seq": 2,
        "content": "",
        "sender": {"id": alice.id},
    }
    assert seen["unreadCount"] == 1


async def test_only_senders_and_group_admins_delete(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    carol = await api.register("carol")
    group = await create(api, alice, "GROUP", bob, carol)
    in_direct = await send(api, alice, cid, "direct")
    bobs = await send(api, bob, group["id"], "bob's")
    carols = await send(api, carol, group["id"], "carol's")

    for actor, message in ((bob, in_direct), (carol, bobs), (bob, carols)):
        error = await api.error(
            DELETE_MESSAGE, {"messageId": message["id"]}, token=actor.access_token
        )
        assert code_of(error) == "FORBIDDEN"
    outsider = await api.error(
        DELETE_MESSAGE, {"messageId": in_direct["id"]}, token=carol.access_token
    )
    assert code_of(outsider) == "NOT_FOUND"
    assert await _contents(api, alice, cid) == ["direct"]
    assert await _contents(api, alice, group["id"]) == ["bob's", "carol's"]

    by_admin = await api.data(DELETE_MESSAGE, {"messageId": bobs["id"]}, token=alice.access_token)
    by_sender = await api.data(
        DELETE_MESSAGE, {"messageId": carols["id"]}, token=carol.access_token
    )

    assert by_admin["deleteMessage"]["deletedAt"] is not None
    assert by_sender["deleteMessage"]["deletedAt"] is not None
    assert await _contents(api, bob, group["id"]) == ["", ""]


# --- message(id) ----------------------------------------------------------------------------


async def test_message_is_visible_to_participants_only(api: Api) -> None:
    alice, bob, _ = await _pair(api)
    carol = await api.register("carol")
    group = await create(api, alice, "GROUP", bob, carol)
    sent = await send(api, carol, group["id"], "hello group")

    for viewer in (alice, bob, carol):
        seen = await api.data(MESSAGE, {"id": sent["id"]}, token=viewer.access_token)
        assert seen["message"] == sent
    dave = await api.register("dave")
    for viewer, message_id in ((dave, sent["id"]), (alice, str(uuid.uuid4()))):
        error = await api.error(MESSAGE, {"id": message_id}, token=viewer.access_token)
        assert code_of(error) == "NOT_FOUND"
    malformed = await api.error(MESSAGE, {"id": "42"}, token=alice.access_token)
    assert code_of(malformed) == "VALIDATION_ERROR"
    assert malformed["extensions"]["field"] == "id"

    await api.data(
        "mutation($c: ID!) { leaveConversation(conversationId: $c) }",
        {"c": group["id"]},
        token=bob.access_token,
    )
    gone = await api.error(MESSAGE, {"id": sent["id"]}, token=bob.access_token)
    assert code_of(gone) == "NOT_FOUND"


# --- read marks -----------------------------------------------------------------------------


async def test_mark_read_moves_forward_only(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    sent = [await send(api, alice, cid, f"m{n}") for n in range(1, 6)]
    assert await unread_count(api, bob, cid) == 5

    third = await mark_read(api, bob, cid, sent[2]["id"])
    assert third["lastReadSeq"] == 3
    assert third["lastReadAt"] is not None
    assert third["user"] == {"id": bob.id}
    assert await unread_count(api, bob, cid) == 2

    back = await mark_read(api, bob, cid, sent[0]["id"])
    assert back["lastReadSeq"] == 3
    assert back["lastReadAt"] == third["lastReadAt"]
    seen = await conversation(api, alice, cid)
    assert {p["user"]["id"]: p["lastReadSeq"] for p in seen["participants"]} == {
        alice.id: 0,
        bob.id: 3,
    }
    assert await unread_count(api, bob, cid) == 2

    # Concurrent marks, newest among them: the newest wins whatever the order.
    await asyncio.gather(*(mark_read(api, bob, cid, m["id"]) for m in reversed(sent)))
    assert await unread_count(api, bob, cid) == 0
    final = await mark_read(api, bob, cid, sent[1]["id"])
    assert final["lastReadSeq"] == 5


async def test_mark_read_needs_a_message_of_that_conversation(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    carol = await api.register("carol")
    group = await create(api, alice, "GROUP", bob, carol)
    here = await send(api, alice, cid, "here")
    there = await send(api, alice, group["id"], "there")
    await mark_read(api, bob, cid, here["id"])

    for message_id in (there["id"], str(uuid.uuid4())):
        error = await api.error(
            MARK_READ, {"conversationId": cid, "messageId": message_id}, token=bob.access_token
        )
        assert code_of(error) == "NOT_FOUND"
    outsider = await api.error(
        MARK_READ, {"conversationId": cid, "messageId": here["id"]}, token=carol.access_token
    )
    assert code_of(outsider) == "NOT_IN_CONVERSATION"

    seen = await conversation(api, alice, cid)
    assert {p["user"]["id"]: p["lastReadSeq"] for p in seen["participants"]}[bob.id] == 1
    assert await unread_count(api, bob, group["id"]) == 1
    assert await unread_count(api, carol, group["id"]) == 1


async def test_unread_count_skips_own_and_deleted_messages(api: Api) -> None:
    alice, bob, cid = await _pair(api)
    alices = [await send(api, alice, cid, f"a{n}") for n in range(3)]
    bobs = [await send(api, bob, cid, f"b{n}") for n in range(2)]

    assert await unread_count(api, alice, cid) == 2
    assert await unread_count(api, bob, cid) == 3

    await api.data(DELETE_MESSAGE, {"messageId": alices[1]["id"]}, token=alice.access_token)
    assert await unread_count(api, bob, cid) == 2
    assert await unread_count(api, alice, cid) == 2

    # Reading up to one's own latest message clears everything before it.
    await mark_read(api, bob, cid, bobs[-1]["id"])
    assert await unread_count(api, bob, cid) == 0
    await send(api, alice, cid, "more")
    assert await unread_count(api, bob, cid) == 1
