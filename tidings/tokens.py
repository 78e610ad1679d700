"""Access tokens (JWT, short-lived) and refresh tokens (opaque, stored hashed).

Key rotation: every access token names its signing key in its ``kid`` header, a short hash of
the secret (never the secret). The current secret signs; it and the previous ones
(``TIDINGS_JWT_PREVIOUS_SECRETS``) verify, so rotating the secret signs nobody out.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from tidings.clock import Clock, SystemClock
from tidings.errors import TokenExpired, Unauthenticated
from tidings.settings import Settings

__all__ = ["AccessClaims", "TokenIssuer", "hash_refresh_token", "key_id"]

# ~1 KiB a token: 10,000 clients active within a token's lifetime cost ~10 MiB.
MAX_VERIFIED = 10_000


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says: who, and which login session."""

    user_id: uuid.UUID
    session_id: uuid.UUID


def hash_refresh_token(token: str) -> str:
    """The stored form of a refresh token (it has 256 random bits, so SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def key_id(secret: str) -> str:
    """The ``kid`` naming the key ``secret``: 16 hex digits of a hash, which tells nothing of
    the secret (it has at least 256 random bits) but tells the keys apart."""
    return hashlib.sha256(b"tidings-jwt-kid:" + secret.encode()).hexdigest()[:16]


class TokenIssuer:
    """Signs and checks access tokens, mints refresh tokens."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._secret = settings.signing_secret
        self._kid = key_id(self._secret)
        # Every key that verifies, by kid: the current one first.
        self._keys = {
            key_id(secret): secret for secret in [self._secret, *settings.previous_signing_secrets]
        }
        self._algorithm = settings.jwt_algorithm
        self.access_ttl = timedelta(seconds=settings.access_token_ttl_seconds)
        self.refresh_ttl = timedelta(seconds=settings.refresh_token_ttl_seconds)
        # Tokens verified before, with their claims: a client sends the same token with every
        # request, so most skip the signature check and parsing (their times are still checked
        # on the clock; the keys are fixed for the process's life). Only valid tokens enter;
        # oldest use first, bounded.
        self._verified: collections.OrderedDict[str, tuple[AccessClaims, dict[str, Any]]] = (
            collections.OrderedDict()
        )

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
        token = jwt.encode(
            claims, self._secret, algorithm=self._algorithm, headers={"kid": self._kid}
        )
        return token, expires_at

    def read_access_token(self, token: str, *, keep: bool = True) -> AccessClaims:
        """Check signature and expiry; raise ``TOKEN_EXPIRED`` or ``UNAUTHENTICATED``.

        ``keep=False``: a token read once (a socket's) is not kept for next time; 10,000
        sockets' tokens would hold ~10 MiB for nothing."""
        verified = self._verified.get(token)
        if verified is None:
            access = self._read(token)
            if not keep:
                return access[0]
            self._verified[token] = access
            if len(self._verified) > MAX_VERIFIED:
                self._verified.popitem(last=False)
            return access[0]
        try:
            self._check_times(verified[1])
        except jwt.ExpiredSignatureError:
            del self._verified[token]
            raise TokenExpired("The access token has expired; refresh it") from None
        except jwt.PyJWTError:
            raise Unauthenticated("The access token is not valid") from None
        self._verified.move_to_end(token)
        return verified[0]

    def _read(self, token: str) -> tuple[AccessClaims, dict[str, Any]]:
        try:
            claims = self._decode(token)
        except jwt.ExpiredSignatureError:
            raise TokenExpired("The access token has expired; refresh it") from None
        except jwt.PyJWTError:
            raise Unauthenticated("The access token is not valid") from None
        try:
            if claims.get("typ") != "access":
                raise ValueError
            return AccessClaims(uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"])), claims
        except (ValueError, TypeError):
            raise Unauthenticated("The access token is not valid") from None

    def _decode(self, token: str) -> dict[str, Any]:
        """The claims, verified with the key the token's ``kid`` names. A token without a kid
        predates them: each key that verifies is tried. An unknown kid is a key retired or
        never ours."""
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None:
            keys = list(self._keys.values())
        elif isinstance(kid, str) and kid in self._keys:
            keys = [self._keys[kid]]
        else:
            raise jwt.InvalidKeyError("unknown kid")
        for key in keys[:-1]:
            with contextlib.suppress(jwt.InvalidSignatureError):
                return self._decode_with(token, key)
        return self._decode_with(token, keys[-1])

    def _decode_with(self, token: str, key: str) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[self._algorithm],
            # Times are checked against the clock below, as PyJWT would check them.
            options={"require": ["sub", "sid", "exp"], "verify_exp": False, "verify_iat": False},
        )
        self._check_times(claims)
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        """``exp`` passed or ``iat`` to come, on the clock (PyJWT's errors, no leeway)."""
        now = int(self._clock.now().timestamp())
        try:
            expires = int(claims["exp"])
            issued = int(claims["iat"]) if "iat" in claims else None
        except (TypeError, ValueError):
            raise jwt.DecodeError("exp and iat must be integers") from None
        if expires <= now:
            raise jwt.ExpiredSignatureError("Signature has expired")
        if issued is not None and issued > now:
            raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")

    @staticmethod
    def refresh_token() -> str:
        return secrets.token_urlsafe(32)
