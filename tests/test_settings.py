"""Settings refuse weak signing secrets outside the embedded default (SPEC §3)."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from tidings.settings import Settings

POSTGRES_URL = "postgresql+asyncpg://tidings@db.internal:5432/tidings"
REDIS_URL = "redis://cache.internal:6379/0"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TIDINGS_* variable from the developer's shell leaks in; no file lands in the repo."""
    for name in ["DATABASE_URL", "REDIS_URL", "JWT_SECRET", "JWT_ALGORITHM"]:
        monkeypatch.delenv(f"TIDINGS_{name}", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    "backing",
    [
        {"TIDINGS_DATABASE_URL": POSTGRES_URL},
        {"TIDINGS_REDIS_URL": REDIS_URL},
        {"TIDINGS_DATABASE_URL": POSTGRES_URL, "TIDINGS_REDIS_URL": REDIS_URL},
    ],
    ids=["postgres", "redis", "both"],
)
@pytest.mark.parametrize(
    "secret",
    [None, "", "changeme", "CHANGEME", "secret", "short-but-random-9f3k", "x" * 31],
    ids=["unset", "empty", "changeme", "CHANGEME", "secret", "short", "31-bytes"],
)
def test_production_refuses_a_missing_or_weak_secret(
    monkeypatch: pytest.MonkeyPatch, backing: dict[str, str], secret: str | None
) -> None:
    for name, value in backing.items():
        monkeypatch.setenv(name, value)
    if secret is not None:
        monkeypatch.setenv("TIDINGS_JWT_SECRET", secret)
    with pytest.raises(ValidationError, match="TIDINGS_JWT_SECRET"):
        Settings()


def test_the_error_tells_the_operator_how_to_make_a_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TIDINGS_DATABASE_URL", POSTGRES_URL)
    monkeypatch.setenv("TIDINGS_JWT_SECRET", "changeme")
    with pytest.raises(ValidationError, match="token_urlsafe"):
        Settings()


def test_a_secret_given_as_an_argument_is_checked_too() -> None:
    with pytest.raises(ValidationError, match="TIDINGS_JWT_SECRET"):
        Settings(database_url=POSTGRES_URL, jwt_secret="changeme")


@pytest.mark.parametrize(
    "backing",
    [
        {"TIDINGS_DATABASE_URL": POSTGRES_URL},
        {"TIDINGS_REDIS_URL": REDIS_URL},
        {"TIDINGS_DATABASE_URL": POSTGRES_URL, "TIDINGS_REDIS_URL": REDIS_URL},
    ],
    ids=["postgres", "redis", "both"],
)
def test_production_accepts_a_strong_secret(
    monkeypatch: pytest.MonkeyPatch, backing: dict[str, str]
) -> None:
    strong = secrets.token_urlsafe(36)
    assert len(strong) == 48
    for name, value in backing.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TIDINGS_JWT_SECRET", strong)
    settings = Settings()
    assert not settings.embedded
    assert settings.signing_secret == strong
    # The secret does not show up when settings are printed or logged.
    assert strong not in repr(settings)
    assert strong not in str(settings.model_dump())


def test_production_never_writes_a_secret_file(monkeypatch: pytest.MonkeyPatch) -> None:
    strong = secrets.token_urlsafe(36)
    monkeypatch.setenv("TIDINGS_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("TIDINGS_JWT_SECRET", strong)
    settings = Settings()
    assert settings.signing_secret == strong
    assert list(Path.cwd().iterdir()) == []


def test_embedded_default_needs_no_secret(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.embedded
    assert settings.is_sqlite
    assert settings.redis_url is None
    # The default database sits in the working directory; its secret file goes beside it.
    secret = settings.signing_secret
    assert len(secret) >= 32
    secret_file = tmp_path / "tidings.db.jwt-secret"
    assert secret_file.read_text().strip() == secret
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_embedded_secret_is_stable_for_one_database_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "chat.db"
    monkeypatch.setenv("TIDINGS_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    first = Settings().signing_secret
    # A restart (a new Settings object) signs with the same secret, so tokens survive it.
    second = Settings().signing_secret
    assert first == second
    assert (tmp_path / "chat.db.jwt-secret").read_text().strip() == first

    # Another database gets its own secret.
    other = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'other.db'}").signing_secret
    assert other != first


def test_embedded_mode_uses_a_configured_secret_without_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    strong = secrets.token_urlsafe(36)
    monkeypatch.setenv("TIDINGS_JWT_SECRET", strong)
    settings = Settings()
    assert settings.embedded
    assert settings.signing_secret == strong
    assert not (tmp_path / "tidings.db.jwt-secret").exists()


def test_in_memory_sqlite_gets_a_fresh_secret_and_no_file(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:")
    assert settings.embedded
    assert len(settings.signing_secret) >= 32
    assert list(tmp_path.iterdir()) == []
