"""Conversations, their participants, and the inbox connection.

Each relation field declares what it needs (``tidings.graphql.prefetch``) and answers from
what was loaded: for a whole inbox page at once, or for one conversation by itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import strawberry
from strawberry import Private

from tidings import models
from tidings.domain.conversation_state import ViewerState
from tidings.graphql.context import Info
from tidings.graphql.cursors import encode_inbox_cursor
from tidings.graphql.loaded import (
    LAST_MESSAGE,
    MEMBERSHIP,
    PARTICIPANTS,
    UNREAD_COUNT,
    UNREAD_MENTIONS,
    USER,
    VIEWER_STATE,
    Loaded,
)
from tidings.graphql.lookahead import node_fields
from tidings.graphql.prefetch import needs, prefetch
from tidings.graphql.types.conversation_state import ConversationViewerState
from tidings.graphql.types.messages import Message, MessageConnection, PageInfo, load_message_page
from tidings.graphql.types.users import User, shown_user
from tidings.queries import ConversationRow, InboxPosition, ParticipantRow, UserRow
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


def _user_id(participant: models.Participant | ParticipantRow) -> uuid.UUID:
    return participant.user_id


@strawberry.type
class Participant:
    model: Private[models.Participant | ParticipantRow]
    role: ParticipantRole
    joined_at: datetime
    loaded: Private[Loaded | None] = None

    @classmethod
    def of(
        cls, participant: models.Participant | ParticipantRow, *, loaded: Loaded | None = None
    ) -> Participant:
        return cls(
            model=participant,
            role=ParticipantRole(participant.role),
            joined_at=participant.joined_at,
            loaded=loaded,
        )

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type=User)
    @needs(USER(_user_id))
    def user(self, info: Info, loaded: Loaded) -> User:
        return shown_user(loaded, self.model.user_id)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="Null to others when this participant hides read receipts.",
        graphql_type=int | None,
    )
    @needs(USER(_user_id))
    def last_read_seq(self, info: Info, loaded: Loaded) -> int | None:
        return self.model.last_read_seq if _shares_reads(self.model, loaded) else None

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="Null to others when this participant hides read receipts.",
        graphql_type=datetime | None,
    )
    @needs(USER(_user_id))
    def last_read_at(self, info: Info, loaded: Loaded) -> datetime | None:
        return self.model.last_read_at if _shares_reads(self.model, loaded) else None


def _shares_reads(participant: models.Participant | ParticipantRow, loaded: Loaded) -> bool:
    """Others see the read mark only if its owner shares read receipts."""
    if participant.user_id == loaded.viewer_id:
        return True
    user = loaded.users.get(participant.user_id)
    return user is not None and user.share_read_receipts


# A conversation as a page holds it: a model, or the inbox's plain row.
AnyConversation = models.Conversation | ConversationRow


def _id(conversation: AnyConversation) -> uuid.UUID:
    return conversation.id


def _untitled(conversation: AnyConversation) -> uuid.UUID | None:
    return None if conversation.title else conversation.id


def _with_messages(conversation: AnyConversation) -> uuid.UUID | None:
    return conversation.id if conversation.last_seq else None


def _creator(conversation: AnyConversation) -> uuid.UUID:
    return conversation.created_by_id


@strawberry.type
class Conversation:
    model: Private[AnyConversation]
    id: strawberry.ID
    kind: ConversationKind
    title: str | None
    created_at: datetime
    last_message_at: datetime | None
    # What was loaded for its fields: for the whole inbox page, when it is on one.
    loaded: Private[Loaded | None] = None

    @classmethod
    def of(cls, conversation: AnyConversation, *, loaded: Loaded | None = None) -> Conversation:
        return cls(
            model=conversation,
            loaded=loaded,
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
        loaded = Loaded(viewer_id)
        loaded.know(PARTICIPANTS, {cid: []})
        loaded.know(MEMBERSHIP, {cid: False})
        loaded.know(LAST_MESSAGE, {cid: None})
        loaded.know(UNREAD_COUNT, {cid: 0})
        loaded.know(UNREAD_MENTIONS, {cid: 0})
        loaded.know(VIEWER_STATE, {cid: None})
        shown = cls.of(conversation, loaded=loaded)
        shown.title = None
        shown.last_message_at = None
        return shown

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type=User)
    @needs(USER(_creator))
    def created_by(self, info: Info, loaded: Loaded) -> User:
        return shown_user(loaded, self.model.created_by_id)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="The title, or else the other participants' display names.",
        graphql_type=str,
    )
    @needs(PARTICIPANTS(_untitled, with_users=True))
    def display_title(self, info: Info, loaded: Loaded) -> str:
        if self.title:
            return self.title
        return _title_of(loaded.participants(self.model.id), loaded.users, loaded.viewer_id)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="Null to someone not in the conversation, like its messages.",
        graphql_type=Message | None,
    )
    @needs(LAST_MESSAGE(_with_messages), MEMBERSHIP(_with_messages))
    def last_message(self, info: Info, loaded: Loaded) -> Message | None:
        if not self.model.last_seq or not loaded.is_member(self.model.id):
            return None
        message = loaded.last_message(self.model.id)
        if message is None:
            return None
        # Showing the last message delivers it to the viewer.
        info.context.services.receipts.shown(loaded.viewer_id, message)
        return Message.of(message, loaded=loaded)

    @strawberry.field(metadata=VIEWER_DEPENDENT, graphql_type=list[Participant])
    @needs(PARTICIPANTS(_id))
    def participants(self, info: Info, loaded: Loaded) -> list[Participant]:
        return [Participant.of(p, loaded=loaded) for p in loaded.participants(self.model.id)]

    @strawberry.field(metadata=SAME_FOR_EVERY_VIEWER, graphql_type=int)
    @needs(PARTICIPANTS(_id))
    def participant_count(self, info: Info, loaded: Loaded) -> int:
        return len(loaded.participants(self.model.id))

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="Messages after the viewer's read mark, not the viewer's own, not deleted.",
        graphql_type=int,
    )
    @needs(UNREAD_COUNT(_id))
    def unread_count(self, info: Info, loaded: Loaded) -> int:
        return loaded.unread_count(self.model.id)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="Messages after the viewer's read mark that mention the viewer, not the "
        "viewer's own, not deleted.",
        graphql_type=int,
    )
    @needs(UNREAD_MENTIONS(_id))
    def unread_mention_count(self, info: Info, loaded: Loaded) -> int:
        return loaded.unread_mentions(self.model.id)

    @strawberry.field(
        metadata=VIEWER_DEPENDENT,
        description="The viewer's own mute, archive and pin of this conversation.",
        graphql_type=ConversationViewerState,
    )
    @needs(VIEWER_STATE(_id))
    def viewer_state(self, info: Info, loaded: Loaded) -> ConversationViewerState:
        now = info.context.services.clock.now()
        return ConversationViewerState.of(loaded.viewer_state(self.model.id), now)

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


def _title_of(
    participants: list[ParticipantRow],
    users: Mapping[uuid.UUID, UserRow | None],
    viewer_id: uuid.UUID,
) -> str:
    """The other participants' display names, or else the viewer's own."""
    others = sorted(
        user.display_name
        for user in (users.get(p.user_id) for p in participants)
        if user is not None and user.id != viewer_id
    )
    if others:
        return ", ".join(others)
    me = users.get(viewer_id)
    return me.display_name if me is not None else ""


@strawberry.type
class ConversationEdge:
    cursor: str
    node: Conversation


def _cursor(conversation: ConversationRow, state: ViewerState | None) -> str:
    pinned_at = state.pinned_at if state is not None else None
    at = pinned_at if pinned_at is not None else conversation.activity_at
    return encode_inbox_cursor(InboxPosition(pinned_at is not None, at, conversation.id))


async def _loaded_edges(root: ConversationConnection, info: Info) -> list[ConversationEdge]:
    """The page's conversations, with what their selection needs loaded for all at once."""
    viewer = await info.context.viewer()
    loaded = Loaded(viewer.user_id)
    # The viewer's inbox lists only conversations the viewer is in, and read their state.
    loaded.know(MEMBERSHIP, dict.fromkeys((c.id for c in root.conversations), True))
    loaded.know(VIEWER_STATE, root.states)
    await prefetch(info, loaded, Conversation, root.conversations, node_fields(info))
    return [
        ConversationEdge(
            cursor=_cursor(c, root.states.get(c.id)), node=Conversation.of(c, loaded=loaded)
        )
        for c in root.conversations
    ]


@strawberry.type
class ConversationConnection:
    conversations: Private[list[ConversationRow]]
    # The viewer's state in each (its pins place it and make its cursor).
    states: Private[dict[uuid.UUID, ViewerState]]
    edges: list[ConversationEdge] = strawberry.field(resolver=_loaded_edges)
    page_info: PageInfo

    @classmethod
    def of(
        cls,
        conversations: list[ConversationRow],
        *,
        has_next: bool,
        has_previous: bool,
        states: dict[uuid.UUID, ViewerState],
    ) -> ConversationConnection:
        first = conversations[0] if conversations else None
        last = conversations[-1] if conversations else None
        return cls(
            conversations=conversations,
            states=states,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=has_previous,
                start_cursor=_cursor(first, states.get(first.id)) if first else None,
                end_cursor=_cursor(last, states.get(last.id)) if last else None,
            ),
        )
