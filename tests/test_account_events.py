"""The events of the account management actions (as ``test_action_events`` checks the
others): exactly what changed, nothing when nothing did or the action failed."""

from __future__ import annotations

import pytest

from tests.support.actors import PASSWORD, sign_up
from tests.test_action_events import group_of, kinds, services, watching
from tidings.actions import accounts, blocks, deletion, messages, sessions
from tidings.actions.actor import Actor, Caller, Viewer
from tidings.errors import InvalidCredentials, NotFound, ValidationFailed
from tidings.realtime.events import BlockChanged, SessionRevoked
from tidings.services import Services

__all__ = ["services"]  # the fixture, shared with test_action_events


async def _second_device(services: Services, actor: Actor) -> Actor:
    issued = await accounts.login(Caller.of(services), username_or_email="alice", password=PASSWORD)
    return Actor.signed_in(services, Viewer(actor.user_id, issued.session_id))


async def test_a_password_change_revokes_the_other_sessions_only(services: Services) -> None:
    alice, _ = await sign_up(services, "alice")
    phone = await _second_device(services, alice)
    async with watching(services, sessions=["all"]) as heard:
        with pytest.raises(InvalidCredentials):
            await heard.during(
                lambda: sessions.change_password(
                    alice, current_password="wrong one", new_password="new password"
                )
            )
        assert (
            await heard.during(
                lambda: sessions.change_password(
                    alice, current_password=PASSWORD, new_password="new password"
                )
            )
        ) == [("sessions", SessionRevoked(session_id=phone.viewer.session_id))]


async def test_ending_a_session_revokes_it_once(services: Services) -> None:
    alice, _ = await sign_up(services, "alice")
    phone = await _second_device(services, alice)
    ended = phone.viewer.session_id
    async with watching(services, sessions=["all"]) as heard:
        assert await heard.during(lambda: sessions.end_session(alice, session_id=ended)) == [
            ("sessions", SessionRevoked(session_id=ended))
        ]
        with pytest.raises(NotFound):
            await heard.during(lambda: sessions.end_session(alice, session_id=ended))


async def test_blocks_are_told_to_both_users_once(services: Services) -> None:
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    users = [str(alice.user_id), str(bob.user_id)]
    blocked = BlockChanged(blocker_id=alice.user_id, blocked_id=bob.user_id, blocked=True)
    async with watching(services, user=users) as heard:
        block = lambda: blocks.block_user(alice, user_id=bob.user_id)  # noqa: E731
        assert await heard.during(block) == [("user", blocked), ("user", blocked)]
        assert await heard.during(block) == []
        with pytest.raises(ValidationFailed):
            await heard.during(lambda: blocks.block_user(alice, user_id=alice.user_id))

        unblock = lambda: blocks.unblock_user(alice, user_id=bob.user_id)  # noqa: E731
        lifted = blocked.model_copy(update={"blocked": False})
        assert await heard.during(unblock) == [("user", lifted), ("user", lifted)]
        assert await heard.during(unblock) == []


async def test_deleting_an_account_leaves_groups_tombstones_messages_and_ends_sessions(
    services: Services,
) -> None:
    alice, _ = await sign_up(services, "alice")
    bob, _ = await sign_up(services, "bob")
    carol, _ = await sign_up(services, "carol")
    group = await group_of(services, alice, bob, carol)
    sent = await messages.send_message(
        alice, conversation_id=group, content="hello", client_message_id=None, reply_to_id=None
    )
    async with watching(
        services, sessions=["all"], members=[str(group)], conversation=[str(group)]
    ) as heard:
        with pytest.raises(InvalidCredentials):
            await heard.during(lambda: deletion.delete_account(alice, password="wrong"))
        events = await heard.during(lambda: deletion.delete_account(alice, password=PASSWORD))
    assert kinds(events) == [
        ("members", "conversation_changed"),
        ("sessions", "session_revoked"),
        ("conversation", "message_updated"),
    ]
    _, left = events[0]
    assert getattr(left, "removed", None) == [alice.user_id]
    _, tombstone = events[2]
    message = getattr(tombstone, "message", None)
    assert message is not None
    assert (message.id, message.content) == (sent.id, "")
    assert message.deleted_at is not None
