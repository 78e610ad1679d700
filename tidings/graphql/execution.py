"""graphql-core's executor, with plain leaf fields completed without the general machinery.

Most of a page's fields are plain attributes holding a scalar or an enum (``id``, ``seq``,
``content``, ``createdAt``, a participant's ``role``). For each of them graphql-core builds a
resolve info, looks at the field's arguments, calls Strawberry's attribute resolver and walks
the value-completion cases: a few microseconds a field, on pages of thousands of fields.

For a field that Strawberry itself resolves as a plain attribute (no resolver, no field
extensions, no arguments) with a leaf type, ``PlainFieldsExecutor`` reads the attribute and
coerces it as ``complete_leaf_value`` does, with the same errors: null in a non-null field,
a value the scalar cannot represent. It does so for all of an object's plain leaves in one
loop, before handing the other fields to graphql-core (no ``Path`` per field, no call per
field through ``execute_field``), and returns them in the selection's order. Every other
field, and every field when middleware is installed, takes graphql-core's own path.

``lighten_resolvers`` does the same for Strawberry's side of a field with a resolver: a
synchronous resolver that takes only ``self`` (and ``info``), with no arguments and no field
extensions, is called directly, without Strawberry's per-call argument conversion and
extension chain (which have nothing to do for it). graphql-core still builds its resolve
info, completes the value and reports errors as for any field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    Undefined,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import CollectedFields, collect_subfields
from graphql.pyutils import Path, inspect
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

__all__ = ["PlainFieldsExecutor", "lighten_resolvers", "plain_leaf_fields"]


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A plain attribute of a leaf type: where to read it and how to coerce it."""

    attribute: str
    type: GraphQLLeafType
    non_null: bool
    declared: GraphQLOutputType


def _leaf(field: GraphQLField) -> _Leaf | None:
    declared = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(declared, StrawberryField) or not declared.is_basic_field or field.args:
        return None
    # Strawberry marks the resolver it installs for a plain attribute; anything else (a
    # field with exception handlers, a future wrapper) keeps the general path.
    if not getattr(field.resolve, "_is_default", False):
        return None
    inner = field.type
    non_null = is_non_null_type(inner)
    if non_null:
        inner = inner.of_type  # type: ignore[union-attr]  # a non-null wraps a type
    if not is_leaf_type(inner):
        return None
    return _Leaf(declared.python_name, inner, non_null, field.type)


def _light(field: GraphQLField) -> Callable[..., Any] | None:
    """A direct call of ``field``'s resolver, where Strawberry's wrapper has nothing to do."""
    declared = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(declared, StrawberryField) or declared.extensions or field.args:
        return None
    resolver = declared.base_resolver
    if resolver is None or resolver.is_async or declared.arguments:
        return None
    parameters = [p.name for p in resolver.signature.parameters.values()]
    if resolver.self_parameter is None or parameters[0] != resolver.self_parameter.name:
        return None
    wrapped = resolver.wrapped_func
    if isinstance(wrapped, staticmethod | classmethod) or not callable(wrapped):
        return None
    call: Callable[..., Any] = wrapped
    if parameters == [resolver.self_parameter.name]:
        return lambda source, _info: call(source)
    info = resolver.info_parameter
    if info is None or parameters != [resolver.self_parameter.name, info.name]:
        return None

    def resolve(source: Any, raw: GraphQLResolveInfo[Any]) -> Any:
        return call(source, Info(_raw_info=raw, _field=declared))

    return resolve


def lighten_resolvers(types: Iterable[object]) -> int:
    """Give every field of ``types`` that qualifies (module docstring) the direct call of
    its resolver; how many did. The schema must have no Strawberry exception handlers (they
    run in the wrapper this skips); Tidings' schema has none."""
    lightened = 0
    for named in types:
        if not isinstance(named, GraphQLObjectType):
            continue
        for field in named.fields.values():
            light = _light(field)
            if light is not None:
                field.resolve = light
                lightened += 1
    return lightened


# Per object type of a schema (the types die with their schema).
_LEAVES: WeakKeyDictionary[GraphQLObjectType, dict[str, _Leaf]] = WeakKeyDictionary()


def plain_leaf_fields(parent_type: GraphQLObjectType) -> dict[str, _Leaf]:
    """The fields of ``parent_type`` this executor completes itself, by name."""
    found = _LEAVES.get(parent_type)
    if found is None:
        found = {}
        for name, field in parent_type.fields.items():
            leaf = _leaf(field)
            if leaf is not None:
                found[name] = leaf
        _LEAVES[parent_type] = found
    return found


# A selection set split for ``PlainFieldsExecutor.execute_fields``: the set itself (kept
# alive, as its id is the key), its type, its plain leaves in order with their response
# names, and the other fields as a selection set of their own (None when there are none).
_Split = tuple[
    dict[str, Any], GraphQLObjectType, list[tuple[str, _Leaf, Any]], dict[str, Any] | None
]


class PlainFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor; plain leaf attributes skip the general field path.

    ``execute_fields`` completes an object's plain leaves in one loop, without a
    ``Path`` per field unless one fails, and hands the others to graphql-core's
    ``execute_fields``; the response keeps the selection's order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per selection set (graphql-core memoizes them per execution, so their identity is
        # stable), how it splits into plain leaves and the rest.
        self._splits: dict[int, _Split] = {}
        self._subfields: dict[tuple[GraphQLObjectType, int], tuple[Any, CollectedFields]] = {}

    def build_per_event_executor(self, payload: Any) -> PlainFieldsExecutor:
        """A subscription's copy for one event, with caches of its own.

        graphql-core's copy shares the subscription's memo of collected subfields, keyed by
        the identity of the field lists it collects from. Each event collects its root
        fields afresh, into new lists, so every event executed added entries that lived as
        long as the subscription: memory growing with every message a socket was sent
        (``tests/test_subscription_memory.py``). Here each event's memos die with it."""
        executor = cast("PlainFieldsExecutor", super().build_per_event_executor(payload))
        executor._splits = {}
        executor._subfields = {}
        return executor

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: Any
    ) -> CollectedFields:
        """graphql-core's memoized ``collect_subfields``, with this executor's own memo
        (``build_per_event_executor``)."""
        key = (return_type, id(field_details_list))
        cached = self._subfields.get(key)
        if cached is not None and cached[0] is field_details_list:
            return cached[1]
        collected = collect_subfields(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            return_type,
            field_details_list,
            self.hide_suggestions,
        )
        # The list stays alive with its entry, so its id is not reused while it is cached.
        self._subfields[key] = (field_details_list, collected)
        return collected

    def _split(self, parent_type: GraphQLObjectType, grouped: dict[str, Any]) -> _Split:
        found = self._splits.get(id(grouped))
        if found is not None and found[0] is grouped and found[1] is parent_type:
            return found
        plain = plain_leaf_fields(parent_type)
        leaves: list[tuple[str, _Leaf, Any]] = []
        rest: dict[str, Any] = {}
        for name, field_details_list in grouped.items():
            leaf = plain.get(field_details_list[0].node.name.value)
            if leaf is None:
                rest[name] = field_details_list
            else:
                leaves.append((name, leaf, field_details_list))
        found = (grouped, parent_type, leaves, rest or None)
        self._splits[id(grouped)] = found
        return found

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        # Strawberry installs a manager on every execution; it matters only when it holds
        # middleware (a schema extension that resolves fields).
        middleware = self.middleware_manager
        _, _, leaves, rest = self._split(parent_type, grouped_field_set)
        if not leaves or (middleware is not None and middleware.middlewares):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        complete = self.complete_plain_field
        values = {
            name: complete(leaf, parent_type, source_value, field_details_list, path, name)
            for name, leaf, field_details_list in leaves
        }
        if rest is None:
            return values
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if isinstance(others, dict):
            return _in_order(grouped_field_set, values, others)

        async def merged() -> dict[str, Any]:
            return _in_order(grouped_field_set, values, await others)

        return merged()

    def complete_plain_field(
        self,
        leaf: _Leaf,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        parent_path: Path | None,
        name: str,
    ) -> Any:
        """``execute_field`` and ``complete_value`` for a plain leaf attribute, whose path is
        ``parent_path`` and its response ``name`` (built only for an error)."""
        try:
            value = getattr(source, leaf.attribute)
            if isinstance(value, Exception):
                raise value
            if value is None or value is Undefined:
                if leaf.non_null:
                    field = field_details_list[0].node.name.value
                    msg = f"Cannot return null for non-nullable field {parent_type}.{field}."
                    raise TypeError(msg)
                return None
            coerced = leaf.type.coerce_output_value(value)
            if coerced is Undefined or coerced is None:
                msg = (
                    f"Expected `{inspect(leaf.type)}.coerce_output_value("
                    f"{inspect(value)})` to return non-nullable value, returned:"
                    f" {inspect(coerced)}"
                )
                raise TypeError(msg)
        except Exception as raw_error:
            path = Path(parent_path, name, parent_type.name)
            self.handle_field_error(raw_error, leaf.declared, field_details_list, path)
            return None
        return coerced


def _in_order(
    grouped: dict[str, Any], values: dict[str, Any], others: dict[str, Any]
) -> dict[str, Any]:
    """The fields' results in the selection's order (a field graphql-core skipped, as it
    skips an unknown one, stays out)."""
    return {
        name: values[name] if name in values else others[name]
        for name in grouped
        if name in values or name in others
    }
