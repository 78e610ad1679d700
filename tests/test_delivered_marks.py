"""The receipt desk's batched write of delivered marks: it raises marks, never lowers them,
says whose moved, and on PostgreSQL writes a whole batch (an inbox's 100 conversations) in
one statement."""

from __future__ import annotations

from tests.support.actors import sign_up
from tests.support.statements import count_statements
from tidings import queries
from tidings.actions import conversations, messages
from tidings.models import ConversationKind
from tidings.services import open_services
from tidings.settings import Settings


async def test_a_batch_raises_the_marks_below_and_says_whose_moved(settings: Settings) -> None:
    async with open_services(settings) as services:
        alice, bob, carol = [
            (await sign_up(services, name))[0] for name in ("alice", "bob", "carol")
        ]
        chats = [
            await conversations.create_conversation(
                alice,
                kind=ConversationKind.GROUP,
                participant_ids=[bob.user_id, carol.user_id],
                title=f"group {n}",
            )
            for n in range(30)
        ]
        for chat in chats:
            for n in range(3):
                await messages.send_message(
                    alice,
                    conversation_id=chat.id,
                    content=f"m{n}",
                    client_message_id=None,
                    reply_to_id=None,
                )
        first, second = chats[0].id, chats[1].id
        async with services.sessions() as session:
            await queries.write_delivered(session, marks={(first, carol.user_id): 3})

        # Bob is shown every conversation up to 2; carol's mark in the first is already 3.
        marks = {(chat.id, bob.user_id): 2 for chat in chats}
        marks[first, carol.user_id] = 2
        marks[second, carol.user_id] = 1
        async with services.sessions() as session:
            with count_statements(services.engine) as statements:
                moved = await queries.write_delivered(session, marks=marks)
            again = await queries.write_delivered(session, marks=marks)
            stored = {
                (chat.id, user.user_id): participant.last_delivered_seq
                for chat in chats[:2]
                for user in (bob, carol)
                for _, participant in [
                    await queries.get_membership(
                        session, conversation_id=chat.id, user_id=user.user_id
                    )
                ]
            }
        postgresql = services.engine.dialect.name == "postgresql"

    assert moved == {
        chat.id: {bob.user_id, carol.user_id} if chat.id == second else {bob.user_id}
        for chat in chats
    }
    assert again == {}, "marks already there move nothing"
    assert stored == {
        (first, bob.user_id): 2,
        (first, carol.user_id): 3,
        (second, bob.user_id): 2,
        (second, carol.user_id): 1,
    }
    writes = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    # SQLite: one per conversation and seq (30 at 2, and carol's at 1 in the second).
    assert len(writes) == (1 if postgresql else 31), writes
