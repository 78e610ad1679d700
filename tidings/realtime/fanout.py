"""One execution of a subscription event for every local subscriber that asks the same.

A message event reaches every subscriber of its conversation on this instance. Executing the
same selection over the same message for each of them gives the same answer each time, so
the first subscriber to execute an event stores the result on the event's root object
(``SharedResults``), and every other subscriber with the same operation takes it:

- the key is the operation (the parser cache hands every client of one document the same
  parsed operation) and the values of the variables used below the root field (the root
  field's own arguments, such as ``afterSeq``, only choose the events);
- a selection with a field whose value depends on who is looking adds the viewer to the key.
  Every field with a resolver says which it is in its metadata (``VIEWER_DEPENDENT`` or
  ``SAME_FOR_EVERY_VIEWER``; a test holds every field a subscription reaches to it), and a
  field that says neither counts as depending on the viewer. A plain attribute is what its
  object was built with, so it follows the resolver that built the object;
- a result with errors is not shared: each subscriber executes for itself.

Only roots carrying ``SharedResults`` are shared; the subscription resolvers attach them to
live events, never to what a subscriber replays from the database.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    visit,
)
from graphql.language import Node
from graphql.pyutils import Path
from strawberry.schema.schema_converter import GraphQLCoreConverter

from tidings.graphql.execution import PlainFieldsExecutor

__all__ = [
    "SAME_FOR_EVERY_VIEWER",
    "VIEWER_DEPENDENT",
    "SharedResults",
    "SharingExecutor",
    "encode_data",
    "encode_result_frame",
    "sharing_key",
    "subscribing_executor",
    "viewer_dependence",
]

_VIEWER = "tidings.viewer_dependent"
# ``strawberry.field(metadata=VIEWER_DEPENDENT)``: this field's value depends on the viewer.
VIEWER_DEPENDENT = {_VIEWER: True}
# ``strawberry.field(metadata=SAME_FOR_EVERY_VIEWER)``: it does not (given its parent object).
SAME_FOR_EVERY_VIEWER = {_VIEWER: False}


def viewer_dependence(field: GraphQLField) -> bool | None:
    """Whether ``field``'s value depends on the viewer: as declared, False for a plain
    attribute (it follows its parent), None for a resolver that declares nothing."""
    strawberry_field = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    metadata = getattr(strawberry_field, "metadata", None) or {}
    if _VIEWER in metadata:
        return bool(metadata[_VIEWER])
    if getattr(strawberry_field, "base_resolver", None) is None:
        return False
    return None


_Key = tuple[int, str, uuid.UUID | None]

K = TypeVar("K")
V = TypeVar("V")


class _KeptByIdentity(Generic[K, V]):
    """The newest ``kept`` values by the identity of their key (which stays alive with them):
    for objects that are shared rather than equal, such as a parsed operation."""

    def __init__(self, kept: int) -> None:
        self._kept = kept
        self._values: dict[int, tuple[K, V]] = {}

    def get(self, key: K) -> V | None:
        found = self._values.get(id(key))
        return found[1] if found is not None and found[0] is key else None

    def put(self, key: K, value: V) -> None:
        if len(self._values) >= self._kept:
            del self._values[next(iter(self._values))]
        self._values[id(key)] = (key, value)


# The JSON of the newest results sent: a shared result is encoded once for all its sockets.
_encoded = _KeptByIdentity[object, str](kept=64)


@dataclass(slots=True)
class SharedResults:
    """Results of executing one event, by operation, shared by its local subscribers."""

    entries: dict[_Key, tuple[OperationDefinitionNode, asyncio.Future[ExecutionResult | None]]] = (
        field(default_factory=dict)
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an operation's result depends on besides the event."""

    variables: tuple[str, ...]
    per_viewer: bool


class _Variables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.names.add(node.name.value)


class _ViewerFields(Visitor):
    def __init__(self, type_info: TypeInfo, subscription: GraphQLObjectType | None) -> None:
        super().__init__()
        self.type_info = type_info
        self.subscription = subscription
        self.found = False

    def enter_field(self, node: FieldNode, *_: object) -> None:
        definition = self.type_info.get_field_def()
        if definition is None or self.type_info.get_parent_type() is self.subscription:
            return  # the root field is the event itself; who may have it was checked before
        # Undeclared counts as depending on the viewer: sharing is opted into, never assumed.
        if viewer_dependence(definition) is not False:
            self.found = True


def _plan_of(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: list[FragmentDefinitionNode],
) -> _Plan:
    viewer_fields = _ViewerFields(TypeInfo(schema), schema.subscription_type)
    document = DocumentNode(definitions=(operation, *fragments))
    visit(document, TypeInfoVisitor(viewer_fields.type_info, viewer_fields))
    # Variables read below the root field, in fragments, or by directives, change the result.
    variables = _Variables()
    below: list[Node] = [*fragments, *(operation.directives or ())]
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            below.extend(selection.directives or ())
            if selection.selection_set is not None:
                below.append(selection.selection_set)
        else:
            below.append(selection)
    for node in below:
        visit(node, variables)
    return _Plan(tuple(sorted(variables.names)), viewer_fields.found)


_plans = _KeptByIdentity[OperationDefinitionNode, _Plan](kept=1024)


def sharing_key(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: list[FragmentDefinitionNode],
    variables: Mapping[str, object],
    viewer_id: uuid.UUID,
) -> _Key:
    """What an execution of ``operation`` over an event depends on besides the event: the
    operation, the variables used below its root field, and the viewer where it matters."""
    plan = _plans.get(operation)
    if plan is None:
        plan = _plan_of(schema, operation, fragments)
        _plans.put(operation, plan)
    values = json.dumps([variables.get(name) for name in plan.variables], default=str)
    return id(operation), values, viewer_id if plan.per_viewer else None


# The executor of the subscription whose root field is being resolved, for that resolver
# (``tidings.realtime.writer`` executes later events with it, outside Strawberry's stream).
subscribing_executor: ContextVar[SharingExecutor | None] = ContextVar(
    "tidings_subscribing_executor", default=None
)


class SharingExecutor(PlainFieldsExecutor):
    """The schema's executor (plain leaf fields completed directly), executing a shared
    event once per distinct operation."""

    _plan: _Plan | None = None

    def build_resolve_info(
        self,
        field_def: GraphQLField,
        field_nodes: list[FieldNode],
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> GraphQLResolveInfo[Any]:
        if parent_type is self.schema.subscription_type:
            subscribing_executor.set(self)
        return super().build_resolve_info(field_def, field_nodes, parent_type, path)

    def build_per_event_executor(self, payload: Any) -> SharingExecutor:
        if self._plan is None and isinstance(
            getattr(payload, "shared_results", None), SharedResults
        ):
            # Once per subscription, on the executor every per-event copy is made from.
            self._plan = _plans.get(self.operation)
            if self._plan is None:
                self._plan = _plan_of(
                    self.schema, self.operation, list(self.fragment_definitions.values())
                )
                _plans.put(self.operation, self._plan)
        return cast("SharingExecutor", super().build_per_event_executor(payload))

    def execute_operation(self, serially: bool | None = None) -> Any:
        shared = getattr(self.root_value, "shared_results", None)
        if serially is not False or self._plan is None or not isinstance(shared, SharedResults):
            return super().execute_operation(serially)
        return self._execute_shared(shared, self._plan)

    def _key(self, plan: _Plan) -> _Key:
        coerced = self.variable_values.coerced
        values = json.dumps([coerced.get(name) for name in plan.variables], default=str)
        viewer = getattr(self.context_value, "viewer_id", None) if plan.per_viewer else None
        return id(self.operation), values, viewer

    async def _execute_shared(self, shared: SharedResults, plan: _Plan) -> ExecutionResult:
        key = self._key(plan)
        entry = shared.entries.get(key)
        if entry is not None:
            operation, future = entry
            if operation is self.operation:
                # Shielded: a subscriber leaving must not cancel the others' result.
                result = await asyncio.shield(future)
                if result is not None:
                    return result
            return await self._execute()
        future = asyncio.get_running_loop().create_future()
        shared.entries[key] = (self.operation, future)
        try:
            result = await self._execute()
        except BaseException:
            future.set_result(None)
            raise
        future.set_result(None if result.errors else result)
        return result

    async def _execute(self) -> ExecutionResult:
        result = super().execute_operation(False)
        if self.is_awaitable(result):
            result = await cast("Awaitable[ExecutionResult]", result)
        return cast("ExecutionResult", result)


def encode_data(data: object) -> str:
    """The JSON of a result's ``data``, encoded once while the same result is being sent
    (a shared result is one object for every subscriber it goes to)."""
    encoded = _encoded.get(data)
    if encoded is None:
        encoded = json.dumps(data, separators=(",", ":"), default=str)
        _encoded.put(data, encoded)
    return encoded


def encode_result_frame(message: Mapping[str, object]) -> str | None:
    """The JSON of a ``next`` (or legacy ``data``) frame carrying only data, its data encoded
    once however many sockets it is sent to; None for any other frame."""
    payload = message.get("payload")
    if message.get("type") not in {"next", "data"} or not isinstance(payload, dict):
        return None
    if payload.keys() != {"data"}:
        return None
    encoded = encode_data(payload["data"])
    frame_id = json.dumps(message["id"])
    return f'{{"id":{frame_id},"type":"{message["type"]}","payload":{{"data":{encoded}}}}}'
