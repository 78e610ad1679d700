"""A small GraphQL-over-HTTP client for tests (httpx), with sign-up helpers: to a server's
URL, or to the app in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.server import CLIENT, LocalApp

__all__ = ["Account", "Api", "GraphQLFailure"]


class GraphQLFailure(AssertionError):
    """The response had errors where the test expected data."""


@dataclass
class Account:
    id: str
    username: str
    access_token: str
    refresh_token: str
    password: str


REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) {
    accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt
    user { id username displayName }
  }
}
"""


class Api:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    @classmethod
    @asynccontextmanager
    async def connect(cls, base_url: str) -> AsyncIterator[Api]:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            yield cls(http)

    @classmethod
    @asynccontextmanager
    async def to_app(cls, app: LocalApp) -> AsyncIterator[Api]:
        """Requests handed to ``app`` in this process, from loopback (``server.CLIENT``)."""
        transport = httpx.ASGITransport(app=app, client=CLIENT)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1", timeout=30
        ) as http:
            yield cls(http)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The whole response body (``data`` and ``errors``)."""
        response = await self.post(query, variables, token=token, headers=headers)
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """``data``, failing the test if there were errors."""
        body = await self.execute(query, variables, token=token)
        if body.get("errors"):
            raise GraphQLFailure(body["errors"])
        data: dict[str, Any] = body["data"]
        return data

    async def error(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The single error of a failing request."""
        body = await self.execute(query, variables, token=token, headers=headers)
        errors = body.get("errors") or []
        assert len(errors) == 1, body
        error: dict[str, Any] = errors[0]
        return error

    async def register(
        self,
        username: str,
        *,
        password: str = "correct horse battery",
        display_name: str | None = None,
        email: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Account:
        variables = {
            "input": {
                "username": username,
                "email": email or f"{username}@example.com",
                "password": password,
                "displayName": display_name,
            }
        }
        body = await self.execute(REGISTER, variables, headers=headers)
        if body.get("errors"):
            raise GraphQLFailure(body["errors"])
        payload = body["data"]["register"]
        return Account(
            id=payload["user"]["id"],
            username=payload["user"]["username"],
            access_token=payload["accessToken"],
            refresh_token=payload["refreshToken"],
            password=password,
        )
