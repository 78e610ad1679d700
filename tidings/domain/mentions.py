"""Which usernames a message's content names with ``@``.

``@bob`` mentions the user ``bob`` if they are in the conversation (resolved by the action,
not here). As in Slack, a mention starts a word: ``bob@example.com`` names nobody. Usernames
are case-insensitive and may end with a dot, so ``@bob.`` at the end of a sentence offers
both ``bob.`` and ``bob``; only names of participants count.
"""

from __future__ import annotations

import re

__all__ = ["mentioned_usernames"]

_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.]{3,30})")


def mentioned_usernames(content: str) -> set[str]:
    """Every username ``content`` may mention, lower-cased (empty without an ``@``)."""
    if "@" not in content:
        return set()
    names: set[str] = set()
    for match in _MENTION.finditer(content):
        name = match.group(1).lower()
        names.add(name)
        trimmed = name.rstrip(".")
        if len(trimmed) >= 3:
            names.add(trimmed)
    return names
