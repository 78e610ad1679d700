"""Message search: ranking, excerpts, filters, pages, who sees what, edits and deletions kept in
step, bad input and the rate limit, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.support.api import Account, Api
from tests.support.chat import (
    ADD_PARTICIPANTS,
    DELETE_MESSAGE,
    EDIT_MESSAGE,
    LEAVE_CONVERSATION,
    code_of,
    create,
    history,
    send,
)
from tests.support.server import LocalApp, run_app
from tests.support.statements import count_statements
from tidings.settings import Settings

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


async def _search(api: Api, viewer: Account, query: str, **arguments: Any) -> dict[str, Any]:
    data = await api.data(SEARCH, {"query": query, **arguments}, token=viewer.access_token)
    connection: dict[str, Any] = data["searchMessages"]
    return connection


async def _found(api: Api, viewer: Account, query: str, **arguments: Any) -> list[str]:
    """The contents found, best first."""
    connection = await _search(api, viewer, query, **arguments)
    return [edge["node"]["message"]["content"] for edge in connection["edges"]]


async def _error(api: Api, viewer: Account, query: str, **arguments: Any) -> dict[str, Any]:
    return await api.error(SEARCH, {"query": query, **arguments}, token=viewer.access_token)


async def _trio(api: Api) -> tuple[Account, Account, Account, str]:
    """Alice, Bob and Carol, and Alice and Bob's direct conversation."""
    alice = await api.register("alice", display_name="Alice")
    bob = await api.register("bob", display_name="Bob")
    carol = await api.register("carol", display_name="Carol")
    direct = await create(api, alice, "DIRECT", bob)
    return alice, bob, carol, direct["id"]


# --- finding and ranking ---------------------------------------------------------------------


async def test_search_finds_whole_words_case_insensitively_with_a_highlighted_excerpt(
    api: Api,
) -> None:
    alice, bob, _, direct = await _trio(api)
    sent = await send(api, alice, direct, "Anyone up for Lunch?")
    await send(api, bob, direct, "I had breakfast")
    await send(api, bob, direct, "lunchbox is not the word")

    connection = await _search(api, bob, "LUNCH")

    [edge] = connection["edges"]
    hit = edge["node"]
    assert hit["message"]["id"] == sent["id"]
    assert hit["message"]["sender"] == {"id": alice.id, "displayName": "Alice"}
    assert hit["conversation"] == {"id": direct, "displayTitle": "Alice"}
    assert hit["snippet"] == "Anyone up for Lunch?"
    assert hit["snippetParts"] == [
        {"text": "Anyone up for ", "highlighted": False},
        {"text": "Lunch", "highlighted": True},
        {"text": "?", "highlighted": False},
    ]
    assert isinstance(hit["rank"], float)
    assert connection["pageInfo"]["hasNextPage"] is False
    assert connection["pageInfo"]["hasPreviousPage"] is False


async def test_messages_matching_more_of_the_query_rank_first(api: Api) -> None:
    alice, bob, _, direct = await _trio(api)
    await send(api, alice, direct, "lunch is ready")
    await send(api, alice, direct, "pizza for lunch on friday")
    await send(api, alice, direct, "the pizza place is closed")

    found = await _search(api, bob, "pizza or lunch")

    contents = [edge["node"]["message"]["content"] for edge in found["edges"]]
    assert contents[0] == "pizza for lunch on friday"
    assert set(contents[1:]) == {"lunch is ready", "the pizza place is closed"}
    ranks = [edge["node"]["rank"] for edge in found["edges"]]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] > ranks[1]


async def test_phrases_all_words_and_excluded_words(api: Api) -> None:
    alice, bob, _, direct = await _trio(api)
    await send(api, alice, direct, "the report is ready now")
    await send(api, alice, direct, "now the report is ready")
    await send(api, alice, direct, "report the pizza order")

    assert await _found(api, bob, '"ready now"') == ["the report is ready now"]
    assert set(await _found(api, bob, "report ready")) == {
        "the report is ready now",
        "now the report is ready",
    }
    assert await _found(api, bob, "report -ready") == ["report the pizza order"]
    assert await _found(api, bob, 'report -"is ready" -now') == ["report the pizza order"]


async def test_markup_and_marker_characters_come_back_as_plain_text(api: Api) -> None:
    alice, bob, _, direct = await _trio(api)
    await send(api, alice, direct, "<b>deploy</b> & <script>x</script>")
    await send(api, alice, direct, "odd \ue000 deploy \ue001 text")

    found = {
        edge["node"]["message"]["content"]: edge["node"]
        for edge in (await _search(api, bob, "deploy"))["edges"]
    }

    markup = found["<b>deploy</b> & <script>x</script>"]
    assert "".join(part["text"] for part in markup["snippetParts"]) == markup["snippet"]
    assert {"text": "deploy", "highlighted": True} in markup["snippetParts"]
    assert "<b>" in markup["snippet"]
    odd = found["odd \ue000 deploy \ue001 text"]
    assert all(not part["highlighted"] for part in odd["snippetParts"])
    assert "deploy" in odd["snippet"]


# --- filters and pages -----------------------------------------------------------------------


async def test_filters_by_conversation_sender_and_time(api: Api) -> None:
    alice, bob, carol, direct = await _trio(api)
    group = (await create(api, alice, "GROUP", bob, carol, title="Team"))["id"]
    first = await send(api, alice, direct, "standup at nine")
    second = await send(api, bob, group, "standup moved")
    third = await send(api, carol, group, "standup done")

    assert set(await _found(api, bob, "standup", conversationId=group)) == {
        "standup moved",
        "standup done",
    }
    assert await _found(api, bob, "standup", senderId=carol.id) == ["standup done"]
    assert set(await _found(api, bob, "standup", since=second["createdAt"])) == {
        "standup moved",
        "standup done",
    }
    assert await _found(api, bob, "standup", until=second["createdAt"]) == ["standup at nine"]
    assert await _found(
        api, bob, "standup", since=first["createdAt"], until=third["createdAt"], senderId=bob.id
    ) == ["standup moved"]


async def test_pages_follow_the_ranking_without_repeats(api: Api) -> None:
    alice, bob, _, direct = await _trio(api)
    for number in range(5):
        await send(api, alice, direct, f"invoice number {number}")

    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = await _search(api, bob, "invoice", first=2, after=after)
        pages.append(len(page["edges"]))
        seen += [edge["node"]["message"]["content"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert pages == [2, 2, 1]
    assert sorted(seen) == [f"invoice number {n}" for n in range(5)]
    # Equal ranks: newer first.
    assert seen == [f"invoice number {n}" for n in reversed(range(5))]


# --- who sees what ---------------------------------------------------------------------------


async def test_nobody_finds_messages_of_conversations_they_are_not_in(api: Api) -> None:
    alice, _, carol, direct = await _trio(api)
    await send(api, alice, direct, "secret plan")

    assert await _found(api, carol, "secret") == []
    assert await _found(api, alice, "secret") == ["secret plan"]
    error = await _error(api, carol, "secret", conversationId=direct)
    assert code_of(error) == "NOT_IN_CONVERSATION"
    unknown = "0190f5c5-0000-7000-8000-000000000000"
    assert code_of(await _error(api, carol, "secret", conversationId=unknown)) == (
        "NOT_IN_CONVERSATION"
    )


async def test_a_newcomer_finds_what_history_shows_them_and_a_leaver_nothing_more(
    api: Api,
) -> None:
    alice, bob, carol, _ = await _trio(api)
    group = (await create(api, alice, "GROUP", bob, title="Team"))["id"]
    await send(api, alice, group, "roadmap draft one")
    await api.data(
        ADD_PARTICIPANTS, {"conversationId": group, "userIds": [carol.id]}, token=alice.access_token
    )
    await send(api, bob, group, "roadmap draft two")

    shown = [
        edge["node"]["content"]
        for edge in (await history(api, carol, group, first=100))["edges"]
        if "roadmap" in edge["node"]["content"]
    ]
    assert sorted(await _found(api, carol, "roadmap")) == sorted(shown)
    assert len(shown) == 2  # a newcomer sees the whole history (README, decisions)

    await api.data(LEAVE_CONVERSATION, {"conversationId": group}, token=bob.access_token)
    assert await _found(api, bob, "roadmap") == []


async def test_edits_and_deletions_are_searchable_at_once(api: Api) -> None:
    alice, bob, _, direct = await _trio(api)
    sent = await send(api, alice, direct, "meet at the pizza place")

    await api.data(
        EDIT_MESSAGE, {"messageId": sent["id"], "content": "meet at the pasta place"},
        token=alice.access_token,
    )  # fmt: skip
    assert await _found(api, bob, "pizza") == []
    [hit] = (await _search(api, bob, "pasta"))["edges"]
    assert {"text": "pasta", "highlighted": True} in hit["node"]["snippetParts"]

    await api.data(DELETE_MESSAGE, {"messageId": sent["id"]}, token=alice.access_token)
    assert await _found(api, bob, "pasta") == []
    assert await _found(api, bob, "meet") == []


# --- bad input and limits --------------------------------------------------------------------


async def test_bad_input_is_a_validation_error_naming_the_argument(api: Api) -> None:
    alice, bob, _, direct = await _trio(api)
    await send(api, alice, direct, "lunch")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "x" * 201}, "query"),
        ({"query": "-lunch"}, "query"),
        ({"query": "!!! ???"}, "query"),
        ({"query": "lunch or -pizza"}, "query"),
        ({"query": "lunch", "conversationId": "nope"}, "conversationId"),
        ({"query": "lunch", "senderId": "nope"}, "senderId"),
        ({"query": "lunch", "first": 101}, "first"),
        ({"query": "lunch", "first": -1}, "first"),
        ({"query": "lunch", "after": "bm90IGEgY3Vyc29y"}, "after"),
        (
            {"query": "lunch", "since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            "until",
        ),
    ]
    for variables, field in cases:
        error = await api.error(SEARCH, variables, token=bob.access_token)
        assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": field}, variables
    assert await _found(api, bob, "lunch", first=100) == ["lunch"]
    assert await _found(api, bob, "x" * 200) == []


async def test_searching_needs_a_viewer(api: Api) -> None:
    error = await api.error(SEARCH, {"query": "lunch"})
    assert code_of(error) == "UNAUTHENTICATED"


@asynccontextmanager
async def _serving(settings: Settings) -> AsyncIterator[Api]:
    async with run_app(settings) as app, Api.to_app(app) as client:
        yield client


async def test_searches_are_rate_limited_per_user(make_settings: Any) -> None:
    async with _serving(make_settings(rate_limit_search_messages="2/minute")) as api:
        alice, bob, _, _ = await _trio(api)
        for _ in range(2):
            await _search(api, alice, "lunch")

        body = await api.execute(SEARCH, {"query": "lunch"}, token=alice.access_token)

        extensions = body["errors"][0]["extensions"]
        assert extensions["code"] == "RATE_LIMITED"
        assert isinstance(extensions["retryAfter"], int)
        assert extensions["retryAfter"] > 0
        assert await _found(api, bob, "lunch") == []  # another user's limit is their own


async def test_a_long_message_gets_an_excerpt_around_the_match(api: Api) -> None:
    alice, bob, _, direct = await _trio(api)
    words = [f"word{number}" for number in range(80)]
    words[40] = "budget"
    await send(api, alice, direct, " ".join(words) + ".")

    [hit] = (await _search(api, bob, "budget"))["edges"]

    snippet = hit["node"]["snippet"]
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "word39" in snippet or "word41" in snippet
    assert len(snippet) < 300
    highlighted = [part["text"] for part in hit["node"]["snippetParts"] if part["highlighted"]]
    assert highlighted == ["budget"]


async def test_a_page_of_results_costs_the_same_statements_however_long(
    app: LocalApp, api: Api
) -> None:
    """Senders and conversations of a page load once for all its hits."""
    alice, bob, carol, direct = await _trio(api)
    for number in range(12):
        cid = (await create(api, alice, "GROUP", bob, carol, title=f"Team {number}"))["id"]
        await send(api, [alice, bob, carol][number % 3], cid, f"retro notes {number}")
    await send(api, alice, direct, "retro at four")

    async def counted(first: int) -> tuple[dict[str, Any], list[str]]:
        await _search(api, bob, "retro", first=first)  # warm-up
        desk = app.services.receipts  # its background writes are not the request's
        await desk.stop()
        try:
            with count_statements(app.services.engine) as statements:
                found = await _search(api, bob, "retro", first=first)
        finally:
            await desk.start()
        return found, list(statements)

    small, small_statements = await counted(2)

    large, large_statements = await counted(20)

    assert len(small["edges"]) == 2
    assert len(large["edges"]) == 13
    assert {edge["node"]["conversation"]["displayTitle"] for edge in large["edges"]} >= {
        "Team 0",
        "Alice",
    }
    assert len(large_statements) == len(small_statements), (small_statements, large_statements)
    assert len(large_statements) <= 3, large_statements
