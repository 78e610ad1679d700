"""Which conversations a live feed follows, kept right as the viewer joins and leaves."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tidings import queries
from tidings.errors import NotInConversation
from tidings.realtime.events import ConversationChanged
from tidings.realtime.hub import Hub, Listener
from tidings.realtime.publish import Channels

__all__ = ["Following", "Viewing"]


@dataclass(frozen=True, slots=True)
class Viewing:
    """What every feed needs: the database, the hub, the channel names, and who is watching."""

    sessions: async_sessionmaker[AsyncSession]
    hub: Hub
    channels: Channels
    viewer_id: uuid.UUID

    @contextlib.asynccontextmanager
    async def follow(
        self,
        conversation_id: uuid.UUID | None = None,
        *,
        extra_channel: str | None = None,
        messages: bool = False,
        typing: bool = False,
    ) -> AsyncIterator[Following]:
        """Listen to one conversation (or all of the viewer's) and keep that right."""
        async with self.hub.listen() as listener:
            following = Following(
                self,
                listener,
                conversation_id=conversation_id,
                extra_channel=extra_channel,
                messages=messages,
                typing=typing,
            )
            await following.start()
            yield following


class Following:
    """The conversations one feed listens to: one given conversation, or all of the viewer's.

    ``marks`` maps each followed conversation to the highest ``seq`` already accounted for.
    """

    __slots__ = (
        "channels", "extra_channel", "listener", "marks", "messages", "sessions", "single",
        "typing", "viewer_id",
    )  # fmt: skip

    def __init__(
        self,
        viewing: Viewing,
        listener: Listener,
        *,
        conversation_id: uuid.UUID | None,
        extra_channel: str | None = None,
        messages: bool = False,
        typing: bool = False,
    ) -> None:
        self.sessions = viewing.sessions
        self.listener = listener
        self.channels = viewing.channels
        self.viewer_id = viewing.viewer_id
        self.single = conversation_id
        self.extra_channel = extra_channel
        # Message feeds also listen to each conversation's messages; the others only to
        # its membership changes, so a busy conversation costs them nothing. An inbox-wide
        # typing feed listens to each conversation's typing channel the same way.
        self.messages = messages
        self.typing = typing
        self.marks: dict[uuid.UUID, int] = {}

    async def start(self) -> None:
        """Subscribe first, then read the database, so nothing falls between the two."""
        if self.extra_channel is not None:
            await self.listener.add(self.extra_channel)
        if self.single is not None:
            await self.listener.add(*self._channels_of(self.single))
            async with self.sessions() as session:
                conversation, _ = await queries.get_membership(
                    session, conversation_id=self.single, user_id=self.viewer_id
                )
            self.marks[self.single] = conversation.last_seq
            return
        await self.listener.add(self.channels.user(self.viewer_id))
        memberships = await self._memberships()
        await self.listener.add(*(ch for cid in memberships for ch in self._channels_of(cid)))
        for conversation_id, last_seq in memberships.items():
            self.marks.setdefault(conversation_id, last_seq)

    def _channels_of(self, conversation_id: uuid.UUID) -> list[str]:
        channels = [self.channels.members(conversation_id)]
        if self.messages:
            channels.append(self.channels.conversation(conversation_id))
        if self.typing:
            channels.append(self.channels.typing(conversation_id))
        return channels

    async def follow(self, conversation_id: uuid.UUID, mark: int) -> None:
        await self.listener.add(*self._channels_of(conversation_id))
        self.marks.setdefault(conversation_id, mark)

    async def unfollow(self, conversation_id: uuid.UUID) -> None:
        self.marks.pop(conversation_id, None)
        await self.listener.remove(*self._channels_of(conversation_id))

    async def on_change(
        self, event: ConversationChanged
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """Apply a ``conversation_changed`` event; return (joined, left) for the viewer."""
        conversation_id = event.conversation_id
        if self.viewer_id in event.removed:
            if self.single == conversation_id:
                raise NotInConversation
            if conversation_id in self.marks:
                await self.unfollow(conversation_id)
                return [], [conversation_id]
        if (
            self.viewer_id in event.added
            and self.single is None
            and conversation_id not in self.marks
        ):
            await self.follow(conversation_id, event.last_seq)
            return [conversation_id], []
        return [], []

    async def resync(self) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """After lost events: re-read memberships; return (joined, left) since last known."""
        if self.single is not None:
            async with self.sessions() as session:
                await queries.get_membership(
                    session, conversation_id=self.single, user_id=self.viewer_id
                )
            return [], []
        current = await self._memberships(marks=True)
        left = [cid for cid in self.marks if cid not in current]
        joined = [cid for cid in current if cid not in self.marks]
        for cid in left:
            await self.unfollow(cid)
        for cid in joined:
            await self.follow(cid, current[cid])
        return joined, left

    async def _memberships(self, *, marks: bool = False) -> dict[uuid.UUID, int]:
        """The viewer's conversations with their last seq (or, with ``marks``, read mark)."""
        async with self.sessions() as session:
            return await queries.memberships(session, user_id=self.viewer_id, read_marks=marks)
