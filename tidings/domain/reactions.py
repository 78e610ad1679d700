"""Reaction rules: which strings are a reaction, and how many kinds a message may carry.

A reaction is one emoji as Unicode lists it (``emoji.is_emoji``: one code point, a
skin-toned or ZWJ sequence, a flag, a keycap), never free text: what Slack, WhatsApp and
Matrix clients show as a reaction. An emoji written without its variation selector (U+FE0F)
is stored in its fully-qualified form, so ``❤`` and ``❤️`` count as one reaction.
"""

from __future__ import annotations

import emoji

from tidings.errors import ValidationFailed

__all__ = ["MAX_DISTINCT_EMOJI", "SHOWN_REACTORS", "clean_emoji"]

# Distinct emoji on one message: a 21st kind is refused with CONFLICT (the emoji itself is
# fine; the message is full). Users may still join any of the 20.
MAX_DISTINCT_EMOJI = 20
# Reactors a reaction names (``users(first:)`` at most); ``count`` is always exact.
SHOWN_REACTORS = 25

_FULLY_QUALIFIED = emoji.STATUS["fully_qualified"]
_VARIATION_SELECTOR = "\ufe0f"


def clean_emoji(value: str, field: str = "emoji") -> str:
    """One emoji, in its fully-qualified form; ``VALIDATION_ERROR`` otherwise."""
    candidate = value.strip()
    data = emoji.EMOJI_DATA.get(candidate)
    if data is None:
        raise ValidationFailed(field, "A reaction is a single emoji")
    if data["status"] == _FULLY_QUALIFIED:
        return candidate
    # "❤" -> "❤️": the selector goes after the first code point.
    qualified = candidate[0] + _VARIATION_SELECTOR + candidate[1:]
    found = emoji.EMOJI_DATA.get(qualified)
    if found is not None and found["status"] == _FULLY_QUALIFIED:
        return qualified
    if data["status"] == emoji.STATUS["component"]:
        raise ValidationFailed(field, "A reaction is a single emoji")
    return candidate
