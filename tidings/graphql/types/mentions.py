"""The viewer's mentions: a Relay connection of the messages that named them, newest first."""

from __future__ import annotations

import strawberry
from strawberry import Private

from tidings import models
from tidings.graphql.context import Info
from tidings.graphql.cursors import encode_mention_cursor
from tidings.graphql.loaded import Loaded
from tidings.graphql.lookahead import node_fields
from tidings.graphql.prefetch import prefetch
from tidings.graphql.types.messages import Message, PageInfo
from tidings.realtime.fanout import SAME_FOR_EVERY_VIEWER

__all__ = ["MentionConnection", "MentionEdge"]


@strawberry.type
class MentionEdge:
    cursor: str
    node: Message


async def _loaded_edges(root: MentionConnection, info: Info) -> list[MentionEdge]:
    """The page's messages, with what their selection needs loaded for all at once."""
    viewer = await info.context.viewer()
    loaded = Loaded(viewer.user_id)
    if root.messages:
        await prefetch(info, loaded, Message, root.messages, node_fields(info))
    return [
        MentionEdge(cursor=encode_mention_cursor(m.id), node=Message.of(m, loaded=loaded))
        for m in root.messages
    ]


@strawberry.type(description="Messages that mention the viewer, newest first.")
class MentionConnection:
    messages: Private[list[models.Message]]
    edges: list[MentionEdge] = strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER, resolver=_loaded_edges
    )
    page_info: PageInfo

    @classmethod
    def of(cls, messages: list[models.Message], *, more: bool, after: bool) -> MentionConnection:
        return cls(
            messages=messages,
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=after,
                start_cursor=encode_mention_cursor(messages[0].id) if messages else None,
                end_cursor=encode_mention_cursor(messages[-1].id) if messages else None,
            ),
        )
