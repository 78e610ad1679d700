"""Mute, archive and pin: each participant's own view of a conversation (issue 16 item 4).

In process on both configurations; the live sync to the user's other devices is at the end,
over a real socket. The list's order with pins and its pages: test_conversation_pins.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.chat import (
    ADD_PARTICIPANTS,
    LEAVE_CONVERSATION,
    RENAME_CONVERSATION,
    code_of,
    send,
)
from tests.support.clock import FakeClock
from tests.support.conversation_state import (
    ARCHIVED,
    LIST,
    MUTATIONS,
    OFF,
    STATE,
    change,
    groups,
    listed,
    mutation,
)
from tests.support.server import RunningServer, run_app
from tests.support.ws import PROTOCOLS, graphql_socket, until_live
from tidings.settings import Settings


async def test_state_starts_off_and_each_mutation_answers_with_it(api: Api) -> None:
    alice, bob, ids = await groups(api, "Plans")
    cid = ids["Plans"]
    data = await api.data(LIST, {}, token=alice.access_token)
    assert data["conversations"]["edges"][0]["node"]["viewerState"] == OFF

    assert (await change(api, alice, "muteConversation", cid))["muted"] is True
    pinned = await change(api, alice, "pinConversation", cid)
    assert pinned["pinned"] is True
    assert pinned["pinnedAt"] is not None
    assert (await change(api, alice, "unpinConversation", cid))["pinned"] is False
    assert (await change(api, alice, "archiveConversation", cid))["archived"] is True
    assert (await change(api, alice, "unarchiveConversation", cid))["archived"] is False
    assert await change(api, alice, "unmuteConversation", cid) == OFF
    # Bob's view was never touched.
    data = await api.data(LIST, {}, token=bob.access_token)
    assert data["conversations"]["edges"][0]["node"]["viewerState"] == OFF


async def test_repeating_a_change_is_a_no_op(api: Api) -> None:
    alice, _, ids = await groups(api, "Plans")
    cid = ids["Plans"]
    first = await change(api, alice, "pinConversation", cid)
    assert await change(api, alice, "pinConversation", cid) == first
    await change(api, alice, "unpinConversation", cid)
    assert await change(api, alice, "unpinConversation", cid) == OFF
    assert await change(api, alice, "unarchiveConversation", cid) == OFF
    assert await change(api, alice, "unmuteConversation", cid) == OFF


async def test_outsiders_and_unknown_conversations_get_not_in_conversation(api: Api) -> None:
    alice, _, ids = await groups(api, "Plans")
    carol = await api.register("carol")
    unknown = "00000000-0000-7000-8000-000000000000"
    for name in MUTATIONS:
        for cid in (ids["Plans"], unknown):
            error = await api.error(
                mutation(name), {"conversationId": cid}, token=carol.access_token
            )
            assert code_of(error) == "NOT_IN_CONVERSATION", (name, error)
    error = await api.error(
        mutation("pinConversation"), {"conversationId": "nope"}, token=alice.access_token
    )
    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "conversationId"
    assert (await listed(api, alice)) == ["Plans"]


async def test_archived_conversations_leave_the_list_for_the_archived_view(api: Api) -> None:
    alice, bob, ids = await groups(api, "Plans", "Lunch", "Trip")
    await change(api, alice, "archiveConversation", ids["Lunch"])

    assert await listed(api, alice) == ["Trip", "Plans"]
    assert await listed(api, alice, **ARCHIVED) == ["Lunch"]
    assert await listed(api, alice, filter={"archived": False}) == ["Trip", "Plans"]
    assert await listed(api, bob) == ["Trip", "Lunch", "Plans"]

    await change(api, alice, "unarchiveConversation", ids["Lunch"])
    assert await listed(api, alice) == ["Trip", "Lunch", "Plans"]
    assert await listed(api, alice, **ARCHIVED) == []


async def test_a_message_from_someone_else_brings_an_archived_conversation_back(
    api: Api,
) -> None:
    alice, bob, ids = await groups(api, "Plans", "Lunch")
    await change(api, alice, "archiveConversation", ids["Plans"])

    # Her own message does not: she archived it, she keeps it archived.
    await send(api, alice, ids["Plans"], "note to self")
    assert await listed(api, alice) == ["Lunch"]

    await send(api, bob, ids["Plans"], "are you there?")
    assert await listed(api, alice) == ["Plans", "Lunch"]
    assert await listed(api, alice, **ARCHIVED) == []
    data = await api.data(LIST, {}, token=alice.access_token)
    assert data["conversations"]["edges"][0]["node"]["viewerState"]["archived"] is False

    # Archiving again keeps it archived until the next message.
    await change(api, alice, "archiveConversation", ids["Plans"])
    assert await listed(api, alice) == ["Lunch"]


async def test_a_muted_archived_conversation_stays_archived(api: Api) -> None:
    alice, bob, ids = await groups(api, "Plans", "Lunch")
    await change(api, alice, "muteConversation", ids["Plans"])
    await change(api, alice, "archiveConversation", ids["Plans"])

    await send(api, bob, ids["Plans"], "anyone?")
    assert await listed(api, alice) == ["Lunch"]
    assert await listed(api, alice, **ARCHIVED) == ["Plans"]

    # Unmuting brings back what came meanwhile, as if it had arrived now.
    state = await change(api, alice, "unmuteConversation", ids["Plans"])
    assert state["archived"] is False
    assert await listed(api, alice) == ["Plans", "Lunch"]


async def test_muting_a_conversation_a_message_brought_back_keeps_it_in_the_list(
    api: Api,
) -> None:
    alice, bob, ids = await groups(api, "Plans")
    await change(api, alice, "archiveConversation", ids["Plans"])
    await send(api, bob, ids["Plans"], "back you come")
    state = await change(api, alice, "muteConversation", ids["Plans"])
    assert (state["muted"], state["archived"]) == (True, False)
    assert await listed(api, alice) == ["Plans"]


async def test_a_mute_with_an_end_is_over_when_it_passes(api: Api, clock: FakeClock) -> None:
    alice, bob, ids = await groups(api, "Plans", "Lunch")
    # Minutes, not hours: the access tokens go by the same clock (15 minutes).
    until = clock.now() + timedelta(minutes=10)
    state = await change(api, alice, "muteConversation", ids["Plans"], until=until.isoformat())
    assert state["muted"] is True
    assert state["mutedUntil"] is not None
    await change(api, alice, "archiveConversation", ids["Plans"])
    await send(api, bob, ids["Plans"], "while muted")
    assert await listed(api, alice, **ARCHIVED) == ["Plans"]

    clock.advance(10 * 60 + 1)
    data = await api.data(LIST, {}, token=alice.access_token)
    assert data["conversations"]["edges"][0]["node"]["viewerState"] == OFF
    assert await listed(api, alice) == ["Plans", "Lunch"]


async def test_a_mute_must_end_in_the_future(api: Api, clock: FakeClock) -> None:
    alice, _, ids = await groups(api, "Plans")
    past = (clock.now() - timedelta(minutes=1)).isoformat()
    error = await api.error(
        mutation("muteConversation", until=True),
        {"conversationId": ids["Plans"], "until": past},
        token=alice.access_token,
    )
    assert code_of(error) == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == "until"
    data = await api.data(LIST, {}, token=alice.access_token)
    assert data["conversations"]["edges"][0]["node"]["viewerState"] == OFF


async def test_archiving_unpins_and_pinning_unarchives(api: Api) -> None:
    alice, _, ids = await groups(api, "Plans", "Lunch")
    await change(api, alice, "pinConversation", ids["Plans"])
    state = await change(api, alice, "archiveConversation", ids["Plans"])
    assert (state["archived"], state["pinned"]) == (True, False)
    state = await change(api, alice, "pinConversation", ids["Plans"])
    assert (state["archived"], state["pinned"]) == (False, True)
    assert await listed(api, alice) == ["Plans", "Lunch"]


async def test_leaving_forgets_the_state(api: Api) -> None:
    alice, bob, ids = await groups(api, "Plans")
    cid = ids["Plans"]
    await change(api, bob, "pinConversation", cid)
    await change(api, bob, "muteConversation", cid)
    await api.data(LEAVE_CONVERSATION, {"conversationId": cid}, token=bob.access_token)
    error = await api.error(
        mutation("unpinConversation"), {"conversationId": cid}, token=bob.access_token
    )
    assert code_of(error) == "NOT_IN_CONVERSATION"
    variables = {"conversationId": cid, "userIds": [bob.id]}
    await api.data(ADD_PARTICIPANTS, variables, token=alice.access_token)
    data = await api.data(LIST, {}, token=bob.access_token)
    assert data["conversations"]["edges"][0]["node"]["viewerState"] == OFF


CONVERSATION_UPDATED = f"subscription {{ conversationUpdated {{ id title {STATE} }} }}"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_state_changes_reach_the_users_other_devices_only(
    api: Api, server: RunningServer, protocol: str
) -> None:
    alice, bob, ids = await groups(api, "Plans")
    cid = ids["Plans"]

    async def rename(mark: str) -> None:
        variables = {"conversationId": cid, "title": mark}
        await api.data(RENAME_CONVERSATION, variables, token=alice.access_token)

    async with (
        graphql_socket(server.ws_url, alice.access_token, protocol=protocol) as alices_phone,
        graphql_socket(server.ws_url, bob.access_token, protocol=protocol) as bobs_phone,
    ):
        alice_updates = await alices_phone.start(CONVERSATION_UPDATED)
        bob_updates = await bobs_phone.start(CONVERSATION_UPDATED)
        await until_live(alice_updates, bob_updates, probe=rename)

        async def next_state() -> dict[str, Any]:
            update: dict[str, Any] = (await alice_updates.data())["conversationUpdated"]
            assert update["id"] == cid
            state: dict[str, Any] = update["viewerState"]
            return state

        await change(api, alice, "pinConversation", cid)
        assert (await next_state())["pinned"] is True
        await change(api, alice, "muteConversation", cid)
        assert (await next_state())["muted"] is True
        await change(api, alice, "archiveConversation", cid)
        state = await next_state()
        assert (state["archived"], state["pinned"], state["muted"]) == (True, False, True)
        # A repeat changes nothing and tells nothing: the next thing heard is a rename.
        await change(api, alice, "archiveConversation", cid)
        await rename("Marker")
        update = (await alice_updates.data())["conversationUpdated"]
        assert update["title"] == "Marker"
        assert update["viewerState"]["archived"] is True
        # Bob heard none of Alice's changes, only the rename.
        update = (await bob_updates.data())["conversationUpdated"]
        assert (update["title"], update["viewerState"]) == ("Marker", OFF)


async def test_changing_state_too_fast_is_rate_limited_and_changes_nothing(
    make_settings: Callable[..., Settings],
) -> None:
    """The six mutations share one limit per user; past it the change is refused whole."""
    settings = make_settings(rate_limit_conversation_state="2/minute")
    async with run_app(settings) as app, Api.to_app(app) as api:
        alice, bob, ids = await groups(api, "Plans")
        cid = ids["Plans"]
        await change(api, alice, "muteConversation", cid)
        await change(api, alice, "pinConversation", cid)
        refused = await api.error(
            mutation("archiveConversation"), {"conversationId": cid}, token=alice.access_token
        )
        state = (await api.data(LIST, {}, token=alice.access_token))["conversations"]["edges"]
        # Another user's limit is their own.
        bobs = await change(api, bob, "archiveConversation", cid)

    assert code_of(refused) == "RATE_LIMITED"
    assert refused["extensions"]["retryAfter"] > 0
    shown = state[0]["node"]["viewerState"]
    assert (shown["muted"], shown["pinned"], shown["archived"]) == (True, True, False)
    assert bobs["archived"] is True
