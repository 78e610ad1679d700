"""Reaching the real PostgreSQL and Redis the suite runs against, or saying why it cannot."""

from __future__ import annotations

import os
import socket

__all__ = ["POSTGRES_ADMIN_URL", "POSTGRES_TEST_DB", "REDIS_URL", "in_ci", "unreachable"]

POSTGRES_HOST = os.environ.get("TIDINGS_TEST_PG_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("TIDINGS_TEST_PG_PORT", "5432"))
POSTGRES_USER = os.environ.get("TIDINGS_TEST_PG_USER", "postgres")
# One database per test run, so parallel runs on one machine do not trample each other.
POSTGRES_TEST_DB = os.environ.get("TIDINGS_TEST_PG_DATABASE", f"tidings_test_{os.getpid()}")
POSTGRES_ADMIN_URL = (
    f"postgresql+asyncpg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/postgres"
)
REDIS_HOST = os.environ.get("TIDINGS_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TIDINGS_TEST_REDIS_PORT", "6379"))
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unreachable() -> str | None:
    """Why PostgreSQL or Redis cannot be reached, or None when both answer."""
    for name, host, port in (
        ("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT),
        ("Redis", REDIS_HOST, REDIS_PORT),
    ):
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError as error:
            return f"{name} at {host}:{port} is unreachable ({error})"
    return None
