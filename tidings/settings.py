"""One typed settings object, read from ``TIDINGS_*`` environment variables."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

__all__ = ["Settings", "WeakSecretError"]

# Secrets that appear in examples and tutorials; refusing them outside the embedded default
# stops a copy-pasted config from reaching production.
_KNOWN_WEAK_SECRETS = frozenset({"changeme", "secret", "changethis", "tidings", "development"})
_MIN_SECRET_BYTES = 32


class WeakSecretError(ValueError):
    """Raised when a production configuration has no secret, or one that is too weak."""


def _weak(secret: str) -> bool:
    return len(secret.encode()) < _MIN_SECRET_BYTES or secret.lower() in _KNOWN_WEAK_SECRETS


class Settings(BaseSettings):
    """Everything an operator can set. Each field is ``TIDINGS_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="TIDINGS_", extra="ignore")

    # Storage and fan-out. SQLite + no Redis is the embedded default.
    database_url: str = "sqlite+aiosqlite:///./tidings.db"
    redis_url: str | None = None
    redis_namespace: str = "tidings"
    # Kept open once opened. An overflow connection is closed as soon as it is returned, so
    # under steady load overflow means connecting again and again (TLS negotiation included):
    # at 10 + 10 that was half of sendMessage's CPU (BENCHMARKS.md, issue 15). Same maximum.
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=0, ge=0)
    # Test each pooled connection before use: a round trip per checkout. Off, a connection
    # that died (a database restart) fails the one request that meets it with UNAVAILABLE,
    # and the pool replaces every connection older than that failure.
    db_pool_pre_ping: bool = False

    # Auth.
    jwt_secret: SecretStr | None = None
    # Comma-separated secrets of before a rotation: tokens they signed still verify (each
    # token names its key in the ``kid`` header); only ``jwt_secret`` signs new ones.
    jwt_previous_secrets: SecretStr | None = None
    jwt_algorithm: str = "HS256"
    access_token_ttl_seconds: int = Field(default=15 * 60, ge=1)
    refresh_token_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=1)
    # How long a login session found live is trusted without asking the database again, unless
    # its revocation is heard sooner (docs/operations.md, "Signing out"); 0 asks every time.
    session_cache_seconds: float = Field(default=60.0, ge=0)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    # Who may sign up: anyone (open), holders of an admin's invite code (invite), or nobody
    # (closed: accounts come from ``tidings admin create-user``). README "Administration".
    registration: Literal["open", "invite", "closed"] = "open"

    # Days a deleted account's username stays unregistrable (nobody can pose as them at once).
    deleted_username_quarantine_days: int = Field(default=30, ge=0)

    # Chat rules.
    group_max_participants: int = Field(default=1000, ge=2)

    # Rate limits, in the ``limits`` library's notation ("5/15 minutes").
    rate_limit_login_failures: str = "5/15 minutes"
    rate_limit_register: str = "10/hour"
    rate_limit_send_message: str = "30/minute"
    rate_limit_create_conversation: str = "10/hour"
    rate_limit_mark_read: str = "120/minute"
    rate_limit_set_typing: str = "120/minute"
    rate_limit_react: str = "120/minute"
    # Mute, archive and pin and their undoing, together (a client replaying queued changes
    # after being offline sends a burst).
    rate_limit_conversation_state: str = "120/minute"
    rate_limit_ws_connect: str = "10/minute"
    rate_limit_search_messages: str = "60/minute"

    # WebSockets.
    ws_max_sockets_per_user: int = Field(default=10, ge=1)
    ws_init_timeout_seconds: float = Field(default=10.0, gt=0)
    ws_ping_interval_seconds: float = Field(default=20.0, gt=0)
    ws_ping_timeout_seconds: float = Field(default=20.0, gt=0)
    # permessage-deflate costs ~35-40 KiB of server memory per socket (BENCHMARKS.md, (e));
    # chat frames are small, so it is off unless bandwidth matters more than memory.
    ws_compression: bool = False
    # Operations one socket may run at once (subscriptions, and queries or mutations in flight).
    ws_max_subscriptions_per_socket: int = Field(default=100, ge=1)
    # Events a subscription may have waiting; a subscriber further behind is disconnected.
    subscription_buffer: int = Field(default=1000, ge=10)
    # Comma-separated origins allowed to open WebSockets, or "*". Tokens travel in
    # connection_init, never in cookies, so "*" is safe; list origins to lock it down.
    allowed_origins: str = "*"
    # Comma-separated origins whose pages may call the HTTP API (CORS), or "*"; empty (the
    # default) allows none: the web client is served from the API's own origin. Browsers
    # cache an allowed preflight for cors_max_age_seconds.
    cors_origins: str = ""
    cors_max_age_seconds: int = Field(default=600, ge=0)
    typing_ttl_seconds: float = Field(default=6.0, gt=0)
    # Presence: connection records expire after the TTL unless refreshed; OFFLINE is announced
    # after the grace period without a reconnect; every instance sweeps for lapsed records.
    presence_ttl_seconds: float = Field(default=30.0, gt=0)
    presence_refresh_seconds: float = Field(default=15.0, gt=0)
    presence_grace_seconds: float = Field(default=5.0, ge=0)
    presence_sweep_seconds: float = Field(default=5.0, gt=0)
    # How often delivered marks are written and receipt events published (≤ 1 s).
    receipt_flush_seconds: float = Field(default=0.25, gt=0, le=1)

    # Seconds a SIGTERM'd instance lets in-flight requests finish.
    shutdown_grace_seconds: int = Field(default=20, ge=0)

    # Query limits.
    max_query_depth: int = Field(default=10, ge=1)
    max_aliases: int = Field(default=20, ge=1)
    max_tokens: int = Field(default=5000, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    introspection: bool = True
    # GraphiQL in a browser at /graphql; switch it (and introspection) off in production.
    graphiql: bool = True

    # The built web client served at "/"; unset = the bundle inside the package.
    web_dist_dir: Path | None = None

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        if self.embedded:
            return self
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if not secret:
            raise WeakSecretError(
                "TIDINGS_JWT_SECRET is required when PostgreSQL or Redis is configured"
            )
        if _weak(secret):
            raise WeakSecretError(
                f"TIDINGS_JWT_SECRET must be at least {_MIN_SECRET_BYTES} random bytes; "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        if any(_weak(previous) for previous in self.previous_signing_secrets):
            raise WeakSecretError(
                f"each of TIDINGS_JWT_PREVIOUS_SECRETS must be at least {_MIN_SECRET_BYTES} "
                "random bytes (a weak one would let anyone forge tokens)"
            )
        return self

    @property
    def previous_signing_secrets(self) -> list[str]:
        """The secrets of before a rotation, which verify tokens but sign none."""
        if self.jwt_previous_secrets is None:
            return []
        listed = self.jwt_previous_secrets.get_secret_value().split(",")
        return [secret.strip() for secret in listed if secret.strip()]

    @property
    def allowed_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.allowed_origins.split(",") if origin.strip()]

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    @property
    def embedded(self) -> bool:
        """The zero-configuration mode: SQLite and in-process fan-out, one process."""
        return self.is_sqlite and self.redis_url is None

    @cached_property
    def signing_secret(self) -> str:
        """The JWT secret; the embedded default keeps a random one beside its database file."""
        if self.jwt_secret is not None and self.jwt_secret.get_secret_value():
            return self.jwt_secret.get_secret_value()
        database = make_url(self.database_url).database
        if not database or database == ":memory:":
            return secrets.token_urlsafe(48)
        path = Path(f"{database}.jwt-secret")
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
