"""Searching the viewer's messages.

A read, but a user intent with rules of its own: a rate limit per user (a search costs the
database far more than a history page) and input rules. It writes nothing and publishes
nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tidings.actions.actor import Actor
from tidings.domain.search import clean_search_query
from tidings.errors import ValidationFailed
from tidings.queries.conversations import get_membership
from tidings.queries.search import SearchPage
from tidings.queries.search import search_messages as search_index

__all__ = ["search_messages"]


async def search_messages(
    actor: Actor,
    *,
    query: str,
    conversation_id: uuid.UUID | None,
    sender_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    first: int,
    offset: int,
) -> SearchPage:
    """A page of the actor's messages matching ``query``, best first.

    Only conversations the actor is in; one named that they are not in (or that does not
    exist) is ``NOT_IN_CONVERSATION``. ``since`` is inclusive, ``until`` exclusive.
    """
    await actor.services.limits.hit("searchMessages", f"user:{actor.user_id}")
    parsed = clean_search_query(query)
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and since >= until:
        raise ValidationFailed("until", "until must be later than since")
    async with actor.db() as session:
        if conversation_id is not None:
            await get_membership(session, conversation_id=conversation_id, user_id=actor.user_id)
        return await search_index(
            session,
            viewer_id=actor.user_id,
            query=parsed,
            conversation_id=conversation_id,
            sender_id=sender_id,
            since=since,
            until=until,
            limit=first,
            offset=offset,
        )


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC, as every time in the API is."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
