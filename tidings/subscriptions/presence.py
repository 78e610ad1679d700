"""``presenceChanged``: presence changes of the people the viewer shares a conversation with.

Each watched user has their own channel, so a change costs one publish however many watch.
The watched set follows joins and leaves of the viewer's conversations.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from tidings.broadcast import Reconnected
from tidings.domain.conversations import contacts_of
from tidings.events import PublicUser
from tidings.models import User
from tidings.presence import Presence, visible_presence
from tidings.subscriptions.membership import Viewing

__all__ = ["PresenceItem", "presence_feed"]


@dataclass(frozen=True, slots=True)
class PresenceItem:
    user: PublicUser
    status: str
    last_seen_at: datetime | None


async def presence_feed(
    viewing: Viewing, presence: Presence, user_ids: set[uuid.UUID] | None
) -> AsyncIterator[PresenceItem]:
    """Changes of ``user_ids`` (or of every contact), as each may see them."""
    sessions, channels, viewer_id = viewing.sessions, viewing.channels, viewing.viewer_id
    async with viewing.follow() as following:
        listener = following.listener
        watched: set[uuid.UUID] = set()

        async def watch() -> None:
            async with sessions() as session:
                contacts = await contacts_of(session, viewer_id)
            wanted = contacts if user_ids is None else contacts & user_ids
            for user_id in watched - wanted:
                await listener.remove(channels.presence(user_id))
            for user_id in wanted - watched:
                await listener.add(channels.presence(user_id))
            watched.clear()
            watched.update(wanted)

        await watch()
        while True:
            event = await listener.next()
            if isinstance(event, Reconnected):
                await following.resync()
                await watch()
                for item in await _current(sessions, presence, watched, viewer_id):
                    yield item
                continue
            payload = event.payload
            if payload["type"] == "conversation_changed":
                await following.on_change(payload)
                await watch()
            elif payload["type"] == "presence":
                user = PublicUser.from_payload(payload["user"])
                seen = payload["last_seen_at"]
                status, last_seen_at = visible_presence(
                    status=payload["status"],
                    last_seen_at=datetime.fromisoformat(seen) if seen else None,
                    shares=payload["shares"],
                    is_self=user.id == viewer_id,
                )
                yield PresenceItem(user, status, last_seen_at if status == "OFFLINE" else None)


async def _current(
    sessions: async_sessionmaker[AsyncSession],
    presence: Presence,
    user_ids: set[uuid.UUID],
    viewer_id: uuid.UUID,
) -> list[PresenceItem]:
    """Everyone's presence now, after events may have been lost."""
    if not user_ids:
        return []
    statuses = await presence.statuses(list(user_ids))
    async with sessions() as session:
        users = list(await session.scalars(sa.select(User).where(col(User.id).in_(user_ids))))
    items = []
    for user in users:
        status, seen = visible_presence(
            status=statuses[user.id],
            last_seen_at=user.last_seen_at,
            shares=user.share_presence,
            is_self=user.id == viewer_id,
        )
        items.append(
            PresenceItem(PublicUser.of(user), status, seen if status == "OFFLINE" else None)
        )
    return items
