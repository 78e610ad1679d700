"""``presenceChanged``: presence changes of the people the viewer shares a conversation with.

Each watched user has their own channel, so a change costs one publish however many watch.
The watched set follows joins and leaves of the viewer's conversations.

After the pub/sub connection comes back, the feed tells everyone's current presence, as events
may have been missed. If Redis restarted empty, it no longer knows whose sockets are open
until their instances have written their records again: for those users the feed waits that
long (``Presence.restore_within``) before telling them OFFLINE, rather than announcing
everyone OFFLINE and then ONLINE again. Redis down again meanwhile only makes it wait longer:
the feed never ends for it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tidings import queries
from tidings.realtime.events import (
    BlockChanged,
    ConversationChanged,
    PresenceChanged,
    PublicUser,
)
from tidings.realtime.feeds.membership import Viewing
from tidings.realtime.hub import Delivery, Listener, Reconnected
from tidings.realtime.presence import Presence, visible_presence
from tidings.realtime.pubsub import REDIS_ERRORS

__all__ = ["PresenceItem", "presence_feed"]


@dataclass(frozen=True, slots=True)
class PresenceItem:
    user: PublicUser
    status: str
    last_seen_at: datetime | None


async def presence_feed(
    viewing: Viewing, presence: Presence, user_ids: set[uuid.UUID] | None
) -> AsyncGenerator[PresenceItem, None]:
    """Changes of ``user_ids`` (or of every contact), as each may see them."""
    sessions, channels, viewer_id = viewing.sessions, viewing.channels, viewing.viewer_id
    async with viewing.follow() as following:
        listener = following.listener
        watched: set[uuid.UUID] = set()

        async def watch() -> tuple[set[uuid.UUID], set[uuid.UUID]]:
            """Listen to the contacts' channels; return (no longer, newly) watched."""
            async with sessions() as session:
                contacts = await queries.contacts_of(session, user_id=viewer_id)
            wanted = contacts if user_ids is None else contacts & user_ids
            gone, new = watched - wanted, wanted - watched
            for user_id in gone:
                await listener.remove(channels.presence(user_id))
            for user_id in new:
                await listener.add(channels.presence(user_id))
            watched.clear()
            watched.update(wanted)
            return gone, new

        await watch()
        unknown: set[uuid.UUID] = set()  # presence lost with Redis, waiting to be restored
        loop = asyncio.get_running_loop()
        until = 0.0
        while True:
            event = await _next(listener, until - loop.time() if unknown else None)
            if event is None:  # the wait is over: whoever is still unknown is offline
                try:
                    known = await presence.known(list(unknown & watched))
                except REDIS_ERRORS:  # Redis is down again: wait once more
                    until = loop.time() + presence.restore_within
                    continue
                offline = {uid: "OFFLINE" for uid, status in known.items() if status is None}
                for item in await _current(sessions, offline, viewer_id):
                    yield item
                unknown.clear()
                continue
            if isinstance(event, Reconnected):
                await following.resync()
                await watch()
                try:
                    known = await presence.known(list(watched))
                except REDIS_ERRORS:  # down again already: everyone is unknown for now
                    known = dict.fromkeys(watched)
                unknown = {uid for uid, status in known.items() if status is None}
                until = loop.time() + presence.restore_within
                statuses = {uid: status for uid, status in known.items() if status is not None}
                for item in await _current(sessions, statuses, viewer_id):
                    yield item
                continue
            payload = event.payload
            if isinstance(payload, ConversationChanged):
                await following.on_change(payload)
                await watch()
            elif isinstance(payload, BlockChanged):
                # A block hides each from the other at once (OFFLINE); lifting it shows again.
                hidden, shown = await watch()
                hidden = {uid for uid in hidden if uid in _blocked_pair(payload)}
                shown = {uid for uid in shown if uid in _blocked_pair(payload)}
                for item in await _current(sessions, dict.fromkeys(hidden, "OFFLINE"), viewer_id):
                    yield PresenceItem(item.user, "OFFLINE", None)
                statuses = await presence.statuses(list(shown)) if shown else {}
                for item in await _current(sessions, statuses, viewer_id):
                    yield item
            elif isinstance(payload, PresenceChanged):
                user = payload.user
                unknown.discard(user.id)
                status, last_seen_at = visible_presence(
                    status=payload.status,
                    last_seen_at=payload.last_seen_at,
                    shares=payload.shares,
                    is_self=user.id == viewer_id,
                )
                yield PresenceItem(user, status, last_seen_at if status == "OFFLINE" else None)


def _blocked_pair(event: BlockChanged) -> set[uuid.UUID]:
    return {event.blocker_id, event.blocked_id}


async def _next(listener: Listener, within: float | None) -> Delivery | Reconnected | None:
    """The listener's next event; None if none came ``within`` seconds (None: no limit)."""
    if within is None:
        return await listener.next()
    try:
        async with asyncio.timeout(max(within, 0)):
            return await listener.next()
    except TimeoutError:
        return None


async def _current(
    sessions: async_sessionmaker[AsyncSession],
    statuses: dict[uuid.UUID, str],
    viewer_id: uuid.UUID,
) -> list[PresenceItem]:
    """These users' presence (``statuses``) as the viewer may see it, after events may have
    been lost."""
    if not statuses:
        return []
    async with sessions() as session:
        users = await queries.users_by_id(session, ids=statuses.keys())
    items = []
    for user in users.values():
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
