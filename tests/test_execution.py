"""Plain leaf fields completed by ``PlainFieldsExecutor`` answer exactly as graphql-core's own
path does: values, nulls, errors and their paths, aliases, directives."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType

from tidings.graphql.execution import PlainFieldsExecutor, lighten_resolvers, plain_leaf_fields
from tidings.graphql.schema import build_schema


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    count: int
    note: str | None
    colour: Colour
    maybe_colour: Colour | None = None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def path(self, info: strawberry.Info) -> str:
        return f"{info.path.prev.key if info.path.prev else ''}.{info.field_name}"

    @strawberry.field
    def fails(self) -> str | None:
        raise ValueError(f"no value for {self.count}")

    @strawberry.field
    def times(self, factor: int) -> int:
        return self.count * factor

    @strawberry.field
    async def later(self) -> int:
        return self.count


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return [
            Item(name="a", count=1, note=None, colour=Colour.RED),
            # What a bug elsewhere could put in a row: each field must fail alone, as before.
            Item(name=None, count=2, note="n", colour=Colour.BLUE),  # type: ignore[arg-type]
            Item(name="c", count=2**40, note="n", colour=Colour.RED),
            Item(name="d", count=4, note="n", colour="green"),  # type: ignore[arg-type]
            Item(name="e", count=5, note="n", colour=Colour.RED, maybe_colour="x"),  # type: ignore[arg-type]
        ]

    @strawberry.field
    def item(self) -> Item:
        return Item(name=None, count=1, note=None, colour=Colour.RED)  # type: ignore[arg-type]


_DOCUMENTS = [
    "{ items { name count note colour maybeColour shout } }",
    "{ items { count path fails times(factor: 3) later shout } }",
    "{ items { n: name c: count ...F } } fragment F on Item { colour note }",
    "query ($s: Boolean!) { items { name @skip(if: $s) count @include(if: $s) } }",
    "{ items { __typename count } }",
    # A null in a non-null field of a non-null parent: the error nulls the whole response.
    "{ item { count name } }",
]


class _Counting(PlainFieldsExecutor):
    """Counts the fields it completes itself (class-wide: executors are per operation)."""

    completed = 0

    def complete_plain_field(self, *args: Any) -> Any:
        type(self).completed += 1
        return super().complete_plain_field(*args)


def _run(executor: Any, document: str, *, light: bool = False) -> dict[str, Any]:
    schema = strawberry.Schema(query=Query, execution_context_class=executor)
    if light:
        lighten_resolvers(c.implementation for c in schema.schema_converter.type_map.values())
    result = asyncio.run(schema.execute(document, variable_values={"s": True}))
    errors = [(error.message, error.path) for error in result.errors or []]
    return {"data": result.data, "errors": sorted(errors, key=str)}


def _keys(value: Any) -> Any:
    """The response's field names, in order, all the way down (dicts compare unordered)."""
    if isinstance(value, dict):
        return [(key, _keys(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_keys(item) for item in value]
    return None


@pytest.mark.parametrize("document", _DOCUMENTS)
def test_plain_fields_answer_as_graphql_core_does(document: str) -> None:
    general = _run(None, document)
    _Counting.completed = 0
    assert _run(_Counting, document) == general
    assert _run(_Counting, document, light=True) == general
    # The fields come back in the selection's order, plain leaves and the others mixed.
    assert _keys(_run(_Counting, document)["data"]) == _keys(general["data"])
    assert general["data"] is not None or general["errors"]
    assert _Counting.completed > 0  # the plain path answered, not graphql-core's


def test_the_bad_values_are_errors_of_their_own_fields() -> None:
    answer = _run(PlainFieldsExecutor, _DOCUMENTS[0])
    paths = [path for _, path in answer["errors"]]
    assert ["items", 1, "name"] in paths  # null in String!: the item becomes null
    assert ["items", 2, "count"] in paths  # beyond a 32-bit Int
    assert ["items", 3, "colour"] in paths  # not a Colour
    assert ["items", 4, "maybeColour"] in paths
    assert answer["data"]["items"][0] == {
        "name": "a", "count": 1, "note": None, "colour": "RED", "maybeColour": None, "shout": "A",
    }  # fmt: skip


def test_only_plain_resolvers_are_called_directly() -> None:
    schema = strawberry.Schema(query=Query)
    types = [c.implementation for c in schema.schema_converter.type_map.values()]
    item = schema.schema_converter.type_map["Item"].implementation
    assert isinstance(item, GraphQLObjectType)
    wrapped = {name: field.resolve for name, field in item.fields.items()}
    assert lighten_resolvers(types) == 5  # shout, path, fails, and Query.items and .item
    changed = {name for name, field in item.fields.items() if field.resolve is not wrapped[name]}
    # Arguments, async resolvers and plain attributes keep Strawberry's own resolvers.
    assert changed == {"shout", "path", "fails"}


def test_the_schema_completes_its_plain_scalars_itself() -> None:
    schema = build_schema()
    message = schema._schema.type_map["Message"]  # the graphql-core schema
    assert isinstance(message, GraphQLObjectType)
    plain = plain_leaf_fields(message)
    assert {"id", "seq", "content", "createdAt"} <= plain.keys()
    # Fields with a resolver (relations, counts) keep graphql-core's path.
    assert not {"sender", "replyTo", "deliveredCount"} & plain.keys()
