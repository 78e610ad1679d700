"""Reactions: one emoji's reactions to a message, as every participant sees them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

import strawberry
from strawberry import Private

from tidings.domain.reactions import SHOWN_REACTORS
from tidings.errors import ValidationFailed
from tidings.graphql.context import Info
from tidings.graphql.types.users import User
from tidings.queries import ReactionGroup
from tidings.realtime.fanout import SAME_FOR_EVERY_VIEWER, VIEWER_DEPENDENT

__all__ = ["Reaction", "reactions_of"]


@strawberry.type(description="Everyone who reacted to a message with one emoji.")
class Reaction:
    emoji: str
    count: int
    reactor_ids: Private[frozenset[uuid.UUID]]
    # The first reactors, first to react first.
    shown: Private[list[User]]

    @strawberry.field(
        metadata=VIEWER_DEPENDENT, description="Whether the viewer is one of the reactors."
    )
    async def reacted_by_viewer(self, info: Info) -> bool:
        viewer = await info.context.viewer()
        return viewer.user_id in self.reactor_ids

    @strawberry.field(
        metadata=SAME_FOR_EVERY_VIEWER,
        description=f"The first reactors, first to react first (at most {SHOWN_REACTORS}); "
        "count says how many there are in all.",
    )
    def users(self, first: int = 10) -> list[User]:
        if not 0 <= first <= SHOWN_REACTORS:
            raise ValidationFailed("first", f"first must be between 0 and {SHOWN_REACTORS}")
        return self.shown[:first]


def reactions_of(
    groups: Iterable[ReactionGroup], user: Callable[[uuid.UUID], User | None]
) -> list[Reaction]:
    """The GraphQL reactions of a message's groups; ``user`` shows a reactor (None: gone)."""
    reactions = []
    for group in groups:
        shown = [user(uid) for uid in group.user_ids[:SHOWN_REACTORS]]
        reactions.append(
            Reaction(
                emoji=group.emoji,
                count=len(group.user_ids),
                reactor_ids=frozenset(group.user_ids),
                shown=[u for u in shown if u is not None],
            )
        )
    return reactions
