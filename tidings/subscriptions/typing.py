"""``typing``: ephemeral indicators. A state not refreshed within the TTL expires with an
``isTyping: false`` event, computed by each subscriber, so nothing is stored anywhere."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from tidings.broadcast import Reconnected
from tidings.events import PublicUser
from tidings.subscriptions.membership import Viewing

__all__ = ["TypingItem", "typing_feed"]


@dataclass(frozen=True, slots=True)
class TypingItem:
    conversation_id: uuid.UUID
    user: PublicUser
    is_typing: bool


async def typing_feed(
    viewing: Viewing, conversation_id: uuid.UUID, *, ttl: float
) -> AsyncIterator[TypingItem]:
    """Who starts and stops typing in a conversation, other than the viewer."""
    typing_channel = viewing.channels.typing(conversation_id)
    async with viewing.follow(conversation_id, extra_channel=typing_channel) as following:
        listener = following.listener
        typing: dict[uuid.UUID, tuple[float, PublicUser]] = {}  # user -> (deadline, user)
        while True:
            now = time.monotonic()
            for user_id, (deadline, user) in list(typing.items()):
                if deadline <= now:
                    del typing[user_id]
                    yield TypingItem(conversation_id, user, is_typing=False)
            timeout = min((d for d, _ in typing.values()), default=now + 3600) - now
            try:
                event = await asyncio.wait_for(listener.next(), timeout=max(timeout, 0))
            except TimeoutError:
                continue
            if isinstance(event, Reconnected):
                await following.resync()
                continue
            payload = event.payload
            if payload["type"] == "conversation_changed":
                await following.on_change(payload)
                continue
            if payload["type"] != "typing":
                continue
            user = PublicUser.from_payload(payload["user"])
            if user.id == viewing.viewer_id:
                continue
            was_typing = typing.pop(user.id, None) is not None
            if payload["is_typing"]:
                typing[user.id] = (time.monotonic() + ttl, user)
                if was_typing:
                    continue  # a refresh, not news
            elif not was_typing:
                continue
            yield TypingItem(conversation_id, user, is_typing=payload["is_typing"])
