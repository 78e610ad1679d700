"""The long-lived objects one process shares: built once in the lifespan, handed to requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tidings.db import create_engine, create_session_factory
from tidings.passwords import Passwords
from tidings.ratelimit import RateLimits, create_rate_limit_storage
from tidings.settings import Settings
from tidings.tokens import TokenIssuer

__all__ = ["Services", "open_services"]


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords
    tokens: TokenIssuer
    limits: RateLimits
    redis: Redis | None


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    """Create the engine, Redis client and helpers for ``settings``; dispose of them after."""
    engine = create_engine(settings)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    try:
        yield Services(
            settings=settings,
            engine=engine,
            sessions=create_session_factory(engine),
            passwords=Passwords(settings),
            tokens=TokenIssuer(settings),
            limits=RateLimits(settings, create_rate_limit_storage(settings)),
            redis=redis,
        )
    finally:
        if redis is not None:
            await redis.aclose()
        await engine.dispose()
