"""Access tokens (JWT, short-lived) and refresh tokens (opaque, stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from tidings.errors import TokenExpired, Unauthenticated
from tidings.settings import Settings

__all__ = ["AccessClaims", "TokenIssuer", "hash_refresh_token"]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says: who, and which login session."""

    user_id: uuid.UUID
    session_id: uuid.UUID


def hash_refresh_token(token: str) -> str:
    """The stored form of a refresh token (it has 256 random bits, so SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenIssuer:
    """Signs and checks access tokens, mints refresh tokens."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.signing_secret
        self._algorithm = settings.jwt_algorithm
        self.access_ttl = timedelta(seconds=settings.access_token_ttl_seconds)
        self.refresh_ttl = timedelta(seconds=settings.refresh_token_ttl_seconds)

    def access_token(
        self, *, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime
    ) -> tuple[str, datetime]:
        expires_at = now + self.access_ttl
        claims = {
            "sub": str(user_id),
            "sid": str(session_id),
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "typ": "access",
        }
        return jwt.encode(claims, self._secret, algorithm=self._algorithm), expires_at

    def read_access_token(self, token: str) -> AccessClaims:
        """Check signature and expiry; raise ``TOKEN_EXPIRED`` or ``UNAUTHENTICATED``."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                options={"require": ["sub", "sid", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpired("The access token has expired; refresh it") from None
        except jwt.PyJWTError:
            raise Unauthenticated("The access token is not valid") from None
        try:
            if claims.get("typ") != "access":
                raise ValueError
            return AccessClaims(uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"]))
        except (ValueError, TypeError):
            raise Unauthenticated("The access token is not valid") from None

    @staticmethod
    def refresh_token() -> str:
        return secrets.token_urlsafe(32)
