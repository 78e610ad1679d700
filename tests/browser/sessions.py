"""What the web client keeps of a login session (WEB_CONTRACT: localStorage, ``tidings:``
keys), read from the page so tests can tell the server about it, as another device would."""

from __future__ import annotations

import re

from playwright.async_api import Page

from tests.support.api import Api

__all__ = ["ME", "stored_access_token", "token_code"]

_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")  # access tokens are JWTs, refresh tokens not
ME = "{ me { user { id username } } }"


async def stored_access_token(page: Page) -> str:
    """The access token the app holds now."""
    values: list[str] = await page.evaluate(
        """() => Object.keys(localStorage)
            .filter(key => key.startsWith("tidings:"))
            .map(key => localStorage.getItem(key) ?? "")"""
    )
    tokens: set[str] = {token for value in values for token in _JWT.findall(value)}
    assert len(tokens) == 1, f"expected one access token under tidings:* keys, found {tokens}"
    return tokens.pop()


async def token_code(api: Api, token: str) -> str | None:
    """None while ``token`` is accepted, else the error code the server answers with."""
    body = await api.execute(ME, token=token)
    errors = body.get("errors")
    if not errors:
        return None
    code: str = errors[0]["extensions"]["code"]
    return code
