"""Looking ahead at a selection: what a page's fields will ask for, before they do.

``tidings.graphql.prefetch`` walks it to load each relation once for a whole page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from strawberry.types.nodes import SelectedField, Selection

from tidings.graphql.context import Info

__all__ = ["fields_of", "node_fields"]


def node_fields(info: Info) -> list[SelectedField]:
    """What a connection's ``edges { node }`` asks for, seen from its ``edges`` resolver."""
    return [
        selected
        for edges in fields_of(info.selected_fields)
        for edge in fields_of(edges.selections)
        if edge.name == "node"
        for selected in fields_of(edge.selections)
    ]


def fields_of(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection, through fragments, less those ``@skip``/``@include`` drop."""
    for selection in selections:
        if _included(selection.directives):
            if isinstance(selection, SelectedField):
                yield selection
            else:
                yield from fields_of(selection.selections)


def _included(directives: Mapping[str, Mapping[str, Any]]) -> bool:
    skip = directives.get("skip", {}).get("if", False)
    return not skip and bool(directives.get("include", {}).get("if", True))
