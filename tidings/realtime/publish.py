"""What Tidings publishes, on which channel (the shapes are in ``tidings.realtime.events``).

Channels are namespaced (``<namespace>:v1:…``):

- ``conversation:<id>``: messages added and updated
- ``members:<id>``: membership and title changes
- ``user:<id>``: conversations a user joined or left (they are not on its channel then),
  blocks the user made or met, and what only that user may know: their own mute, archive
  and pin of a conversation
- ``typing:<id>``: typing indicators, kept apart so chatter never delays messages
- ``receipts:<id>``: coalesced read and delivered mark moves with new message counts
- ``presence:<user id>``: one event per presence change of that user, whoever watches
- ``sessions``: revoked login sessions, whose sockets every instance must close and which
  it must stop remembering as live (``tidings.live_sessions``)
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from tidings.domain.conversation_state import ViewerState
from tidings.models import Conversation, Message, User
from tidings.realtime.events import (
    BlockChanged,
    ConversationChanged,
    ConversationData,
    ConversationStateChanged,
    MessageAdded,
    MessageData,
    MessageUpdated,
    PresenceChanged,
    PublicUser,
    ReactionData,
    Receipts,
    SessionPresence,
    SessionRevoked,
    Typing,
    ViewerStateData,
)
from tidings.realtime.hub import Hub

__all__ = ["Channels", "Events"]


@dataclass(frozen=True, slots=True)
class Channels:
    """Channel names, interned: the hub, each listener's set and the rooms then hold one
    string per channel (~0.15 KiB) rather than one apiece (a socket's three subscriptions
    name each of its conversations' channels again)."""

    namespace: str

    def _name(self, kind: str, key: uuid.UUID | str) -> str:
        return sys.intern(f"{self.namespace}:v1:{kind}:{key}")

    def conversation(self, conversation_id: uuid.UUID | str) -> str:
        return self._name("conversation", conversation_id)

    def members(self, conversation_id: uuid.UUID | str) -> str:
        return self._name("members", conversation_id)

    def user(self, user_id: uuid.UUID | str) -> str:
        return self._name("user", user_id)

    def typing(self, conversation_id: uuid.UUID | str) -> str:
        return self._name("typing", conversation_id)

    def presence(self, user_id: uuid.UUID | str) -> str:
        return self._name("presence", user_id)

    def receipts(self, conversation_id: uuid.UUID | str) -> str:
        return self._name("receipts", conversation_id)

    @property
    def sessions(self) -> str:
        return f"{self.namespace}:v1:sessions"


class Events:
    """Publishes domain events through the hub. Call after the change has committed."""

    def __init__(self, hub: Hub, channels: Channels) -> None:
        self.hub = hub
        self.channels = channels

    async def message(
        self,
        message: Message,
        sender: PublicUser,
        *,
        added: bool,
        reactions: tuple[list[ReactionData], list[PublicUser]] | None = None,
        mentions: list[PublicUser] | None = None,
    ) -> None:
        """A message sent (``added``: it has no reactions yet) or updated (with its
        ``reactions`` and the reactors they show), with who it ``mentions``: subscribers need
        no database trip to show them."""
        data = MessageData.of(message)
        event: MessageAdded | MessageUpdated
        if added:
            event = MessageAdded(message=data, sender=sender, mentions=mentions)
        elif reactions is not None:
            groups, reactors = reactions
            event = MessageUpdated(
                message=data,
                sender=sender,
                reactions=groups,
                reactors=reactors,
                mentions=mentions,
            )
        else:
            event = MessageUpdated(message=data, sender=sender, mentions=mentions)
        await self.hub.publish(self.channels.conversation(message.conversation_id), event)

    async def conversation_changed(
        self,
        conversation: Conversation,
        *,
        added: Iterable[uuid.UUID] = (),
        removed: Iterable[uuid.UUID] = (),
    ) -> None:
        """Created, members, title or roles changed. Joiners and leavers also hear it on their
        own channel, since they are not (or no longer) listening to the conversation's."""
        event = ConversationChanged(
            conversation_id=conversation.id,
            last_seq=conversation.last_seq,
            added=list(added),
            removed=list(removed),
            conversation=ConversationData.of(conversation),
        )
        await self.hub.publish(self.channels.members(conversation.id), event)
        for user_id in [*event.added, *event.removed]:
            await self.hub.publish(self.channels.user(user_id), event)

    async def conversation_state(
        self, user_id: uuid.UUID, conversation: Conversation, state: ViewerState
    ) -> None:
        """The user's own state of a conversation changed: only their devices hear it."""
        await self.hub.publish(
            self.channels.user(user_id),
            ConversationStateChanged(
                user_id=user_id,
                conversation=ConversationData.of(conversation),
                state=ViewerStateData.of(state),
            ),
        )

    async def typing(self, conversation_id: uuid.UUID, user: User, *, is_typing: bool) -> None:
        await self.hub.publish(
            self.channels.typing(conversation_id),
            Typing(conversation_id=conversation_id, user=PublicUser.of(user), is_typing=is_typing),
        )

    async def receipts(self, update: Receipts) -> None:
        await self.hub.publish(self.channels.receipts(update.conversation_id), update)

    async def presence(self, user: User, status: str) -> None:
        await self.hub.publish(
            self.channels.presence(user.id),
            PresenceChanged(
                user=PublicUser.of(user),
                status=status,
                last_seen_at=user.last_seen_at,
                shares=user.share_presence,
            ),
        )

    async def session_presence(self, session_id: uuid.UUID, status: str) -> None:
        """A device set its presence over HTTP: its sockets, wherever they are, take it."""
        await self.hub.publish(
            self.channels.sessions, SessionPresence(session_id=session_id, status=status)
        )

    async def session_revoked(self, session_id: uuid.UUID) -> None:
        await self.hub.publish(self.channels.sessions, SessionRevoked(session_id=session_id))

    async def block_changed(
        self, blocker_id: uuid.UUID, blocked_id: uuid.UUID, *, blocked: bool
    ) -> None:
        """A block was made or lifted: both users' feeds re-sort whom they may see."""
        event = BlockChanged(blocker_id=blocker_id, blocked_id=blocked_id, blocked=blocked)
        for user_id in (blocker_id, blocked_id):
            await self.hub.publish(self.channels.user(user_id), event)
