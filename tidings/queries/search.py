"""Message search: the viewer's messages matching a query, best first, with an excerpt.

The index is the database's own (migration 0005): a generated ``tsvector`` column with a GIN
index on PostgreSQL (``websearch_to_tsquery``, ``ts_rank``, ``ts_headline``), an FTS5 table on
SQLite (``bm25``, ``snippet``). A search sees what history shows the viewer: every message of
the conversations they are in now (newcomers see a group's whole history), never tombstones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from tidings.domain.search import HIGHLIGHT_END, HIGHLIGHT_START, SearchQuery
from tidings.models import Conversation, Message, Participant

__all__ = ["SearchHit", "SearchPage", "search_messages"]

# The configuration of the generated column: no stemming or stop words, for every language.
_CONFIG = "simple"
# The excerpt: the whole message up to this length, else about this many words around the
# matches, "…" where the message was cut.
_WHOLE_MESSAGE_CHARS = 200
_SNIPPET_WORDS = 24
_MARKS = f'StartSel="{HIGHLIGHT_START}", StopSel="{HIGHLIGHT_END}"'
_HEADLINE_WHOLE = f"{_MARKS}, HighlightAll=true"
_HEADLINE_EXCERPT = (
    f"{_MARKS}, MaxWords={_SNIPPET_WORDS}, MinWords={_SNIPPET_WORDS // 2}, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)

# The columns the ORM does not map (kept by the database; see tidings.models).
_search_vector = sa.literal_column("messages.search_vector", TSVECTOR)
_fts = sa.table("message_search", sa.column("rowid", sa.Integer))


@dataclass(frozen=True, slots=True)
class SearchHit:
    message: Message
    conversation: Conversation
    # Higher is better; the scale is the database's own (ts_rank, or bm25 negated).
    rank: float
    # The excerpt, matches between HIGHLIGHT_START and HIGHLIGHT_END.
    marked_snippet: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[SearchHit]
    has_next_page: bool


async def search_messages(
    session: AsyncSession,
    *,
    viewer_id: uuid.UUID,
    query: SearchQuery,
    conversation_id: uuid.UUID | None = None,
    sender_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
    offset: int = 0,
) -> SearchPage:
    """One page of hits, best first (newer first among equals), from ``offset``.

    One statement. ``since`` is inclusive and ``until`` exclusive (``createdAt``).
    """
    filters: list[sa.ColumnElement[bool]] = [col(Message.deleted_at).is_(None)]
    if conversation_id is not None:
        filters.append(col(Message.conversation_id) == conversation_id)
    if sender_id is not None:
        filters.append(col(Message.sender_id) == sender_id)
    if since is not None:
        filters.append(col(Message.created_at) >= since)
    if until is not None:
        filters.append(col(Message.created_at) < until)
    member = sa.and_(
        col(Participant.conversation_id) == col(Message.conversation_id),
        col(Participant.user_id) == viewer_id,
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = _postgres(query, member, filters, limit + 1, offset)
    else:
        statement = _sqlite(query, member, filters, limit + 1, offset)
    rows = (await session.execute(statement)).all()
    hits = [
        SearchHit(message, conversation, float(rank), _cut(snippet or "", message.content))
        for message, conversation, rank, snippet in rows[:limit]
    ]
    return SearchPage(hits, has_next_page=len(rows) > limit)


def _cut(marked: str, content: str) -> str:
    """``marked`` with "…" where it does not reach the message's start or end (PostgreSQL's
    excerpts do not say; SQLite's already do)."""
    if len(content) <= _WHOLE_MESSAGE_CHARS or marked.startswith("…") or marked.endswith("…"):
        return marked
    fragments = marked.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "").split(" … ")
    starts = content.startswith(fragments[0])
    ends = content.rstrip().endswith(fragments[-1])
    return f"{'' if starts else '… '}{marked}{'' if ends else ' …'}"


def _postgres(
    query: SearchQuery,
    member: sa.ColumnElement[bool],
    filters: list[sa.ColumnElement[bool]],
    limit: int,
    offset: int,
) -> sa.Select[Any]:
    # Ranked in a subquery, so the costly excerpt is made for the page's rows only.
    # The query parsed once, in a CTE joined in (as the raw statement of bench (h) does):
    # an expression would be parsed again for every matching row, and a scalar subquery
    # hides it from the planner, which then ranks the matches without a parallel scan.
    parsed = sa.select(
        sa.func.websearch_to_tsquery(
            sa.literal_column(f"'{_CONFIG}'::regconfig"), query.text
        ).label("tsquery")
    ).cte("parsed")
    tsquery = parsed.c.tsquery
    rank = sa.func.ts_rank(_search_vector, tsquery).label("rank")
    ranked = (
        sa.select(col(Message.id).label("id"), rank)
        .select_from(Message)
        .join(Participant, member)
        .join(parsed, sa.true())
        .where(_search_vector.op("@@")(tsquery), *filters)
        .order_by(rank.desc(), col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
        .offset(offset)
        .subquery("ranked")
    )
    config: sa.ColumnElement[Any] = sa.literal_column(f"'{_CONFIG}'::regconfig")
    content = col(Message.content)
    headline = sa.case(
        (
            sa.func.length(content) <= _WHOLE_MESSAGE_CHARS,
            sa.func.ts_headline(config, content, tsquery, _HEADLINE_WHOLE),
        ),
        else_=sa.func.ts_headline(config, content, tsquery, _HEADLINE_EXCERPT),
    )
    return (
        sa.select(Message, Conversation, ranked.c.rank, headline)
        .join(ranked, ranked.c.id == col(Message.id))
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .join(parsed, sa.true())
        .order_by(ranked.c.rank.desc(), col(Message.created_at).desc(), col(Message.id).desc())
    )


def _sqlite(
    query: SearchQuery,
    member: sa.ColumnElement[bool],
    filters: list[sa.ColumnElement[bool]],
    limit: int,
    offset: int,
) -> sa.Select[Any]:
    rank = (-sa.func.bm25(sa.literal_column("message_search"))).label("rank")
    index: sa.ColumnElement[Any] = sa.literal_column("message_search")
    snippet = sa.case(
        (
            sa.func.length(col(Message.content)) <= _WHOLE_MESSAGE_CHARS,
            sa.func.highlight(index, 0, HIGHLIGHT_START, HIGHLIGHT_END),
        ),
        else_=sa.func.snippet(index, 0, HIGHLIGHT_START, HIGHLIGHT_END, "…", _SNIPPET_WORDS),
    )
    return (
        sa.select(Message, Conversation, rank, snippet)
        .select_from(_fts)
        .join(Message, sa.literal_column("messages.rowid") == _fts.c.rowid)
        .join(Participant, member)
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(sa.literal_column("message_search").op("MATCH")(query.fts5()), *filters)
        .order_by(rank.desc(), col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
        .offset(offset)
    )
