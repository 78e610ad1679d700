"""The viewer's own view of a conversation (mute, archive, pin), and the inbox's filter."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tidings.domain.conversation_state import ViewerState

__all__ = ["ConversationFilter", "ConversationViewerState"]


@strawberry.type(
    description="The viewer's own mute, archive and pin of a conversation; nobody else sees "
    "them. Changes reach the viewer's other devices through conversationUpdated."
)
class ConversationViewerState:
    muted: bool = strawberry.field(
        description="Muted now: a mute whose mutedUntil has passed is over."
    )
    muted_until: datetime | None = strawberry.field(
        description="When the mute ends; null while muted until unmuted, or when not muted."
    )
    archived: bool = strawberry.field(
        description="Left out of the default conversation list. A message from someone else "
        "brings it back, unless the conversation is muted."
    )
    pinned: bool = strawberry.field(description="Listed first (at most 5 per user).")
    pinned_at: datetime | None

    @classmethod
    def of(cls, state: ViewerState | None, now: datetime) -> ConversationViewerState:
        """``state`` as it is at ``now``; ``None`` (not a participant) is all off."""
        state = state or ViewerState()
        return cls(
            muted=state.muted(now),
            muted_until=state.shown_muted_until(now),
            archived=state.archived(now),
            pinned=state.pinned,
            pinned_at=state.pinned_at,
        )


@strawberry.input(description="Which of the viewer's conversations to list.")
class ConversationFilter:
    archived: bool = strawberry.field(
        default=False,
        description="true: only archived conversations; false (the default): all the others.",
    )
