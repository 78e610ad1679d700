"""Mentions: the viewer's mentions, newest first."""

from __future__ import annotations

import strawberry

from tidings import queries
from tidings.graphql.context import Info
from tidings.graphql.cursors import decode_mention_cursor
from tidings.graphql.types import page_size
from tidings.graphql.types.mentions import MentionConnection

__all__ = ["MentionQueries"]

DEFAULT_MENTIONS_PAGE = 20


@strawberry.type
class MentionQueries:
    @strawberry.field(
        description="Messages by others that mention the viewer, in conversations the viewer "
        "is in, newest first (20 by default, at most 100)."
    )
    async def mentions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> MentionConnection:
        size = page_size(first, "first")
        before = decode_mention_cursor(after, "after")
        viewer = await info.context.viewer()
        async with info.context.db() as session:
            messages, more = await queries.mentions_page(
                session,
                user_id=viewer.user_id,
                first=DEFAULT_MENTIONS_PAGE if size is None else size,
                before=before,
            )
        info.context.services.receipts.shown(viewer.user_id, *messages)
        return MentionConnection.of(messages, more=more, after=before is not None)
