"""Prometheus metrics (``/metrics``), one registry per app. Names are ``tidings_*``."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["Metrics"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.operations = Counter(
            "tidings_operations",
            "GraphQL operations by name, type and outcome (ok or the error code).",
            ["operation", "type", "outcome"],
            registry=r,
        )
        self.send_latency = Histogram(
            "tidings_send_message_seconds",
            "sendMessage: from the action starting (after sign-in) to the committed message.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.delivery_latency = Histogram(
            "tidings_delivery_seconds",
            (
                "From a message's commit to this instance handing it to its local subscribers' "
                "sockets (once per message and instance)."
            ),
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.pubsub_lag = Histogram(
            "tidings_pubsub_lag_seconds",
            "From publishing an event to this instance receiving it.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.subscriptions = Gauge(
            "tidings_active_subscriptions",
            "Live GraphQL subscriptions by field.",
            ["field"],
            registry=r,
        )
        self.pubsub_reconnects = Counter(
            "tidings_pubsub_reconnects",
            "Times the Redis pub/sub connection was lost and restored.",
            registry=r,
        )
        self.unreadable_events = Counter(
            "tidings_unreadable_events",
            "Events this instance could not read (another release's version during a rolling "
            "deploy, or an unknown type), by type and version.",
            ["type", "version"],
            registry=r,
        )
        self.backfills = Counter(
            "tidings_backfills",
            "Times a subscription filled a gap or an outage from the database.",
            ["reason"],
            registry=r,
        )
        self.rate_limited = Counter(
            "tidings_rate_limit_rejections",
            "Requests refused by a rate limit, by action.",
            ["action"],
            registry=r,
        )
        self.rate_limit_unavailable = Counter(
            "tidings_rate_limit_unavailable",
            "Requests let through unchecked because the rate-limit storage was unreachable.",
            ["action"],
            registry=r,
        )
        self.gc_pauses = Histogram(
            "tidings_gc_pause_seconds",
            "Time the process stood still collecting garbage, by generation.",
            ["generation"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.slow_subscribers = Counter(
            "tidings_slow_subscribers_disconnected",
            "Sockets closed because a subscription fell too far behind.",
            registry=r,
        )

    @contextlib.contextmanager
    def watching_gc(self) -> Iterator[None]:
        """Time every garbage collection while the block runs (the whole event loop waits)."""
        started = 0.0

        def on_gc(phase: str, info: dict[str, int]) -> None:
            nonlocal started
            if phase == "start":
                started = time.perf_counter()
            else:
                pause = time.perf_counter() - started
                self.gc_pauses.labels(str(info["generation"])).observe(pause)

        gc.callbacks.append(on_gc)
        try:
            yield
        finally:
            gc.callbacks.remove(on_gc)

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A gauge read when scraped (open sockets, pool use)."""
        Gauge(name, documentation, registry=self.registry).set_function(read)
