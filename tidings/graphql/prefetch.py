"""Prefetching: each relation field says once what it needs loaded, and a page loads that once
for all its items.

A field that follows a relation is declared with ``@needs``: which per-request DataLoader it
reads, at which key of its object's row, and whether the users named in what it loads are
needed too. Its body is synchronous and answers from a ``Loaded``::

    @strawberry.field(graphql_type=User)
    @needs(USER(lambda conversation: conversation.created_by_id))
    def created_by(self, info: Info, loaded: Loaded) -> User:
        return User.of(loaded.user(self.model.created_by_id))

A page (the inbox, a history page) calls ``prefetch`` with its rows and the selection of its
``edges { node }``: it walks the selection, fragments and directives included, batches each
declared need for every item (one DataLoader call per kind, then the same for the objects those
bring, as ``participants { user }``), loads every user named anywhere once at the end, and
hands the items one ``Loaded``. Their fields then answer at once: a page of 100 costs
graphql-core no coroutine or task per item and field. An object off a page (one conversation,
a mutation's result, a live event's message) has nothing loaded: its field runs the same walk
for itself and its own selection, through the same DataLoaders, which batch siblings.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition
from strawberry.types.nodes import SelectedField, Selection

from tidings.graphql.context import Info
from tidings.graphql.loaded import USER, Kind, Loaded, Need
from tidings.graphql.loaders import load_all
from tidings.graphql.lookahead import fields_of

__all__ = ["needs", "prefetch"]

_T = TypeVar("_T")


class _Object(Protocol):
    """A GraphQL object whose fields are declared with ``@needs``."""

    model: Any
    loaded: Loaded | None


Answer = Callable[[Any, Info, Loaded], _T]


@dataclass(frozen=True, eq=False, slots=True)  # hashed by identity: a dict key per page
class _Relation:
    needs: tuple[Need, ...]
    answer: Answer[Any]

    async def load_and_answer(self, obj: _Object, info: Info) -> Any:
        """Off a page: the same walk for this object and this field's selection."""
        viewer = await info.context.viewer()
        loaded = Loaded(viewer.user_id)
        await prefetch(info, loaded, type(obj), [obj.model], info.selected_fields)
        return self.answer(obj, info, loaded)


_RELATIONS: dict[Any, _Relation] = {}  # by the resolver ``needs`` makes


def needs(
    *declared: Need, known: Callable[[Any], Any] | None = None
) -> Callable[[Answer[_T]], Callable[[Any, Info], _T | Awaitable[_T]]]:
    """Declare what a field needs loaded; its body answers from a ``Loaded``.

    ``known``: a value that came with the object (a live message's sender), used as it is.
    """

    def declare(answer: Answer[_T]) -> Callable[[Any, Info], _T | Awaitable[_T]]:
        relation = _Relation(declared, answer)

        def resolve(self: Any, info: Info) -> Any:
            loaded = self.loaded
            if loaded is not None and (
                loaded.walked(relation, self.model) or loaded.has(declared, self.model)
            ):
                return answer(self, info, loaded)
            return relation.load_and_answer(self, info)

        if known is not None:
            plain = resolve

            def resolve(self: Any, info: Info) -> Any:
                value = known(self)
                return value if value is not None else plain(self, info)

        resolve.__name__ = resolve.__qualname__ = answer.__name__
        resolve.__doc__ = answer.__doc__
        _RELATIONS[resolve] = relation
        return resolve

    return declare


@dataclass(frozen=True, slots=True)
class _Field:
    relation: _Relation
    # The field's object type when it has declared fields of its own (walked below).
    nested: type | None


_FIELDS: dict[type, dict[str, _Field]] = {}


def _fields(info: Info, cls: type) -> dict[str, _Field]:
    """The declared fields of a GraphQL type, by GraphQL name (read once per type)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = {}
        converter = info.schema.config.name_converter
        for field in get_object_definition(cls, strict=True).fields:
            resolver = field.base_resolver
            relation = _RELATIONS.get(resolver.wrapped_func) if resolver is not None else None
            if relation is not None:
                found[converter.get_graphql_name(field)] = _Field(
                    relation, _object_type(field.type)
                )
        _FIELDS[cls] = found
    return found


def _object_type(annotation: Any) -> type | None:
    while isinstance(annotation, StrawberryList | StrawberryOptional):
        annotation = annotation.of_type
    if not isinstance(annotation, type) or get_object_definition(annotation) is None:
        return None
    has_relations = any(
        field.base_resolver is not None and field.base_resolver.wrapped_func in _RELATIONS
        for field in get_object_definition(annotation, strict=True).fields
    )
    return annotation if has_relations else None


async def prefetch(
    info: Info,
    loaded: Loaded,
    cls: type,
    rows: list[Any],
    selection: Iterable[Selection],
    *,
    also: Iterable[tuple[type, list[Any], Iterable[Selection]]] = (),
) -> None:
    """Load into ``loaded`` what ``selection`` of ``cls`` needs for each of ``rows``, and
    what each of ``also`` (more rows of other types, as a search hit's message and
    conversation) needs, in the same walk.

    Level by level: every need of the level at once, one DataLoader call per kind; then the
    rows those brought (participants, messages) with their own selections. Users last, once:
    every level may name more.
    """
    loaders = await info.context.loaders()
    users: set[uuid.UUID] = set()
    level: list[tuple[type, list[Any], list[Selection]]] = [
        (cls, rows, list(selection)),
        *((other, other_rows, list(chosen)) for other, other_rows, chosen in also),
    ]
    walked: list[tuple[_Relation, list[Any]]] = []
    while level:
        wanted: dict[Kind, dict[Hashable, Any]] = defaultdict(dict)
        asked: list[tuple[Need, list[Any], _Field, SelectedField]] = []
        for owner, owner_rows, fields in level:
            declared = _fields(info, owner)
            seen: set[Need] = set()  # status and the three counts need the same
            for selected in fields_of(fields):
                field = declared.get(selected.name)
                if field is None:
                    continue
                walked.append((field.relation, owner_rows))
                for need in field.relation.needs:
                    nested = field.nested if need.kind.nests else None
                    if need.with_users or nested is not None:
                        asked.append((need, owner_rows, field, selected))
                    if need in seen:
                        continue
                    seen.add(need)
                    for row in owner_rows:
                        key = need.key(row)
                        if key is None:
                            continue
                        if need.kind is USER:
                            users.add(key)
                        elif not loaded.holds(need.kind, key):
                            stored = key if need.kind.store is None else need.kind.store(key)
                            wanted[need.kind][stored] = key
        if wanted:
            await loaded.load(loaders, {kind: list(keys.values()) for kind, keys in wanted.items()})
        level = []
        for need, owner_rows, field, selected in asked:
            nested = field.nested if need.kind.nests else None
            below: list[Any] = []
            for row in owner_rows:
                key = need.key(row)
                if key is None:
                    continue
                value = loaded.value(need.kind, key)
                if need.with_users:
                    # The viewer's too: a title falls back to the viewer's own name.
                    users.add(loaded.viewer_id)
                    users.update(need.kind.users_in(value))
                if nested is not None:
                    below.extend(
                        value if isinstance(value, list) else [] if value is None else [value]
                    )
            if below and nested is not None:
                level.append((nested, below, list(selected.selections)))
    missing = [user_id for user_id in users if user_id not in loaded.users]
    if missing:
        loaded.users.update(zip(missing, await load_all(loaders.users, missing), strict=True))
    for relation, walked_rows in walked:
        loaded.mark(relation, walked_rows)
