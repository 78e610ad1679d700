"""Subscriptions: Strawberry parses, validates and authorises each; its feed then hands
GraphQL roots to the shared delivery path (``tidings.realtime.live``), which executes and
writes them, without a query per event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry

from tidings import queries
from tidings.errors import ValidationFailed
from tidings.graphql.context import Info
from tidings.graphql.inputs import ConversationSeqInput
from tidings.graphql.loaded import VIEWER_STATE, Loaded
from tidings.graphql.types import (
    Conversation,
    Message,
    MessageReceiptCount,
    ParticipantReceipt,
    PresenceEvent,
    PresenceStatus,
    ReceiptUpdate,
    TypingEvent,
    User,
)
from tidings.ids import parse_id
from tidings.realtime.events import Receipts
from tidings.realtime.feeds.conversations import ConversationUpdate, conversation_feed
from tidings.realtime.feeds.membership import Viewing
from tidings.realtime.feeds.messages import FeedItem, message_updated_feed
from tidings.realtime.feeds.presence import PresenceItem, presence_feed
from tidings.realtime.feeds.receipts import receipt_feed
from tidings.realtime.feeds.typing import TypingItem, typing_feed
from tidings.realtime.live import live_messages, live_stream

__all__ = ["Subscription"]


def _message(item: FeedItem) -> Message:
    """The item as a GraphQL message; a live event's one message for all its subscribers."""
    if item.shared is None:
        return Message.of(
            item.message, item.sender, reactions=item.reactions, mentions=item.mentions
        )
    return item.shared.once(
        "message",
        lambda: Message.of(
            item.message,
            item.sender,
            shared=True,
            reactions=item.reactions,
            mentions=item.mentions,
        ),
    )


def _with_state(viewer_id: uuid.UUID, update: ConversationUpdate) -> Loaded | None:
    """The viewer's own state as the event carried it, so viewerState needs no query."""
    if update.state is None:
        return None
    loaded = Loaded(viewer_id)
    loaded.know(VIEWER_STATE, {update.conversation_id: update.state.state()})
    return loaded


def _receipt_update(update: Receipts) -> ReceiptUpdate:
    return ReceiptUpdate(
        conversation_id=strawberry.ID(str(update.conversation_id)),
        receipts=[
            ParticipantReceipt(
                user=User.of(r.user),
                last_delivered_seq=r.last_delivered_seq,
                last_read_seq=r.last_read_seq,
                read_at=r.read_at,
            )
            for r in update.receipts
        ],
        counts=[
            MessageReceiptCount(
                message_id=strawberry.ID(str(c.message_id)),
                seq=c.seq,
                delivered_count=c.delivered,
                read_count=c.read,
                recipient_count=c.recipients,
            )
            for c in update.counts
        ],
    )


def _presence_event(item: PresenceItem) -> PresenceEvent:
    return PresenceEvent(
        user=User.of(item.user), status=PresenceStatus(item.status), last_seen_at=item.last_seen_at
    )


def _typing_event(item: TypingItem) -> TypingEvent:
    return TypingEvent(
        conversation_id=strawberry.ID(str(item.conversation_id)),
        user=User.of(item.user),
        is_typing=item.is_typing,
    )


# One mark per conversation a client holds; more than a viewer could be in is a mistake.
_MAX_RESUME_MARKS = 1000


def _resume_marks(
    after_seqs: list[ConversationSeqInput] | None, *, single: bool
) -> dict[uuid.UUID, int] | None:
    """``afterSeqs`` as conversation -> seq, checked (the all-conversations feed only)."""
    if after_seqs is None:
        return None
    if single:
        raise ValidationFailed("afterSeqs", "afterSeqs is for the feed without a conversationId")
    if len(after_seqs) > _MAX_RESUME_MARKS:
        raise ValidationFailed("afterSeqs", f"At most {_MAX_RESUME_MARKS} conversations")
    marks: dict[uuid.UUID, int] = {}
    for mark in after_seqs:
        if mark.seq < 0:
            raise ValidationFailed("afterSeqs", "seq is ≥ 0")
        marks[parse_id(mark.conversation_id, field="afterSeqs")] = mark.seq
    return marks


async def _viewing(info: Info) -> Viewing:
    services = info.context.services
    viewer = await info.context.viewer()
    return Viewing(services.sessions, services.hub, services.channels, viewer.user_id)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="New messages in seq order, without gap or duplicate. With a "
        "conversationId and afterSeq, first replays what came after afterSeq. Without a "
        "conversationId: every conversation of the viewer's, joined ones included; afterSeqs "
        "then resumes each conversation it names after its seq."
    )
    async def message_added(
        self,
        info: Info,
        conversation_id: strawberry.ID | None = None,
        after_seq: int | None = None,
        after_seqs: list[ConversationSeqInput] | None = None,
    ) -> AsyncGenerator[Message, None]:
        cid = parse_id(conversation_id, field="conversationId") if conversation_id else None
        if after_seq is not None and (cid is None or after_seq < 0):
            raise ValidationFailed("afterSeq", "afterSeq needs a conversationId and is ≥ 0")
        resume = _resume_marks(after_seqs, single=cid is not None)
        viewing = await _viewing(info)
        # Live messages take the shared path (tidings.realtime.live); subscriptions only run
        # over a socket, whose protocol handler says where the frames go.
        async for message in live_messages(info, viewing, cid, after_seq, resume):
            yield message

    @strawberry.subscription(description="Edits and deletions (tombstones).")
    async def message_updated(
        self, info: Info, conversation_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Message, None]:
        cid = parse_id(conversation_id, field="conversationId") if conversation_id else None
        viewing = await _viewing(info)
        feed = message_updated_feed(viewing, cid)
        async for message in live_stream(info, viewing.viewer_id, feed, _message):
            yield message

    @strawberry.subscription(
        description="A conversation of the viewer's was created, joined, left, renamed or "
        "changed members, or the viewer muted, archived or pinned it (or undid that) on "
        "another device. One the viewer has left (or was removed from) shows only its id, "
        "kind and creation: no title, participants or messages."
    )
    async def conversation_updated(self, info: Info) -> AsyncGenerator[Conversation, None]:
        viewing = await _viewing(info)

        async def convert(update: ConversationUpdate) -> Conversation | None:
            # Authorised as it is delivered, by the feed's membership in event order: a
            # socket that lagged behind may be reading of a removal long after the group
            # moved on.
            if update.conversation is not None:
                conversation, member = update.conversation.model(), update.member
            else:
                async with info.context.db() as session:
                    found = await queries.find_conversation(
                        session, conversation_id=update.conversation_id, user_id=viewing.viewer_id
                    )
                if found is None:
                    return None
                conversation, member = found
            if not member:
                return Conversation.departed(conversation, viewer_id=viewing.viewer_id)
            return Conversation.of(conversation, loaded=_with_state(viewing.viewer_id, update))

        feed = conversation_feed(viewing)
        async for changed in live_stream(info, viewing.viewer_id, feed, convert):
            yield changed

    @strawberry.subscription(
        description="Read and delivered marks that moved, with the new counts of the affected "
        "messages (newest 100); coalesced to a few events per second per conversation."
    )
    async def receipt_updated(
        self, info: Info, conversation_id: strawberry.ID
    ) -> AsyncGenerator[ReceiptUpdate, None]:
        cid = parse_id(conversation_id, field="conversationId")
        viewing = await _viewing(info)
        feed = receipt_feed(viewing, cid)
        async for update in live_stream(info, viewing.viewer_id, feed, _receipt_update):
            yield update

    @strawberry.subscription(
        description="Presence changes of these users, or without ids of everyone the viewer "
        "shares a conversation with (following joins and leaves). Others are never shown."
    )
    async def presence_changed(
        self, info: Info, user_ids: list[strawberry.ID] | None = None
    ) -> AsyncGenerator[PresenceEvent, None]:
        wanted = {parse_id(uid, field="userIds") for uid in user_ids} if user_ids else None
        viewing = await _viewing(info)
        feed = presence_feed(viewing, info.context.services.presence, wanted)
        async for event in live_stream(info, viewing.viewer_id, feed, _presence_event):
            yield event

    @strawberry.subscription(
        description="Others starting and stopping typing in a conversation, or without a "
        "conversationId in every conversation of the viewer's (for a conversation list)."
    )
    async def typing(
        self, info: Info, conversation_id: strawberry.ID | None = None
    ) -> AsyncGenerator[TypingEvent, None]:
        cid = parse_id(conversation_id, field="conversationId") if conversation_id else None
        ttl = info.context.services.settings.typing_ttl_seconds
        viewing = await _viewing(info)
        feed = typing_feed(viewing, cid, ttl=ttl, clock=info.context.services.clock)
        async for event in live_stream(info, viewing.viewer_id, feed, _typing_event):
            yield event
