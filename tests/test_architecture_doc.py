"""docs/architecture.md stays true: every path it names exists, and it lists every action."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text()
ACTION_MODULES = [
    "accounts",
    "admin",
    "blocks",
    "conversation_state",
    "conversations",
    "deletion",
    "invites",
    "messages",
    "presence",
    "reactions",
    "search",
    "sessions",
]


def test_every_path_it_names_exists() -> None:
    named = set(re.findall(r"`?((?:tidings|tests|web|docs|migrations)/[\w./]*)", DOC))
    assert len(named) > 20
    missing = sorted(path for path in named if not (ROOT / path.rstrip("/.")).exists())
    assert missing == []


def test_it_lists_every_action_with_its_module() -> None:
    for name in ACTION_MODULES:
        module = importlib.import_module(f"tidings.actions.{name}")
        actions = [entry for entry in module.__all__ if callable(getattr(module, entry))]
        actions = [action for action in actions if action.islower()]
        assert actions
        for action in actions:
            listed = re.search(rf"`{action}`[^.]*?\(`{name}\.py`\)", DOC)
            assert listed, f"docs/architecture.md does not list {name}.{action}"
