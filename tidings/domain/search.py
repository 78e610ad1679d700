"""What a message search asks for, and how its highlighted excerpt reads.

A search query is web-search syntax, as PostgreSQL's ``websearch_to_tsquery`` reads it: words
(all of them must match), ``"quoted phrases"``, ``or`` between alternatives, and ``-word`` to
leave out messages with a word. It is parsed here once, so both databases agree on what is
valid: PostgreSQL gets the text as typed, SQLite an FTS5 expression built from the parse
(quoted, so nothing a user types is FTS5 syntax).

Excerpts come from the database with the matches between two private-use marker characters;
``snippet_parts`` turns them into plain text runs, highlighted or not, so a client renders
them as text and never as markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tidings.errors import ValidationFailed

__all__ = [
    "HIGHLIGHT_END",
    "HIGHLIGHT_START",
    "MAX_QUERY_CHARS",
    "SearchQuery",
    "clean_search_query",
    "snippet_parts",
]

MAX_QUERY_CHARS = 200
# Private-use code points: they mean nothing in text, so a message almost never holds them
# (one that does gets an excerpt without highlights rather than wrong ones).
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_END = "\ue001"

_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")  # letters and digits: FTS5 and PostgreSQL split at "_" too


@dataclass(frozen=True, slots=True)
class _Term:
    words: tuple[str, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A valid query: the text as typed (trimmed), and its alternatives of terms."""

    text: str
    alternatives: tuple[tuple[_Term, ...], ...]

    def fts5(self) -> str:
        """The query as an FTS5 expression: each term a quoted phrase of its words."""

        def phrase(term: _Term) -> str:
            return '"' + " ".join(term.words) + '"'

        rendered = []
        for terms in self.alternatives:
            expression = " AND ".join(phrase(term) for term in terms if not term.negated)
            for term in terms:
                if term.negated:
                    expression = f"({expression}) NOT {phrase(term)}"
            rendered.append(f"({expression})")
        return " OR ".join(rendered)


def clean_search_query(value: str, field: str = "query") -> SearchQuery:
    """Trim and parse a query; ``VALIDATION_ERROR`` when it is empty, longer than 200
    characters, or has an alternative with no word to look for (``-lunch`` alone)."""
    text = value.strip()
    if not text:
        raise ValidationFailed(field, "Type something to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationFailed(field, f"A search is at most {MAX_QUERY_CHARS} characters")
    alternatives: list[list[_Term]] = [[]]
    for match in _TERM.finditer(text):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            alternatives.append([])
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = tuple(word.lower() for word in _WORD.findall(quoted if bare is None else bare))
        if words:
            alternatives[-1].append(_Term(words, negated=bool(negated)))
    kept = [terms for terms in alternatives if terms]
    if not kept or any(all(term.negated for term in terms) for terms in kept):
        raise ValidationFailed(field, "Give at least one word to search for")
    return SearchQuery(text, tuple(tuple(terms) for terms in kept))


def snippet_parts(marked: str, content: str) -> list[tuple[str, bool]]:
    """The excerpt ``marked`` as (text, highlighted) runs, in order; adjacent runs differ.

    A message whose own text holds a marker character gets its excerpt unhighlighted.
    """
    if HIGHLIGHT_START in content or HIGHLIGHT_END in content:
        plain = marked.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")
        return [(plain, False)] if plain else []
    parts: list[tuple[str, bool]] = []
    for piece in re.split(f"({HIGHLIGHT_START}[^{HIGHLIGHT_END}]*{HIGHLIGHT_END})", marked):
        highlighted = piece.startswith(HIGHLIGHT_START)
        text = piece.strip(HIGHLIGHT_START + HIGHLIGHT_END)
        if not text:
            continue
        if parts and parts[-1][1] == highlighted:
            parts[-1] = (parts[-1][0] + text, highlighted)
        else:
            parts.append((text, highlighted))
    return parts
