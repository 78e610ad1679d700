"""Apply Alembic migrations: the only way the database schema is made."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

__all__ = ["alembic_config", "upgrade"]

# In a clone, alembic.ini and migrations/ are beside the package; a wheel carries them inside
# it (``force-include`` in pyproject.toml), so an installed ``tidings migrate`` works too.
_PACKAGE = Path(__file__).resolve().parent
_ROOT = _PACKAGE if (_PACKAGE / "migrations").is_dir() else _PACKAGE.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` up to ``revision`` (blocking; call before serving)."""
    command.upgrade(alembic_config(database_url), revision)
