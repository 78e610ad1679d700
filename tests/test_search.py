"""Message search: ranking, excerpts, filters, pages, who sees what, and edits and deletions
kept in step, on both backends."""

from __future__ import annotations

from tests.support.api import Api
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
from tests.support.receipts import ticks
from tests.support.search import found, search, search_error, trio
from tests.support.server import LocalApp

# --- finding and ranking ---------------------------------------------------------------------


async def test_search_finds_whole_words_case_insensitively_with_a_highlighted_excerpt(
    api: Api,
) -> None:
    alice, bob, _, direct = await trio(api)
    sent = await send(api, alice, direct, "Anyone up for Lunch?")
    await send(api, bob, direct, "I had breakfast")
    await send(api, bob, direct, "lunchbox is not the word")

    connection = await search(api, bob, "LUNCH")

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
    alice, bob, _, direct = await trio(api)
    await send(api, alice, direct, "lunch is ready")
    await send(api, alice, direct, "pizza for lunch on friday")
    await send(api, alice, direct, "the pizza place is closed")

    found = await search(api, bob, "pizza or lunch")

    contents = [edge["node"]["message"]["content"] for edge in found["edges"]]
    assert contents[0] == "pizza for lunch on friday"
    assert set(contents[1:]) == {"lunch is ready", "the pizza place is closed"}
    ranks = [edge["node"]["rank"] for edge in found["edges"]]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] > ranks[1]


async def test_phrases_all_words_and_excluded_words(api: Api) -> None:
    alice, bob, _, direct = await trio(api)
    await send(api, alice, direct, "the report is ready now")
    await send(api, alice, direct, "now the report is ready")
    await send(api, alice, direct, "report the pizza order")

    assert await found(api, bob, '"ready now"') == ["the report is ready now"]
    assert set(await found(api, bob, "report ready")) == {
        "the report is ready now",
        "now the report is ready",
    }
    assert await found(api, bob, "report -ready") == ["report the pizza order"]
    assert await found(api, bob, 'report -"is ready" -now') == ["report the pizza order"]


async def test_markup_and_marker_characters_come_back_as_plain_text(api: Api) -> None:
    alice, bob, _, direct = await trio(api)
    await send(api, alice, direct, "<b>deploy</b> & <script>x</script>")
    await send(api, alice, direct, "odd \ue000 deploy \ue001 text")

    found = {
        edge["node"]["message"]["content"]: edge["node"]
        for edge in (await search(api, bob, "deploy"))["edges"]
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
    alice, bob, carol, direct = await trio(api)
    group = (await create(api, alice, "GROUP", bob, carol, title="Team"))["id"]
    first = await send(api, alice, direct, "standup at nine")
    second = await send(api, bob, group, "standup moved")
    third = await send(api, carol, group, "standup done")

    assert set(await found(api, bob, "standup", conversationId=group)) == {
        "standup moved",
        "standup done",
    }
    assert await found(api, bob, "standup", senderId=carol.id) == ["standup done"]
    assert set(await found(api, bob, "standup", since=second["createdAt"])) == {
        "standup moved",
        "standup done",
    }
    assert await found(api, bob, "standup", until=second["createdAt"]) == ["standup at nine"]
    assert await found(
        api, bob, "standup", since=first["createdAt"], until=third["createdAt"], senderId=bob.id
    ) == ["standup moved"]


async def test_pages_follow_the_ranking_without_repeats(api: Api) -> None:
    alice, bob, _, direct = await trio(api)
    for number in range(5):
        await send(api, alice, direct, f"invoice number {number}")

    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = await search(api, bob, "invoice", first=2, after=after)
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
    alice, _, carol, direct = await trio(api)
    await send(api, alice, direct, "secret plan")

    assert await found(api, carol, "secret") == []
    assert await found(api, alice, "secret") == ["secret plan"]
    error = await search_error(api, carol, "secret", conversationId=direct)
    assert code_of(error) == "NOT_IN_CONVERSATION"
    unknown = "0190f5c5-0000-7000-8000-000000000000"
    assert code_of(await search_error(api, carol, "secret", conversationId=unknown)) == (
        "NOT_IN_CONVERSATION"
    )


async def test_a_newcomer_finds_what_history_shows_them_and_a_leaver_nothing_more(
    api: Api,
) -> None:
    alice, bob, carol, _ = await trio(api)
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
    assert sorted(await found(api, carol, "roadmap")) == sorted(shown)
    assert len(shown) == 2  # a newcomer sees the whole history (README, decisions)

    await api.data(LEAVE_CONVERSATION, {"conversationId": group}, token=bob.access_token)
    assert await found(api, bob, "roadmap") == []


async def test_edits_and_deletions_are_searchable_at_once(api: Api) -> None:
    alice, bob, _, direct = await trio(api)
    sent = await send(api, alice, direct, "meet at the pizza place")

    await api.data(
        EDIT_MESSAGE, {"messageId": sent["id"], "content": "meet at the pasta place"},
        token=alice.access_token,
    )  # fmt: skip
    assert await found(api, bob, "pizza") == []
    [hit] = (await search(api, bob, "pasta"))["edges"]
    assert {"text": "pasta", "highlighted": True} in hit["node"]["snippetParts"]

    await api.data(DELETE_MESSAGE, {"messageId": sent["id"]}, token=alice.access_token)
    assert await found(api, bob, "pasta") == []
    assert await found(api, bob, "meet") == []


async def test_a_long_message_gets_an_excerpt_around_the_match(api: Api) -> None:
    alice, bob, _, direct = await trio(api)
    words = [f"word{number}" for number in range(80)]
    words[40] = "budget"
    await send(api, alice, direct, " ".join(words) + ".")

    [hit] = (await search(api, bob, "budget"))["edges"]

    snippet = hit["node"]["snippet"]
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "word39" in snippet or "word41" in snippet
    assert len(snippet) < 300
    highlighted = [part["text"] for part in hit["node"]["snippetParts"] if part["highlighted"]]
    assert highlighted == ["budget"]


async def test_a_message_shown_in_results_is_delivered(app: LocalApp, api: Api) -> None:
    """As a history page does: showing a message delivers it to the one it is shown to."""
    alice, bob, _, direct = await trio(api)
    sent = await send(api, alice, direct, "did the parcel arrive?")
    await app.services.receipts.flush()
    assert (await ticks(api, alice, sent["id"]))["status"] == "SENT"

    assert await found(api, bob, "parcel") == ["did the parcel arrive?"]
    await app.services.receipts.flush()

    assert (await ticks(api, alice, sent["id"]))["status"] == "DELIVERED"
