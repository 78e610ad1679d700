"""Message search: ``searchMessages``."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Annotated

import strawberry

from tidings import models
from tidings.actions import search
from tidings.graphql.context import Info
from tidings.graphql.cursors import decode_search_cursor
from tidings.graphql.types import page_size
from tidings.graphql.types.search import SearchResultConnection
from tidings.ids import parse_id

__all__ = ["SearchQueries"]

DEFAULT_SEARCH_PAGE = 20


@strawberry.type
class SearchQueries:
    @strawberry.field(
        description='The viewer\'s messages matching query (words, "phrases", or, -word), best '
        "first, in the conversations they are in; never deleted ones. Pages by first/after."
    )
    async def search_messages(
        self,
        info: Info,
        query: str,
        conversation_id: strawberry.ID | None = None,
        sender_id: strawberry.ID | None = None,
        since: Annotated[
            datetime | None, strawberry.argument(description="Sent at or after this time.")
        ] = None,
        until: Annotated[
            datetime | None, strawberry.argument(description="Sent before this time.")
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> SearchResultConnection:
        cid = parse_id(conversation_id, field="conversationId") if conversation_id else None
        sid = parse_id(sender_id, field="senderId") if sender_id else None
        size = page_size(first, "first")
        position = decode_search_cursor(after, "after")
        offset = 0 if position is None else position + 1
        viewer = await info.context.viewer()
        page = await search.search_messages(
            await info.context.actor(),
            query=query,
            conversation_id=cid,
            sender_id=sid,
            since=since,
            until=until,
            first=DEFAULT_SEARCH_PAGE if size is None else size,
            offset=offset,
        )
        # Showing a message delivers it, as a history page does (per conversation).
        shown: dict[uuid.UUID, list[models.Message]] = defaultdict(list)
        for hit in page.hits:
            shown[hit.message.conversation_id].append(hit.message)
        for messages in shown.values():
            info.context.services.receipts.shown(viewer.user_id, *messages)
        return SearchResultConnection.of(page, offset=offset)
