"""Conversations, their participants, and the inbox connection."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import Private

from tidings import models
from tidings.graphql.context import Info
from tidings.graphql.cursors import encode_inbox_cursor
from tidings.graphql.types.messages import Message, MessageConnection, PageInfo, load_message_page
from tidings.graphql.types.users import User, load_user

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


@strawberry.type
class Participant:
    model: Private[models.Participant]
    role: ParticipantRole
    joined_at: datetime

    @classmethod
    def of(cls, participant: models.Participant) -> Participant:
        return cls(
            model=participant,
            role=ParticipantRole(participant.role),
            joined_at=participant.joined_at,
        )

    @strawberry.field
    async def user(self, info: Info) -> User:
        return await load_user(info, self.model.user_id)

    async def _shares_reads(self, info: Info) -> bool:
        """Others see the read mark only if its owner shares read receipts."""
        viewer = await info.context.viewer()
        if viewer.user_id == self.model.user_id:
            return True
        loaders = await info.context.loaders()
        user = await loaders.users.load(self.model.user_id)
        return user is not None and user.share_read_receipts

    @strawberry.field(description="Null to others when this participant hides read receipts.")
    async def last_read_seq(self, info: Info) -> int | None:
        return self.model.last_read_seq if await self._shares_reads(info) else None

    @strawberry.field(description="Null to others when this participant hides read receipts.")
    async def last_read_at(self, info: Info) -> datetime | None:
        return self.model.last_read_at if await self._shares_reads(info) else None


@strawberry.type
class Conversation:
    model: Private[models.Conversation]
    id: strawberry.ID
    kind: ConversationKind
    title: str | None
    created_at: datetime
    last_message_at: datetime | None

    @classmethod
    def of(cls, conversation: models.Conversation) -> Conversation:
        return cls(
            model=conversation,
            id=strawberry.ID(str(conversation.id)),
            kind=ConversationKind(conversation.kind),
            title=conversation.title,
            created_at=conversation.created_at,
            last_message_at=conversation.last_message_at,
        )

    @strawberry.field
    async def created_by(self, info: Info) -> User:
        return await load_user(info, self.model.created_by_id)

    @strawberry.field(description="The title, or else the other participants' display names.")
    async def display_title(self, info: Info) -> str:
        if self.model.title:
            return self.model.title
        loaders = await info.context.loaders()
        viewer = await info.context.viewer()
        participants = await loaders.participants.load(self.model.id)
        users = await loaders.users.load_many(p.user_id for p in participants)
        others = sorted(u.display_name for u in users if u is not None and u.id != viewer.user_id)
        if others:
            return ", ".join(others)
        me = await loaders.users.load(viewer.user_id)
        return me.display_name if me is not None else ""

    @strawberry.field
    async def last_message(self, info: Info) -> Message | None:
        if self.model.last_seq == 0:
            return None
        loaders = await info.context.loaders()
        message = await loaders.last_messages.load(self.model.id)
        if message is None:
            return None
        viewer = await info.context.viewer()
        info.context.services.receipts.delivered(self.model.id, viewer.user_id, message.seq)
        return Message.of(message)

    @strawberry.field
    async def participants(self, info: Info) -> list[Participant]:
        loaders = await info.context.loaders()
        return [Participant.of(p) for p in await loaders.participants.load(self.model.id)]

    @strawberry.field
    async def participant_count(self, info: Info) -> int:
        loaders = await info.context.loaders()
        return len(await loaders.participants.load(self.model.id))

    @strawberry.field(
        description="Messages after the viewer's read mark, not the viewer's own, not deleted."
    )
    async def unread_count(self, info: Info) -> int:
        loaders = await info.context.loaders()
        return await loaders.unread_counts.load(self.model.id)

    @strawberry.field(description="History, oldest first; by default the newest 50.")
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


@strawberry.type
class ConversationConnection:
    edges: list[ConversationEdge]
    page_info: PageInfo

    @classmethod
    def of(
        cls, conversations: list[models.Conversation], *, has_next: bool, has_previous: bool
    ) -> ConversationConnection:
        edges = [
            ConversationEdge(
                cursor=encode_inbox_cursor(c.activity_at, c.id), node=Conversation.of(c)
            )
            for c in conversations
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
