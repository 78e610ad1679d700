"""What relation fields need, and what was loaded for them: the vocabulary of prefetching.

A ``Kind`` is one thing fields load through a per-request DataLoader (participants, a last
message, counts...). A field's ``Need`` is a kind at a key of its object's row. A ``Loaded``
holds what was loaded, for a page or for one object, and the fields read it through its
typed methods. ``tidings.graphql.prefetch`` declares the needs on fields and does the loading.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from strawberry.dataloader import DataLoader

from tidings import models
from tidings.domain.conversation_state import ViewerState
from tidings.domain.reactions import SHOWN_REACTORS
from tidings.domain.receipts import MessageCounts
from tidings.graphql.loaders import Loaders, load_all
from tidings.queries import ParticipantRow, ReactionGroup, UserRow

__all__ = [
    "COUNTS",
    "LAST_MESSAGE",
    "MEMBERSHIP",
    "MENTIONS",
    "MESSAGE",
    "PARTICIPANTS",
    "REACTIONS",
    "READERS",
    "UNREAD_COUNT",
    "UNREAD_MENTIONS",
    "USER",
    "VIEWER_STATE",
    "Key",
    "Kind",
    "Loaded",
    "Need",
]

Key = Callable[[Any], Any]  # an object's row -> the key it needs (None: nothing to load)


def _no_users(_: Any) -> Iterable[uuid.UUID]:
    return ()


@dataclass(frozen=True, eq=False, slots=True)
class Kind:
    """One kind of thing fields load: which DataLoader, and which users a value names."""

    name: str
    loader: Callable[[Loaders], DataLoader[Any, Any]]
    users_in: Callable[[Any], Iterable[uuid.UUID]] = _no_users
    # How a loaded value is kept (the viewer's membership is kept as a flag, for one).
    keep: Callable[[Any, uuid.UUID], Any] | None = None
    # Its values are rows of another type whose own fields may need more (walked below).
    nests: bool = False
    # How a key is kept (a message row is kept by its id).
    store: Callable[[Any], Hashable] | None = None

    def __call__(self, key: Key, *, with_users: bool = False) -> Need:
        return Need(self, key, with_users)


@dataclass(frozen=True, slots=True)
class Need:
    """What a field needs: ``kind`` at ``key(row)``, and with ``with_users`` the users its
    value names."""

    kind: Kind
    key: Key
    with_users: bool = False


def _participant_users(participants: list[ParticipantRow]) -> Iterable[uuid.UUID]:
    return (p.user_id for p in participants)


def _reader_users(reads: list[tuple[uuid.UUID, datetime]]) -> Iterable[uuid.UUID]:
    return (user_id for user_id, _ in reads)


def _reactors_shown(groups: list[ReactionGroup]) -> Iterable[uuid.UUID]:
    return (user_id for group in groups for user_id in group.user_ids[:SHOWN_REACTORS])


def _mentioned_users(user_ids: list[uuid.UUID]) -> Iterable[uuid.UUID]:
    return user_ids


def _is_member(participants: list[ParticipantRow], viewer_id: uuid.UUID) -> bool:
    return any(p.user_id == viewer_id for p in participants)


def _message_id(message: models.Message) -> Hashable:
    return message.id


# Users are loaded once, last, for the whole walk: anything loaded before may name more.
USER = Kind("user", lambda loaders: loaders.users)
PARTICIPANTS = Kind(
    "participants", lambda loaders: loaders.participants, _participant_users, nests=True
)
# Whether the viewer is a participant: read with the participants, kept as a flag.
MEMBERSHIP = Kind("membership", lambda loaders: loaders.participants, keep=_is_member)
LAST_MESSAGE = Kind("last_message", lambda loaders: loaders.last_messages, nests=True)
UNREAD_COUNT = Kind("unread_count", lambda loaders: loaders.unread_counts)
MESSAGE = Kind("message", lambda loaders: loaders.messages, nests=True)
COUNTS = Kind("counts", lambda loaders: loaders.counts, store=_message_id)
READERS = Kind("readers", lambda loaders: loaders.readers, _reader_users)
REACTIONS = Kind("reactions", lambda loaders: loaders.reactions, _reactors_shown)
MENTIONS = Kind("mentions", lambda loaders: loaders.mentions, _mentioned_users)
UNREAD_MENTIONS = Kind("unread_mentions", lambda loaders: loaders.unread_mention_counts)
# The viewer's own mute, archive and pin (None where the viewer is not a participant).
VIEWER_STATE = Kind("viewer_state", lambda loaders: loaders.viewer_states)


class Loaded:
    """What was loaded for a page (or one object off a page), by kind and key, and every user
    its fields named (with participants' or readers' users, the viewer's too). Fields read it
    through the typed methods; ``prefetch`` fills it."""

    __slots__ = ("_values", "_walked", "shown", "users", "viewer_id")

    def __init__(self, viewer_id: uuid.UUID) -> None:
        self.viewer_id = viewer_id
        self.users: dict[uuid.UUID, UserRow | None] = {}
        self._values: dict[Kind, dict[Hashable, Any]] = defaultdict(dict)
        # Per declaration, the rows (by identity: this holds them) a walk loaded it for.
        self._walked: dict[Hashable, set[int]] = defaultdict(set)
        # What fields made of loaded rows, made once for the page (a sender on every message).
        self.shown: dict[Hashable, Any] = {}

    def mark(self, declaration: Hashable, rows: Iterable[Any]) -> None:
        """``declaration``'s needs are loaded for ``rows`` (what ``walked`` answers)."""
        self._walked[declaration].update(map(id, rows))

    def walked(self, declaration: Hashable, row: Any) -> bool:
        """Whether a walk loaded ``declaration``'s needs for ``row``: one set lookup, the
        price of a field on a page."""
        return id(row) in self._walked.get(declaration, ())

    def know(self, kind: Kind, values: Mapping[Any, Any]) -> None:
        """Values known without loading (the inbox knows the viewer is in each conversation)."""
        self._values[kind].update(values)

    def has(self, needs: tuple[Need, ...], row: Any) -> bool:
        """Whether everything ``needs`` names for ``row`` is here (values known beforehand,
        as a departed conversation's, included)."""
        for need in needs:
            key = need.key(row)
            if key is None:
                continue
            kind = need.kind
            if kind is USER:
                if key not in self.users:
                    return False
                continue
            if not self.holds(kind, key):
                return False
            if need.with_users:
                named = kind.users_in(self.value(kind, key))
                if any(user_id not in self.users for user_id in named):
                    return False
        return True

    def holds(self, kind: Kind, key: Any) -> bool:
        values = self._values.get(kind)
        return values is not None and (key if kind.store is None else kind.store(key)) in values

    def value(self, kind: Kind, key: Any) -> Any:
        return self._values[kind][key if kind.store is None else kind.store(key)]

    async def load(self, loaders: Loaders, wanted: Mapping[Kind, list[Any]]) -> None:
        """One statement per DataLoader, all at once: kinds that read the same loader
        (participants, and the viewer's membership) load together."""
        by_loader: dict[DataLoader[Any, Any], list[tuple[Kind, list[Any]]]] = {}
        for kind, keys in wanted.items():
            by_loader.setdefault(kind.loader(loaders), []).append((kind, keys))
        results = await asyncio.gather(
            *(
                load_all(loader, [key for _, keys in kinds for key in keys])
                for loader, kinds in by_loader.items()
            )
        )
        for kinds, values in zip(by_loader.values(), results, strict=True):
            answers = iter(values)  # in the order the kinds' keys were asked
            for kind, keys in kinds:
                kept = self._values[kind]
                for key in keys:
                    stored = key if kind.store is None else kind.store(key)
                    value = next(answers)
                    kept[stored] = value if kind.keep is None else kind.keep(value, self.viewer_id)

    def user(self, user_id: uuid.UUID) -> UserRow:
        user = self.users[user_id]
        assert user is not None, "foreign keys keep every referenced user"
        return user

    def participants(self, conversation_id: uuid.UUID) -> list[ParticipantRow]:
        participants: list[ParticipantRow] = self.value(PARTICIPANTS, conversation_id)
        return participants

    def is_member(self, conversation_id: uuid.UUID) -> bool:
        return bool(self.value(MEMBERSHIP, conversation_id))

    def last_message(self, conversation_id: uuid.UUID) -> models.Message | None:
        message: models.Message | None = self.value(LAST_MESSAGE, conversation_id)
        return message

    def unread_count(self, conversation_id: uuid.UUID) -> int:
        return int(self.value(UNREAD_COUNT, conversation_id))

    def viewer_state(self, conversation_id: uuid.UUID) -> ViewerState | None:
        state: ViewerState | None = self.value(VIEWER_STATE, conversation_id)
        return state

    def message(self, message_id: uuid.UUID) -> models.Message | None:
        message: models.Message | None = self.value(MESSAGE, message_id)
        return message

    def counts(self, message: models.Message) -> MessageCounts:
        counts: MessageCounts = self.value(COUNTS, message)
        return counts

    def mentions(self, message_id: uuid.UUID) -> list[uuid.UUID]:
        user_ids: list[uuid.UUID] = self.value(MENTIONS, message_id)
        return user_ids

    def unread_mentions(self, conversation_id: uuid.UUID) -> int:
        return int(self.value(UNREAD_MENTIONS, conversation_id))

    def reactions(self, message_id: uuid.UUID) -> list[ReactionGroup]:
        groups: list[ReactionGroup] = self.value(REACTIONS, message_id)
        return groups

    def readers(
        self, key: tuple[uuid.UUID, int, uuid.UUID, datetime]
    ) -> list[tuple[uuid.UUID, datetime]]:
        reads: list[tuple[uuid.UUID, datetime]] = self.value(READERS, key)
        return reads
