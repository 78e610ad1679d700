"""Sharing is safe by construction: every field a subscription can reach says whether its value
depends on who is looking, so a live event is never executed once for viewers who would each
see something different (tidings/realtime/fanout.py)."""

from __future__ import annotations

from graphql import GraphQLObjectType, GraphQLSchema, get_named_type

from tidings.graphql.schema import build_schema
from tidings.realtime.fanout import viewer_dependence

# graphql-core's schema, with the Strawberry fields behind it (no public accessor).
GRAPHQL_SCHEMA = build_schema()._schema


def _reachable_fields(graphql_schema: GraphQLSchema) -> list[tuple[str, str]]:
    """(type, field) of every field reachable from a subscription root field's type."""
    subscription = graphql_schema.subscription_type
    assert subscription is not None
    seen: set[str] = set()
    fields: list[tuple[str, str]] = []
    pending = [get_named_type(field.type) for field in subscription.fields.values()]
    while pending:
        named = pending.pop()
        if not isinstance(named, GraphQLObjectType) or named.name in seen:
            continue
        seen.add(named.name)
        for name, field in named.fields.items():
            fields.append((named.name, name))
            pending.append(get_named_type(field.type))
    return fields


def test_every_field_a_subscription_reaches_is_classified() -> None:
    """A field with a resolver must declare VIEWER_DEPENDENT or SAME_FOR_EVERY_VIEWER; a plain
    attribute is what its parent object was built with, so it follows its parent's resolver."""
    graphql_schema = GRAPHQL_SCHEMA
    unclassified = [
        f"{type_name}.{field_name}"
        for type_name, field_name in _reachable_fields(graphql_schema)
        if viewer_dependence(graphql_schema.get_type(type_name).fields[field_name]) is None  # type: ignore[union-attr]
    ]
    assert unclassified == []


def test_the_walk_reaches_what_live_events_carry() -> None:
    """The walk above would pass over an empty list: it does reach the messages' fields."""
    reached = set(_reachable_fields(GRAPHQL_SCHEMA))
    assert {("Message", "sender"), ("User", "presence"), ("Conversation", "unreadCount")} <= reached
