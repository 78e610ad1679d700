"""A participant's own view of a conversation: muted, archived, pinned (issue 16 item 4).

Pure rules over one participant's stored state, so the GraphQL fields, the live events and
the inbox's SQL filter (``tidings.queries.conversation_state``) agree on what each means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["MAX_PINNED", "ViewerState"]

# Pinned conversations per user, as WhatsApp limits them (it allows 3, Telegram 5).
MAX_PINNED = 5


@dataclass(frozen=True, slots=True)
class ViewerState:
    """What a participant stored about a conversation, and whether a message from someone
    else came after they archived it (``reopened``)."""

    muted_at: datetime | None = None
    muted_until: datetime | None = None
    archived_at: datetime | None = None
    pinned_at: datetime | None = None
    reopened: bool = False

    def muted(self, now: datetime) -> bool:
        """Muted until unmuted, or until ``muted_until``: a mute whose end has passed is over."""
        if self.muted_at is None:
            return False
        return self.muted_until is None or self.muted_until > now

    def shown_muted_until(self, now: datetime) -> datetime | None:
        return self.muted_until if self.muted(now) else None

    def archived(self, now: datetime) -> bool:
        """Archived, unless a message from someone else came since and it is not muted (as in
        WhatsApp: a muted archived conversation stays archived)."""
        if self.archived_at is None:
            return False
        return not self.reopened or self.muted(now)

    @property
    def pinned(self) -> bool:
        return self.pinned_at is not None
