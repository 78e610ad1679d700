"""Signed-in actors for in-process tests that call the actions directly."""

from __future__ import annotations

from tidings.actions import accounts
from tidings.actions.actor import Actor, Caller, Viewer
from tidings.services import Services

__all__ = ["PASSWORD", "sign_up"]

PASSWORD = "correct horse battery"


async def sign_up(services: Services, username: str) -> tuple[Actor, accounts.IssuedTokens]:
    """A new account, signed in: its actor and the tokens it was issued."""
    issued = await accounts.register(
        Caller.of(services),
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        display_name=None,
    )
    return Actor.signed_in(services, Viewer(issued.user.id, issued.session_id)), issued
