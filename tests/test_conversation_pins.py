"""The conversation list with pins: pinned first (latest pin first), at most five, and pages
whose cursors stay right; viewerState read with the page."""

from __future__ import annotations

import asyncio

from tests.support.api import Api
from tests.support.chat import code_of, send
from tests.support.clock import FakeClock
from tests.support.conversation_state import LIST, change, groups, listed, mutation
from tests.support.server import LocalApp
from tests.support.statements import count_statements


async def test_pinned_conversations_come_first_latest_pin_first(api: Api, clock: FakeClock) -> None:
    alice, bob, ids = await groups(api, "A", "B", "C", "D")
    await change(api, alice, "pinConversation", ids["B"])
    clock.advance(1)
    await change(api, alice, "pinConversation", ids["A"])
    assert await listed(api, alice) == ["A", "B", "D", "C"]

    # Activity moves the unpinned ones, never above a pin, and does not reorder the pins.
    await send(api, bob, ids["C"], "news")
    await send(api, bob, ids["B"], "more news")
    assert await listed(api, alice) == ["A", "B", "C", "D"]
    assert await listed(api, bob) == ["B", "C", "D", "A"]

    await change(api, alice, "unpinConversation", ids["A"])
    assert await listed(api, alice) == ["B", "C", "D", "A"]


async def test_a_sixth_pin_is_a_conflict(api: Api) -> None:
    alice, _, ids = await groups(api, "1", "2", "3", "4", "5", "6")
    for title in "12345":
        await change(api, alice, "pinConversation", ids[title])
    error = await api.error(
        mutation("pinConversation"), {"conversationId": ids["6"]}, token=alice.access_token
    )
    assert code_of(error) == "CONFLICT"
    assert error["extensions"]["field"] == "conversationId"
    assert (await listed(api, alice))[5] == "6"
    # Pinning a pinned one again is fine; unpinning one makes room.
    await change(api, alice, "pinConversation", ids["1"])
    await change(api, alice, "unpinConversation", ids["1"])
    assert (await change(api, alice, "pinConversation", ids["6"]))["pinned"] is True


async def test_two_pins_at_once_cannot_both_take_the_last_place(api: Api) -> None:
    alice, _, ids = await groups(api, *"1234567")
    for title in "1234":
        await change(api, alice, "pinConversation", ids[title])
    bodies = await asyncio.gather(
        *(
            api.execute(
                mutation("pinConversation"),
                {"conversationId": ids[title]},
                token=alice.access_token,
            )
            for title in "567"
        )
    )
    codes = sorted(code_of(body["errors"][0]) if body.get("errors") else "ok" for body in bodies)
    assert codes == ["CONFLICT", "CONFLICT", "ok"]
    data = await api.data(LIST, {"first": 100}, token=alice.access_token)
    pinned = [e for e in data["conversations"]["edges"] if e["node"]["viewerState"]["pinned"]]
    assert len(pinned) == 5


async def test_pages_with_pins_list_each_conversation_once(api: Api, clock: FakeClock) -> None:
    titles = [f"G{n}" for n in range(7)]
    alice, _, ids = await groups(api, *titles)
    for title in ("G1", "G4", "G2"):
        await change(api, alice, "pinConversation", ids[title])
        clock.advance(1)
    await change(api, alice, "archiveConversation", ids["G0"])
    expected = ["G2", "G4", "G1", "G6", "G5", "G3"]
    for size in (1, 2, 4):
        seen: list[str] = []
        after = None
        while True:
            variables = {"first": size, "after": after}
            data = await api.data(LIST, variables, token=alice.access_token)
            page = data["conversations"]
            seen += [edge["node"]["title"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == expected, size


async def test_a_garbled_cursor_is_a_validation_error(api: Api) -> None:
    alice, _, _ = await groups(api, "Plans")
    error = await api.error(LIST, {"after": "cGluOm5vcGU"}, token=alice.access_token)
    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "after"


async def test_the_list_reads_the_state_with_its_page(app: LocalApp, api: Api) -> None:
    """viewerState on an inbox page costs no statement of its own, however long the page."""
    alice, _, ids = await groups(api, *(f"G{n}" for n in range(8)))
    await change(api, alice, "pinConversation", ids["G1"])
    await change(api, alice, "archiveConversation", ids["G2"])
    await change(api, alice, "muteConversation", ids["G3"])
    plain = "query { conversations(first: 100) { edges { node { id title } } } }"
    for query in (plain, LIST):
        await api.data(query, {}, token=alice.access_token)  # warm-up
    counts = []
    for query in (plain, LIST):
        with count_statements(app.services.engine) as statements:
            await api.data(query, {}, token=alice.access_token)
        counts.append(len(statements))
    assert counts[0] == counts[1]
