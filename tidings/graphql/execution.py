"""graphql-core's executor, with plain leaf fields completed without the general machinery.

Most of a page's fields are plain attributes holding a scalar or an enum (``id``, ``seq``,
``content``, ``createdAt``, a participant's ``role``). For each of them graphql-core builds a
resolve info, looks at the field's arguments, calls Strawberry's attribute resolver and walks
the value-completion cases: a few microseconds a field, on pages of thousands of fields.

For a field that Strawberry itself resolves as a plain attribute (no resolver, no field
extensions, no arguments) with a leaf type, ``PlainFieldsExecutor`` reads the attribute and
coerces it as ``complete_leaf_value`` does, with the same errors: null in a non-null field,
a value the scalar cannot represent. Every other field, and every field when middleware is
installed, takes graphql-core's own path.

``lighten_resolvers`` does the same for Strawberry's side of a field with a resolver: a
synchronous resolver that takes only ``self`` (and ``info``), with no arguments and no field
extensions, is called directly, without Strawberry's per-call argument conversion and
extension chain (which have nothing to do for it). graphql-core still builds its resolve
info, completes the value and reports errors as for any field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
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


class PlainFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor; plain leaf attributes skip the general field path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ``plain_leaf_fields`` per type, for this execution: a dict lookup per field rather
        # than a weak one (which builds a weak reference each time: 2 % of an inbox).
        self._leaves: dict[GraphQLObjectType, dict[str, _Leaf]] = {}

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        leaves = self._leaves.get(parent_type)
        if leaves is None:
            leaves = self._leaves[parent_type] = plain_leaf_fields(parent_type)
        leaf = leaves.get(field_details_list[0].node.name.value)
        # Strawberry installs a manager on every execution; it matters only when it holds
        # middleware (a schema extension that resolves fields).
        middleware = self.middleware_manager
        if leaf is None or (middleware is not None and middleware.middlewares):
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        return self.complete_plain_field(leaf, parent_type, source, field_details_list, path)

    def complete_plain_field(
        self,
        leaf: _Leaf,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
    ) -> Any:
        """``execute_field`` and ``complete_value`` for a plain leaf attribute."""
        try:
            value = getattr(source, leaf.attribute)
            if isinstance(value, Exception):
                raise value
            if value is None or value is Undefined:
                if leaf.non_null:
                    name = field_details_list[0].node.name.value
                    msg = f"Cannot return null for non-nullable field {parent_type}.{name}."
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
            self.handle_field_error(raw_error, leaf.declared, field_details_list, path)
            return None
        return coerced
