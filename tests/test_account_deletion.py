"""Deleting an account (issue 16, account management): nothing personal is left in any table,
others keep their history with tombstones by "Deleted user", every device is signed out, and
the username is free again only after the quarantine."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col

from tests.support.api import Account, Api
from tests.support.chat import (
    EDIT_MESSAGE,
    code_of,
    conversation,
    create,
    history,
    mark_read,
    send,
)
from tests.support.clock import FakeClock
from tests.support.server import LocalApp, RunningServer
from tests.support.ws import MESSAGE_UPDATED, graphql_socket, until_live
from tidings import models  # noqa: F401  (registers every table on SQLModel.metadata)
from tidings.models import Mention, Participant, Reaction
from tidings.services import Services

DELETE_ACCOUNT = "mutation Delete($password: String!) { deleteAccount(password: $password) }"
UPDATE_PROFILE = """
mutation Update($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }
"""
BLOCK = "mutation Block($id: ID!) { blockUser(userId: $id) { id } }"
SEARCH = "query Search($q: String!) { searchUsers(query: $q) { username } }"
USER = "query User($id: ID!) { user(id: $id) { username displayName avatarUrl } }"
ME = "{ me { user { id } } }"
LOGIN = "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }"
REFRESH = "mutation Refresh($t: String!) { refreshToken(refreshToken: $t) { accessToken } }"
REGISTER = "mutation R($input: RegisterInput!) { register(input: $input) { accessToken } }"
CREATE = """
mutation C($input: CreateConversationInput!) { createConversation(input: $input) { id } }
"""

# What only zelda's account held: none of it may remain anywhere.
NAME, EMAIL, DISPLAY_NAME = "zelda_q", "zelda.q@example.com", "Zelda Quartermaine"
AVATAR = "https://img.example/zelda-portrait.png"
SECRETS = ["zq secret plan one", "zq edited secret", "zq deleted secret", "zq group secret"]


async def _zelda(api: Api) -> Account:
    zelda = await api.register(NAME, email=EMAIL, display_name=DISPLAY_NAME)
    await api.data(UPDATE_PROFILE, {"input": {"avatarUrl": AVATAR}}, token=zelda.access_token)
    return zelda


async def _delete(api: Api, account: Account, password: str | None = None) -> dict[str, Any]:
    variables = {"password": account.password if password is None else password}
    return await api.execute(DELETE_ACCOUNT, variables, token=account.access_token)


async def _rows_of_every_table(services: Services) -> dict[str, list[str]]:
    """Every table's rows, each as the text of its values: whatever tables exist, the ones
    other features add included."""
    found: dict[str, list[str]] = {}
    async with services.sessions() as session:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await session.execute(sa.select(table))).all()
            found[table.name] = [" ".join(str(value) for value in row).lower() for row in rows]
    return found


async def test_nothing_personal_is_left_in_any_table(
    api: Api, serving: LocalApp | RunningServer
) -> None:
    zelda = await _zelda(api)
    bob = await api.register("bob")
    carol = await api.register("carol")
    direct = (await create(api, zelda, "DIRECT", bob))["id"]
    group = (await create(api, zelda, "GROUP", bob, carol, title="Plans"))["id"]
    first = await send(api, zelda, direct, SECRETS[0], client_message_id="zq-client-1")
    edited = await send(api, zelda, direct, "soon edited")
    await api.data(
        EDIT_MESSAGE, {"messageId": edited["id"], "content": SECRETS[1]}, token=zelda.access_token
    )
    deleted = await send(api, zelda, group, SECRETS[2])
    await api.data(
        "mutation D($id: ID!) { deleteMessage(messageId: $id) { id } }",
        {"id": deleted["id"]},
        token=zelda.access_token,
    )
    await send(api, zelda, group, SECRETS[3])
    reply = await send(api, bob, direct, "bob's own words", reply_to_id=first["id"])
    await mark_read(api, zelda, direct, reply["id"])
    await mark_read(api, bob, direct, edited["id"])
    await api.data(BLOCK, {"id": carol.id}, token=zelda.access_token)
    await api.data(BLOCK, {"id": zelda.id}, token=bob.access_token)
    await api.data(LOGIN, {"input": {"usernameOrEmail": NAME, "password": zelda.password}})
    async with serving.services.sessions() as session:
        password_hash = await session.scalar(
            sa.text("SELECT password_hash FROM users WHERE username = :name"), {"name": NAME}
        )
    personal = [NAME, EMAIL, DISPLAY_NAME, AVATAR, password_hash, *SECRETS, "zq-client-1"]
    before = await _rows_of_every_table(serving.services)
    assert any(NAME in row for rows in before.values() for row in rows)  # the scan sees it

    assert await _delete(api, zelda) == {"data": {"deleteAccount": True}}

    after = await _rows_of_every_table(serving.services)
    left = {
        (table, value)
        for table, rows in after.items()
        for row in rows
        for value in personal
        if value.lower() in row
    }
    assert left == set()
    # Only zelda's own things went: bob's message, and the conversations, are still there.
    assert any("bob's own words" in row for row in after["messages"])
    assert len(after["conversations"]) == 2


async def test_others_see_tombstones_by_a_deleted_user_who_left_the_groups(api: Api) -> None:
    zelda = await _zelda(api)
    bob = await api.register("bob")
    carol = await api.register("carol")
    direct = (await create(api, zelda, "DIRECT", bob))["id"]
    group = (await create(api, zelda, "GROUP", bob, carol))["id"]
    await send(api, zelda, direct, SECRETS[0])
    await send(api, zelda, group, SECRETS[3])
    await send(api, carol, group, "carol stays")

    await _delete(api, zelda)

    [tombstone] = [edge["node"] for edge in (await history(api, bob, direct))["edges"]]
    assert (tombstone["content"], tombstone["sender"]["id"]) == ("", zelda.id)
    assert tombstone["deletedAt"] is not None
    shown = (await api.data(USER, {"id": zelda.id}, token=bob.access_token))["user"]
    assert shown["displayName"] == "Deleted user"
    assert shown["username"].startswith("deleted-")
    assert shown["avatarUrl"] is None
    # The direct conversation stays, with the deleted user in it.
    members = (await conversation(api, bob, direct))["participants"]
    assert {m["user"]["displayName"] for m in members} == {"Deleted user", "bob"}
    # In the group zelda has left; the longest-standing member took over as admin.
    group_now = await conversation(api, carol, group)
    assert {m["user"]["id"]: m["role"] for m in group_now["participants"]} == {
        bob.id: "ADMIN",
        carol.id: "MEMBER",
    }
    contents = [edge["node"]["content"] for edge in (await history(api, carol, group))["edges"]]
    assert contents == ["", "carol stays"]
    # Nobody finds the account, or can start a conversation with it.
    for query in ["zelda", "deleted"]:
        assert (await api.data(SEARCH, {"q": query}, token=bob.access_token))["searchUsers"] == []
    refused = await api.error(
        CREATE,
        {"input": {"kind": "GROUP", "participantIds": [zelda.id, carol.id]}},
        token=bob.access_token,
    )
    assert code_of(refused) == "VALIDATION_ERROR"


async def test_deleting_signs_out_every_device(api: Api, server: RunningServer) -> None:
    zelda = await _zelda(api)
    bob = await api.register("bob")
    direct = (await create(api, zelda, "DIRECT", bob))["id"]
    sent = await send(api, zelda, direct, SECRETS[0])
    async with (
        graphql_socket(server.ws_url, zelda.access_token) as zelda_socket,
        graphql_socket(server.ws_url, bob.access_token) as bob_socket,
    ):
        updates = await bob_socket.start(MESSAGE_UPDATED, {"conversationId": direct})
        own = await send(api, bob, direct, "bob's")

        async def edit(mark: str) -> None:
            variables = {"messageId": own["id"], "content": mark}
            await api.data(EDIT_MESSAGE, variables, token=bob.access_token)

        await until_live(updates, probe=edit)
        await _delete(api, zelda)
        assert await zelda_socket.closed() == 4401
        # Bob, live, sees her message become a tombstone.
        updated = (await updates.data())["messageUpdated"]
        assert (updated["id"], updated["content"]) == (sent["id"], "")

    assert code_of(await api.error(ME, token=zelda.access_token)) == "UNAUTHENTICATED"
    for login in [NAME, EMAIL]:
        variables = {"input": {"usernameOrEmail": login, "password": zelda.password}}
        assert code_of(await api.error(LOGIN, variables)) == "INVALID_CREDENTIALS"
    refused = await api.error(REFRESH, {"t": zelda.refresh_token})
    assert code_of(refused) == "UNAUTHENTICATED"


async def test_a_wrong_password_deletes_nothing(api: Api) -> None:
    zelda = await _zelda(api)
    error = (await _delete(api, zelda, password="not her password"))["errors"][0]
    assert code_of(error) == "INVALID_CREDENTIALS"
    data = await api.data(USER, {"id": zelda.id}, token=zelda.access_token)
    assert data["user"]["displayName"] == DISPLAY_NAME
    assert code_of((await api.execute(DELETE_ACCOUNT, {"password": "x"}))["errors"][0]) == (
        "UNAUTHENTICATED"
    )


async def test_the_username_is_free_again_only_after_the_quarantine(
    api: Api, clock: FakeClock
) -> None:
    zelda = await _zelda(api)
    await _delete(api, zelda)
    # The email is free at once (nothing of it is kept); the username is not.
    body = await api.execute(
        REGISTER,
        {"input": {"username": "ZELDA_Q", "email": "new@example.com", "password": "long enough"}},
    )
    error = body["errors"][0]
    assert (code_of(error), error["extensions"]["field"]) == ("CONFLICT", "username")
    await api.register("someone_else", email=EMAIL)

    clock.advance(30 * 24 * 3600 - 60)
    body = await api.execute(
        REGISTER,
        {"input": {"username": NAME, "email": "new@example.com", "password": "long enough"}},
    )
    assert code_of(body["errors"][0]) == "CONFLICT"
    clock.advance(120)
    assert (await api.register(NAME, email="new@example.com")).username == NAME


REACT = """
mutation React($id: ID!, $emoji: String!) { addReaction(messageId: $id, emoji: $emoji) { id } }
"""
PIN = "mutation Pin($id: ID!) { pinConversation(conversationId: $id) { id } }"
MUTE = "mutation Mute($id: ID!) { muteConversation(conversationId: $id) { id } }"
SHOWN = """
query Shown($id: ID!) {
  conversation(id: $id) {
    unreadMentionCount
    messages(last: 10) { edges { node { id content reactions { emoji count } mentions { id } } } }
  }
}
"""
REACTIONS_UPDATED = """
subscription Updated($conversationId: ID) {
  messageUpdated(conversationId: $conversationId) { id content reactions { emoji count } }
}
"""


async def test_the_users_reactions_mentions_and_list_state_go_with_the_account(
    api: Api, server: RunningServer
) -> None:
    zelda = await _zelda(api)
    bob = await api.register("bob")
    direct = (await create(api, zelda, "DIRECT", bob))["id"]
    bobs = await send(api, bob, direct, f"hello @{NAME}")
    for emoji in ["👍", "🎉"]:
        await api.data(REACT, {"id": bobs["id"], "emoji": emoji}, token=zelda.access_token)
    await api.data(REACT, {"id": bobs["id"], "emoji": "👍"}, token=bob.access_token)
    hers = await send(api, zelda, direct, "@bob look")
    for change in [PIN, MUTE]:
        await api.data(change, {"id": direct}, token=zelda.access_token)
    before = (await api.data(SHOWN, {"id": direct}, token=bob.access_token))["conversation"]
    assert before["unreadMentionCount"] == 1

    async with graphql_socket(server.ws_url, bob.access_token) as bob_socket:
        updates = await bob_socket.start(REACTIONS_UPDATED, {"conversationId": direct})

        async def edit(mark: str) -> None:
            variables = {"messageId": bobs["id"], "content": f"{mark} @{NAME}"}
            await api.data(EDIT_MESSAGE, variables, token=bob.access_token)

        await until_live(updates, probe=edit)
        await _delete(api, zelda)
        # Live: her message became a tombstone, and bob's lost her reactions.
        heard: dict[str, dict[str, Any]] = {}
        while set(heard) != {bobs["id"], hers["id"]}:
            update = (await updates.data())["messageUpdated"]
            heard[update["id"]] = update
        assert heard[hers["id"]]["content"] == ""
        assert heard[bobs["id"]]["reactions"] == [{"emoji": "👍", "count": 1}]

    after = (await api.data(SHOWN, {"id": direct}, token=bob.access_token))["conversation"]
    nodes = {edge["node"]["id"]: edge["node"] for edge in after["messages"]["edges"]}
    assert after["unreadMentionCount"] == 0  # her message, and its mention of bob, are gone
    assert nodes[hers["id"]]["mentions"] == []
    assert nodes[bobs["id"]]["reactions"] == [{"emoji": "👍", "count": 1}]
    assert nodes[bobs["id"]]["mentions"] == []  # bob's text stays his; the mention of her goes
    zelda_id = uuid.UUID(zelda.id)
    async with server.services.sessions() as session:
        for table, user_id in [
            ("reactions", col(Reaction.user_id)),
            ("mentions", col(Mention.user_id)),
        ]:
            rows = await session.scalar(sa.select(sa.func.count()).where(user_id == zelda_id))
            assert rows == 0, table
        [state] = (
            await session.execute(
                sa.select(
                    col(Participant.muted_at),
                    col(Participant.muted_until),
                    col(Participant.archived_at),
                    col(Participant.pinned_at),
                ).where(col(Participant.user_id) == zelda_id)
            )
        ).all()
        assert tuple(state) == (None, None, None, None)
