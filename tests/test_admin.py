"""Administration over the API: server admins, deactivated accounts, message moderation with
its audit log, on both configurations. Registration modes and invites: test_invites.py; the
``tidings admin`` command: test_admin_cli.py."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from tests.support.api import Account, Api
from tests.support.chat import DELETE_MESSAGE, code_of, create, history, send
from tests.support.server import LocalApp, RunningServer
from tidings.actions import admin
from tidings.models import AuditEntry
from tidings.services import Services

ME = "query { me { isAdmin user { username } } }"
LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }
"""
REFRESH = "mutation Refresh($t: String!) { refreshToken(refreshToken: $t) { accessToken } }"
SEARCH = "query Search($q: String!) { searchUsers(query: $q) { username } }"
# Every field of the message, for a moderator who is not in its conversation.
MODERATE = """
mutation Delete($messageId: ID!) { deleteMessage(messageId: $messageId) {
  id seq content deletedAt sender { id username } replyTo { id }
  status deliveredCount readCount recipientCount readBy { user { id } }
} }
"""


def console_of(services: Services) -> admin.Console:
    """The operator's console on the services of a running app (what ``tidings admin`` builds
    from the settings)."""
    return admin.Console(db=services.sessions, passwords=services.passwords, events=services.events)


async def audit_log(services: Services) -> list[dict[str, Any]]:
    """Every audit entry, oldest first, without its id and time."""
    async with services.sessions() as session:
        entries = await session.scalars(sa.select(AuditEntry).order_by(col(AuditEntry.at)))
        return [
            {
                "actor_id": entry.actor_id and str(entry.actor_id),
                "action": entry.action,
                "target_user_id": entry.target_user_id and str(entry.target_user_id),
                "conversation_id": entry.conversation_id and str(entry.conversation_id),
                "message_id": entry.message_id and str(entry.message_id),
            }
            for entry in entries
        ]


async def _is_admin(api: Api, account: Account) -> bool:
    me = (await api.data(ME, token=account.access_token))["me"]
    return bool(me["isAdmin"])


async def _login(api: Api, account: Account) -> dict[str, Any]:
    variables = {"input": {"usernameOrEmail": account.username, "password": account.password}}
    return await api.execute(LOGIN, variables)


# --- roles -----------------------------------------------------------------------------------


async def test_a_user_is_an_admin_only_while_promoted(
    api: Api, serving: LocalApp | RunningServer
) -> None:
    console = console_of(serving.services)
    alice = await api.register("alice")
    before = await _is_admin(api, alice)

    await admin.set_admin(console, identifier="alice", is_admin=True)
    promoted = await _is_admin(api, alice)
    await admin.set_admin(console, identifier="ALICE@example.com", is_admin=False)
    demoted = await _is_admin(api, alice)

    assert (before, promoted, demoted) == (False, True, False)
    assert [entry["action"] for entry in await audit_log(serving.services)] == [
        "promote",
        "demote",
    ]


# --- deactivation ----------------------------------------------------------------------------


async def test_a_deactivated_account_cannot_log_in_refresh_or_use_its_tokens(
    api: Api, serving: LocalApp | RunningServer
) -> None:
    console = console_of(serving.services)
    alice = await api.register("alice")
    bob = await api.register("bob")

    done = await admin.deactivate(console, identifier="alice")

    assert len(done.ended_sessions) == 1
    login = await _login(api, alice)
    assert code_of(login["errors"][0]) == "FORBIDDEN"
    assert "deactivated" in login["errors"][0]["message"]
    refresh = await api.error(REFRESH, {"t": alice.refresh_token})
    assert code_of(refresh) == "FORBIDDEN"
    assert code_of(await api.error(ME, token=alice.access_token)) == "UNAUTHENTICATED"
    # A wrong password still says only that the credentials are wrong.
    wrong = await api.error(
        LOGIN, {"input": {"usernameOrEmail": "alice", "password": "not her password"}}
    )
    assert code_of(wrong) == "INVALID_CREDENTIALS"
    # Others are untouched, and no longer find her to start a conversation with.
    assert (await api.data(ME, token=bob.access_token))["me"]["user"]["username"] == "bob"
    found = await api.data(SEARCH, {"q": "ali"}, token=bob.access_token)
    assert found["searchUsers"] == []


async def test_a_reactivated_account_logs_in_again_but_its_old_sessions_stay_ended(
    api: Api, serving: LocalApp | RunningServer
) -> None:
    console = console_of(serving.services)
    alice = await api.register("alice")
    await admin.deactivate(console, identifier="alice")

    await admin.reactivate(console, identifier="alice")

    login = await _login(api, alice)
    assert "errors" not in login, login
    fresh = login["data"]["login"]["accessToken"]
    assert (await api.data(ME, token=fresh))["me"]["user"]["username"] == "alice"
    assert code_of(await api.error(ME, token=alice.access_token)) == "UNAUTHENTICATED"
    assert [entry["action"] for entry in await audit_log(serving.services)] == [
        "deactivate",
        "reactivate",
    ]


# --- moderation ------------------------------------------------------------------------------


async def test_a_server_admin_deletes_anyones_message_and_it_is_audited(
    api: Api, serving: LocalApp | RunningServer
) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    moderator = await api.register("mod")
    await admin.set_admin(console_of(serving.services), identifier="mod", is_admin=True)
    direct = await create(api, alice, "DIRECT", bob)
    keep = await send(api, alice, direct["id"], "hello")
    abuse = await send(api, bob, direct["id"], "something abusive")

    # The moderator is not in the conversation: they have the id from a report.
    deleted = (await api.data(MODERATE, {"messageId": abuse["id"]}, token=moderator.access_token))[
        "deleteMessage"
    ]
    again = await api.data(DELETE_MESSAGE, {"messageId": abuse["id"]}, token=moderator.access_token)

    assert deleted["content"] == ""
    assert deleted["deletedAt"] is not None
    assert deleted["sender"] == {"id": bob.id, "username": "bob"}
    assert deleted["recipientCount"] == 1
    assert again["deleteMessage"]["deletedAt"] == deleted["deletedAt"]
    page = await history(api, alice, direct["id"])
    assert [edge["node"]["content"] for edge in page["edges"]] == ["hello", ""]
    assert keep["content"] == "hello"
    # One entry: deleting the tombstone again changed nothing.
    audit = await audit_log(serving.services)
    assert audit[1:] == [
        {
            "actor_id": moderator.id,
            "action": "delete_message",
            "target_user_id": bob.id,
            "conversation_id": direct["id"],
            "message_id": abuse["id"],
        }
    ]


async def test_without_the_role_others_messages_stay_out_of_reach(
    api: Api, serving: LocalApp | RunningServer
) -> None:
    alice = await api.register("alice")
    bob = await api.register("bob")
    carol = await api.register("carol")
    direct = await create(api, alice, "DIRECT", bob)
    message = await send(api, bob, direct["id"], "mine")
    await admin.set_admin(console_of(serving.services), identifier="carol", is_admin=True)
    await admin.set_admin(console_of(serving.services), identifier="carol", is_admin=False)

    by_member = await api.error(
        DELETE_MESSAGE, {"messageId": message["id"]}, token=alice.access_token
    )
    by_demoted = await api.error(
        DELETE_MESSAGE, {"messageId": message["id"]}, token=carol.access_token
    )

    assert code_of(by_member) == "FORBIDDEN"
    assert code_of(by_demoted) == "NOT_FOUND"
    page = await history(api, alice, direct["id"])
    assert [edge["node"]["content"] for edge in page["edges"]] == ["mine"]
    actions = [entry["action"] for entry in await audit_log(serving.services)]
    assert actions == ["promote", "demote"]
