"""How a search query is read (pure: no database): words, phrases, or, -word."""

from __future__ import annotations

import pytest

from tidings.domain.search import HIGHLIGHT_END, HIGHLIGHT_START, clean_search_query, snippet_parts
from tidings.errors import ValidationFailed


@pytest.mark.parametrize(
    ("typed", "fts5"),
    [
        ("lunch", '("lunch")'),
        ("  Lunch  Friday ", '("lunch" AND "friday")'),
        ('"ready now" report', '("ready now" AND "report")'),
        ("pizza or lunch", '("pizza") OR ("lunch")'),
        ("report -ready", '(("report") NOT "ready")'),
        ('report -"is ready"', '(("report") NOT "is ready")'),
        ("e-mail", '("e mail")'),
        ('say "NEAR(a b)" AND *', '("say" AND "near a b" AND "and")'),
        ('unclosed "quote here', '("unclosed" AND "quote here")'),
    ],
)
def test_queries_become_quoted_fts5_expressions(typed: str, fts5: str) -> None:
    assert clean_search_query(typed).fts5() == fts5


@pytest.mark.parametrize("typed", ["", "   ", "-lunch", "!!!", "lunch or -pizza", "x" * 201])
def test_queries_without_a_word_to_find_are_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        clean_search_query(typed)
    assert raised.value.field == "query"


def test_excerpts_split_into_highlighted_runs() -> None:
    marked = f"Anyone up for {HIGHLIGHT_START}Lunch{HIGHLIGHT_END}?"
    assert snippet_parts(marked, "Anyone up for Lunch?") == [
        ("Anyone up for ", False),
        ("Lunch", True),
        ("?", False),
    ]
    adjacent = f"{HIGHLIGHT_START}a{HIGHLIGHT_END}{HIGHLIGHT_START}b{HIGHLIGHT_END}"
    assert snippet_parts(adjacent, "ab") == [("ab", True)]
