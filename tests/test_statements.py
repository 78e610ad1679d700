"""Query batching: how many SQL statements a page costs must not grow with the page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.support.api import Account, Api
from tests.support.chat import create, send
from tests.support.server import LocalApp
from tests.support.statements import count_statements

INBOX = """
query Inbox($first: Int) {
  conversations(first: $first) {
    edges { node {
      id kind title displayTitle unreadCount unreadMentionCount participantCount lastMessageAt
      lastMessage { id seq content sender { id username displayName } }
      participants { role lastReadSeq user { id username displayName } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

HISTORY = """
query History($conversationId: ID!, $last: Int) {
  messages(conversationId: $conversationId, last: $last) {
    edges { cursor node {
      id seq content createdAt editedAt deletedAt
      sender { id username displayName }
      replyTo { id seq content }
    } }
    pageInfo { hasPreviousPage startCursor }
  }
}
"""


async def _counted(
    app: LocalApp,
    api: Api,
    query: str,
    variables: dict[str, Any],
    viewer: Account,
) -> tuple[dict[str, Any], list[str]]:
    """The data of ``query`` and the statements it ran (after a warm-up run of the same)."""
    await api.data(query, variables, token=viewer.access_token)
    # The receipt desk writes delivered marks in the background. Stopping it writes what the
    # warm-up left pending and holds back the next batch, so only the request is counted.
    desk = app.services.receipts
    await desk.stop()
    try:
        with count_statements(app.services.engine) as statements:
            data = await api.data(query, variables, token=viewer.access_token)
    finally:
        await desk.start()
    return data, list(statements)


async def _people(api: Api) -> list[Account]:
    names = ["alice", "bob", "carol", "dave", "erin"]
    return [await api.register(name, display_name=name.title()) for name in names]


async def _open(api: Api, people: list[Account], number: int) -> None:
    """Open conversation ``number``: DMs and groups, titled and not, each with a message."""
    alice, others = people[0], people[1:]
    if number in (0, 3):
        cid = (await create(api, alice, "DIRECT", others[number]))["id"]
    else:
        members = [others[(number + k) % 4] for k in range(1 + number % 3)]
        title = f"Group {number}" if number % 2 else None
        cid = (await create(api, alice, "GROUP", *members, title=title))["id"]
    sender = others[number % 4] if number % 5 else alice
    await send(api, sender, cid, f"hello {number}")


async def test_inbox_statements_do_not_grow_with_the_list(app: LocalApp, api: Api) -> None:
    people = await _people(api)
    alice = people[0]
    for number in range(5):
        await _open(api, people, number)
    small, small_statements = await _counted(app, api, INBOX, {"first": 100}, alice)

    for number in range(5, 50):
        await _open(api, people, number)
    large, large_statements = await _counted(app, api, INBOX, {"first": 100}, alice)

    assert len(small["conversations"]["edges"]) == 5
    assert len(large["conversations"]["edges"]) == 50
    nodes = [edge["node"] for edge in large["conversations"]["edges"]]
    assert all(node["lastMessage"]["sender"]["displayName"] for node in nodes)
    assert all(len(node["participants"]) == node["participantCount"] >= 2 for node in nodes)
    assert all(node["displayTitle"] for node in nodes)
    assert len(large_statements) == len(small_statements), (small_statements, large_statements)


async def test_history_page_statements_do_not_grow_with_the_page(app: LocalApp, api: Api) -> None:
    people = await _people(api)
    alice, bob, carol = people[:3]
    cid = (await create(api, alice, "GROUP", bob, carol))["id"]
    previous: str | None = None
    for n in range(50):
        sender = people[n % 3]
        previous = (await send(api, sender, cid, f"message {n}", reply_to_id=previous))["id"]

    small, small_statements = await _counted(
        app, api, HISTORY, {"conversationId": cid, "last": 5}, bob
    )
    large, large_statements = await _counted(
        app, api, HISTORY, {"conversationId": cid, "last": 50}, bob
    )

    assert [e["node"]["seq"] for e in small["messages"]["edges"]] == list(range(46, 51))
    assert [e["node"]["seq"] for e in large["messages"]["edges"]] == list(range(1, 51))
    edges = large["messages"]["edges"]
    assert edges[0]["node"]["replyTo"] is None
    assert all(e["node"]["replyTo"]["seq"] == e["node"]["seq"] - 1 for e in edges[1:])
    assert {e["node"]["sender"]["id"] for e in edges} == {alice.id, bob.id, carol.id}
    assert len(large_statements) == len(small_statements), (small_statements, large_statements)
    assert len(large_statements) <= 5, large_statements


@pytest.mark.parametrize("backend", ["production"])  # SQLite's reads keep their transaction
async def test_a_query_reads_without_begin_or_rollback_on_postgresql(
    app: LocalApp, api: Api
) -> None:
    """A query only reads: its statements (the sign-in read included) are autocommitted, so
    a page costs no BEGIN and no ROLLBACK round trips. A mutation's reads still share its
    transaction."""
    alice, bob = (await _people(api))[:2]
    cid = (await create(api, alice, "DIRECT", bob))["id"]
    sent = await send(api, bob, cid, "@alice lunch?")
    live = app.services.live_sessions

    live.forget_all()  # so the query's sign-in is a read too
    with _connections(app) as query_runs:
        page = await api.data(HISTORY, {"conversationId": cid, "last": 5}, token=alice.access_token)
    live.forget_all()
    with _connections(app) as mutation_runs:
        await api.data(
            "mutation M($c: ID!, $m: ID!) { markRead(conversationId: $c, messageId: $m) { role } }",
            {"c": cid, "m": sent["id"]},
            token=alice.access_token,
        )

    assert [edge["node"]["content"] for edge in page["messages"]["edges"]] == ["@alice lunch?"]
    assert any("FROM users JOIN sessions" in text for text, _, _ in query_runs), query_runs
    assert [autocommit for _, _, autocommit in query_runs] == [True] * len(query_runs)
    assert any("FROM users JOIN sessions" in text for text, _, _ in mutation_runs)
    assert not any(autocommit for _, _, autocommit in mutation_runs), mutation_runs


HISTORY_WITH_REACTIONS = """
query History($conversationId: ID!, $last: Int) {
  messages(conversationId: $conversationId, last: $last) {
    edges { node {
      id seq content sender { id username displayName }
      reactions { emoji count reactedByViewer users { id username displayName } }
    } }
  }
}
"""

REACT = """
mutation React($messageId: ID!, $emoji: String!) {
  addReaction(messageId: $messageId, emoji: $emoji) { id }
}
"""


async def test_reactions_on_a_history_page_cost_one_statement_for_the_page(
    app: LocalApp, api: Api
) -> None:
    """Every message reacted to by several people: the reactions, and every reactor, are read
    once for the whole page, whatever its size."""
    people = await _people(api)
    alice, bob = people[:2]
    cid = (await create(api, alice, "GROUP", *people[1:]))["id"]
    for n in range(50):
        message = await send(api, people[n % 5], cid, f"message {n}")
        for k, emoji in enumerate(["👍", "🎉", "😂"][: 1 + n % 3]):
            for person in people[k : k + 2 + n % 2]:
                variables = {"messageId": message["id"], "emoji": emoji}
                await api.data(REACT, variables, token=person.access_token)

    variables = {"conversationId": cid}
    small, small_statements = await _counted(
        app, api, HISTORY_WITH_REACTIONS, {**variables, "last": 5}, bob
    )
    large, large_statements = await _counted(
        app, api, HISTORY_WITH_REACTIONS, {**variables, "last": 50}, bob
    )

    nodes = [edge["node"] for edge in large["messages"]["edges"]]
    assert [len(node["reactions"]) for node in nodes] == [1 + n % 3 for n in range(50)]
    assert nodes[1]["reactions"][0]["count"] == 3
    assert all(r["users"] and r["users"][0]["displayName"] for n in nodes for r in n["reactions"])
    assert len(small["messages"]["edges"]) == 5
    assert len(large_statements) == len(small_statements), (small_statements, large_statements)
    # The page of HISTORY's five, and the reactions' one.
    assert len(large_statements) <= 6, large_statements


SEND = """
mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id seq content } }
"""


@pytest.mark.parametrize("backend", ["production"])  # SQLite has no UPDATE in a WITH
async def test_a_send_is_one_statement_on_postgresql(app: LocalApp, api: Api) -> None:
    """The whole send, seq and all, is one statement (autocommitted: no BEGIN, no COMMIT);
    the request may add its sign-in read. A retry adds the read of its original."""
    alice, bob = (await _people(api))[:2]
    cid = (await create(api, alice, "DIRECT", bob))["id"]
    question = await send(api, bob, cid, "lunch?")
    plain = {"input": {"conversationId": cid, "content": "yes"}}
    retried = {"input": {**plain["input"], "clientMessageId": "k", "replyToId": question["id"]}}

    sent, statements = await _counted(app, api, SEND, plain, alice)
    # Counted after a warm-up of the same: the second of two sends with clientMessageId "k".
    retry, retry_statements = await _counted(app, api, SEND, retried, alice)

    assert [s[:16] for s in _without_sign_in(statements)] == ["WITH next_seq AS"]
    assert len(statements) <= 2, statements
    assert sent["sendMessage"]["seq"] == 3  # after the question and the warm-up
    assert [s[:16] for s in _without_sign_in(retry_statements)] == [
        "WITH next_seq AS",
        "SELECT messages.",
    ]
    assert retry["sendMessage"]["seq"] == 4


@pytest.mark.parametrize("backend", ["production"])
async def test_a_send_with_a_mention_stores_them_in_the_message_s_transaction(
    app: LocalApp, api: Api
) -> None:
    """Content with an '@' runs the one-statement send in a transaction with the resolving
    and storing of its mentions, so a message is never stored without them; content without
    one pays nothing for mentions and stays autocommitted."""
    alice, bob = (await _people(api))[:2]
    cid = (await create(api, alice, "DIRECT", bob))["id"]
    mention = {"input": {"conversationId": cid, "content": "@bob lunch?"}}
    email = {"input": {"conversationId": cid, "content": "mail bob@example.com"}}
    plain = {"input": {"conversationId": cid, "content": "lunch?"}}

    with _connections(app) as runs:
        _, statements = await _counted(app, api, SEND, mention, alice)
    _, email_statements = await _counted(app, api, SEND, email, alice)
    with _connections(app) as plain_runs:
        await _counted(app, api, SEND, plain, alice)

    sent = _without_sign_in(statements)
    assert sent[0].startswith("WITH next_seq AS")
    assert any(s.startswith("INSERT INTO mentions") for s in sent), sent
    assert len(sent) <= 4, sent  # the send, resolving (2), the mentions' insert
    # Each send (the warm-up's and the counted one) and its mentions' insert: one connection,
    # one transaction (not autocommitted).
    writes = [run for run in runs if run[0].startswith(("WITH", "INSERT INTO mentions"))]
    assert [text[:4] for text, _, _ in writes] == ["WITH", "INSE"] * 2, writes
    for (_, send_on, send_autocommit), (_, insert_on, insert_autocommit) in (
        writes[0:2],
        writes[2:4],
    ):
        assert send_on == insert_on
        assert (send_autocommit, insert_autocommit) == (False, False)
    # An '@' that names nobody: the resolving read only, no write.
    assert not any(s.startswith("INSERT INTO mentions") for s in email_statements)
    # No '@': the one statement, autocommitted.
    assert [autocommit for s, _, autocommit in plain_runs if s.startswith("WITH")] == [True] * 2


@contextmanager
def _connections(app: LocalApp) -> Iterator[list[tuple[str, int, bool]]]:
    """Each statement's text, its database connection, and whether it was autocommitted (as
    the driver's connection stood when it ran)."""
    runs: list[tuple[str, int, bool]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        driver = conn.connection.dbapi_connection
        runs.append((statement, id(driver), bool(driver.autocommit)))

    engine = app.services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield runs
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _without_sign_in(statements: list[str]) -> list[str]:
    """The statements after the request's sign-in read."""
    return [s for s in statements if "FROM users JOIN sessions" not in s]
