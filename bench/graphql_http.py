"""GraphQL over HTTP with aiohttp (its C parser keeps the load generator's cost low)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

__all__ = ["GraphQLFailure", "GraphQLHttp"]


class GraphQLFailure(RuntimeError):
    """The response carried errors, or was not a GraphQL response at all."""


class GraphQLHttp:
    def __init__(self, base_url: str, *, connections: int = 100) -> None:
        self.url = base_url.rstrip("/") + "/graphql"
        self.base_url = base_url.rstrip("/")
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def __aenter__(self) -> GraphQLHttp:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.session.close()

    async def data(
        self, query: str, variables: dict[str, Any], *, token: str | None = None
    ) -> dict[str, Any]:
        """The ``data`` of a successful response; ``GraphQLFailure`` otherwise."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"query": query, "variables": variables})
        async with self.session.post(self.url, data=body, headers=headers) as response:
            raw = await response.read()
        try:
            result = json.loads(raw)
        except ValueError:
            raise GraphQLFailure(f"HTTP {response.status}: {raw[:200]!r}") from None
        if result.get("errors") or not isinstance(result.get("data"), dict):
            raise GraphQLFailure(json.dumps(result.get("errors"))[:500])
        data: dict[str, Any] = result["data"]
        return data

    async def post_text(self, path: str, text: str) -> int:
        """POST a plain body (the baseline server's publish endpoint); the status code."""
        async with self.session.post(self.base_url + path, data=text.encode()) as response:
            await response.read()
            return response.status

    async def get_json(self, path: str) -> Any:
        async with self.session.get(self.base_url + path) as response:
            return json.loads(await response.read())

    async def get_text(self, path: str) -> str:
        async with self.session.get(self.base_url + path) as response:
            return (await response.read()).decode()
