"""Message search results: a Relay connection of hits, each a message with its conversation,
its rank and a highlighted excerpt.

The excerpt comes twice: ``snippet`` as plain text, and ``snippetParts`` as the same text in
runs marked highlighted or not, so a client shows matches (``<mark>``, bold) while rendering
every run as text. No markup ever comes from the server.
"""

from __future__ import annotations

import strawberry
from strawberry import Private

from tidings.domain.search import snippet_parts
from tidings.graphql.context import Info
from tidings.graphql.cursors import encode_search_cursor
from tidings.graphql.loaded import MEMBERSHIP, Loaded
from tidings.graphql.lookahead import fields_of, node_fields
from tidings.graphql.prefetch import prefetch
from tidings.graphql.types.conversations import Conversation
from tidings.graphql.types.messages import Message, PageInfo
from tidings.queries.search import SearchHit, SearchPage

__all__ = ["SearchResult", "SearchResultConnection", "SnippetPart"]


@strawberry.type(description="A run of an excerpt: plain text, a match when highlighted.")
class SnippetPart:
    text: str
    highlighted: bool


@strawberry.type(description="A message that matched a search.")
class SearchResult:
    message: Message
    conversation: Conversation
    rank: float = strawberry.field(
        description="Higher is better. Compare ranks within one search only: the scale is "
        "the database's own."
    )
    snippet: str = strawberry.field(
        description="Plain text around the matches (the whole message when short; … where cut)."
    )
    snippet_parts: list[SnippetPart] = strawberry.field(
        description="snippet in runs, the matches highlighted; render each as text."
    )

    @classmethod
    def of(cls, hit: SearchHit, *, loaded: Loaded) -> SearchResult:
        parts = snippet_parts(hit.marked_snippet, hit.message.content)
        return cls(
            message=Message.of(hit.message, loaded=loaded),
            conversation=Conversation.of(hit.conversation, loaded=loaded),
            rank=hit.rank,
            snippet="".join(text for text, _ in parts),
            snippet_parts=[SnippetPart(text=text, highlighted=on) for text, on in parts],
        )


@strawberry.type
class SearchResultEdge:
    cursor: str
    node: SearchResult


def _selection(info: Info, name: str) -> list[strawberry.types.nodes.Selection]:
    return [
        selection
        for selected in node_fields(info)
        if selected.name == name
        for selection in fields_of(selected.selections)
    ]


async def _loaded_edges(root: SearchResultConnection, info: Info) -> list[SearchResultEdge]:
    """The page's hits, with what their messages and conversations ask for loaded at once."""
    viewer = await info.context.viewer()
    loaded = Loaded(viewer.user_id)
    hits = root.hits
    if hits:
        messages = [hit.message for hit in hits]
        conversations = list({hit.conversation.id: hit.conversation for hit in hits}.values())
        # Every hit is in a conversation the viewer is in.
        loaded.know(MEMBERSHIP, dict.fromkeys((c.id for c in conversations), True))
        await prefetch(
            info,
            loaded,
            Message,
            messages,
            _selection(info, "message"),
            also=[(Conversation, conversations, _selection(info, "conversation"))],
        )
    return [
        SearchResultEdge(
            cursor=encode_search_cursor(root.offset + index),
            node=SearchResult.of(hit, loaded=loaded),
        )
        for index, hit in enumerate(hits)
    ]


@strawberry.type(description="Search hits, best first.")
class SearchResultConnection:
    hits: Private[list[SearchHit]]
    offset: Private[int]
    edges: list[SearchResultEdge] = strawberry.field(resolver=_loaded_edges)
    page_info: PageInfo

    @classmethod
    def of(cls, page: SearchPage, *, offset: int) -> SearchResultConnection:
        count = len(page.hits)
        return cls(
            hits=page.hits,
            offset=offset,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=offset > 0,
                start_cursor=encode_search_cursor(offset) if count else None,
                end_cursor=encode_search_cursor(offset + count - 1) if count else None,
            ),
        )
