"""The events of the administration actions, heard on the hub as tests/test_action_events.py
hears the others': deactivating ends each session as a logout does, a moderator's deletion
is the same ``messageUpdated`` as any, and everything else publishes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.actors import PASSWORD, sign_up
from tests.test_action_events import watching
from tidings.actions import accounts, admin, conversations, invites, messages
from tidings.actions.actor import Caller
from tidings.errors import Forbidden
from tidings.models import ConversationKind
from tidings.realtime.events import MessageUpdated, SessionRevoked
from tidings.services import Services, open_services
from tidings.settings import Settings


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(settings) as opened:
        yield opened


def _console(services: Services) -> admin.Console:
    return admin.Console(db=services.sessions, passwords=services.passwords, events=services.events)


async def test_deactivating_revokes_every_session_and_nothing_else_publishes(
    services: Services,
) -> None:
    console = _console(services)
    alice, first = await sign_up(services, "alice")
    second = await accounts.login(Caller.of(services), username_or_email="alice", password=PASSWORD)
    async with watching(services, sessions=["all"], user=[str(alice.user_id)]) as heard:
        assert (
            await heard.during(lambda: admin.set_admin(console, identifier="alice", is_admin=True))
            == []
        )
        assert await heard.during(lambda: invites.create_invite(alice, expires_at=None)) == []

        revoked = await heard.during(lambda: admin.deactivate(console, identifier="alice"))
        # Again: nothing left to end, nothing published.
        again = await heard.during(lambda: admin.deactivate(console, identifier="alice"))
        reactivated = await heard.during(lambda: admin.reactivate(console, identifier="alice"))

    assert all(kind == "sessions" and isinstance(event, SessionRevoked) for kind, event in revoked)
    assert {event.session_id for _, event in revoked if isinstance(event, SessionRevoked)} == {
        first.session_id,
        second.session_id,
    }
    assert (again, reactivated) == ([], [])


async def test_a_moderators_deletion_is_an_ordinary_message_update(services: Services) -> None:
    console = _console(services)
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    moderator, _ = await sign_up(services, "mod")
    direct = (
        await conversations.create_conversation(
            alice, kind=ConversationKind.DIRECT, participant_ids=[bob.user_id], title=None
        )
    ).id
    sent = await messages.send_message(
        bob, conversation_id=direct, content="spam", client_message_id=None, reply_to_id=None
    )
    async with watching(services, conversation=[str(direct)]) as heard:
        with pytest.raises(Forbidden):
            await heard.during(lambda: invites.create_invite(moderator, expires_at=None))
        await admin.set_admin(console, identifier="mod", is_admin=True)

        [(kind, updated)] = await heard.during(
            lambda: messages.delete_message(moderator, message_id=sent.id)
        )

    assert kind == "conversation"
    assert isinstance(updated, MessageUpdated)
    assert (updated.message.id, updated.message.content) == (sent.id, "")
    assert updated.message.deleted_at is not None
