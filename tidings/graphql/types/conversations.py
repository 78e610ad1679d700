"""Conversations, their participants, and the inbox connection.

On an inbox page, what the fields need was loaded for the whole page (``InboxLoads``), and
the fields below are synchronous: each returns the loaded value when there is one, and
otherwise an awaitable (one conversation, a mutation's result), which graphql-core awaits as
it would an async resolver's result.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import datetime
from typing import TypeVar

import strawberry
from strawberry import Private

from tidings import models
from tidings.graphql.context import Info
from tidings.graphql.cursors import encode_inbox_cursor
from tidings.graphql.types.inbox import InboxLoads, title_of
from tidings.graphql.types.messages import Message, MessageConnection, PageInfo, load_message_page
from tidings.graphql.types.users import User, load_user
from tidings.realtime.events import PublicUser
from tidings.realtime.fanout import SAME_FOR_EVERY_VIEWER, VIEWER_DEPENDENT

__all__ = [
    "Conversation",
    "ConversationConnection",
    "ConversationKind",
    "Participant",
    "ParticipantRole",
]

# The tables' enums, registered as GraphQL enums under the same names.
ConversationKind = models.ConversationKind
ParticipantRole = models.ParticipantRole
strawberry.enum(ConversationKind)
strawberry.enum(ParticipantRole)

_T = TypeVar("_T")


@strawberry.type
class Participant:
    model: Private[models.Participant]
    role: ParticipantRole
    joined_at: datetime
    # Known when a list loaded its participants' users at once; else the fields load them.
    known_user: Private[User | None] = None
    shares_reads: Private[bool | None] = None

    @classmethod
    def of(
        cls,
        participant: models.Participant,
        *,
        user: models.User | None = None,
        viewer_id: uuid.UUID | None = None,
    ) -> Participant:
        """The participant; given its ``user`` and the ``viewer_id``, its fields load nothing."""
        known = user is not None and viewer_id is not None
        return cls(
            model=participant,
            role=ParticipantRole(participant.role),
            joined_at=participant.joined_at,
            known_user=User.of(user) if user is not None else None,
            shares_reads=_shares_reads(participant, user, viewer_id) if known else None,
        )

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type=User)
    def user(self, info: Info) -> User | Awaitable[User]:
        if self.known_user is not None:
            return self.known_user
        return load_user(info, self.model.user_id)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="Null to others when this participant hides read receipts.",
        graphql_type=int | None,
    )
    def last_read_seq(self, info: Info) -> int | Awaitable[int | None] | None:
        return self._shown(info, self.model.last_read_seq)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="Null to others when this participant hides read receipts.",
        graphql_type=datetime | None,
    )
    def last_read_at(self, info: Info) -> datetime | Awaitable[datetime | None] | None:
        return self._shown(info, self.model.last_read_at)

    def _shown(self, info: Info, value: _T) -> _T | Awaitable[_T | None] | None:
        """``value`` if the viewer may see this participant's reads, else None."""
        if self.shares_reads is None:
            return self._load_shown(info, value)
        return value if self.shares_reads else None

    async def _load_shown(self, info: Info, value: _T) -> _T | None:
        viewer = await info.context.viewer()
        loaders = await info.context.loaders()
        user = await loaders.users.load(self.model.user_id)
        return value if _shares_reads(self.model, user, viewer.user_id) else None


def _shares_reads(
    participant: models.Participant, user: models.User | None, viewer_id: uuid.UUID | None
) -> bool:
    """Others see the read mark only if its owner shares read receipts."""
    if participant.user_id == viewer_id:
        return True
    return user is not None and user.share_read_receipts


@strawberry.type
class Conversation:
    model: Private[models.Conversation]
    id: strawberry.ID
    kind: ConversationKind
    title: str | None
    created_at: datetime
    last_message_at: datetime | None
    # What the inbox loaded for its whole page, when this conversation is on one.
    loads: Private[InboxLoads | None] = None

    @classmethod
    def of(
        cls, conversation: models.Conversation, *, loads: InboxLoads | None = None
    ) -> Conversation:
        return cls(
            model=conversation,
            loads=loads,
            id=strawberry.ID(str(conversation.id)),
            kind=ConversationKind(conversation.kind),
            title=conversation.title,
            created_at=conversation.created_at,
            last_message_at=conversation.last_message_at,
        )

    @classmethod
    def departed(cls, conversation: models.Conversation, *, viewer_id: uuid.UUID) -> Conversation:
        """The conversation as someone no longer in it sees it: that they are out, nothing of
        what it is now (title, participants, messages). Its fields answer from empty loads."""
        cid = conversation.id
        loads = InboxLoads(
            viewer_id=viewer_id,
            participants={cid: []},
            last_messages={cid: None},
            unread_counts={cid: 0},
            with_users={cid},
        )
        shown = cls.of(conversation, loads=loads)
        shown.title = None
        shown.last_message_at = None
        return shown

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type=User)
    def created_by(self, info: Info) -> User | Awaitable[User]:
        creator = self.loads.users.get(self.model.created_by_id) if self.loads else None
        if creator is not None:
            return User.of(creator)
        return load_user(info, self.model.created_by_id)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="The title, or else the other participants' display names.",
        graphql_type=str,
    )
    def display_title(self, info: Info) -> str | Awaitable[str]:
        if self.title:
            return self.title
        if self.loads is None or self.model.id not in self.loads.with_users:
            return self._load_display_title(info)
        loads = self.loads
        return title_of(loads.participants[self.model.id], loads.users, loads.viewer_id)

    async def _load_display_title(self, info: Info) -> str:
        viewer = await info.context.viewer()
        loaders = await info.context.loaders()
        participants = await loaders.participants.load(self.model.id)
        ids = [viewer.user_id, *(p.user_id for p in participants)]
        users = dict(zip(ids, await loaders.users.load_many(ids), strict=True))
        return title_of(participants, users, viewer.user_id)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="Null to someone not in the conversation, like its messages.",
        graphql_type=Message | None,
    )
    def last_message(self, info: Info) -> Message | Awaitable[Message | None] | None:
        if self.model.last_seq == 0:
            return None
        if self.loads is None or self.model.id not in self.loads.last_messages:
            return self._load_last_message(info)
        message = self.loads.last_messages[self.model.id]
        return self._shown_last(info, message, self.loads.viewer_id)

    async def _load_last_message(self, info: Info) -> Message | None:
        loaders = await info.context.loaders()
        viewer = await info.context.viewer()
        # Outside a page of the viewer's inbox, membership is checked as ``messages`` does.
        participants = await loaders.participants.load(self.model.id)
        if all(p.user_id != viewer.user_id for p in participants):
            return None
        message = await loaders.last_messages.load(self.model.id)
        return self._shown_last(info, message, viewer.user_id)

    def _shown_last(
        self, info: Info, message: models.Message | None, viewer_id: uuid.UUID
    ) -> Message | None:
        """Showing the last message delivers it to the viewer."""
        if message is None:
            return None
        info.context.services.receipts.shown(viewer_id, message)
        sender = self.loads.users.get(message.sender_id) if self.loads else None
        return Message.of(message, PublicUser.of(sender) if sender is not None else None)

    @strawberry.field(metadata=VIEWER_DEPENDENT, graphql_type=list[Participant])
    def participants(self, info: Info) -> list[Participant] | Awaitable[list[Participant]]:
        if self.loads is None or self.model.id not in self.loads.participants:
            return self._load_participants(info)
        loads = self.loads
        if self.model.id not in loads.with_users:
            return [Participant.of(p) for p in loads.participants[self.model.id]]
        return [
            Participant.of(p, user=loads.users[p.user_id], viewer_id=loads.viewer_id)
            for p in loads.participants[self.model.id]
        ]

    async def _load_participants(self, info: Info) -> list[Participant]:
        viewer = await info.context.viewer()
        loaders = await info.context.loaders()
        participants = await loaders.participants.load(self.model.id)
        users = await loaders.users.load_many([p.user_id for p in participants])
        return [
            Participant.of(p, user=user, viewer_id=viewer.user_id)
            for p, user in zip(participants, users, strict=True)
        ]

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type=int)
    def participant_count(self, info: Info) -> int | Awaitable[int]:
        if self.loads is None or self.model.id not in self.loads.participants:
            return self._load_participant_count(info)
        return len(self.loads.participants[self.model.id])

    async def _load_participant_count(self, info: Info) -> int:
        loaders = await info.context.loaders()
        return len(await loaders.participants.load(self.model.id))

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="Messages after the viewer's read mark, not the viewer's own, not deleted.",
        graphql_type=int,
    )
    def unread_count(self, info: Info) -> int | Awaitable[int]:
        if self.loads is None or self.model.id not in self.loads.unread_counts:
            return self._load_unread_count(info)
        return self.loads.unread_counts[self.model.id]

    async def _load_unread_count(self, info: Info) -> int:
        loaders = await info.context.loaders()
        return await loaders.unread_counts.load(self.model.id)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT, description="History, oldest first; by default the newest 50."
    )
    async def messages(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> MessageConnection:
        return await load_message_page(
            info, self.model.id, first=first, after=after, last=last, before=before
        )


@strawberry.type
class ConversationEdge:
    cursor: str
    node: Conversation


def _cursor(conversation: models.Conversation) -> str:
    return encode_inbox_cursor(conversation.activity_at, conversation.id)


async def _loaded_edges(root: ConversationConnection, info: Info) -> list[ConversationEdge]:
    loads = await InboxLoads.load(info, root.conversations)
    return [
        ConversationEdge(cursor=_cursor(c), node=Conversation.of(c, loads=loads))
        for c in root.conversations
    ]


@strawberry.type
class ConversationConnection:
    conversations: Private[list[models.Conversation]]
    edges: list[ConversationEdge] = strawberry.field(resolver=_loaded_edges)
    page_info: PageInfo

    @classmethod
    def of(
        cls, conversations: list[models.Conversation], *, has_next: bool, has_previous: bool
    ) -> ConversationConnection:
        return cls(
            conversations=conversations,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=has_previous,
                start_cursor=_cursor(conversations[0]) if conversations else None,
                end_cursor=_cursor(conversations[-1]) if conversations else None,
            ),
        )
