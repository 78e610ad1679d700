"""The long-lived objects one process shares: built once in the lifespan, handed to requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tidings.clock import Clock, SystemClock
from tidings.connections import ConnectionStore, MemoryConnections, RedisConnections
from tidings.db import create_engine, create_read_session_factory, create_session_factory
from tidings.live_sessions import LiveSessions
from tidings.metrics import Metrics
from tidings.passwords import Passwords
from tidings.ratelimit import RateLimits, create_rate_limit_storage
from tidings.realtime.hub import Hub
from tidings.realtime.presence import Presence
from tidings.realtime.publish import Channels, Events
from tidings.realtime.pubsub import create_backend
from tidings.realtime.receipts import ReceiptDesk
from tidings.realtime.sockets import Sockets
from tidings.settings import Settings
from tidings.tokens import TokenIssuer

__all__ = ["Services", "connect_pubsub_redis", "connect_redis", "open_services"]


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # For operations that only read (GraphQL queries): no transaction on PostgreSQL.
    reads: async_sessionmaker[AsyncSession]
    passwords: Passwords
    tokens: TokenIssuer
    # Login sessions recently found live (not to be confused with ``sessions``, the database's).
    live_sessions: LiveSessions
    limits: RateLimits
    redis: Redis | None
    hub: Hub
    events: Events
    sockets: Sockets
    presence: Presence
    receipts: ReceiptDesk
    metrics: Metrics
    clock: Clock

    @property
    def channels(self) -> Channels:
        return self.events.channels


def connect_redis(url: str) -> Redis:
    """The shared Redis client. Its pooled connections all die when Redis restarts, each found
    dead only by the next command sent on it: that command is retried on a new connection
    (twice, after up to 0.1 and 0.2 s) rather than failed, and a connection idle for 10 s is
    checked with a PING before use."""
    return Redis.from_url(
        url,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.2), retries=2),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=10,
    )


def connect_pubsub_redis(url: str) -> Redis:
    """The pub/sub backend's client: no retries, since the backend must see every lost
    connection to tell its feeds to fill what they missed."""
    return Redis.from_url(url, health_check_interval=10, socket_keepalive=True)


@asynccontextmanager
async def open_services(
    settings: Settings, *, clock: Clock | None = None
) -> AsyncIterator[Services]:
    """Create the engine, Redis clients and components for ``settings``, start them, and stop
    and dispose of them after, in reverse order; a start that fails closes what had started.

    ``clock`` is the time they go by: the system's unless a test hands in one it moves."""
    clock = clock or SystemClock()
    async with AsyncExitStack() as stack:
        engine = create_engine(settings)
        stack.push_async_callback(engine.dispose)
        redis = pubsub_redis = None
        if settings.redis_url:
            redis = connect_redis(settings.redis_url)
            stack.push_async_callback(redis.aclose)
            pubsub_redis = connect_pubsub_redis(settings.redis_url)
            stack.push_async_callback(pubsub_redis.aclose)
        channels = Channels(settings.redis_namespace)
        metrics = Metrics()
        hub = Hub(
            create_backend(pubsub_redis, namespace=settings.redis_namespace),
            metrics=metrics,
            buffer=settings.subscription_buffer,
        )
        sessions = create_session_factory(engine)
        events = Events(hub, channels)
        store: ConnectionStore = (
            RedisConnections(
                redis, namespace=settings.redis_namespace, ttl=settings.presence_ttl_seconds
            )
            if redis is not None
            else MemoryConnections()
        )
        presence = Presence(
            store=store,
            sessions=sessions,
            events=events,
            grace=settings.presence_grace_seconds,
            sweep_every=settings.presence_sweep_seconds,
            # Each instance restores its records on reconnecting, else with its next refresh.
            restore_within=2 * settings.presence_refresh_seconds,
            clock=clock,
        )
        sockets = Sockets(
            store=store,
            presence=presence,
            hub=hub,
            channels=channels,
            sessions=sessions,
            max_per_user=settings.ws_max_sockets_per_user,
            refresh_every=settings.presence_refresh_seconds,
        )
        receipts = ReceiptDesk(
            sessions=sessions, events=events, flush_every=settings.receipt_flush_seconds
        )
        live_sessions = LiveSessions(
            hub=hub,
            channel=channels.sessions,
            clock=clock,
            seconds=settings.session_cache_seconds,
        )
        _watch_pools(metrics, engine, sockets)
        for component in (hub, live_sessions, sockets, presence, receipts):
            await component.start()
            stack.push_async_callback(component.stop)
        stack.enter_context(metrics.watching_gc())
        yield Services(
            settings=settings,
            engine=engine,
            sessions=sessions,
            reads=create_read_session_factory(engine),
            passwords=Passwords(settings),
            tokens=TokenIssuer(settings, clock=clock),
            live_sessions=live_sessions,
            limits=RateLimits(settings, create_rate_limit_storage(settings, redis), metrics),
            redis=redis,
            hub=hub,
            events=events,
            sockets=sockets,
            presence=presence,
            receipts=receipts,
            metrics=metrics,
            clock=clock,
        )


def _watch_pools(metrics: Metrics, engine: AsyncEngine, sockets: Sockets) -> None:
    metrics.gauge("tidings_open_sockets", "WebSockets open on this instance.", sockets.__len__)
    pool = engine.sync_engine.pool
    metrics.gauge(
        "tidings_db_pool_checked_out",
        "Database connections in use.",
        lambda: float(getattr(pool, "checkedout", lambda: 0)()),
    )
    metrics.gauge(
        "tidings_db_pool_size",
        "Database connections the pool keeps.",
        lambda: float(getattr(pool, "size", lambda: 0)()),
    )
