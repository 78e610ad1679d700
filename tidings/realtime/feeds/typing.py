"""``typing``: ephemeral indicators. A state not refreshed within the TTL expires with an
``isTyping: false`` event, computed by each subscriber, so nothing is stored anywhere.
Users blocked by or blocking the viewer are never shown typing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from tidings import queries
from tidings.clock import Clock
from tidings.realtime.events import BlockChanged, ConversationChanged, PublicUser, Typing
from tidings.realtime.feeds.membership import Viewing
from tidings.realtime.hub import Reconnected

__all__ = ["TypingItem", "typing_feed"]


@dataclass(frozen=True, slots=True)
class TypingItem:
    conversation_id: uuid.UUID
    user: PublicUser
    is_typing: bool


async def typing_feed(
    viewing: Viewing, conversation_id: uuid.UUID | None, *, ttl: float, clock: Clock
) -> AsyncGenerator[TypingItem, None]:
    """Who starts and stops typing in a conversation, or in any of the viewer's (joined ones
    included, left ones dropped without a word), other than the viewer."""
    # One conversation listens to its typing channel; the inbox-wide feed to each of its own.
    channel = viewing.channels.typing(conversation_id) if conversation_id is not None else None
    following_all = conversation_id is None
    async with viewing.follow(
        conversation_id, extra_channel=channel, typing=following_all
    ) as following:
        listener = following.listener
        if not following_all:  # blocks made meanwhile are told on the viewer's own channel
            await listener.add(viewing.channels.user(viewing.viewer_id))
        blocked = await _blocked(viewing)
        # (conversation, user) -> (deadline, user)
        typing: dict[tuple[uuid.UUID, uuid.UUID], tuple[float, PublicUser]] = {}
        while True:
            now = clock.monotonic()
            for key, (deadline, user) in list(typing.items()):
                if deadline <= now:
                    del typing[key]
                    yield TypingItem(key[0], user, is_typing=False)
            timeout = min((d for d, _ in typing.values()), default=now + 3600) - now
            try:
                async with clock.timeout(max(timeout, 0)):
                    event = await listener.next()
            except TimeoutError:
                continue
            if isinstance(event, Reconnected):
                await following.resync()
                blocked = await _blocked(viewing)
                continue
            payload = event.payload
            if isinstance(payload, BlockChanged):
                blocked = await _blocked(viewing)
                for key, (_, user) in list(typing.items()):
                    if user.id in blocked:  # typing no more, as far as the viewer may know
                        del typing[key]
                        yield TypingItem(key[0], user, is_typing=False)
                continue
            if isinstance(payload, ConversationChanged):
                _, left = await following.on_change(payload)
                for key in [key for key in typing if key[0] in left]:
                    del typing[key]
                continue
            if not isinstance(payload, Typing):
                continue
            conversation, user = payload.conversation_id, payload.user
            if (
                user.id == viewing.viewer_id
                or conversation not in following.marks
                or user.id in blocked
            ):
                continue
            key = (conversation, user.id)
            was_typing = typing.pop(key, None) is not None
            if payload.is_typing:
                typing[key] = (clock.monotonic() + ttl, user)
                if was_typing:
                    continue  # a refresh, not news
            elif not was_typing:
                continue
            yield TypingItem(conversation, user, is_typing=payload.is_typing)


async def _blocked(viewing: Viewing) -> set[uuid.UUID]:
    async with viewing.sessions() as session:
        return await queries.blocked_either_way(session, user_id=viewing.viewer_id)
